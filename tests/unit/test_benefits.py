"""Each benefit is declared once (domain.benefits) and every part of the product that deals
with benefits reads the declarations: a benefit the product offers lacks no part."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.__main__ import RATE_TABLES
from bot.registries.facts import EventKind
from bot.service.decide import SECTIONS
from bot.service.screening import READERS
from bot.wording.texts import BENEFIT_NAMES
from domain.benefits import BENEFITS, benefit, decide, screen
from domain.benefits import burial as burial_benefit
from domain.benefits import disability as disability_benefit
from domain.benefits.burial import filed_before
from domain.benefits.declaration import Benefit
from domain.cases import Case, CaseState
from domain.decisions import CaseFile, Outcome
from domain.model import BurialCheck, DisabilityCheck, PaymentKind, ReasonCode, Service, Trigger
from domain.screening import FACTS_OF
from domain.services.burial import PaymentPeriod

NOW = datetime(2026, 1, 12, 5, 0, tzinfo=UTC)


def test_every_service_is_declared_once() -> None:
    services = [b.service for b in BENEFITS]
    assert sorted(services) == sorted(Service)
    assert len(set(services)) == len(services)


@pytest.mark.parametrize("declared", BENEFITS, ids=lambda b: b.service.value)
def test_a_declared_benefit_has_every_part_the_product_reads(declared: Benefit) -> None:
    b = benefit(declared.service)
    assert b is declared
    assert b.trigger in FACTS_OF  # the domain knows what its event gives
    assert b.trigger in READERS  # the shell reads that event
    assert set(b.case_file) <= set(CaseFile.model_fields)  # sections the case file has
    assert set(b.case_file) <= set(SECTIONS)  # and the shell reads
    names = BENEFIT_NAMES[b.service]
    assert names.legal and names.short and names.brief
    assert b.service in RATE_TABLES
    assert b.decision_basis


def test_every_trigger_is_an_event_kind_of_the_registry_feed() -> None:
    assert {t.value for t in Trigger} <= {k.value for k in EventKind}


@pytest.mark.parametrize("declared", BENEFITS, ids=lambda b: b.service.value)
def test_a_case_file_without_its_sections_is_refused_for_missing_data(declared: Benefit) -> None:
    service = declared.service
    decision = decide(CaseFile(service=service, consent_on=date(2026, 1, 12)), NOW)
    assert decision.outcome is Outcome.REFUSE
    assert [r.code for r in decision.reasons] == [ReasonCode.DATA_MISSING]
    assert decision.basis == benefit(service).decision_basis


def test_an_event_is_screened_by_the_benefits_its_trigger_starts_in_the_order_registered() -> None:
    from tests.unit.test_prescreening import death, disability  # noqa: PLC0415

    assert [s.service for s in screen(disability(date(2026, 1, 5)), NOW)] == [Service.DISABILITY]
    assert [s.service for s in screen(death(), NOW)][0] is Service.BURIAL
    assert {s.service for s in screen(death(), NOW)} <= {
        b.service for b in BENEFITS if b.trigger is Trigger.DEATH_REGISTERED
    }


def application(case_id: str, registered_minute: int | None, **changes: Any) -> Case:
    """A burial application of ours, registered at 05:`registered_minute` (None: not yet)."""
    registered = None if registered_minute is None else NOW.replace(minute=registered_minute)
    case = Case(
        id=case_id,
        service=Service.BURIAL,
        state=CaseState.REGISTERED,
        automatic=True,
        term_working_days=1,
        offered_at=NOW,
        registered_at=registered,
    )
    return case.model_copy(update=changes)


def test_a_burial_application_registered_after_a_pending_one_is_a_second_filing() -> None:
    # burial p.13(3)
    first, second = application("a", 1), application("b", 2)
    assert filed_before(second, [first, second])
    assert not filed_before(first, [first, second])


def test_applications_registered_in_the_same_minute_are_ordered_by_case_id() -> None:
    first, second = application("a", 1), application("b", 1)
    assert filed_before(second, [first]) and not filed_before(first, [second])


@pytest.mark.parametrize(
    "closed",
    [{"accepted": False}, {"state": CaseState.WITHDRAWN}, {"state": CaseState.REFUSED}],
    ids=["not accepted", "withdrawn", "refused"],
)
def test_an_earlier_application_no_longer_pending_does_not_count(closed: dict[str, Any]) -> None:
    assert not filed_before(application("b", 2), [application("a", 1, **closed)])


def test_an_application_never_registered_does_not_count_but_comes_after_one_that_was() -> None:
    assert not filed_before(application("b", 2), [application("a", None)])
    assert filed_before(application("b", None), [application("a", 1)])


def test_the_burial_acceptance_checks_name_each_check_that_fails_on_the_consent_date() -> None:
    from tests.unit.test_prescreening import death  # noqa: PLC0415

    facts = death(payments=(), already_filed=True).burial
    file = CaseFile(service=Service.BURIAL, consent_on=date(2026, 1, 12), burial=facts)
    assert burial_benefit.acceptance_failures(file) == (  # burial p.13(3), p.13(4)
        BurialCheck.NOT_ALREADY_FILED.value,
        BurialCheck.RECIPIENT_ON_DEATH.value,
    )
    passing = CaseFile(service=Service.BURIAL, consent_on=date(2026, 1, 12), burial=death().burial)
    assert burial_benefit.acceptance_failures(passing) == ()


def test_the_disability_acceptance_check_fails_when_the_benefit_is_already_paid() -> None:
    from tests.unit.test_prescreening import disability  # noqa: PLC0415

    facts = disability(date(2026, 1, 5))
    paid = PaymentPeriod(kind=PaymentKind.STATE_SOCIAL_BENEFIT, start=date(2026, 1, 5))
    file = CaseFile(
        service=Service.DISABILITY,
        consent_on=date(2026, 1, 12),
        disability=facts.record,
        benefits_paid=(paid,),
    )
    assert disability_benefit.acceptance_failures(file) == (  # disability p.20-1
        DisabilityCheck.NOT_ALREADY_ASSIGNED.value,
    )
    assert (
        disability_benefit.acceptance_failures(file.model_copy(update={"benefits_paid": ()})) == ()
    )
    assert (
        disability_benefit.acceptance_failures(file.model_copy(update={"disability": None})) == ()
    )


def test_the_survivor_benefit_runs_no_acceptance_check_before_its_reviewer() -> None:
    assert benefit(Service.SURVIVOR).acceptance_failures is None  # survivor p.24
