"""The conversation as a table: every state × every intent has a defined outcome."""

from __future__ import annotations

import typing
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.banking import parse_iban
from domain.calendar import ALMATY
from domain.cases import FINAL, Case, CaseState, is_overdue
from domain.conversation import offer_timers, open_case, step
from domain.decisions import Decision, Outcome, Periodicity, reason
from domain.effects import (
    AccountSource,
    ConsentAct,
    Effect,
    OpenReview,
    PlacePayment,
    RecordConsent,
    RequestDecision,
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
from domain.model import Language, ReasonCode, Service
from domain.notices import NoticeKind

NOW = datetime(2026, 1, 12, 10, tzinfo=UTC)
ON_FILE = parse_iban("KZ86125KZT5004100100")
GIVEN = parse_iban("KZ75125KZT2069100100")


def make_case(state: CaseState, **changes: object) -> Case:
    """A burial case in `state` with an account on file; `changes` override fields."""
    fields: dict[str, object] = {
        "id": "case-1",
        "service": Service.BURIAL,
        "state": state,
        "automatic": True,
        "term_working_days": 1,
        "offered_at": NOW,
        "account_on_file": ON_FILE,
    }
    fields.update(changes)
    return Case.model_validate(fields)


def decision(outcome: Outcome) -> Decision:
    """A signed-looking decision of the given outcome."""
    if outcome is Outcome.ASSIGN:
        return Decision(
            service=Service.BURIAL,
            outcome=outcome,
            decided_at=NOW,
            amount=Decimal("224900.00"),
            start=date(2026, 1, 12),
            periodicity=Periodicity.ONE_TIME,
            basis="burial p.19-1",
        )
    too_late = reason(ReasonCode.BURIAL_TOO_LATE, "burial p.13(5)")
    return Decision(
        service=Service.BURIAL, outcome=outcome, decided_at=NOW, reasons=(too_late,), basis="x"
    )


PROCESSING_FIELDS: dict[str, object] = {
    "consent_at": NOW,
    "registered_at": NOW,
    "account": ON_FILE,
}
SITUATIONS: dict[str, Case] = {
    "not_offered": make_case(CaseState.NOT_OFFERED),
    "no_contact": make_case(CaseState.NO_CONTACT),
    "offered": make_case(CaseState.OFFERED),
    "awaiting_account": make_case(CaseState.AWAITING_ACCOUNT, consent_at=NOW),
    "registered_unchecked": make_case(CaseState.REGISTERED, **PROCESSING_FIELDS),
    "registered_accepted": make_case(CaseState.REGISTERED, accepted=True, **PROCESSING_FIELDS),
    "under_review": make_case(
        CaseState.UNDER_REVIEW, accepted=True, automatic=False, **PROCESSING_FIELDS
    ),
    **{s.value: make_case(s, closed_at=NOW) for s in sorted(FINAL)},
}
INTENTS: dict[str, Intent] = {
    "yes": ConsentYes(),
    "no": ConsentNo(),
    "confirm": ConfirmAccount(),
    "another": AnotherAccount(),
    "iban": GiveIban(iban=GIVEN),
    "lang": ChooseLanguage(language=Language.RU),
    "stop": Stop(),
    "help": Help(),
    "visit": HomeVisit(),
    "unknown": Unknown(),
    "remind": Remind(),
    "expire": Expire(),
    "checked_ok": ApplicationChecked(),
    "checked_fail": ApplicationChecked(failures=("recipient_on_death",)),
    "assign": Decided(decision=decision(Outcome.ASSIGN)),
    "refuse": Decided(decision=decision(Outcome.REFUSE)),
}

# situation -> intent, next state, effects in order (a notice by its kind, others by type).
TABLE: dict[str, str] = {
    "not_offered": """
        yes          not_offered
        no           not_offered
        confirm      not_offered
        another      not_offered
        iban         not_offered
        lang         not_offered
        stop         not_offered
        help         not_offered
        visit        not_offered
        unknown      not_offered
        remind       not_offered
        expire       not_offered
        checked_ok   not_offered
        checked_fail not_offered
        assign       not_offered
        refuse       not_offered
    """,
    "no_contact": """
        yes          no_contact
        no           no_contact
        confirm      no_contact
        another      no_contact
        iban         no_contact
        lang         no_contact
        stop         no_contact
        help         no_contact
        visit        no_contact
        unknown      no_contact
        remind       no_contact
        expire       no_contact
        checked_ok   no_contact
        checked_fail no_contact
        assign       no_contact
        refuse       no_contact
    """,
    "offered": """
        yes          awaiting_account record_consent ask_account_confirm
        no           declined         record_consent declined
        confirm      offered          unrecognised offer
        another      offered          unrecognised offer
        iban         offered          unrecognised offer
        lang         offered          language_changed offer
        stop         declined         record_consent declined
        help         offered          help offer
        visit        offered          request_home_visit home_visit_requested
        unknown      offered          unrecognised offer
        remind       offered          reminder
        expire       expired          record_consent expired
        checked_ok   offered
        checked_fail offered
        assign       offered
        refuse       offered
    """,
    "awaiting_account": """
        yes          registered       set_account register_application check_application
        no           awaiting_account ask_iban
        confirm      registered       set_account register_application check_application
        another      awaiting_account ask_iban
        iban         registered       set_account register_application check_application
        lang         awaiting_account language_changed ask_account_confirm
        stop         withdrawn        record_consent withdrawn
        help         awaiting_account help ask_account_confirm
        visit        awaiting_account request_home_visit home_visit_requested
        unknown      awaiting_account unrecognised ask_account_confirm
        remind       awaiting_account reminder ask_account_confirm
        expire       expired          record_consent expired
        checked_ok   awaiting_account
        checked_fail awaiting_account
        assign       awaiting_account
        refuse       awaiting_account
    """,
    "registered_unchecked": """
        yes          registered       status
        no           registered       status
        confirm      registered       status
        another      registered       status
        iban         registered       status
        lang         registered       language_changed
        stop         withdrawn        record_consent cancel_processing withdrawn
        help         registered       help
        visit        registered       request_home_visit home_visit_requested
        unknown      registered       status
        remind       registered
        expire       registered
        checked_ok   registered       accepted request_decision
        checked_fail not_accepted     not_accepted
        assign       registered
        refuse       registered
    """,
    "registered_accepted": """
        yes          registered       status
        no           registered       status
        confirm      registered       status
        another      registered       status
        iban         registered       status
        lang         registered       language_changed
        stop         withdrawn        record_consent cancel_processing withdrawn
        help         registered       help
        visit        registered       request_home_visit home_visit_requested
        unknown      registered       status
        remind       registered
        expire       registered
        checked_ok   registered
        checked_fail registered
        assign       assigned         place_payment assigned
        refuse       refused          refused
    """,
    "under_review": """
        yes          under_review     status
        no           under_review     status
        confirm      under_review     status
        another      under_review     status
        iban         under_review     status
        lang         under_review     language_changed
        stop         withdrawn        record_consent cancel_processing withdrawn
        help         under_review     help
        visit        under_review     request_home_visit home_visit_requested
        unknown      under_review     status
        remind       under_review
        expire       under_review
        checked_ok   under_review
        checked_fail under_review
        assign       assigned         place_payment assigned
        refuse       refused          refused
    """,
    "not_accepted": """
        yes          not_accepted     case_closed
        no           not_accepted     case_closed
        confirm      not_accepted     case_closed
        another      not_accepted     case_closed
        iban         not_accepted     case_closed
        lang         not_accepted     language_changed
        stop         not_accepted     case_closed
        help         not_accepted     help
        visit        not_accepted     case_closed
        unknown      not_accepted     case_closed
        remind       not_accepted
        expire       not_accepted
        checked_ok   not_accepted
        checked_fail not_accepted
        assign       not_accepted
        refuse       not_accepted
    """,
    "assigned": """
        yes          assigned         case_closed
        no           assigned         case_closed
        confirm      assigned         case_closed
        another      assigned         case_closed
        iban         assigned         case_closed
        lang         assigned         language_changed
        stop         assigned         case_closed
        help         assigned         help
        visit        assigned         case_closed
        unknown      assigned         case_closed
        remind       assigned
        expire       assigned
        checked_ok   assigned
        checked_fail assigned
        assign       assigned
        refuse       assigned
    """,
    "refused": """
        yes          refused          case_closed
        no           refused          case_closed
        confirm      refused          case_closed
        another      refused          case_closed
        iban         refused          case_closed
        lang         refused          language_changed
        stop         refused          case_closed
        help         refused          help
        visit        refused          case_closed
        unknown      refused          case_closed
        remind       refused
        expire       refused
        checked_ok   refused
        checked_fail refused
        assign       refused
        refuse       refused
    """,
    "declined": """
        yes          declined         case_closed
        no           declined         case_closed
        confirm      declined         case_closed
        another      declined         case_closed
        iban         declined         case_closed
        lang         declined         language_changed
        stop         declined         case_closed
        help         declined         help
        visit        declined         case_closed
        unknown      declined         case_closed
        remind       declined
        expire       declined
        checked_ok   declined
        checked_fail declined
        assign       declined
        refuse       declined
    """,
    "withdrawn": """
        yes          withdrawn        case_closed
        no           withdrawn        case_closed
        confirm      withdrawn        case_closed
        another      withdrawn        case_closed
        iban         withdrawn        case_closed
        lang         withdrawn        language_changed
        stop         withdrawn        case_closed
        help         withdrawn        help
        visit        withdrawn        case_closed
        unknown      withdrawn        case_closed
        remind       withdrawn
        expire       withdrawn
        checked_ok   withdrawn
        checked_fail withdrawn
        assign       withdrawn
        refuse       withdrawn
    """,
    "expired": """
        yes          expired          case_closed
        no           expired          case_closed
        confirm      expired          case_closed
        another      expired          case_closed
        iban         expired          case_closed
        lang         expired          language_changed
        stop         expired          case_closed
        help         expired          help
        visit        expired          case_closed
        unknown      expired          case_closed
        remind       expired
        expire       expired
        checked_ok   expired
        checked_fail expired
        assign       expired
        refuse       expired
    """,
}


def outcome(case: Case, intent: Intent) -> str:
    """The next state and the effects of one step, in the table's notation."""
    nxt, effects = step(case, intent, NOW)
    names = [e.notice.kind.value if isinstance(e, SendNotice) else e.type for e in effects]
    return " ".join([nxt.state.value, *names])


def expected_cells() -> list[tuple[str, str, str]]:
    """(situation, intent, expected) for every cell of the table."""
    cells = []
    for situation, block in TABLE.items():
        for line in block.strip().splitlines():
            intent, expected = line.split(maxsplit=1)
            cells.append((situation, intent, " ".join(expected.split())))
    return cells


@pytest.mark.parametrize(("situation", "intent", "expected"), expected_cells())
def test_every_state_and_intent_has_the_outcome_in_the_table(
    situation: str, intent: str, expected: str
) -> None:
    assert outcome(SITUATIONS[situation], INTENTS[intent]) == expected


def test_the_table_covers_every_state_and_every_intent() -> None:
    covered_states = {SITUATIONS[s].state for s in TABLE}
    assert covered_states == set(CaseState)
    every_intent = set(typing.get_args(Intent))
    assert {type(i) for i in INTENTS.values()} == every_intent
    for block in TABLE.values():
        assert [line.split()[0] for line in block.strip().splitlines()] == list(INTENTS)


def effects_of(effects: tuple[Effect, ...], kind: type[Effect]) -> list[Effect]:
    """The effects of one type, in order."""
    return [e for e in effects if isinstance(e, kind)]


def only_notice(effects: tuple[Effect, ...], kind: NoticeKind) -> SendNotice:
    """The single notice of a kind among the effects."""
    found = [e for e in effects if isinstance(e, SendNotice) and e.notice.kind is kind]
    assert len(found) == 1
    return found[0]


def test_consent_without_an_account_on_file_asks_for_an_iban() -> None:
    case = make_case(CaseState.OFFERED, account_on_file=None)
    nxt, effects = step(case, ConsentYes(), NOW)
    assert nxt.state is CaseState.AWAITING_ACCOUNT
    assert nxt.consent_at == NOW
    assert effects_of(effects, RecordConsent) == [RecordConsent(act=ConsentAct.GIVEN)]
    only_notice(effects, NoticeKind.ASK_IBAN)


def test_the_account_question_shows_the_account_on_file_masked() -> None:
    _, effects = step(make_case(CaseState.OFFERED), ConsentYes(), NOW)
    ask = only_notice(effects, NoticeKind.ASK_ACCOUNT_CONFIRM)
    assert ask.notice.params == {"account": "KZ** **** **** **** 0100"}


def test_confirming_with_nothing_on_file_asks_for_an_iban_and_stays() -> None:
    case = make_case(CaseState.AWAITING_ACCOUNT, account_on_file=None, consent_at=NOW)
    nxt, effects = step(case, ConfirmAccount(), NOW)
    assert nxt.state is CaseState.AWAITING_ACCOUNT
    assert nxt.asked_for_iban
    only_notice(effects, NoticeKind.ASK_IBAN)


def test_confirming_the_account_on_file_registers_with_that_account() -> None:
    case = make_case(CaseState.AWAITING_ACCOUNT, consent_at=NOW)
    nxt, effects = step(case, ConfirmAccount(), NOW)
    assert nxt.state is CaseState.REGISTERED
    assert nxt.account == ON_FILE
    assert nxt.registered_at == NOW
    assert effects_of(effects, SetAccount) == [
        SetAccount(iban=ON_FILE, source=AccountSource.ON_FILE)
    ]


def test_another_account_then_an_iban_registers_with_the_citizens_account() -> None:
    case = make_case(CaseState.AWAITING_ACCOUNT, consent_at=NOW)
    asked, _ = step(case, AnotherAccount(), NOW)
    nxt, effects = step(asked, GiveIban(iban=GIVEN), NOW)
    assert nxt.account == GIVEN
    assert effects_of(effects, SetAccount) == [
        SetAccount(iban=GIVEN, source=AccountSource.CITIZEN)
    ]


def test_after_another_account_reminders_ask_for_the_iban_not_the_account_on_file() -> None:
    case = make_case(CaseState.AWAITING_ACCOUNT, consent_at=NOW)
    asked, _ = step(case, AnotherAccount(), NOW)
    _, effects = step(asked, Remind(), NOW)
    only_notice(effects, NoticeKind.ASK_IBAN)


def registered(registered_at: datetime, *, automatic: bool, term: int) -> Case:
    """A freshly registered case whose acceptance checks have not reported yet."""
    return make_case(
        CaseState.REGISTERED,
        consent_at=registered_at,
        registered_at=registered_at,
        account=ON_FILE,
        automatic=automatic,
        term_working_days=term,
    )


def test_an_accepted_automatic_case_is_due_at_1830_on_the_next_working_day() -> None:
    friday_evening = datetime(2026, 1, 9, 17, 0, tzinfo=ALMATY)
    nxt, effects = step(
        registered(friday_evening, automatic=True, term=1), ApplicationChecked(), NOW
    )
    due = datetime(2026, 1, 12, 18, 30, tzinfo=ALMATY)
    assert nxt.state is CaseState.REGISTERED
    assert nxt.accepted is True
    assert nxt.due_at == due
    assert effects_of(effects, RequestDecision) == [RequestDecision(due_at=due)]
    assert only_notice(effects, NoticeKind.ACCEPTED).notice.params == {"due_at": due}


def test_an_accepted_case_the_law_leaves_to_a_person_goes_to_review_in_seven_working_days() -> (
    None
):
    monday = datetime(2026, 1, 12, 10, 0, tzinfo=ALMATY)
    nxt, effects = step(registered(monday, automatic=False, term=7), ApplicationChecked(), NOW)
    due = datetime(2026, 1, 21, 18, 30, tzinfo=ALMATY)
    assert nxt.state is CaseState.UNDER_REVIEW
    assert effects_of(effects, OpenReview) == [OpenReview(due_at=due)]


def test_failed_checks_end_in_non_acceptance_naming_each_check() -> None:
    case = registered(NOW, automatic=True, term=1)
    failures = ("not_already_assigned", "within_three_years")
    nxt, effects = step(case, ApplicationChecked(failures=failures), NOW)
    assert nxt.state is CaseState.NOT_ACCEPTED
    assert nxt.closed_at == NOW
    assert only_notice(effects, NoticeKind.NOT_ACCEPTED).notice.params == {"failures": failures}


def test_an_assignment_places_exactly_one_payment_and_tells_the_amount() -> None:
    case = make_case(CaseState.REGISTERED, accepted=True, **PROCESSING_FIELDS)
    assign = decision(Outcome.ASSIGN)
    nxt, effects = step(case, Decided(decision=assign), NOW)
    assert nxt.state is CaseState.ASSIGNED
    assert effects_of(effects, PlacePayment) == [PlacePayment(decision=assign)]
    params = only_notice(effects, NoticeKind.ASSIGNED).notice.params
    assert params == {"amount": Decimal("224900.00"), "start": date(2026, 1, 12)}
    again, more = step(nxt, Decided(decision=assign), NOW)
    assert (again, more) == (nxt, ())


def test_a_refusal_tells_the_reason_codes() -> None:
    case = make_case(CaseState.UNDER_REVIEW, accepted=True, automatic=False, **PROCESSING_FIELDS)
    nxt, effects = step(case, Decided(decision=decision(Outcome.REFUSE)), NOW)
    assert nxt.state is CaseState.REFUSED
    assert only_notice(effects, NoticeKind.REFUSED).notice.params == {
        "reasons": ("burial_too_late",)
    }


def test_the_reminder_is_sent_once() -> None:
    once, effects = step(make_case(CaseState.OFFERED), Remind(), NOW)
    assert once.reminders_sent == 1
    only_notice(effects, NoticeKind.REMINDER)
    assert step(once, Remind(), NOW) == (once, ())


def test_a_home_visit_is_requested_once_and_acknowledged_each_time() -> None:
    first, effects = step(make_case(CaseState.OFFERED), HomeVisit(), NOW)
    assert first.home_visit_requested
    assert [e.type for e in effects] == ["request_home_visit", "send_notice"]
    _, again = step(first, HomeVisit(), NOW)
    assert [e.type for e in again] == ["send_notice"]


def test_choosing_a_language_keeps_it_on_the_case() -> None:
    nxt, _ = step(make_case(CaseState.OFFERED), ChooseLanguage(language=Language.KK), NOW)
    assert nxt.language is Language.KK


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        step(make_case(CaseState.OFFERED), Help(), datetime(2026, 1, 12, 10))  # noqa: DTZ001


def test_a_reachable_person_is_offered_and_an_unreachable_one_is_kept_visible() -> None:
    draft = make_case(CaseState.OFFERED)
    offered, effects = open_case(draft, offered=True, reachable=True)
    assert offered.state is CaseState.OFFERED
    only_notice(effects, NoticeKind.OFFER)
    unreachable, nothing = open_case(draft, offered=True, reachable=False)
    assert (unreachable.state, nothing) == (CaseState.NO_CONTACT, ())


def test_only_the_offer_of_a_new_case_starts_the_reminder_and_expiry_once_sent() -> None:
    _, effects = open_case(make_case(CaseState.OFFERED), offered=True, reachable=True)
    assert [e.starts_offer_timers for e in effects if isinstance(e, SendNotice)] == [True]
    _, help_answer = step(make_case(CaseState.OFFERED), Help(), NOW)  # the offer again
    assert not any(e.starts_offer_timers for e in help_answer if isinstance(e, SendNotice))


@pytest.mark.parametrize("reachable", [True, False])
def test_a_case_screened_out_is_kept_visible_and_sends_nothing(reachable: bool) -> None:
    screened_out, nothing = open_case(
        make_case(CaseState.OFFERED), offered=False, reachable=reachable
    )
    assert (screened_out.state, nothing) == (CaseState.NOT_OFFERED, ())


@pytest.mark.parametrize("intent", [ConsentYes(), Help(), Stop(), Remind(), Expire()])
def test_a_case_not_offered_answers_nothing_and_never_moves(intent: Intent) -> None:
    case = make_case(CaseState.NOT_OFFERED)
    assert step(case, intent, NOW) == (case, ())


def test_the_reminder_falls_at_48_hours_and_expiry_at_72_after_sending() -> None:
    assert offer_timers(NOW) == (NOW + timedelta(hours=48), NOW + timedelta(hours=72))
    assert offer_timers(NOW, timedelta(hours=1), timedelta(hours=2)) == (
        NOW + timedelta(hours=1),
        NOW + timedelta(hours=2),
    )


def test_a_reminder_after_expiry_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="reminder"):
        offer_timers(NOW, timedelta(hours=80), timedelta(hours=72))


# Any sequence of intents: final states hold, consent is given at most once,
# at most one payment is placed, and a payment only follows a registration.
intent_strategy = st.sampled_from(list(INTENTS.values()))


@settings(max_examples=300)
@given(
    start=st.sampled_from(["offered", "awaiting_account"]),
    intents=st.lists(intent_strategy, max_size=12),
)
def test_any_sequence_of_intents_keeps_the_cases_promises(
    start: str, intents: list[Intent]
) -> None:
    case = SITUATIONS[start]
    given_consents = payments = 0
    for intent in intents:
        before = case
        case, effects = step(case, intent, NOW)
        if before.state in FINAL:
            assert case.state is before.state
        given_consents += len(
            [e for e in effects if isinstance(e, RecordConsent) and e.act is ConsentAct.GIVEN]
        )
        placed = effects_of(effects, PlacePayment)
        payments += len(placed)
        if placed:
            assert before.registered_at is not None
            assert before.account is not None
    assert given_consents <= 1
    assert payments <= 1


@pytest.mark.parametrize("state", list(CaseState))
def test_only_an_undecided_case_past_its_term_is_overdue(state: CaseState) -> None:
    due = NOW + timedelta(hours=1)
    case = make_case(state, due_at=due)
    processing = state in {CaseState.REGISTERED, CaseState.UNDER_REVIEW}
    assert is_overdue(case, due + timedelta(seconds=1)) is processing
    assert not is_overdue(case, due)  # at the deadline itself: still in time
    assert not is_overdue(make_case(state), NOW + timedelta(days=400))  # no term: never
