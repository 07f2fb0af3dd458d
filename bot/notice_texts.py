"""The SMS a citizen receives for each notice of a case, worded from the kk and ru catalogs.

The domain says *what* to tell (a `Notice`: its kind and parameters); this module says it in
the citizen's language, within the SMS budget: the offer at most three UCS-2 segments per
language, every other message at most two. Lists that may not fit (failed checks, refusal
reasons, open cases) show as many items as fit and say how many more there are.

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

from bot.texts import (
    BABEL_LOCALE,
    N_,
    SERVICE_NAMES,
    N_plural,
    PluralText,
    capitalized,
    format_money,
    format_number,
    language,
    translations,
)
from domain.calendar import ALMATY
from domain.model import BurialCheck, Language, ReasonCode, Service
from domain.notices import Notice, NoticeKind, ParamValue
from domain.sms import segments

OFFER_SEGMENTS = 3  # the offer: at most three UCS-2 segments in each language
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
    telegram_link: str | None = None  # a deep link into the Telegram bot, for the invitation

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
    TELEGRAM_INVITE = "telegram_invite"  # once per phone, after its first offer: the deep link
    SLOW_DOWN = "slow_down"  # too many messages (domain.flood): until when they are not read


@lru_cache(maxsize=4096)  # pure: a few hundred wordings in all
def template_version(*msgstrs: str) -> str:
    """A short stable hash of the wording used: it changes whenever one of the texts does."""
    digest = hashlib.sha256("\x1f".join(msgstrs).encode("utf-8")).hexdigest()
    return digest[:VERSION_LENGTH]


# ---------------------------------------------------------------- the texts

# The names of the services in SMS, shorter than the legal ones of bot.texts (which the
# burial payment's already is). Lower case: the code capitalises one at a sentence start.
SHORT_NAMES: dict[Service, str] = {
    Service.BURIAL: SERVICE_NAMES[Service.BURIAL],
    Service.DISABILITY: N_("disability benefit"),
    Service.SURVIVOR: N_("benefit in case of loss of a breadwinner"),
}
# TRANSLATORS: the disability benefit offered to a parent or guardian for their child.
CHILD_DISABILITY = N_("disability benefit for your child")
# What each service is about, in a word or two: to list several open cases in one SMS.
BRIEF_NAMES: dict[Service, str] = {
    Service.BURIAL: N_("burial"),
    Service.DISABILITY: N_("disability"),
    Service.SURVIVOR: N_("loss of a breadwinner"),
}

# TRANSLATORS: an amount paid every month; {amount} is money, e.g. "95 495,40 ₸".
PER_MONTH = N_("{amount} per month")
# TRANSLATORS: the first sentence of the offer SMS. {service} is a short benefit name
# (capitalised by the code); {amount} is money, e.g. "224 900,00 ₸" or "95 495,40 ₸ per month".
OFFER_HEAD = N_("{service}, {amount}.")
# TRANSLATORS: the first sentence of the offer SMS when the amount is not known yet;
# {service} is a short benefit name, capitalised by the code.
OFFER_HEAD_NO_AMOUNT = N_("{service}.")
# TRANSLATORS: the offer SMS after its first sentence. The citizen's reply "1" is the
# consent to the proactive service AND to access to their personal data in state databases
# (keep both). {code} is the case's 3-digit code. The whole offer must fit 3 SMS parts
# (201 characters) with the longest benefit name: keep it as short as it is.
OFFER_QUESTION = N_(
    "Do you consent to the free proactive service and to obtaining your personal data from "
    "state databases? 1 — yes, 2 — no. Code {code}. Information: 1414"
)

# TRANSLATORS: a one-part SMS sent once, after the first offer: {link} opens the bot in
# Telegram, e.g. "t.me/proactive_benefits_bot?start=417". At most 70 characters with the link.
TELEGRAM_INVITE = N_("Offers also in Telegram: {link}")

# TRANSLATORS: {code} is the case's 3-digit code; {date} is "28.11.2026" and {time} "18:30",
# when the offer lapses.
REMINDER = N_(
    "Reminder: we are waiting for your reply (code {code}) until {time} on {date}; after that "
    "the offer closes."
)
# TRANSLATORS: {code} is the case's 3-digit code.
REMINDER_NO_DATE = N_("Reminder: we are waiting for your reply (code {code}).")

# TRANSLATORS: {account} is a masked IBAN, e.g. "KZ** **** **** **** 1234"; {bank} the bank's
# name; {code} the case's 3-digit code. "2" means: pay to another account.
ASK_ACCOUNT_CONFIRM = N_(
    "Shall we pay to account {account} ({bank})? 1 — yes, 2 — another account. Code {code}"
)
# TRANSLATORS: {account} is a masked IBAN, e.g. "KZ** **** **** **** 1234"; {code} the case's
# 3-digit code. "2" means: pay to another account.
ASK_ACCOUNT_CONFIRM_NO_BANK = N_(
    "Shall we pay to account {account}? 1 — yes, 2 — another account, or send an IBAN. Code {code}"
)
# TRANSLATORS: {code} is the case's 3-digit code.
ASK_IBAN = N_(
    "Send the number of your bank account (IBAN): 20 characters starting with KZ. Code {code}"
)
# What is wrong with the IBAN the citizen sent (domain.banking.Reason), and the request again.
INVALID_IBAN: dict[str, str] = {
    # TRANSLATORS: the IBAN sent does not start with KZ; {code} is the case's 3-digit code.
    "country": N_(
        "The account number must start with KZ. Check it and send it again. Code {code}"
    ),
    # TRANSLATORS: the IBAN sent is not 20 characters long; {code} is the case's code.
    "length": N_(
        "The account number has 20 characters, not counting spaces. Check it and send it "
        "again. Code {code}"
    ),
    # TRANSLATORS: the IBAN sent is not laid out as a KZ IBAN; {code} is the case's code.
    "format": N_(
        "The account number is wrong: KZ, 2 digits, a 3-digit bank code, 13 letters or "
        "digits. Send it again. Code {code}"
    ),
    # TRANSLATORS: the IBAN's check digits (3rd-4th) do not match; {code} is the case's code.
    "check_digits": N_(
        "The account number has a typo: its check digits do not match. Check it and send it "
        "again. Code {code}"
    ),
}
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

# TRANSLATORS: {code} is the case's 3-digit code; {reasons} the failed checks, in lower
# case, joined by "; ".
NOT_ACCEPTED = N_("Application not accepted (code {code}): {reasons}.")
# TRANSLATORS: {code} is the case's 3-digit code.
NOT_ACCEPTED_NO_REASONS = N_("Application not accepted (code {code}).")
# TRANSLATORS: a refusal decision; {code} is the case's 3-digit code; {reasons} the reasons,
# in lower case, joined by "; ".
REFUSED = N_("Refused (code {code}): {reasons}.")
# TRANSLATORS: a refusal decision; {code} is the case's 3-digit code.
REFUSED_NO_REASONS = N_("Refused (code {code}).")
# TRANSLATORS: the end of a list cut short for lack of room: {items} is what is shown,
# {n} how many items are left out.
MORE = N_plural("{items} and {n} more", "{items} and {n} more")
# TRANSLATORS: stands for the reasons when none fits the SMS: {n} is how many there are.
REASONS_ELSEWHERE = N_plural("{n} reason, ask 1414", "{n} reasons, ask 1414")
# TRANSLATORS: the right to appeal a refusal (Law on Public Services art. 25 p.2), as short
# as it can be while naming the body. Two SMS parts hold it with a reason: keep it short.
APPEAL_SHORT = N_(
    "Complaints: to the authorised body for assessing and controlling the quality of public "
    "services."
)
INFORMATION = N_("Information: 1414.")

# Why an application was not accepted (burial p.13), short for SMS; bot.texts has the full.
CHECK_SHORT: dict[BurialCheck, str] = {
    BurialCheck.DATA_COMPLETE: N_("the data for the application are incomplete"),
    BurialCheck.NOT_ALREADY_ASSIGNED: N_("the payment for the deceased was already assigned"),
    BurialCheck.NOT_ALREADY_FILED: N_("an application for the deceased was already filed"),
    BurialCheck.RECIPIENT_ON_DEATH: N_("the deceased received no pension or benefit"),
    BurialCheck.WITHIN_THREE_YEARS: N_("more than 3 years have passed since the death"),
}
# Why a decision refuses, short for SMS; bot.texts has the full.
REASON_SHORT: dict[ReasonCode, str] = {
    ReasonCode.DATA_MISSING: N_("the state databases lack data needed"),
    ReasonCode.DATA_INCORRECT: N_("data in the state databases are wrong"),
    ReasonCode.BURIAL_ALREADY_ASSIGNED: CHECK_SHORT[BurialCheck.NOT_ALREADY_ASSIGNED],
    ReasonCode.BURIAL_ALREADY_FILED: CHECK_SHORT[BurialCheck.NOT_ALREADY_FILED],
    ReasonCode.DECEASED_NOT_A_RECIPIENT: CHECK_SHORT[BurialCheck.RECIPIENT_ON_DEATH],
    ReasonCode.BURIAL_TOO_LATE: CHECK_SHORT[BurialCheck.WITHIN_THREE_YEARS],
    ReasonCode.DISABILITY_NOT_ESTABLISHED: N_("no disability is established for the period"),
    ReasonCode.NO_ELIGIBLE_DEPENDENTS: N_("no dependents entitled to the benefit"),
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

# TRANSLATORS: {code} is the case's 3-digit code. The State Corporation's offices are
# ХҚКО / ЦОН.
DECLINED = N_(
    "You refused the service (code {code}). You can apply at egov.kz, at a State Corporation "
    "office or via 1414."
)
# TRANSLATORS: {code} is the case's 3-digit code.
WITHDRAWN = N_("Your consent has been withdrawn (code {code}); the service has been stopped.")
# TRANSLATORS: {code} is the case's 3-digit code. The State Corporation's offices are
# ХҚКО / ЦОН.
EXPIRED = N_(
    "No reply came in time; the offer is closed (code {code}). You can apply at egov.kz, at a "
    "State Corporation office or via 1414."
)
# TRANSLATORS: {code} is the case's 3-digit code. "HOME" and "STOP" are reply words: write
# the ones the citizen should send in this language (e.g. ҮЙ/ДОМ, СТОП).
HELP_OFFERED = N_(
    "Code {code}. Replies: 1 — consent, 2 — refusal, HOME — documents taken at home, "
    "KZ/RU — language, STOP — stop."
)
# TRANSLATORS: {code} is the case's 3-digit code. "HOME" and "STOP" are reply words: write
# the ones the citizen should send in this language (e.g. ҮЙ/ДОМ, СТОП).
HELP_ACCOUNT = N_(
    "Code {code}. Replies: 1 — the account is right, 2 — another account, or an IBAN; "
    "HOME — documents taken at home, KZ/RU — language, STOP — withdraw consent."
)
# TRANSLATORS: {code} is the case's 3-digit code. "HOME" and "STOP" are reply words: write
# the ones the citizen should send in this language (e.g. ҮЙ/ДОМ, СТОП).
HELP_PROCESSING = N_(
    "Code {code}. Your application is being processed, no reply is needed. HOME — documents "
    "taken at home, KZ/RU — language, STOP — withdraw consent."
)
# TRANSLATORS: {code} is the case's 3-digit code.
HELP_CLOSED = N_("Code {code}. Nothing on this case awaits your reply. KZ/RU — language.")
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
    "We did not understand your reply (code {code}). Reply 1 (the account is right), "
    "2 (another one) or send an IBAN; ? for help."
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
# TRANSLATORS: one open case in a list; {code} is its 3-digit code, {service} a brief name.
WHICH_CASE_ITEM = N_("{code} — {service}")
# TRANSLATORS: {code} is the case's 3-digit code.
OPERATOR_HANDOFF = N_(
    "We could not understand your replies (code {code}). An operator of the contact centre "
    "1414 will call you."
)
# TRANSLATORS: {code} is the case's 3-digit code; "STOP" is the word the citizen sent.
# The State Corporation's offices are ХҚКО / ЦОН.
STOPPED = N_(
    "STOP accepted (code {code}): no more messages on this case. You can apply at egov.kz, "
    "at a State Corporation office or via 1414."
)

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


def _fit(w: _Writer, build: Callable[[_Writer, int], str], total: int, least: int = 1) -> str:
    """The text with as many of `total` list items as fit two segments (at least `least`).

    `build(writer, shown)` words the text with the first `shown` items and says how many
    more there are; the wording of the text chosen is added to `w`.
    """
    least = min(total, least)
    shown = total
    while True:
        attempt = _Writer(w.lang)
        text = build(attempt, shown)
        if shown == least or segments(text) <= NOTICE_SEGMENTS:
            w.used.extend(attempt.used)
            return text
        shown -= 1


def _listed(w: _Writer, shown: Sequence[str], total: int) -> str:
    """The items `shown`, joined, and how many more of `total` there are."""
    items = "; ".join(shown)
    return w.plural(MORE, total - len(shown), items=items) if len(shown) < total else items


def _reasons(w: _Writer, shown: Sequence[str], total: int) -> str:
    """The reasons `shown` and how many more; with none shown, their number and 1414."""
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


def _offer(w: _Writer, ctx: NoticeContext, params: Params) -> str:
    for_child = ctx.for_child and ctx.service is Service.DISABILITY
    name = capitalized(w(CHILD_DISABILITY if for_child else SHORT_NAMES[ctx.service]))
    if ctx.amount is None:
        head = w(OFFER_HEAD_NO_AMOUNT, service=name)
    else:
        head = w(OFFER_HEAD, service=name, amount=w.money(ctx.amount, monthly=ctx.monthly))
    return _sentences(head, w(OFFER_QUESTION, code=ctx.code))


def _reminder(w: _Writer, ctx: NoticeContext, params: Params) -> str:
    if ctx.expires_at is None:
        return w(REMINDER_NO_DATE, code=ctx.code)
    expires = ctx.expires_at
    return w(REMINDER, code=ctx.code, date=w.date(expires), time=w.time(expires))


def _ask_account_confirm(w: _Writer, ctx: NoticeContext, params: Params) -> str:
    account = str(params.get("account") or "")
    if ctx.bank_name:
        text = _Writer(w.lang)
        with_bank = text(ASK_ACCOUNT_CONFIRM, account=account, bank=ctx.bank_name, code=ctx.code)
        if segments(with_bank) <= NOTICE_SEGMENTS:
            w.used.extend(text.used)
            return with_bank
    return w(ASK_ACCOUNT_CONFIRM_NO_BANK, account=account, code=ctx.code)


def _ask_iban(w: _Writer, ctx: NoticeContext, params: Params) -> str:
    return w(ASK_IBAN, code=ctx.code)


def _iban_reason(params: Params) -> str:
    reason = params.get("reason")
    return reason if isinstance(reason, str) and reason in INVALID_IBAN else INVALID_IBAN_DEFAULT


def _invalid_iban(w: _Writer, ctx: NoticeContext, params: Params) -> str:
    return w(INVALID_IBAN[_iban_reason(params)], code=ctx.code)


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
    w: _Writer, ctx: NoticeContext, msgids: Sequence[str], heads: tuple[str, str], tail: str
) -> str:
    """A head naming as many of the reasons `msgids` as fit, then the sentence `tail`."""
    with_reasons, without = heads

    def build(attempt: _Writer, shown: int) -> str:
        if not msgids:
            head = attempt(without, code=ctx.code)
        else:
            items = [attempt(msgid) for msgid in msgids[:shown]]
            reasons = _reasons(attempt, items, len(msgids))
            head = attempt(with_reasons, code=ctx.code, reasons=reasons)
        return _sentences(head, attempt(tail))

    return _fit(w, build, len(msgids), least=0)


def _not_accepted(w: _Writer, ctx: NoticeContext, params: Params) -> str:
    table = {str(check): msgid for check, msgid in CHECK_SHORT.items()}
    msgids = _short_texts(_codes(params, "failures"), table)
    heads = (NOT_ACCEPTED, NOT_ACCEPTED_NO_REASONS)
    return _with_reasons(w, ctx, msgids, heads, INFORMATION)


def _refused(w: _Writer, ctx: NoticeContext, params: Params) -> str:
    table = {str(code): msgid for code, msgid in REASON_SHORT.items()}
    msgids = _short_texts(_codes(params, "reasons"), table)
    return _with_reasons(w, ctx, msgids, (REFUSED, REFUSED_NO_REASONS), APPEAL_SHORT)


def _amount(params: Params, ctx: NoticeContext) -> Decimal | None:
    value = params.get("amount")
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return Decimal(value)
    return ctx.amount


def _assigned(w: _Writer, ctx: NoticeContext, params: Params) -> str:
    name = w(SHORT_NAMES[ctx.service])
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


def _fixed(msgid: str) -> Renderer:
    """A notice worded by one template with the case's code."""

    def render(w: _Writer, ctx: NoticeContext, params: Params) -> str:
        return w(msgid, code=ctx.code)

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
    NoticeKind.DECLINED: _fixed(DECLINED),
    NoticeKind.WITHDRAWN: _fixed(WITHDRAWN),
    NoticeKind.EXPIRED: _fixed(EXPIRED),
    NoticeKind.HELP: _help,
    NoticeKind.HOME_VISIT_REQUESTED: _fixed(HOME_VISIT_REQUESTED),
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

    def build(attempt: _Writer, shown: int) -> str:
        items = [
            attempt(WHICH_CASE_ITEM, code=code, service=attempt(BRIEF_NAMES[service]))
            for code, service in cases[:shown]
        ]
        listed = _listed(attempt, items, len(cases))
        return attempt(WHICH_CASE, cases=listed, example=example)

    return _fit(w, build, len(cases))


def _cases(value: object) -> list[tuple[str, Service]]:
    """The `cases` parameter: (code, service) pairs; anything else is refused."""
    if not isinstance(value, list | tuple):
        raise TypeError("WHICH_CASE needs cases=[(code, Service), ...]")
    return [(str(code), Service(service)) for code, service in value]


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
    ShellNotice.OPERATOR_HANDOFF: lambda w, ctx, params: w(OPERATOR_HANDOFF, code=ctx.code),
    ShellNotice.STOPPED: lambda w, ctx, params: w(STOPPED, code=ctx.code),
    ShellNotice.TELEGRAM_INVITE: lambda w, ctx, params: w(
        TELEGRAM_INVITE, link=ctx.telegram_link or ""
    ),
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
