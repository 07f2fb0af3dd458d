"""The SMS a citizen receives for each notice of a case, worded from the kk and ru catalogs.

The domain says *what* to tell (a `Notice`: its kind and parameters); this module says it in
the citizen's language, within the SMS budget: the offer and the refusal at most three UCS-2
segments per language, every other message at most two. Lists that may not fit (failed
checks, refusal reasons, open cases) show as many items as fit and say how many more there
are; a first name that tells two offers apart is left out where it would not fit.

Every rendering records the template it used and a short hash of the catalog wording
(`template_version`), so the consent ledger can tell which words the citizen saw.
Dates are numeric ("25.11.2026") and times "18:30", both in Asia/Almaty; money is
formatted by Babel ("224 900,00 ₸").
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Literal

from babel.dates import format_date as babel_format_date
from babel.dates import format_time as babel_format_time
from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.wording.texts import (
    BABEL_LOCALE,
    BENEFIT_NAMES,
    N_,
    N_plural,
    PluralText,
    capitalized,
    format_money,
    format_number,
    language,
    translations,
)
from domain.calendar import ALMATY
from domain.model import BurialCheck, DisabilityCheck, Language, ReasonCode, Service
from domain.notices import Notice, NoticeKind, ParamValue
from domain.sms import segments

OFFER_SEGMENTS = 3  # the offer: at most three UCS-2 segments in each language
REFUSAL_SEGMENTS = 3  # the refusal: its reasons, where to read them in full, the appeal
NOTICE_SEGMENTS = 2  # every other message
BILINGUAL_SEPARATOR = "\n\n"  # language unknown: Kazakh first, then Russian
VERSION_LENGTH = 12  # hex digits of sha256 kept as the template version
DATE_PATTERN = "dd.MM.yyyy"  # numeric in both languages: shorter than words, unambiguous
TIME_PATTERN = "HH:mm"

LanguageTag = Literal["kk", "ru", "kk+ru"]


class NoticeContext(BaseModel):
    """What the texts of one case may mention besides a notice's own parameters."""

    model_config = ConfigDict(frozen=True)

    service: Service
    code: str = Field(pattern=r"^[0-9]{3}$")  # quoted in replies when a phone has two cases
    amount: Decimal | None = None  # what the offer is about: one-time, or per month
    monthly: bool = False
    bank_name: str | None = None  # of the account on file, in the message's language
    expires_at: datetime | None = None  # when the offer lapses
    application_number: str | None = None
    account_last4: str | None = None  # of the account the benefit is paid to
    for_child: bool = False  # offered to a representative for the child it is about
    subject_name: str | None = None  # the first name of whom it is about, if not the addressee

    @field_validator("expires_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.utcoffset() is None:
            raise ValueError("expires_at must be timezone-aware")
        return value


class Rendered(BaseModel):
    """A text ready to send, with the template and the version of the wording it used."""

    model_config = ConfigDict(frozen=True)

    text: str
    template_id: str
    template_version: str
    language: LanguageTag


class ShellNotice(StrEnum):
    """Messages the shell sends on its own, outside a case's conversation."""

    WHICH_CASE = "which_case"  # a reply without a code, and the phone has two or more open cases
    OPERATOR_HANDOFF = "operator_handoff"  # too many replies not understood: 1414 calls back
    STOPPED = "stopped"  # STOP acknowledged: nothing more is sent on this case
    TELEGRAM_LINK = "telegram_link"  # asked for by TG: the deep link into the bot
    TELEGRAM_ALREADY_LINKED = "telegram_already_linked"  # asked for by TG: linked already
    TELEGRAM_UNAVAILABLE = "telegram_unavailable"  # asked for by TG: no bot is running
    SLOW_DOWN = "slow_down"  # too many messages (domain.flood): until when they are not read


@lru_cache(maxsize=4096)  # pure: a few hundred wordings in all
def template_version(*msgstrs: str) -> str:
    """A short stable hash of the wording used: it changes whenever one of the texts does."""
    digest = hashlib.sha256("\x1f".join(msgstrs).encode("utf-8")).hexdigest()
    return digest[:VERSION_LENGTH]


# ---------------------------------------------------------------- the texts

# The names of the services in SMS, shorter than the legal ones of bot.wording.texts (which the
# burial payment's already is). Lower case: the code capitalises one at a sentence start.
SHORT_NAMES: dict[Service, str] = {s: names.short for s, names in BENEFIT_NAMES.items()}
# TRANSLATORS: the disability benefit offered to a parent or guardian for their child.
CHILD_DISABILITY = N_("disability benefit for your child")
# What each service is about, in a word or two: to list several open cases in one SMS.
BRIEF_NAMES: dict[Service, str] = {s: names.brief for s, names in BENEFIT_NAMES.items()}
# TRANSLATORS: a benefit's name with the first name of whom it is about, so that two offers
# of one benefit can be told apart: {service} is a benefit's name (e.g. "disability benefit
# for your child"), {name} a first name (the child's, or the deceased's), e.g. "Аружан".
NAMED = N_("{service} ({name})")

# TRANSLATORS: an amount paid every month; {amount} is money, e.g. "95 495,40 ₸".
PER_MONTH = N_("{amount} per month")
# TRANSLATORS: the first sentence of the offer SMS. {service} is a short benefit name
# (capitalised by the code); {amount} is money, e.g. "224 900,00 ₸" or "95 495,40 ₸ per month".
OFFER_HEAD = N_("{service}, {amount}.")
# TRANSLATORS: a benefit and its amount inside a sentence: {service} is a short benefit name,
# {amount} money, e.g. "224 900,00 ₸" or "95 495,40 ₸ per month".
BENEFIT_AMOUNT = N_("{service}, {amount}")
# TRANSLATORS: the first sentence of the offer SMS when the amount is not known yet;
# {service} is a short benefit name, capitalised by the code.
OFFER_HEAD_NO_AMOUNT = N_("{service}.")
# TRANSLATORS: the offer SMS after its first sentence. The citizen's reply "1" is the
# consent to the proactive service AND to access to their personal data in state databases
# (keep both). {code} is the case's 3-digit code. The whole offer must fit 3 SMS parts
# (201 characters) with the longest benefit name and a first name: keep it as short as it is.
OFFER_QUESTION = N_(
    "Do you consent to the free proactive service and to obtaining your personal data from "
    "state databases? 1 — yes, 2 — no. Code {code}. Information: 1414"
)

# TRANSLATORS: sent only to a citizen who asked for it by replying TG: {link} opens the bot
# in Telegram, e.g. "t.me/proactive_benefits_bot?start=417".
TELEGRAM_LINK = N_(
    "Telegram: {link} Open it and share your number: offers and notices will come there too."
)
# TRANSLATORS: the answer to TG when the phone is already linked to a Telegram chat.
TELEGRAM_ALREADY_LINKED = N_(
    "This number is already linked to Telegram: our messages come there too."
)
# TRANSLATORS: the answer to TG when the service has no Telegram bot running.
TELEGRAM_UNAVAILABLE = N_("Telegram is not available at the moment; we write to you by SMS.")

# TRANSLATORS: the reminder of an offer still unanswered; {code} is the case's 3-digit
# code, {offer} the benefit with its amount, e.g. "disability benefit, 95 495,40 ₸ per month".
REMINDER = N_("Reminder (code {code}): {offer}.")
# TRANSLATORS: ends the reminder of an offer: {date} is "28.11.2026" and {time} "18:30",
# when the offer lapses.
REMINDER_REPLY_BY = N_("Reply by {time} on {date}: 1 — consent, 2 — refusal.")
# TRANSLATORS: ends the reminder of an offer whose end is not known.
REMINDER_REPLY = N_("Reply: 1 — consent, 2 — refusal.")
# TRANSLATORS: ends the reminder that the bank account is still awaited (the account
# question follows in its own SMS); {date} "28.11.2026", {time} "18:30".
REMINDER_ACCOUNT_BY = N_("We are waiting for your account until {time} on {date}.")
# TRANSLATORS: as above, when the end is not known.
REMINDER_ACCOUNT = N_("We are waiting for your answer about the account.")

# Said in every message that asks the citizen to confirm or give a bank account, and in
# every message that announces a call: impostors ask for exactly these.
# TRANSLATORS: keep "SMS codes, PINs and card data" in full: these are what fraudsters ask for.
NO_CODES = N_("We never ask for SMS codes, PINs or card data.")
# TRANSLATORS: in messages that ask for an IBAN: citizens often send a card number instead.
NOT_A_CARD = N_("A card number is not an IBAN.")
# TRANSLATORS: after a message that announces a call from the contact centre 1414.
CALLER_NO_CODES = N_("The caller never asks for SMS codes, PINs or card data.")

# The account questions: the question, then NOT_A_CARD where an IBAN is asked for, NO_CODES,
# and last CODE (the case's code). Each whole message must fit two SMS parts (134 characters).
# TRANSLATORS: {account} is the account's last four characters with stars, e.g.
# "****0100"; {bank} the bank's name. "2" means: pay to another account.
ASK_ACCOUNT_CONFIRM = N_(
    "Shall we pay to account {account} ({bank})? 1 — yes, 2 — another account."
)
# TRANSLATORS: {account} is the account's last four characters with stars, e.g.
# "****0100". "2" means: pay to another account.
ASK_ACCOUNT_CONFIRM_NO_BANK = N_(
    "Shall we pay to account {account}? 1 — yes, 2 — another account."
)
ASK_IBAN = N_("Send your bank account number (IBAN): KZ and 18 letters or digits.")
# What is wrong with the IBAN the citizen sent (domain.banking.Reason), and the request again.
INVALID_IBAN: dict[str, str] = {
    # TRANSLATORS: the IBAN sent does not start with KZ.
    "country": N_("An account number (IBAN) starts with KZ. Send it again."),
    # TRANSLATORS: the IBAN sent is not 20 characters long.
    "length": N_("An IBAN has 20 characters, not counting spaces. Send it again."),
    # TRANSLATORS: the IBAN sent is not laid out as a KZ IBAN.
    "format": N_("The IBAN is wrong: KZ, 2 digits, a 3-digit bank code, 13 letters or digits."),
    # TRANSLATORS: the IBAN's check digits (3rd-4th) do not match.
    "check_digits": N_("The IBAN has a typo: its check digits do not match. Send it again."),
}
# TRANSLATORS: the last sentence of a message: {code} is the case's 3-digit code, to quote in
# a reply when the phone has several open cases.
CODE = N_("Code {code}.")
INVALID_IBAN_DEFAULT = "format"

# TRANSLATORS: {number} is the application's number in the electronic journal; {code} the
# case's 3-digit code.
ACCEPTED = N_("Your application No. {number} has been registered (code {code}).")
# TRANSLATORS: {code} is the case's 3-digit code.
ACCEPTED_NO_NUMBER = N_("Your application has been registered (code {code}).")
# TRANSLATORS: {code} is the case's 3-digit code.
STATUS = N_("Your application is being processed (code {code}).")
# TRANSLATORS: the decision term; {date} is "28.11.2026", {time} "18:30".
DECISION_BY = N_("The decision will be made by {time} on {date}.")
RESULT_BY_SMS = N_("The result will come by SMS.")

# TRANSLATORS: {service} is a short benefit name (capitalised by the code); {code} the case's
# 3-digit code; {reasons} the failed checks, in lower case, joined by "; ".
NOT_ACCEPTED = N_("{service}: the application is not accepted (code {code}): {reasons}.")
# TRANSLATORS: {service} is a short benefit name (capitalised by the code); {code} the
# case's 3-digit code.
NOT_ACCEPTED_NO_REASONS = N_("{service}: the application is not accepted (code {code}).")
# TRANSLATORS: a refusal decision (тағайындаудан бас тарту / отказ в назначении): {service}
# is a short benefit name (capitalised by the code); {code} the case's 3-digit code;
# {reasons} the reasons, in lower case, joined by "; ".
REFUSED = N_("{service}: assignment refused (code {code}): {reasons}.")
# TRANSLATORS: a refusal decision; {service} a short benefit name; {code} the case's code.
REFUSED_NO_REASONS = N_("{service}: assignment refused (code {code}).")
# TRANSLATORS: where the refusal's full text is: the notice in the citizen's personal
# account on the e-government portal.
FULL_REASONS = N_("The full reasons are in the notice in your personal account on egov.kz.")
# TRANSLATORS: the end of a list cut short for lack of room: {items} is what is shown,
# {n} how many items are left out.
MORE = N_plural("{items} and {n} more", "{items} and {n} more")
# TRANSLATORS: stands for the reasons when none fits the SMS: {n} is how many there are.
REASONS_ELSEWHERE = N_plural("{n} reason", "{n} reasons")
# TRANSLATORS: the right to appeal a refusal (Law on Public Services art. 25 p.2), as short
# as it can be while naming the body. Three SMS parts hold it with a reason: keep it short.
APPEAL_SHORT = N_(
    "Complaints: to the authorised body for assessing and controlling the quality of public "
    "services."
)
INFORMATION = N_("Information: 1414.")

# Why an application was not accepted (burial p.13, disability p.20-1), short for SMS, each
# saying where the fact comes from; bot.wording.texts has the full.
CHECK_SHORT: dict[str, str] = {
    BurialCheck.DATA_COMPLETE: N_("the data in the state databases are incomplete"),
    BurialCheck.NOT_ALREADY_ASSIGNED: N_("the payment for the deceased was already assigned"),
    BurialCheck.NOT_ALREADY_FILED: N_("an application for the deceased was already filed"),
    BurialCheck.RECIPIENT_ON_DEATH: N_(
        "by the state databases the deceased received no pension or benefit"
    ),
    BurialCheck.WITHIN_THREE_YEARS: N_("more than 3 years have passed since the death"),
    DisabilityCheck.NOT_ALREADY_ASSIGNED: N_("the benefit is already paid to you"),
}
# Why a decision refuses, short for SMS; bot.wording.texts has the full.
REASON_SHORT: dict[ReasonCode, str] = {
    ReasonCode.DATA_MISSING: N_("the state databases lack data needed"),
    ReasonCode.DATA_INCORRECT: N_("data in the state databases are wrong"),
    ReasonCode.BURIAL_ALREADY_ASSIGNED: CHECK_SHORT[BurialCheck.NOT_ALREADY_ASSIGNED],
    ReasonCode.BURIAL_ALREADY_FILED: CHECK_SHORT[BurialCheck.NOT_ALREADY_FILED],
    ReasonCode.DECEASED_NOT_A_RECIPIENT: CHECK_SHORT[BurialCheck.RECIPIENT_ON_DEATH],
    ReasonCode.BURIAL_TOO_LATE: CHECK_SHORT[BurialCheck.WITHIN_THREE_YEARS],
    ReasonCode.DISABILITY_NOT_ESTABLISHED: N_(
        "the state databases show no disability for the period"
    ),
    ReasonCode.DISABILITY_ALREADY_ASSIGNED: CHECK_SHORT[DisabilityCheck.NOT_ALREADY_ASSIGNED],
    ReasonCode.NO_ELIGIBLE_DEPENDENTS: N_(
        "the state databases show no dependents entitled to the benefit"
    ),
    ReasonCode.CONSENT_WITHDRAWN: N_("you withdrew your consent"),
}

# TRANSLATORS: {code} is the case's 3-digit code; {service} a short benefit name; {amount}
# money, e.g. "224 900,00 ₸" or "95 495,40 ₸ per month".
ASSIGNED = N_("Assigned (code {code}): {service}, {amount}.")
# TRANSLATORS: {code} is the case's 3-digit code; {service} a short benefit name; {amount}
# money, e.g. "95 495,40 ₸ per month"; {start} the first day paid, e.g. "01.11.2026".
ASSIGNED_FROM = N_("Assigned (code {code}): {service}, {amount} from {start}.")
# TRANSLATORS: {code} is the case's 3-digit code; {service} a short benefit name.
ASSIGNED_NO_AMOUNT = N_("Assigned (code {code}): {service}.")
MONEY_TO_ACCOUNT = N_("The money will be transferred to your account.")
# TRANSLATORS: {last4} is the last four characters of the IBAN the money goes to, e.g. 0100;
# the stars stay: the SMS never shows the whole account.
MONEY_TO_ACCOUNT_ENDING = N_("The money will be transferred to account ****{last4}.")

# TRANSLATORS: how to apply without the proactive service: the e-government portal or a
# State Corporation office (ХҚКО / ЦОН). 1414 takes no applications: do not name it here.
APPLY_OTHERWISE = N_("You can apply at egov.kz or at a State Corporation office.")
# TRANSLATORS: {code} is the case's 3-digit code.
DECLINED = N_("You refused the service (code {code}).")
# TRANSLATORS: {code} is the case's 3-digit code.
WITHDRAWN = N_("Your consent has been withdrawn (code {code}); the service has been stopped.")
# TRANSLATORS: {code} is the case's 3-digit code.
EXPIRED = N_("No reply came in time; the offer is closed (code {code}).")
# TRANSLATORS: {code} is the case's 3-digit code. "HOME", "TG" and "STOP" are reply words:
# write the ones the citizen should send in this language (e.g. ҮЙ/ДОМ, ТГ, СТОП).
HELP_OFFERED = N_(
    "Code {code}. Replies: 1 — consent, 2 — refusal, HOME — documents taken at home, "
    "KZ/RU — language, TG — Telegram, STOP — stop."
)
# TRANSLATORS: {code} is the case's 3-digit code. "HOME", "TG" and "STOP" are reply words:
# write the ones the citizen should send in this language (e.g. ҮЙ/ДОМ, ТГ, СТОП).
HELP_ACCOUNT = N_(
    "Code {code}. Replies: 1 — the account is right, 2 — another account, HOME — documents "
    "taken at home, KZ/RU — language, TG — Telegram, STOP — withdraw consent."
)
# TRANSLATORS: {code} is the case's 3-digit code. "HOME", "TG" and "STOP" are reply words:
# write the ones the citizen should send in this language (e.g. ҮЙ/ДОМ, ТГ, СТОП).
HELP_PROCESSING = N_(
    "Code {code}. Your application is being processed, no reply is needed. HOME — documents "
    "taken at home, KZ/RU — language, TG — Telegram, STOP — withdraw consent."
)
# TRANSLATORS: {code} is the case's 3-digit code. "TG" is a reply word (e.g. ТГ).
HELP_CLOSED = N_(
    "Code {code}. Nothing on this case awaits your reply. KZ/RU — language, TG — Telegram."
)
# TRANSLATORS: {code} is the case's 3-digit code.
HOME_VISIT_REQUESTED = N_(
    "Your request for a home visit is taken (code {code}). The contact centre 1414 will call "
    "you to agree on a time."
)
# TRANSLATORS: sent in the language just chosen: name that language.
LANGUAGE_CHANGED = N_(
    "From now on we write to you in this language. To change it, reply KZ or RU."
)
# TRANSLATORS: {code} is the case's 3-digit code; "?" is the reply that asks for help.
UNRECOGNISED_OFFERED = N_(
    "We did not understand your reply (code {code}). Reply 1 to consent or 2 to refuse; "
    "? for help."
)
# TRANSLATORS: {code} is the case's 3-digit code; "?" is the reply that asks for help.
UNRECOGNISED_ACCOUNT = N_(
    "We did not understand your reply (code {code}). Reply 1 if the account is right or 2 "
    "for another one; ? for help."
)
# TRANSLATORS: {code} is the case's 3-digit code; "?" is the reply that asks for help.
UNRECOGNISED = N_(
    "We did not understand your reply (code {code}). Please answer our last question; ? for help."
)
# TRANSLATORS: {code} is the case's 3-digit code; {outcome} how the case ended, a lower-case
# phrase such as "the benefit was refused".
CASE_CLOSED = N_("Nothing on this case awaits your reply (code {code}): {outcome}.")
# TRANSLATORS: {code} is the case's 3-digit code.
CASE_CLOSED_NO_OUTCOME = N_("Nothing on this case awaits your reply (code {code}).")
OUTCOMES: dict[str, str] = {
    "not_accepted": N_("the application was not accepted"),
    "assigned": N_("the benefit has been assigned"),
    "refused": N_("the benefit was refused"),
    "declined": N_("you refused the service"),
    "withdrawn": N_("your consent was withdrawn"),
    "expired": N_("the time to reply has run out"),
}

# TRANSLATORS: {cases} lists the open cases ("417 — burial payment; 532 — ..."); {example}
# is a reply with a code, e.g. "1 417".
WHICH_CASE = N_(
    "You have several open services: {cases}. Add the code to your reply, e.g. {example}"
)
# TRANSLATORS: one open case in a list; {code} is its 3-digit code, {service} a brief name
# (with a first name when the phone has two of one benefit, e.g. "disability (Аружан)").
WHICH_CASE_ITEM = N_("{code} — {service}")
# TRANSLATORS: {code} is the case's 3-digit code.
OPERATOR_HANDOFF = N_(
    "We could not understand your replies (code {code}). The contact centre 1414 will call you."
)
# TRANSLATORS: {code} is the case's 3-digit code; "STOP" is the word the citizen sent.
STOPPED = N_("STOP accepted (code {code}): no more messages on this case.")

# TRANSLATORS: sent once to a phone that sent too many messages in a few minutes; the bot
# considers none of them until {time} ("18:30", Almaty time, a few minutes from now).
SLOW_DOWN = N_(
    "Too many messages have come from you. Messages sent before {time} will not be "
    "considered; after that, write again."
)
# TRANSLATORS: the answer to too many messages when the bot reads again on another day:
# {time} is "00:05" and {date} "13.01.2026", in Almaty time.
SLOW_DOWN_ON = N_(
    "Too many messages have come from you. Messages sent before {time} on {date} will not be "
    "considered; after that, write again."
)

PROCESSING_STATES = ("registered", "under_review")


# ---------------------------------------------------------------- rendering


@dataclass
class _Writer:
    """Words one text in one language and keeps the catalog wording it used."""

    lang: Language
    used: list[str] = field(default_factory=list)

    def __call__(self, msgid: str, /, **params: object) -> str:
        msgstr = translations(self.lang).gettext(msgid)
        self.used.append(msgstr)
        return msgstr.format(**params)

    def plural(self, text: PluralText, n: int, /, **params: object) -> str:
        form = translations(self.lang).ngettext(text.singular, text.plural, n)
        self.used.append(form)
        return form.format(n=format_number(n, self.lang), **params)

    def money(self, amount: Decimal, *, monthly: bool) -> str:
        money = format_money(amount, self.lang)
        return self(PER_MONTH, amount=money) if monthly else money

    def date(self, day: date | datetime) -> str:
        if isinstance(day, datetime):
            day = _local(day).date()
        return babel_format_date(day, DATE_PATTERN, locale=BABEL_LOCALE[self.lang])

    def time(self, moment: datetime) -> str:
        return babel_format_time(_local(moment), TIME_PATTERN, locale=BABEL_LOCALE[self.lang])

    def version(self) -> str:
        return template_version(*self.used)


def _local(moment: datetime) -> datetime:
    """An aware instant in Asia/Almaty; a naive one is refused."""
    if moment.utcoffset() is None:
        raise ValueError(f"a time in a notice must be timezone-aware, got {moment.isoformat()}")
    return moment.astimezone(ALMATY)


def _sentences(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def _fit(
    w: _Writer,
    build: Callable[[_Writer, int], str],
    total: int,
    least: int = 1,
    budget: int = NOTICE_SEGMENTS,
) -> str:
    """The text with as many of `total` list items as fit `budget` segments (at least `least`).

    `build(writer, shown)` words the text with the first `shown` items and says how many
    more there are; the wording of the text chosen is added to `w`.
    """
    least = min(total, least)
    shown = total
    while True:
        attempt = _Writer(w.lang)
        text = build(attempt, shown)
        if shown == least or segments(text) <= budget:
            w.used.extend(attempt.used)
            return text
        shown -= 1


def _first_fitting(
    w: _Writer, builds: Sequence[Callable[[_Writer], str]], budget: int = NOTICE_SEGMENTS
) -> str:
    """The first of the wordings `builds` that fits `budget` segments, else the last one."""
    for number, build in enumerate(builds, start=1):
        attempt = _Writer(w.lang)
        text = build(attempt)
        if number == len(builds) or segments(text) <= budget:
            w.used.extend(attempt.used)
            return text
    raise ValueError("no wording to choose from")


def _listed(w: _Writer, shown: Sequence[str], total: int) -> str:
    """The items `shown`, joined, and how many more of `total` there are."""
    items = "; ".join(shown)
    return w.plural(MORE, total - len(shown), items=items) if len(shown) < total else items


def _reasons(w: _Writer, shown: Sequence[str], total: int) -> str:
    """The reasons `shown` and how many more; with none shown, how many there are."""
    return _listed(w, shown, total) if shown else w.plural(REASONS_ELSEWHERE, total)


Params = Mapping[str, ParamValue]
Renderer = Callable[[_Writer, NoticeContext, Params], str]


def _datetime(params: Params, name: str) -> datetime | None:
    value = params.get(name)
    return value if isinstance(value, datetime) else None


def _state(params: Params) -> str:
    value = params.get("state")
    return value if isinstance(value, str) else ""


def _codes(params: Params, name: str) -> tuple[str, ...]:
    value = params.get(name)
    if isinstance(value, str):
        return (value,)
    return value if isinstance(value, tuple) else ()


def _service(w: _Writer, ctx: NoticeContext, *, named: bool = True, brief: bool = False) -> str:
    """The case's benefit in a few words, lower case; with the first name of whom it is
    about when `named` and known (a child's, the deceased's), to tell two offers apart."""
    if brief:
        base = w(BRIEF_NAMES[ctx.service])
    elif ctx.for_child and ctx.service is Service.DISABILITY:
        base = w(CHILD_DISABILITY)
    else:
        base = w(SHORT_NAMES[ctx.service])
    if named and ctx.subject_name:
        return w(NAMED, service=base, name=ctx.subject_name)
    return base


def _with_amount(w: _Writer, ctx: NoticeContext, service: str) -> str:
    """The benefit with the offer's amount, when known."""
    if ctx.amount is None:
        return service
    return w(BENEFIT_AMOUNT, service=service, amount=w.money(ctx.amount, monthly=ctx.monthly))


def _offer(w: _Writer, ctx: NoticeContext, params: Params) -> str:
    def build(named: bool) -> Callable[[_Writer], str]:
        def words(attempt: _Writer) -> str:
            name = capitalized(_service(attempt, ctx, named=named))
            if ctx.amount is None:
                head = attempt(OFFER_HEAD_NO_AMOUNT, service=name)
            else:
                money = attempt.money(ctx.amount, monthly=ctx.monthly)
                head = attempt(OFFER_HEAD, service=name, amount=money)
            return _sentences(head, attempt(OFFER_QUESTION, code=ctx.code))

        return words

    return _first_fitting(w, [build(True), build(False)], OFFER_SEGMENTS)


def _reminder(w: _Writer, ctx: NoticeContext, params: Params) -> str:
    """The offer again in short, and what to reply by when; for a case awaiting its account,
    that the account is awaited (the account question follows in its own SMS)."""
    expires = ctx.expires_at
    awaiting_account = _state(params) == "awaiting_account"

    def build(named: bool, amount: bool, brief: bool) -> Callable[[_Writer], str]:
        def words(attempt: _Writer) -> str:
            service = _service(attempt, ctx, named=named, brief=brief)
            offer = _with_amount(attempt, ctx, service) if amount else service
            head = attempt(REMINDER, code=ctx.code, offer=offer)
            if awaiting_account:
                tail = (
                    attempt(REMINDER_ACCOUNT)
                    if expires is None
                    else attempt(
                        REMINDER_ACCOUNT_BY, date=attempt.date(expires), time=attempt.time(expires)
                    )
                )
            elif expires is None:
                tail = attempt(REMINDER_REPLY)
            else:
                tail = attempt(
                    REMINDER_REPLY_BY, date=attempt.date(expires), time=attempt.time(expires)
                )
            return _sentences(head, tail)

        return words

    with_amount = not awaiting_account
    variants = [  # the first name tells two offers apart: it goes last
        build(named=True, amount=with_amount, brief=False),
        build(named=True, amount=with_amount, brief=True),
        build(named=True, amount=False, brief=False),
        build(named=True, amount=False, brief=True),
        build(named=False, amount=False, brief=True),
    ]
    return _first_fitting(w, variants)


def _safe(w: _Writer, ctx: NoticeContext, question: str, *, iban: bool) -> str:
    """An account question with what impostors ask for: never codes, PINs or card data;
    where an IBAN is asked for, that a card number is not one; then the case's code."""
    card = w(NOT_A_CARD) if iban else ""
    return _sentences(question, card, w(NO_CODES), w(CODE, code=ctx.code))


def _last4(account: str) -> str:
    """The account shown as its last four characters behind stars, e.g. ****0100."""
    return "****" + account.replace(" ", "")[-4:]


def _ask_account_confirm(w: _Writer, ctx: NoticeContext, params: Params) -> str:
    account = _last4(str(params.get("account") or ""))

    def with_bank(attempt: _Writer) -> str:
        asked = attempt(ASK_ACCOUNT_CONFIRM, account=account, bank=ctx.bank_name)
        return _safe(attempt, ctx, asked, iban=False)

    def without_bank(attempt: _Writer) -> str:
        asked = attempt(ASK_ACCOUNT_CONFIRM_NO_BANK, account=account)
        return _safe(attempt, ctx, asked, iban=False)

    return _first_fitting(w, [with_bank, without_bank] if ctx.bank_name else [without_bank])


def _ask_iban(w: _Writer, ctx: NoticeContext, params: Params) -> str:
    return _safe(w, ctx, w(ASK_IBAN), iban=True)


def _iban_reason(params: Params) -> str:
    reason = params.get("reason")
    return reason if isinstance(reason, str) and reason in INVALID_IBAN else INVALID_IBAN_DEFAULT


def _invalid_iban(w: _Writer, ctx: NoticeContext, params: Params) -> str:
    return _safe(w, ctx, w(INVALID_IBAN[_iban_reason(params)]), iban=True)


def _decision_term(w: _Writer, due_at: datetime | None) -> str:
    if due_at is None:
        return w(RESULT_BY_SMS)
    return w(DECISION_BY, date=w.date(due_at), time=w.time(due_at))


def _accepted(w: _Writer, ctx: NoticeContext, params: Params) -> str:
    if ctx.application_number:
        head = w(ACCEPTED, number=ctx.application_number, code=ctx.code)
    else:
        head = w(ACCEPTED_NO_NUMBER, code=ctx.code)
    return _sentences(head, _decision_term(w, _datetime(params, "due_at")))


def _status(w: _Writer, ctx: NoticeContext, params: Params) -> str:
    return _sentences(w(STATUS, code=ctx.code), _decision_term(w, _datetime(params, "due_at")))


def _short_texts(codes: Sequence[str], table: Mapping[str, str]) -> tuple[str, ...]:
    """The msgids of the codes the table knows, in order, each once."""
    return tuple(dict.fromkeys(table[code] for code in codes if code in table))


def _with_reasons(
    w: _Writer,
    ctx: NoticeContext,
    msgids: Sequence[str],
    heads: tuple[str, str],
    tails: Sequence[str],
    budget: int = NOTICE_SEGMENTS,
) -> str:
    """A head naming the benefit and as many of the reasons `msgids` as fit, then `tails`:
    the benefit's short name where it fits, else its brief one, before a reason is dropped."""
    with_reasons, without = heads

    def build(shown: int, brief: bool) -> Callable[[_Writer], str]:
        def words(attempt: _Writer) -> str:
            service = capitalized(_service(attempt, ctx, named=False, brief=brief))
            if not msgids:
                head = attempt(without, service=service, code=ctx.code)
            else:
                items = [attempt(msgid) for msgid in msgids[:shown]]
                reasons = _reasons(attempt, items, len(msgids))
                head = attempt(with_reasons, service=service, code=ctx.code, reasons=reasons)
            return _sentences(head, *(attempt(tail) for tail in tails))

        return words

    counts = range(len(msgids), -1, -1)  # every reason, down to none named (only counted)
    return _first_fitting(
        w, [build(shown, brief) for shown in counts for brief in (False, True)], budget
    )


def _not_accepted(w: _Writer, ctx: NoticeContext, params: Params) -> str:
    msgids = _short_texts(_codes(params, "failures"), CHECK_SHORT)
    heads = (NOT_ACCEPTED, NOT_ACCEPTED_NO_REASONS)
    return _with_reasons(w, ctx, msgids, heads, [INFORMATION])


def _refused(w: _Writer, ctx: NoticeContext, params: Params) -> str:
    table = {str(code): msgid for code, msgid in REASON_SHORT.items()}
    msgids = _short_texts(_codes(params, "reasons"), table)
    heads = (REFUSED, REFUSED_NO_REASONS)
    tails = [FULL_REASONS, APPEAL_SHORT]
    return _with_reasons(w, ctx, msgids, heads, tails, budget=REFUSAL_SEGMENTS)


def _amount(params: Params, ctx: NoticeContext) -> Decimal | None:
    value = params.get("amount")
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return Decimal(value)
    return ctx.amount


def _assigned(w: _Writer, ctx: NoticeContext, params: Params) -> str:
    name = _service(w, ctx, named=False)
    amount = _amount(params, ctx)
    start = params.get("start")
    if amount is None:
        head = w(ASSIGNED_NO_AMOUNT, code=ctx.code, service=name)
    elif ctx.monthly and isinstance(start, date):
        money = w.money(amount, monthly=True)
        head = w(ASSIGNED_FROM, code=ctx.code, service=name, amount=money, start=w.date(start))
    else:
        money = w.money(amount, monthly=ctx.monthly)
        head = w(ASSIGNED, code=ctx.code, service=name, amount=money)
    if ctx.account_last4:
        return _if_it_fits(w, head, MONEY_TO_ACCOUNT_ENDING, last4=ctx.account_last4)
    return _if_it_fits(w, head, MONEY_TO_ACCOUNT)


def _if_it_fits(w: _Writer, text: str, msgid: str, **params: str) -> str:
    """`text` followed by the sentence `msgid` when both fit two segments, else `text`."""
    extra = _Writer(w.lang)
    longer = _sentences(text, extra(msgid, **params))
    if segments(longer) > NOTICE_SEGMENTS:
        return text
    w.used.extend(extra.used)
    return longer


def _fixed(msgid: str, *tails: str) -> Renderer:
    """A notice worded by one template with the case's code, then the sentences `tails`."""

    def render(w: _Writer, ctx: NoticeContext, params: Params) -> str:
        return _sentences(w(msgid, code=ctx.code), *(w(tail) for tail in tails))

    return render


def _help(w: _Writer, ctx: NoticeContext, params: Params) -> str:
    state = _state(params)
    if state == "offered":
        return w(HELP_OFFERED, code=ctx.code)
    if state == "awaiting_account":
        return w(HELP_ACCOUNT, code=ctx.code)
    if state in PROCESSING_STATES:
        return w(HELP_PROCESSING, code=ctx.code)
    return _sentences(w(HELP_CLOSED, code=ctx.code), w(INFORMATION))


def _language_changed(w: _Writer, ctx: NoticeContext, params: Params) -> str:
    return w(LANGUAGE_CHANGED)


def _unrecognised(w: _Writer, ctx: NoticeContext, params: Params) -> str:
    state = _state(params)
    if state == "offered":
        return w(UNRECOGNISED_OFFERED, code=ctx.code)
    if state == "awaiting_account":
        return w(UNRECOGNISED_ACCOUNT, code=ctx.code)
    return w(UNRECOGNISED, code=ctx.code)


def _case_closed(w: _Writer, ctx: NoticeContext, params: Params) -> str:
    outcome = OUTCOMES.get(_state(params))
    if outcome is None:
        head = w(CASE_CLOSED_NO_OUTCOME, code=ctx.code)
    else:
        head = w(CASE_CLOSED, code=ctx.code, outcome=w(outcome))
    return _sentences(head, w(INFORMATION))


RENDERERS: dict[NoticeKind, Renderer] = {
    NoticeKind.OFFER: _offer,
    NoticeKind.REMINDER: _reminder,
    NoticeKind.ASK_ACCOUNT_CONFIRM: _ask_account_confirm,
    NoticeKind.ASK_IBAN: _ask_iban,
    NoticeKind.INVALID_IBAN: _invalid_iban,
    NoticeKind.ACCEPTED: _accepted,
    NoticeKind.NOT_ACCEPTED: _not_accepted,
    NoticeKind.ASSIGNED: _assigned,
    NoticeKind.REFUSED: _refused,
    NoticeKind.DECLINED: _fixed(DECLINED, APPLY_OTHERWISE),
    NoticeKind.WITHDRAWN: _fixed(WITHDRAWN),
    NoticeKind.EXPIRED: _fixed(EXPIRED, APPLY_OTHERWISE),
    NoticeKind.HELP: _help,
    NoticeKind.HOME_VISIT_REQUESTED: _fixed(HOME_VISIT_REQUESTED, CALLER_NO_CODES),
    NoticeKind.LANGUAGE_CHANGED: _language_changed,
    NoticeKind.UNRECOGNISED: _unrecognised,
    NoticeKind.STATUS: _status,
    NoticeKind.CASE_CLOSED: _case_closed,
}


def _template_id(kind: NoticeKind, ctx: NoticeContext, params: Params) -> str:
    if kind is NoticeKind.OFFER:
        return f"{kind.value}.{ctx.service.value}"
    if kind is NoticeKind.INVALID_IBAN:
        return f"{kind.value}.{_iban_reason(params)}"
    return kind.value


def render_offer(ctx: NoticeContext, lang: Language | None) -> Rendered:
    """The offer in the citizen's language, or in Kazakh then Russian when it is unknown."""
    template_id = _template_id(NoticeKind.OFFER, ctx, {})
    if lang is not None:
        return render_notice(Notice(kind=NoticeKind.OFFER), lang, ctx)
    writers = [_Writer(Language.KK), _Writer(Language.RU)]
    parts = [_offer(w, ctx, {}) for w in writers]
    return Rendered(
        text=BILINGUAL_SEPARATOR.join(parts),
        template_id=template_id,
        template_version=template_version(*(s for w in writers for s in w.used)),
        language="kk+ru",
    )


def render_notice(notice: Notice, lang: Language, ctx: NoticeContext) -> Rendered:
    """A notice of a case worded in `lang` (Kazakh or Russian); other languages raise."""
    w = _Writer(language(lang))
    text = RENDERERS[notice.kind](w, ctx, notice.params)
    return Rendered(
        text=text,
        template_id=_template_id(notice.kind, ctx, notice.params),
        template_version=w.version(),
        language=w.lang.value,
    )


# ---------------------------------------------------------------- shell notices


def _which_case(w: _Writer, ctx: NoticeContext, params: Mapping[str, object]) -> str:
    cases = _cases(params.get("cases"))
    example = f"1 {cases[0][0] if cases else ctx.code}"
    services = [service for _, service, _ in cases]

    def item(attempt: _Writer, code: str, service: Service, name: str | None) -> str:
        brief = attempt(BRIEF_NAMES[service])
        if name and services.count(service) > 1:  # two of one benefit: tell them apart
            brief = attempt(NAMED, service=brief, name=name)
        return attempt(WHICH_CASE_ITEM, code=code, service=brief)

    def build(attempt: _Writer, shown: int) -> str:
        items = [item(attempt, *case) for case in cases[:shown]]
        listed = _listed(attempt, items, len(cases))
        return attempt(WHICH_CASE, cases=listed, example=example)

    return _fit(w, build, len(cases))


def _cases(value: object) -> list[tuple[str, Service, str | None]]:
    """The `cases` parameter: (code, service, first name or None); anything else is refused."""
    if not isinstance(value, list | tuple):
        raise TypeError("WHICH_CASE needs cases=[(code, Service, name), ...]")
    return [(str(code), Service(service), name and str(name)) for code, service, name in value]


def _moment(params: Mapping[str, object], name: str) -> datetime:
    """A required aware datetime parameter; anything else is refused."""
    value = params.get(name)
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime")
    return _local(value)


def _slow_down(w: _Writer, ctx: NoticeContext, params: Mapping[str, object]) -> str:
    """Until when the sender's messages are not read; the date too when it is another day's."""
    again, now = _moment(params, "read_again_at"), _moment(params, "now")
    if again.date() == now.date():
        return w(SLOW_DOWN, time=w.time(again))
    return w(SLOW_DOWN_ON, time=w.time(again), date=w.date(again))


ShellRenderer = Callable[[_Writer, NoticeContext, Mapping[str, object]], str]
SHELL_RENDERERS: dict[ShellNotice, ShellRenderer] = {
    ShellNotice.WHICH_CASE: _which_case,
    ShellNotice.OPERATOR_HANDOFF: lambda w, ctx, params: _sentences(
        w(OPERATOR_HANDOFF, code=ctx.code), w(CALLER_NO_CODES)
    ),
    ShellNotice.STOPPED: lambda w, ctx, params: _sentences(
        w(STOPPED, code=ctx.code), w(APPLY_OTHERWISE)
    ),
    ShellNotice.TELEGRAM_LINK: lambda w, ctx, params: w(TELEGRAM_LINK, link=params["link"]),
    ShellNotice.TELEGRAM_ALREADY_LINKED: lambda w, ctx, params: w(TELEGRAM_ALREADY_LINKED),
    ShellNotice.TELEGRAM_UNAVAILABLE: lambda w, ctx, params: w(TELEGRAM_UNAVAILABLE),
    ShellNotice.SLOW_DOWN: _slow_down,
}


def render_shell(
    kind: ShellNotice, lang: Language, ctx: NoticeContext, **params: object
) -> Rendered:
    """A message the shell sends on its own (see ShellNotice), worded in `lang`."""
    w = _Writer(language(lang))
    text = SHELL_RENDERERS[kind](w, ctx, params)
    return Rendered(
        text=text, template_id=kind.value, template_version=w.version(), language=w.lang.value
    )
