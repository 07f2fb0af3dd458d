"""The case state machine: `step(case, intent, now) -> (case, effects)`, keyed by case, not chat.

One conversation serves every channel: SMS and Telegram both turn input into an `Intent`.
The step never words anything and never does I/O: it returns the next case and the
effects (notices, consent acts, registration, decisions) for the shell to carry out.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.banking import Iban
from domain.calendar import deadline
from domain.cases import FINAL, OPEN, PROCESSING, Case, CaseState
from domain.decisions import Outcome
from domain.effects import (
    AccountSource,
    CancelProcessing,
    CheckApplication,
    ConsentAct,
    Effect,
    OpenReview,
    PlacePayment,
    RecordConsent,
    RegisterApplication,
    RequestDecision,
    RequestHomeVisit,
    SendNotice,
    SetAccount,
)
from domain.intents import (
    AnotherAccount,
    ApplicationChecked,
    ChooseLanguage,
    ConfirmAccount,
    ConsentNo,
    ConsentYes,
    Decided,
    Expire,
    GiveIban,
    Help,
    HomeVisit,
    Intent,
    Remind,
    Stop,
    Unknown,
)
from domain.notices import Notice, NoticeKind

Step = tuple[Case, tuple[Effect, ...]]


def notice(kind: NoticeKind, **params: object) -> SendNotice:
    """A SendNotice effect of a kind with its parameters."""
    return SendNotice(notice=Notice.model_validate({"kind": kind, "params": params}))


def prompt(case: Case) -> SendNotice:
    """The question the citizen owes an answer to in an open state."""
    if case.state is CaseState.OFFERED:
        return notice(NoticeKind.OFFER)
    if case.account_on_file is not None and not case.asked_for_iban:
        return notice(NoticeKind.ASK_ACCOUNT_CONFIRM, account=case.account_on_file.masked)
    return notice(NoticeKind.ASK_IBAN)


def _closed(case: Case) -> Step:
    return case, (notice(NoticeKind.CASE_CLOSED, state=case.state.value),)


def _status(case: Case) -> Step:
    return case, (notice(NoticeKind.STATUS, due_at=case.due_at),)


def _ignored(case: Case) -> Step:
    """A stale timer or a report that no longer applies: nothing changes, nothing is sent."""
    return case, ()


def _citizen_default(case: Case) -> Step:
    """What a reply that does not fit the state gets: the question again, or the status."""
    if case.state in OPEN:
        return case, (notice(NoticeKind.UNRECOGNISED), prompt(case))
    if case.state in PROCESSING:
        return _status(case)
    return _closed(case)


def _consent_yes(case: Case, now: datetime) -> Step:
    if case.state is CaseState.OFFERED:  # App.2 row 8: consent by a reply to the notification
        nxt = case.model_copy(update={"state": CaseState.AWAITING_ACCOUNT, "consent_at": now})
        return nxt, (RecordConsent(act=ConsentAct.GIVEN), prompt(nxt))
    if case.state is CaseState.AWAITING_ACCOUNT:
        return _confirm_account(case, now)
    return _citizen_default(case)


def _consent_no(case: Case, now: datetime) -> Step:
    if case.state is CaseState.OFFERED:
        nxt = case.model_copy(update={"state": CaseState.DECLINED, "closed_at": now})
        return nxt, (RecordConsent(act=ConsentAct.REFUSED), notice(NoticeKind.DECLINED))
    if case.state is CaseState.AWAITING_ACCOUNT:  # "no" to "is this your account?"
        return _another_account(case)
    return _citizen_default(case)


def _submit(case: Case, now: datetime, iban: Iban, source: AccountSource) -> Step:
    """Account settled: register the application (burial p.16, disability p.20-1)."""
    nxt = case.model_copy(
        update={"state": CaseState.REGISTERED, "account": iban, "registered_at": now}
    )
    return nxt, (SetAccount(iban=iban, source=source), RegisterApplication(), CheckApplication())


def _confirm_account(case: Case, now: datetime) -> Step:
    if case.state is not CaseState.AWAITING_ACCOUNT:
        return _citizen_default(case)
    if case.account_on_file is None:
        nxt = case.model_copy(update={"asked_for_iban": True})
        return nxt, (prompt(nxt),)
    return _submit(case, now, case.account_on_file, AccountSource.ON_FILE)


def _another_account(case: Case) -> Step:
    if case.state is not CaseState.AWAITING_ACCOUNT:
        return _citizen_default(case)
    nxt = case.model_copy(update={"asked_for_iban": True})
    return nxt, (prompt(nxt),)


def _give_iban(case: Case, intent: GiveIban, now: datetime) -> Step:
    if case.state is not CaseState.AWAITING_ACCOUNT:
        return _citizen_default(case)
    return _submit(case, now, intent.iban, AccountSource.CITIZEN)


def _choose_language(case: Case, intent: ChooseLanguage) -> Step:
    nxt = case.model_copy(update={"language": intent.language})
    follow_up = (prompt(nxt),) if nxt.state in OPEN else ()
    return nxt, (notice(NoticeKind.LANGUAGE_CHANGED), *follow_up)


def _stop(case: Case, now: datetime) -> Step:
    if case.state is CaseState.OFFERED:  # STOP before consent is a refusal
        nxt = case.model_copy(update={"state": CaseState.DECLINED, "closed_at": now})
        return nxt, (RecordConsent(act=ConsentAct.REFUSED), notice(NoticeKind.DECLINED))
    if case.state in FINAL:
        return _closed(case)
    nxt = case.model_copy(update={"state": CaseState.WITHDRAWN, "closed_at": now})
    cancel = (CancelProcessing(),) if case.state in PROCESSING else ()
    effects = (RecordConsent(act=ConsentAct.WITHDRAWN), *cancel, notice(NoticeKind.WITHDRAWN))
    return nxt, effects


def _help(case: Case) -> Step:
    follow_up = (prompt(case),) if case.state in OPEN else ()
    return case, (notice(NoticeKind.HELP, state=case.state.value), *follow_up)


def _home_visit(case: Case) -> Step:
    if case.state in FINAL:
        return _closed(case)
    request = () if case.home_visit_requested else (RequestHomeVisit(),)
    nxt = case.model_copy(update={"home_visit_requested": True})
    return nxt, (*request, notice(NoticeKind.HOME_VISIT_REQUESTED))


def _remind(case: Case) -> Step:
    """One reminder: an offer's names the benefit and what to reply; one awaiting the
    account says so, and the account question follows."""
    if case.state not in OPEN or case.reminders_sent > 0:
        return _ignored(case)
    nxt = case.model_copy(update={"reminders_sent": case.reminders_sent + 1})
    reminder = notice(NoticeKind.REMINDER, state=case.state.value)
    if case.state is CaseState.OFFERED:
        return nxt, (reminder,)
    return nxt, (reminder, prompt(nxt))


def _expire(case: Case, now: datetime) -> Step:
    if case.state not in OPEN:
        return _ignored(case)
    nxt = case.model_copy(update={"state": CaseState.EXPIRED, "closed_at": now})
    return nxt, (RecordConsent(act=ConsentAct.EXPIRED), notice(NoticeKind.EXPIRED))


def _checked(case: Case, intent: ApplicationChecked, now: datetime) -> Step:
    if case.state is not CaseState.REGISTERED or case.accepted is not None:
        return _ignored(case)
    if intent.failures:  # burial p.16, disability p.20-1: notice of non-acceptance
        nxt = case.model_copy(
            update={"state": CaseState.NOT_ACCEPTED, "accepted": False, "closed_at": now}
        )
        failures = tuple(intent.failures)
        return nxt, (notice(NoticeKind.NOT_ACCEPTED, failures=failures),)
    assert case.registered_at is not None  # REGISTERED always carries its time
    due_at = deadline(case.registered_at, case.term_working_days)  # App.2/3/4 row 3
    state = CaseState.REGISTERED if case.automatic else CaseState.UNDER_REVIEW
    nxt = case.model_copy(update={"state": state, "accepted": True, "due_at": due_at})
    work = RequestDecision(due_at=due_at) if case.automatic else OpenReview(due_at=due_at)
    return nxt, (notice(NoticeKind.ACCEPTED, due_at=due_at), work)


def _decided(case: Case, intent: Decided, now: datetime) -> Step:
    if case.state not in PROCESSING or case.accepted is not True:
        return _ignored(case)
    decision = intent.decision
    if decision.outcome is Outcome.ASSIGN:  # burial p.19-1: placed in the payments system
        nxt = case.model_copy(update={"state": CaseState.ASSIGNED, "closed_at": now})
        params = {"amount": decision.amount, "start": decision.start}
        return nxt, (PlacePayment(decision=decision), notice(NoticeKind.ASSIGNED, **params))
    nxt = case.model_copy(update={"state": CaseState.REFUSED, "closed_at": now})
    reasons = tuple(r.code.value for r in decision.reasons)
    return nxt, (notice(NoticeKind.REFUSED, reasons=reasons),)


# One arm per intent reads as the table it is; splitting it would hide the table.
def _dispatch(case: Case, intent: Intent, now: datetime) -> Step:  # noqa: PLR0911, PLR0912
    match intent:
        case ConsentYes():
            return _consent_yes(case, now)
        case ConsentNo():
            return _consent_no(case, now)
        case ConfirmAccount():
            return _confirm_account(case, now)
        case AnotherAccount():
            return _another_account(case)
        case GiveIban():
            return _give_iban(case, intent, now)
        case ChooseLanguage():
            return _choose_language(case, intent)
        case Stop():
            return _stop(case, now)
        case Help():
            return _help(case)
        case HomeVisit():
            return _home_visit(case)
        case Unknown():
            return _citizen_default(case)
        case Remind():
            return _remind(case)
        case Expire():
            return _expire(case, now)
        case ApplicationChecked():
            return _checked(case, intent, now)
        case Decided():
            return _decided(case, intent, now)


def step(case: Case, intent: Intent, now: datetime) -> Step:
    """Apply one intent to a case at `now`: the next case and the effects to carry out."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if case.state in SILENT:
        return _ignored(case)  # nobody is reached, or nothing was offered: nothing is sent
    return _dispatch(case, intent, now)


# SPEC Interpretation "Offer expiry and reminders": not set by the seed; the real 1414
# channel gives 72 hours to answer. Both are configurable in the shell.
REMIND_AFTER = timedelta(hours=48)
EXPIRE_AFTER = timedelta(hours=72)


def offer_timers(
    sent_at: datetime,
    remind_after: timedelta = REMIND_AFTER,
    expire_after: timedelta = EXPIRE_AFTER,
) -> tuple[datetime, datetime]:
    """When the reminder and the expiry fall due, counted from the offer being *sent*."""
    if not timedelta(0) < remind_after < expire_after:
        raise ValueError("the reminder must fall due after sending and before expiry")
    return sent_at + remind_after, sent_at + expire_after


# Cases whose citizen hears nothing from the bot: not offered (pre-screening), or unreachable.
SILENT = frozenset({CaseState.NOT_OFFERED, CaseState.NO_CONTACT})


def open_case(case: Case, *, offered: bool, reachable: bool) -> Step:
    """Start a case: offer the service; or keep it visible to operators, unsent, as
    `not_offered` when pre-screening found it cannot be assigned (SPEC "Offer only what the
    registries already allow"), or as `no_contact` when nobody can be reached."""
    if not offered:
        return case.model_copy(update={"state": CaseState.NOT_OFFERED}), ()
    if not reachable:
        return case.model_copy(update={"state": CaseState.NO_CONTACT}), ()
    opened = case.model_copy(update={"state": CaseState.OFFERED})
    offer = notice(NoticeKind.OFFER).model_copy(update={"starts_offer_timers": True})
    return opened, (offer,)
