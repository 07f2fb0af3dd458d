"""Every message a citizen can receive, with realistic values: the messages doc and the tests.

Each example is one wording of one message (a notice of a case, a message the shell sends on
its own, or a Telegram reply), with the longest realistic values where a value's length
matters (the largest amounts, a long first name, the longest bank name), so that its SMS
segments are those of the worst case. `scripts/messages.py` renders them all, in Kazakh and
Russian, into `docs/messages.md`; the budget tests render the same ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bot.channels.telegram import texts as telegram
from bot.wording.notice_texts import (
    NOTICE_SEGMENTS,
    OFFER_SEGMENTS,
    REFUSAL_SEGMENTS,
    NoticeContext,
    Rendered,
    ShellNotice,
    render_notice,
    render_offer,
    render_shell,
)
from bot.wording.texts import render
from domain.calendar import ALMATY
from domain.model import BurialCheck, DisabilityCheck, Language, ReasonCode, Service
from domain.notices import Notice, NoticeKind, ParamValue

LANGS = (Language.KK, Language.RU)
ACCOUNT = "KZ** **** **** **** 0100"  # an account on file, masked as the domain passes it
KK_BANK = "Қазақстан Халық Жинақ Банкі"
RU_BANK = "АО «Народный Банк Казахстана»"
CHILD = "Нұрсұлтан"  # a long first name of a child with disability
DECEASED = "Константин"  # one of the longest first names the population generator draws
EXPIRES = datetime(2026, 11, 28, 18, 30, tzinfo=ALMATY)
DUE = datetime(2026, 11, 27, 18, 30, tzinfo=ALMATY)
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ALMATY)
BURIAL_AMOUNT = Decimal("224900.00")  # 52 MRP of 2026
SURVIVOR_AMOUNT = Decimal("152553.00")  # 3.0 subsistence minimums of 2026, six dependents
SURVIVOR_SHARE = Decimal("76276.50")  # two of three shares of 2.25 subsistence minimums, 2026
DISABILITY_AMOUNT = Decimal("111872.20")  # 2.2 subsistence minimums of 2026, group I
LINK = "t.me/proactive_benefits_bot?start=417"


def context(service: Service = Service.BURIAL, **changes: Any) -> NoticeContext:
    """A case's context with long realistic values; `changes` override fields."""
    amounts = {
        Service.BURIAL: BURIAL_AMOUNT,
        Service.SURVIVOR: SURVIVOR_AMOUNT,
        Service.DISABILITY: DISABILITY_AMOUNT,
    }
    names = {Service.BURIAL: DECEASED, Service.SURVIVOR: DECEASED, Service.DISABILITY: None}
    fields: dict[str, Any] = {
        "service": service,
        "code": "417",
        "amount": amounts[service],
        "monthly": service is not Service.BURIAL,
        "bank_name": KK_BANK,
        "expires_at": EXPIRES,
        "application_number": "2026-000123",
        "subject_name": names[service],
    }
    return NoticeContext(**{**fields, **changes})


BURIAL = context(Service.BURIAL)
SURVIVOR = context(Service.SURVIVOR)
DISABILITY = context(Service.DISABILITY)
CHILD_DISABILITY = context(Service.DISABILITY, for_child=True, subject_name=CHILD)
FAMILY_SHARE = context(Service.SURVIVOR, amount=SURVIVOR_SHARE)


@dataclass(frozen=True)
class Example:
    """One wording of one message, with the values it is shown with."""

    name: str
    template: str  # the template id the message is sent under
    budget: int | None  # SMS segments it may take in each language; None: Telegram only
    words: Callable[[Language], Rendered | str]
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: Language) -> str:
        """The message in one language."""
        found = self.words(lang)
        return found.text if isinstance(found, Rendered) else found


def budget_of(kind: NoticeKind) -> int:
    """SMS segments a notice may take in each language."""
    if kind is NoticeKind.OFFER:
        return OFFER_SEGMENTS
    return REFUSAL_SEGMENTS if kind is NoticeKind.REFUSED else NOTICE_SEGMENTS


def notice(name: str, kind: NoticeKind, ctx: NoticeContext, **params: ParamValue) -> Example:
    """A notice of a case."""
    message = Notice(kind=kind, params=params)

    def words(lang: Language) -> Rendered:
        if kind is NoticeKind.OFFER:
            return render_offer(ctx, lang)
        return render_notice(message, lang, ctx)

    return Example(name, kind.value, budget_of(kind), words)


def shell(name: str, kind: ShellNotice, ctx: NoticeContext = BURIAL, **params: Any) -> Example:
    """A message the shell sends on its own."""
    return Example(
        name, kind.value, NOTICE_SEGMENTS, lambda lang: render_shell(kind, lang, ctx, **params)
    )


def chat(name: str, msgid: str, **params: Any) -> Example:
    """A Telegram reply of the chat's own (linking, commands)."""
    return Example(name, "telegram", None, lambda lang: render(msgid, lang.value, **params))


def offers() -> list[Example]:
    """The offer of each benefit, to the person, for a child, for a family's shares."""
    return [
        notice("offer: burial payment (the deceased named)", NoticeKind.OFFER, BURIAL),
        notice("offer: disability benefit", NoticeKind.OFFER, DISABILITY),
        notice("offer: disability benefit for a child", NoticeKind.OFFER, CHILD_DISABILITY),
        notice("offer: survivor benefit, six dependents", NoticeKind.OFFER, SURVIVOR),
        notice("offer: survivor benefit, two of three shares", NoticeKind.OFFER, FAMILY_SHARE),
        notice(
            "offer: amount not known",
            NoticeKind.OFFER,
            context(Service.DISABILITY, amount=None),
        ),
        notice(
            "reminder of an offer: burial payment", NoticeKind.REMINDER, BURIAL, state="offered"
        ),
        notice(
            "reminder of an offer: survivor benefit",
            NoticeKind.REMINDER,
            SURVIVOR,
            state="offered",
        ),
        notice(
            "reminder of an offer: disability benefit for a child",
            NoticeKind.REMINDER,
            CHILD_DISABILITY,
            state="offered",
        ),
        notice(
            "reminder: the account awaited",
            NoticeKind.REMINDER,
            SURVIVOR,
            state="awaiting_account",
        ),
    ]


def accounts() -> list[Example]:
    """The account on file to confirm, an IBAN to give, and what was wrong with one."""
    found = [
        notice(
            "account to confirm, Kazakh bank name",
            NoticeKind.ASK_ACCOUNT_CONFIRM,
            BURIAL,
            account=ACCOUNT,
        ),
        notice(
            "account to confirm, Russian bank name",
            NoticeKind.ASK_ACCOUNT_CONFIRM,
            context(bank_name=RU_BANK),
            account=ACCOUNT,
        ),
        notice(
            "account to confirm, bank unknown",
            NoticeKind.ASK_ACCOUNT_CONFIRM,
            context(bank_name=None),
            account=ACCOUNT,
        ),
        notice("IBAN asked for", NoticeKind.ASK_IBAN, BURIAL),
    ]
    return found + [
        notice(f"IBAN refused: {reason}", NoticeKind.INVALID_IBAN, BURIAL, reason=reason)
        for reason in ("country", "length", "format", "check_digits")
    ]


def decisions() -> list[Example]:
    """Registration, acceptance checks, the result, and the refusals."""
    found = [
        notice("application registered", NoticeKind.ACCEPTED, BURIAL, due_at=DUE),
        notice("application being processed", NoticeKind.STATUS, BURIAL, due_at=DUE),
        notice("application being processed, term not set", NoticeKind.STATUS, BURIAL),
    ]
    found += [
        notice(f"not accepted: {check}", NoticeKind.NOT_ACCEPTED, BURIAL, failures=(check.value,))
        for check in BurialCheck
    ]
    found += [
        notice(
            "not accepted: disability benefit already paid",
            NoticeKind.NOT_ACCEPTED,
            DISABILITY,
            failures=(DisabilityCheck.NOT_ALREADY_ASSIGNED.value,),
        ),
        notice(
            "not accepted: all five burial checks",
            NoticeKind.NOT_ACCEPTED,
            BURIAL,
            failures=tuple(c.value for c in BurialCheck),
        ),
        notice(
            "assigned: burial payment",
            NoticeKind.ASSIGNED,
            context(account_last4="0100"),
            amount=BURIAL_AMOUNT,
            start=date(2026, 11, 25),
        ),
        notice(
            "assigned: disability benefit",
            NoticeKind.ASSIGNED,
            context(Service.DISABILITY, account_last4="0100"),
            amount=DISABILITY_AMOUNT,
            start=date(2026, 8, 31),
        ),
        notice(
            "assigned: survivor benefit, two shares",
            NoticeKind.ASSIGNED,
            context(Service.SURVIVOR, account_last4="0100"),
            amount=SURVIVOR_SHARE,
            start=date(2025, 11, 30),
        ),
    ]
    found += [
        notice(
            f"refused: {code}", NoticeKind.REFUSED, _refused_service(code), reasons=(code.value,)
        )
        for code in ReasonCode
    ]
    return found + [
        notice(
            "refused: three reasons",
            NoticeKind.REFUSED,
            SURVIVOR,
            reasons=(
                ReasonCode.DATA_MISSING.value,
                ReasonCode.DATA_INCORRECT.value,
                ReasonCode.NO_ELIGIBLE_DEPENDENTS.value,
            ),
        )
    ]


def _refused_service(code: ReasonCode) -> NoticeContext:
    """The benefit a refusal for this reason is about."""
    if code.value.startswith("burial") or code is ReasonCode.DECEASED_NOT_A_RECIPIENT:
        return BURIAL
    if code.value.startswith("disability"):
        return DISABILITY
    return SURVIVOR


def conversation() -> list[Example]:
    """The citizen's own turns: refusal, withdrawal, expiry, help, language, not understood."""
    found = [
        notice("service refused by the citizen", NoticeKind.DECLINED, BURIAL),
        notice("consent withdrawn", NoticeKind.WITHDRAWN, BURIAL),
        notice("offer expired", NoticeKind.EXPIRED, BURIAL),
        notice("home visit requested", NoticeKind.HOME_VISIT_REQUESTED, BURIAL),
        notice("language changed", NoticeKind.LANGUAGE_CHANGED, BURIAL),
    ]
    found += [
        notice(f"help: {state}", NoticeKind.HELP, BURIAL, state=state)
        for state in ("offered", "awaiting_account", "registered", "assigned")
    ]
    found += [
        notice(f"not understood: {state}", NoticeKind.UNRECOGNISED, BURIAL, state=state)
        for state in ("offered", "awaiting_account", "registered")
    ]
    closed = ("not_accepted", "assigned", "refused", "declined", "withdrawn", "expired")
    return found + [
        notice(f"nothing awaits a reply: {state}", NoticeKind.CASE_CLOSED, BURIAL, state=state)
        for state in closed
    ]


def shell_messages() -> list[Example]:
    """What the shell says on its own: which case, handoff, STOP, Telegram, flood."""
    two = [("417", Service.DISABILITY, "Аружан"), ("532", Service.DISABILITY, CHILD)]
    three = [
        ("417", Service.BURIAL, DECEASED),
        ("532", Service.SURVIVOR, DECEASED),
        ("618", Service.DISABILITY, None),
    ]
    return [
        shell("which case: two children's disability offers", ShellNotice.WHICH_CASE, cases=two),
        shell("which case: three services", ShellNotice.WHICH_CASE, cases=three),
        shell("handed to an operator", ShellNotice.OPERATOR_HANDOFF),
        shell("STOP accepted", ShellNotice.STOPPED),
        shell("Telegram link, asked for by TG", ShellNotice.TELEGRAM_LINK, link=LINK),
        shell("TG, already linked", ShellNotice.TELEGRAM_ALREADY_LINKED),
        shell("TG, no Telegram bot running", ShellNotice.TELEGRAM_UNAVAILABLE),
        shell(
            "too many messages, read again today",
            ShellNotice.SLOW_DOWN,
            read_again_at=datetime(2026, 11, 25, 10, 9, tzinfo=ALMATY),
            now=NOW,
        ),
        shell(
            "too many messages, read again tomorrow",
            ShellNotice.SLOW_DOWN,
            read_again_at=datetime(2026, 11, 26, 0, 5, tzinfo=ALMATY),
            now=datetime(2026, 11, 25, 23, 58, tzinfo=ALMATY),
        ),
    ]


def telegram_messages() -> list[Example]:
    """The Telegram chat's own replies (case notices come as in SMS, with buttons)."""
    phone = "+7 701 *** ** 67"
    return [
        chat("/start", telegram.WELCOME),
        chat("contact not one's own", telegram.NOT_OWN_CONTACT),
        chat("not a Kazakhstan mobile", telegram.NOT_A_MOBILE),
        chat("number not registered for eGov", telegram.UNKNOWN_PHONE, phone=phone),
        chat("registry unavailable", telegram.REGISTRY_UNAVAILABLE),
        chat("linked", telegram.LINKED, phone=phone),
        chat("unlinked", telegram.UNLINKED),
        chat("not linked yet", telegram.NOT_LINKED),
        chat("/help", telegram.HELP),
        chat("/language", telegram.CHOOSE_LANGUAGE),
        chat("language set", telegram.LANGUAGE_SET),
        chat("/status, none", telegram.STATUS_NONE),
    ]


def every_example() -> list[Example]:
    """Every message, each wording once."""
    return [
        *offers(),
        *accounts(),
        *decisions(),
        *conversation(),
        *shell_messages(),
        *telegram_messages(),
    ]
