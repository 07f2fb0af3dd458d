"""Behaviour of domain.decisions: a case file becomes an assignment or a reasoned refusal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.benefits import BENEFITS, benefit, decide
from domain.benefits.burial import REASON_OF_CHECK
from domain.decisions import (
    APPEAL_BASIS,
    GROUND_BASIS,
    CaseFile,
    Decision,
    Outcome,
    Periodicity,
    Reason,
    reason,
)
from domain.model import GROUND_OF, BurialCheck, PaymentKind, ReasonCode, RefusalGround, Service
from domain.services import burial, disability, survivor
from domain.services.burial import BurialFacts, PaymentPeriod
from domain.services.disability import Cause, DisabilityRecord
from domain.services.survivor import Dependent, SurvivorFacts

NOW = datetime(2026, 3, 10, 11, 0, tzinfo=ZoneInfo("Asia/Almaty"))
CONSENT_ON = date(2026, 3, 10)
DIED_ON = date(2026, 2, 20)


def burial_facts(**changes: Any) -> BurialFacts:
    """A death that passes every check of burial p.13, with `changes` applied."""
    valid: dict[str, Any] = {
        "deceased_iin": "450101300123",
        "died_on": DIED_ON,
        "death_record_number": "AKT-2026-000042",
        "declarant_iin": "800202400456",
        "payments": (PaymentPeriod(kind=PaymentKind.AGE_PENSION, start=date(2010, 5, 1)),),
        "already_assigned": False,
        "already_filed": False,
    }
    return BurialFacts(**(valid | changes))


def disability_record(
    group: int | None = 1,
    cause: Cause = Cause.GENERAL_ILLNESS,
    established_on: date = date(2026, 2, 1),
    valid_until: date | None = None,
) -> DisabilityRecord:
    """A disability as the registry has it: group I from general illness by default."""
    return DisabilityRecord(
        group=group, cause=cause, established_on=established_on, valid_until=valid_until
    )


def child(born: date, *, studying: bool = False) -> Dependent:
    """A child of the deceased, its IIN made of its birth date."""
    return Dependent(iin=f"child-{born.isoformat()}", birth_date=born, full_time_study=studying)


def survivor_facts(*dependents: Dependent, died_on: date = DIED_ON) -> SurvivorFacts:
    """A death leaving these people behind, all received for by the applicant."""
    return SurvivorFacts(
        died_on=died_on, dependents=dependents, received_for=tuple(d.iin for d in dependents)
    )


def case(service: Service, consent_on: date = CONSENT_ON, **sections: Any) -> CaseFile:
    """A case file of a service with the given sections and consent in force."""
    return CaseFile(service=service, consent_on=consent_on, **sections)


def burial_case(consent_on: date = CONSENT_ON, **changes: Any) -> CaseFile:
    """A burial case file whose facts differ from a valid death by `changes`."""
    return case(Service.BURIAL, consent_on, burial=burial_facts(**changes))


def codes(decision: Decision) -> list[ReasonCode]:
    """The reason codes of a decision, in order."""
    return [r.code for r in decision.reasons]


def assert_refused_for(decision: Decision, code: ReasonCode, ground: RefusalGround) -> Reason:
    """A refusal with exactly one reason, of that code under that ground; returns the reason."""
    assert decision.outcome is Outcome.REFUSE
    assert decision.amount is None
    assert decision.start is None
    assert decision.periodicity is None
    assert decision.parameters == ()
    [only] = decision.reasons
    assert (only.code, only.ground) == (code, ground)
    return only


# ---------------------------------------------------------------- burial


def test_burial_is_assigned_one_time_with_52_mrp_on_the_consent_date() -> None:
    decision = decide(burial_case(), NOW)
    assert decision.service is Service.BURIAL
    assert decision.outcome is Outcome.ASSIGN
    assert decision.periodicity is Periodicity.ONE_TIME
    assert decision.amount == Decimal("224900.00") == 52 * Decimal("4325")
    assert decision.start == CONSENT_ON
    assert decision.basis == "burial p.19-1"
    assert decision.reasons == ()
    assert decision.decided_at == NOW


def test_burial_carries_its_parameters_and_is_not_verified() -> None:
    decision = decide(burial_case(), NOW)
    assert [p.name for p in decision.parameters] == ["burial_multiple", "mrp"]
    assert decision.parameters == burial.amount_detail(CONSENT_ON).basis
    assert not decision.parameters_verified


def test_burial_uses_the_mrp_of_the_consent_date_not_of_the_death() -> None:
    decision = decide(burial_case(consent_on=date(2026, 1, 5), died_on=date(2025, 12, 20)), NOW)
    assert decision.amount == Decimal("224900.00")
    assert decision.start == date(2026, 1, 5)


@pytest.mark.parametrize(
    ("changes", "code", "ground", "basis"),
    [
        (
            {"declarant_iin": None},
            ReasonCode.DATA_MISSING,
            RefusalGround.UNRELIABLE_DATA,
            "burial p.13(1)",
        ),
        (
            {"already_assigned": True},
            ReasonCode.BURIAL_ALREADY_ASSIGNED,
            RefusalGround.NOT_ELIGIBLE,
            "burial p.13(2)",
        ),
        (
            {"already_filed": True},
            ReasonCode.BURIAL_ALREADY_FILED,
            RefusalGround.NOT_ELIGIBLE,
            "burial p.13(3)",
        ),
        (
            {"payments": ()},
            ReasonCode.DECEASED_NOT_A_RECIPIENT,
            RefusalGround.NOT_ELIGIBLE,
            "burial p.13(4)",
        ),
        (
            {"died_on": date(2023, 3, 9)},
            ReasonCode.BURIAL_TOO_LATE,
            RefusalGround.NOT_ELIGIBLE,
            "burial p.13(5)",
        ),
    ],
    ids=["incomplete", "assigned", "filed", "not a recipient", "too late"],
)
def test_burial_is_refused_with_the_reason_of_the_failed_check(
    changes: dict[str, Any], code: ReasonCode, ground: RefusalGround, basis: str
) -> None:
    decision = decide(burial_case(**changes), NOW)
    only = assert_refused_for(decision, code, ground)
    assert only.basis == basis
    assert decision.basis == "burial p.19-1"


def test_burial_is_refused_with_one_reason_per_failed_check() -> None:
    facts = burial_facts(died_on=None, already_assigned=True, already_filed=True, payments=())
    decision = decide(case(Service.BURIAL, burial=facts), NOW)
    failed = burial.failed_checks(facts, CONSENT_ON)
    assert decision.outcome is Outcome.REFUSE
    assert len(decision.reasons) == len(failed) == 5
    for check_result, given_reason in zip(failed, decision.reasons, strict=True):
        assert given_reason.code is REASON_OF_CHECK[check_result.check]
        assert given_reason.ground is GROUND_OF[given_reason.code]
        assert given_reason.basis == check_result.basis
    assert [r.basis for r in decision.reasons] == [f"burial p.13({n})" for n in range(1, 6)]


def test_burial_without_a_date_of_death_is_refused_for_three_reasons() -> None:
    decision = decide(burial_case(died_on=None), NOW)
    assert codes(decision) == [
        ReasonCode.DATA_MISSING,
        ReasonCode.DECEASED_NOT_A_RECIPIENT,
        ReasonCode.BURIAL_TOO_LATE,
    ]
    assert [r.ground for r in decision.reasons] == [
        RefusalGround.UNRELIABLE_DATA,
        RefusalGround.NOT_ELIGIBLE,
        RefusalGround.NOT_ELIGIBLE,
    ]


def test_every_burial_check_maps_to_a_reason() -> None:
    assert set(REASON_OF_CHECK) == set(BurialCheck)


# ---------------------------------------------------------------- missing data and consent


@pytest.mark.parametrize(
    ("service", "basis"),
    [
        (Service.BURIAL, "burial p.19-1"),
        (Service.DISABILITY, "disability p.21-1"),
        (Service.SURVIVOR, "survivor p.6"),
    ],
)
def test_a_case_file_without_its_section_is_refused_for_missing_data(
    service: Service, basis: str
) -> None:
    decision = decide(case(service), NOW)
    only = assert_refused_for(decision, ReasonCode.DATA_MISSING, RefusalGround.UNRELIABLE_DATA)
    assert only.basis == basis
    assert decision.service is service
    assert decision.basis == benefit(service).decision_basis


def test_a_section_of_another_service_does_not_stand_in_for_the_missing_one() -> None:
    decision = decide(case(Service.DISABILITY, burial=burial_facts()), NOW)
    assert_refused_for(decision, ReasonCode.DATA_MISSING, RefusalGround.UNRELIABLE_DATA)


@pytest.mark.parametrize(
    "sections",
    [
        {"service": Service.BURIAL, "burial": burial_facts()},
        {"service": Service.DISABILITY, "disability": disability_record()},
        {"service": Service.SURVIVOR, "survivor": survivor_facts(child(date(2015, 1, 1)))},
    ],
    ids=["burial", "disability", "survivor"],
)
def test_consent_not_in_force_is_refused_as_withdrawn_consent(sections: dict[str, Any]) -> None:
    case_file = CaseFile(consent_on=CONSENT_ON, consent_in_force=False, **sections)
    decision = decide(case_file, NOW)
    only = assert_refused_for(decision, ReasonCode.CONSENT_WITHDRAWN, RefusalGround.NO_CONSENT)
    assert only.basis == GROUND_BASIS[RefusalGround.NO_CONSENT] == "App.2/3/4 row 9(3)"


def test_withdrawn_consent_is_checked_before_missing_data() -> None:
    case_file = CaseFile(service=Service.SURVIVOR, consent_on=CONSENT_ON, consent_in_force=False)
    assert codes(decide(case_file, NOW)) == [ReasonCode.CONSENT_WITHDRAWN]


# ---------------------------------------------------------------- disability


def test_disability_is_assigned_monthly_from_the_established_date() -> None:
    record = disability_record(group=2, established_on=date(2026, 2, 1))
    decision = decide(case(Service.DISABILITY, disability=record), NOW)
    assert decision.outcome is Outcome.ASSIGN
    assert decision.periodicity is Periodicity.MONTHLY
    assert decision.start == date(2026, 2, 1)
    assert decision.amount == Decimal("89497.76")
    assert decision.basis == "disability p.21-1, p.24"
    assert decision.parameters_verified


def test_disability_starts_no_earlier_than_three_months_before_consent() -> None:
    record = disability_record(established_on=date(2025, 6, 1))
    decision = decide(case(Service.DISABILITY, date(2026, 5, 31), disability=record), NOW)
    assert decision.start == disability.benefit_start(date(2025, 6, 1), date(2026, 5, 31))
    assert decision.start == date(2026, 2, 28)


def test_disability_amount_uses_the_subsistence_minimum_of_the_start_date() -> None:
    record = disability_record(group=1, established_on=date(2025, 12, 1))
    decision = decide(case(Service.DISABILITY, date(2026, 2, 10), disability=record), NOW)
    assert decision.start == date(2025, 12, 1)
    assert decision.amount == disability.monthly_amount(
        1, Cause.GENERAL_ILLNESS, date(2025, 12, 1)
    )
    assert decision.amount == Decimal("101701.60")  # 2.2 x 46,228, not 2.2 x 50,851
    assert decision.parameters[1].valid_from == date(2025, 1, 1)


def test_disability_from_work_injury_is_assigned_but_flagged_unverified() -> None:
    record = disability_record(group=3, cause=Cause.WORK_INJURY)
    decision = decide(case(Service.DISABILITY, disability=record), NOW)
    assert decision.outcome is Outcome.ASSIGN
    assert decision.amount == Decimal("61021.20")
    assert not decision.parameters_verified


def test_disability_of_a_child_under_7_is_assigned_without_a_group() -> None:
    record = disability_record(group=None, cause=Cause.CHILD_UNDER_7)
    decision = decide(case(Service.DISABILITY, disability=record), NOW)
    assert decision.amount == Decimal("81870.11")


@pytest.mark.parametrize(
    ("group", "cause"),
    [
        (None, Cause.GENERAL_ILLNESS),
        (0, Cause.SINCE_CHILDHOOD),
        (4, Cause.WORK_INJURY),
        (1, Cause.CHILD_UNDER_7),
    ],
)
def test_disability_with_an_inconsistent_group_is_refused_for_incorrect_data(
    group: int | None, cause: Cause
) -> None:
    record = disability_record(group=group, cause=cause)
    decision = decide(case(Service.DISABILITY, disability=record), NOW)
    only = assert_refused_for(decision, ReasonCode.DATA_INCORRECT, RefusalGround.UNRELIABLE_DATA)
    assert only.basis == "disability p.21-1"


def test_disability_that_expired_before_the_start_is_refused_as_not_established() -> None:
    record = disability_record(established_on=date(2025, 1, 10), valid_until=date(2025, 12, 9))
    decision = decide(case(Service.DISABILITY, disability=record), NOW)  # start 10 Dec 2025
    only = assert_refused_for(
        decision, ReasonCode.DISABILITY_NOT_ESTABLISHED, RefusalGround.NOT_ELIGIBLE
    )
    assert only.basis == "disability p.4"


def test_disability_in_force_on_the_start_date_itself_is_assigned() -> None:
    record = disability_record(established_on=date(2025, 1, 10), valid_until=date(2025, 12, 10))
    decision = decide(case(Service.DISABILITY, disability=record), NOW)
    assert decision.outcome is Outcome.ASSIGN
    assert decision.start == date(2025, 12, 10)


# ---------------------------------------------------------------- survivor


def test_survivor_benefit_is_assigned_for_the_eligible_dependents_only() -> None:
    facts = survivor_facts(
        child(date(2014, 4, 1)),  # 11
        child(date(2005, 1, 15), studying=True),  # 21, studying
        child(date(2006, 1, 15)),  # 20, not studying
    )
    decision = decide(case(Service.SURVIVOR, survivor=facts), NOW)
    assert decision.outcome is Outcome.ASSIGN
    assert decision.periodicity is Periodicity.MONTHLY
    assert decision.start == DIED_ON
    assert decision.amount == survivor.monthly_amount(2, DIED_ON) == Decimal("86446.70")
    assert [p.name for p in decision.parameters] == ["survivor_multiple.2", "subsistence_minimum"]
    assert decision.basis == "survivor p.24"
    assert decision.parameters_verified


def test_survivor_benefit_starts_no_earlier_than_twelve_months_before_consent() -> None:
    facts = survivor_facts(child(date(2015, 1, 1)), died_on=date(2024, 6, 1))
    decision = decide(case(Service.SURVIVOR, date(2025, 8, 31), survivor=facts), NOW)
    assert decision.start == date(2024, 8, 31)
    assert decision.amount == survivor.monthly_amount(1, date(2024, 8, 31)) == Decimal("39934.44")


def test_survivor_without_eligible_dependents_is_refused() -> None:
    facts = survivor_facts(child(date(2000, 1, 1)), child(date(2003, 1, 1)))
    decision = decide(case(Service.SURVIVOR, survivor=facts), NOW)
    only = assert_refused_for(
        decision, ReasonCode.NO_ELIGIBLE_DEPENDENTS, RefusalGround.NOT_ELIGIBLE
    )
    assert only.basis == "survivor p.7"


def test_survivor_without_anyone_left_behind_is_refused() -> None:
    decision = decide(case(Service.SURVIVOR, survivor=survivor_facts()), NOW)
    assert codes(decision) == [ReasonCode.NO_ELIGIBLE_DEPENDENTS]


# ---------------------------------------------------------------- common to every decision

REFUSED_CASES: dict[str, Callable[[], CaseFile]] = {
    "burial data missing": lambda: case(Service.BURIAL),
    "burial too late": lambda: burial_case(died_on=date(2020, 1, 1)),
    "disability data missing": lambda: case(Service.DISABILITY),
    "disability incorrect": lambda: case(
        Service.DISABILITY, disability=disability_record(group=None)
    ),
    "disability expired": lambda: case(
        Service.DISABILITY,
        disability=disability_record(
            established_on=date(2024, 1, 1), valid_until=date(2025, 1, 1)
        ),
    ),
    "survivor data missing": lambda: case(Service.SURVIVOR),
    "survivor no dependents": lambda: case(Service.SURVIVOR, survivor=survivor_facts()),
    "consent withdrawn": lambda: CaseFile(
        service=Service.BURIAL, consent_on=CONSENT_ON, consent_in_force=False
    ),
}


@pytest.mark.parametrize("build", REFUSED_CASES.values(), ids=REFUSED_CASES.keys())
def test_every_refusal_names_its_reasons_and_the_appeal_under_p34(
    build: Callable[[], CaseFile],
) -> None:
    decision = decide(build(), NOW)
    assert decision.outcome is Outcome.REFUSE
    assert decision.reasons
    assert "p.34" in decision.appeal_basis
    assert decision.appeal_basis == APPEAL_BASIS
    assert "Law on Public Services art. 25 p.2" in decision.appeal_basis
    for given_reason in decision.reasons:
        assert given_reason.ground is GROUND_OF[given_reason.code]


def test_a_naive_now_raises_value_error() -> None:
    naive = NOW.replace(tzinfo=None)
    with pytest.raises(ValueError, match="timezone-aware"):
        decide(burial_case(), naive)


def test_any_aware_now_is_kept_as_the_decision_time() -> None:
    now = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)
    assert decide(burial_case(), now).decided_at == now


def test_every_reason_code_has_a_ground() -> None:
    assert set(GROUND_OF) == set(ReasonCode)


def test_every_ground_and_every_service_has_a_basis() -> None:
    assert set(GROUND_BASIS) == set(RefusalGround)
    assert {b.service for b in BENEFITS} == set(Service)
    assert all(b.decision_basis for b in BENEFITS)


def test_a_reason_takes_the_ground_of_its_code() -> None:
    made = reason(ReasonCode.BURIAL_TOO_LATE, "burial p.13(5)")
    assert made == Reason(
        code=ReasonCode.BURIAL_TOO_LATE, ground=RefusalGround.NOT_ELIGIBLE, basis="burial p.13(5)"
    )


def test_a_decision_without_parameters_has_nothing_unverified() -> None:
    decision = Decision(
        service=Service.BURIAL, outcome=Outcome.REFUSE, decided_at=NOW, basis="burial p.19-1"
    )
    assert decision.parameters_verified
    assert decision.appeal_basis == APPEAL_BASIS
