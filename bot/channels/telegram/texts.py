"""What the Telegram channel says on its own (linking, commands, buttons), as msgids.

Handlers word these with aiogram's `gettext`, whose locale the I18n middleware takes from
the citizen's stored language: the same catalogs and the same choice as SMS. Case notices
are worded by `bot.wording.notice_texts`, as for SMS.
"""

from __future__ import annotations

from bot.wording.texts import N_

# TRANSLATORS: the answer to /start. Keep "eGov": the e-government portal's name.
WELCOME = N_(
    "Hello! This is the state's proactive service for social benefits. Offers and "
    "notices come by SMS; link this chat and they will come here too, with buttons. To "
    "link, share your phone number with the button below: it must be the number "
    "registered for eGov."
)
# TRANSLATORS: the button that shares the person's own phone number with the bot.
SHARE_CONTACT = N_("Share my phone number")
# TRANSLATORS: a contact was shared that is not the sender's own (forwarded or typed).
NOT_OWN_CONTACT = N_(
    "This is not your own contact, so we cannot link it. Press «Share my phone number»: "
    "Telegram then confirms that the number is yours."
)
# TRANSLATORS: the shared number is not a Kazakhstan mobile number.
NOT_A_MOBILE = N_("This is not a Kazakhstan mobile number. Share the number registered for eGov.")
# TRANSLATORS: {phone} is masked, e.g. "+7 701 *** ** 67".
UNKNOWN_PHONE = N_(
    "The number {phone} is not registered for eGov, so we cannot link it. Register it on "
    "egov.kz or at the State Corporation, or call 1414."
)
REGISTRY_UNAVAILABLE = N_(
    "We cannot check the number right now. Please share it again in a few minutes."
)
# TRANSLATORS: {phone} is masked, e.g. "+7 701 *** ** 67".
LINKED = N_(
    "This chat is linked to {phone}. Offers and notices will come here too; SMS continue. "
    "/status — your applications, /stop — unlink."
)
UNLINKED = N_(
    "This chat is unlinked. Offers and notices will come by SMS only. /start links it again."
)
NOT_LINKED = N_("This chat is not linked yet. Share your phone number with the button below.")
HELP = N_(
    "Answer offers with the buttons or in words, as by SMS. /status — your applications "
    "and decisions; /language — the language; /stop — unlink this chat (SMS continue). "
    "Information: 1414."
)
CHOOSE_LANGUAGE = N_("Choose the language:")
# TRANSLATORS: said in the chosen language, after a language button was pressed.
LANGUAGE_SET = N_("From now on we write to you in this language.")
# TRANSLATORS: a short pop-up: the button was pressed before, or its question is over.
ALREADY_ANSWERED = N_("Already answered")
STATUS_HEAD = N_("Your applications:")
STATUS_NONE = N_("You have no applications.")
# TRANSLATORS: one line of /status: {code} is the 3-digit code, {service} a benefit name,
# {state} what stands, e.g. "417 — burial payment: the benefit has been assigned".
STATUS_LINE = N_("{code} — {service}: {state}")
# TRANSLATORS: {state} followed by the amount, e.g. "the benefit has been assigned, 224 900 ₸".
WITH_AMOUNT = N_("{state}, {amount}")
# What stands in a case that is still open or being processed; closed ones use
# bot.wording.notice_texts.OUTCOMES.
STATES = {
    "offered": N_("waiting for your consent"),
    "awaiting_account": N_("waiting for your bank account"),
    "registered": N_("the application is being processed"),
    "under_review": N_("the application is being processed"),
}
# TRANSLATORS: appended to a case being processed; {date} and {time} like "28.11.2026", "18:30".
DECISION_BY = N_("{state}, decision by {time} on {date}")
