"""Who is offered a service, and whether the law lets the case be decided automatically."""

from __future__ import annotations

from datetime import date

import pytest

from domain.benefits import decision_path
from domain.benefits.burial import addressee as burial_addressee
from domain.benefits.disability import addressee as disability_addressee
from domain.benefits.survivor import addressee as survivor_addressee
from domain.model import Service
from domain.screening import DecisionPath
from domain.services.disability import Cause

ADULT, CHILD, PARENT = "900101300018", "150101500015", "880101400012"


def test_the_burial_payment_is_decided_automatically_within_one_working_day() -> None:
    assert decision_path(Service.BURIAL) == DecisionPath(automatic=True, term_working_days=1)


@pytest.mark.parametrize("cause", [Cause.GENERAL_ILLNESS, Cause.WORK_INJURY])
def test_disability_from_general_illness_or_work_injury_is_automatic(cause: Cause) -> None:
    assert decision_path(Service.DISABILITY, cause) == DecisionPath(
        automatic=True, term_working_days=1
    )


@pytest.mark.parametrize(
    "cause",
    [Cause.OCCUPATIONAL_DISEASE, Cause.SINCE_CHILDHOOD, Cause.CHILD_7_TO_18, Cause.CHILD_UNDER_7],
)
def test_other_disability_causes_go_to_a_reviewer_within_seven_working_days(cause: Cause) -> None:
    assert decision_path(Service.DISABILITY, cause) == DecisionPath(
        automatic=False, term_working_days=7
    )


def test_the_disability_path_cannot_be_chosen_without_a_cause() -> None:
    with pytest.raises(ValueError, match="cause"):
        decision_path(Service.DISABILITY)


def test_the_survivor_benefit_always_goes_to_a_reviewer() -> None:
    assert decision_path(Service.SURVIVOR) == DecisionPath(automatic=False, term_working_days=7)


def test_an_adult_with_disability_is_offered_the_benefit_personally() -> None:
    assert disability_addressee(ADULT, date(1990, 1, 1), None, date(2026, 1, 12)) == ADULT


def test_a_child_is_offered_through_the_recorded_representative() -> None:
    assert disability_addressee(CHILD, date(2015, 1, 1), PARENT, date(2026, 1, 12)) == PARENT


def test_a_child_turning_eighteen_that_day_is_offered_personally() -> None:
    born, eighteenth = date(2008, 1, 12), date(2026, 1, 12)
    assert disability_addressee(CHILD, born, PARENT, eighteenth) == CHILD
    assert disability_addressee(CHILD, born, PARENT, date(2026, 1, 11)) == PARENT


def test_a_child_without_a_recorded_representative_has_nobody_to_offer_to() -> None:
    assert disability_addressee(CHILD, date(2015, 1, 1), None, date(2026, 1, 12)) is None


def test_the_burial_payment_is_offered_to_the_declarant_of_the_death() -> None:
    assert burial_addressee(PARENT) == PARENT


def test_an_adult_dependent_answers_for_the_survivor_benefit_personally() -> None:
    born = date(2005, 3, 1)
    assert survivor_addressee(ADULT, born, PARENT, date(2026, 1, 12)) == ADULT


def test_a_minor_dependents_survivor_benefit_goes_to_the_surviving_parent() -> None:
    born = date(2015, 1, 1)
    assert survivor_addressee(CHILD, born, PARENT, date(2026, 1, 12)) == PARENT
    assert survivor_addressee(CHILD, born, None, date(2026, 1, 12)) is None
