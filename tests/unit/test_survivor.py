"""Behaviour of domain.services.survivor: dependents, start date, monthly amount and shares."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.dates import months_before, shift_months
from domain.parameters import ParameterUnavailable
from domain.services.survivor import (
    EXTENSION_WORKING_DAYS,
    TERM_WORKING_DAYS,
    Dependent,
    SurvivorFacts,
    benefit_start,
    count_dependents,
    is_dependent,
    monthly_amount,
    monthly_amount_detail,
    share_per_dependent,
    still_qualifies,
)

DIED_ON = date(2025, 9, 1)
ONE_TENGE = Decimal("1")
IN_2026 = date(2026, 3, 1)


def person(born: date, *, studying: bool = False, iin: str = "") -> Dependent:
    """A child of the deceased born on `born` (the IIN matters only where shares are paid)."""
    return Dependent(
        iin=iin or f"child-{born.isoformat()}", birth_date=born, full_time_study=studying
    )


def aged(years: int, *, studying: bool = False, died_on: date = DIED_ON) -> Dependent:
    """A person who turned `years` exactly on the date of death."""
    return person(shift_months(died_on, -12 * years), studying=studying)


def turning(years: int, *, studying: bool = False, died_on: date = DIED_ON) -> Dependent:
    """A person who turns `years` the day after the death: `years - 1` on the date of death."""
    return person(shift_months(died_on, -12 * years) + timedelta(days=1), studying=studying)


# ---------------------------------------------------------------- who is a dependent (p.7)


@pytest.mark.parametrize("years", [0, 1, 7, 17])
def test_a_child_under_18_counts_with_or_without_study(years: int) -> None:
    assert is_dependent(aged(years), DIED_ON)
    assert is_dependent(aged(years, studying=True), DIED_ON)


def test_a_child_turning_18_the_day_after_the_death_still_counts() -> None:
    assert is_dependent(turning(18), DIED_ON)


def test_an_18_year_old_counts_only_in_full_time_study() -> None:
    assert not is_dependent(aged(18), DIED_ON)
    assert is_dependent(aged(18, studying=True), DIED_ON)


def test_a_22_year_old_in_full_time_study_counts() -> None:
    assert is_dependent(aged(22, studying=True), DIED_ON)
    assert is_dependent(turning(23, studying=True), DIED_ON)


def test_a_22_year_old_not_studying_does_not_count() -> None:
    assert not is_dependent(aged(22), DIED_ON)


def test_a_23_year_old_in_full_time_study_does_not_count() -> None:
    # Interpretation: "18 to 23" runs until the 23rd birthday.
    assert not is_dependent(aged(23, studying=True), DIED_ON)


def test_a_child_born_on_the_date_of_death_counts() -> None:
    assert is_dependent(person(DIED_ON), DIED_ON)


def test_a_child_born_after_the_death_does_not_count() -> None:
    assert not is_dependent(person(date(2025, 9, 2)), DIED_ON)
    assert not is_dependent(person(date(2026, 1, 1)), DIED_ON)


def test_a_29_february_student_is_22_on_28_february_of_a_common_year() -> None:
    student = person(date(2004, 2, 29), studying=True)
    assert is_dependent(student, date(2027, 2, 28))
    assert not is_dependent(student, date(2027, 3, 1))


def test_count_dependents_counts_only_those_who_qualify() -> None:
    people = (
        aged(5),
        aged(17),
        aged(18),  # adult, not studying
        aged(20, studying=True),
        aged(23, studying=True),  # too old
        person(date(2026, 1, 1)),  # born after the death
    )
    assert count_dependents(people, DIED_ON) == 3


def test_count_dependents_of_nobody_is_zero() -> None:
    assert count_dependents((), DIED_ON) == 0


def test_a_dependent_who_came_of_age_before_the_start_no_longer_qualifies() -> None:
    turned_eighteen = person(date(2006, 6, 1))
    died_on, start = date(2024, 3, 1), date(2025, 3, 1)
    assert is_dependent(turned_eighteen, died_on)
    assert not still_qualifies(turned_eighteen, died_on, start)
    assert count_dependents((turned_eighteen,), died_on) == 1  # N is counted at the death
    studying = person(date(2006, 6, 1), studying=True)
    assert still_qualifies(studying, died_on, start)


def test_someone_who_was_no_dependent_at_the_death_never_qualifies() -> None:
    adult = aged(19)
    assert not still_qualifies(adult, DIED_ON, DIED_ON)


def test_a_dependent_is_not_studying_by_default() -> None:
    assert not person(date(2000, 1, 1)).full_time_study


def test_survivor_facts_count_the_dependents_at_the_death() -> None:
    facts = SurvivorFacts(died_on=DIED_ON, dependents=(aged(5), aged(19)))
    assert facts.count == 1


# ---------------------------------------------------------------- start date (p.24)


def test_the_benefit_starts_on_the_date_the_right_arose_within_twelve_months() -> None:
    assert benefit_start(date(2025, 1, 10), date(2025, 9, 1)) == date(2025, 1, 10)


def test_the_benefit_starts_no_earlier_than_twelve_months_before_consent() -> None:
    assert benefit_start(date(2023, 5, 5), date(2025, 9, 15)) == date(2024, 9, 15)


def test_twelve_months_before_29_february_is_28_february() -> None:
    assert benefit_start(date(2020, 1, 1), date(2024, 2, 29)) == date(2023, 2, 28)


def test_the_right_arising_exactly_twelve_months_before_consent_starts_then() -> None:
    assert benefit_start(date(2024, 9, 15), date(2025, 9, 15)) == date(2024, 9, 15)


def test_the_term_is_seven_working_days_extendable_by_five() -> None:
    assert (TERM_WORKING_DAYS, EXTENSION_WORKING_DAYS) == (7, 5)


@given(
    dates=st.tuples(
        st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
        st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    ).map(sorted)
)
def test_the_start_lies_between_its_bounds_and_is_one_of_them(dates: list[date]) -> None:
    right_arose_on, consent_on = dates
    start = benefit_start(right_arose_on, consent_on)
    earliest = months_before(consent_on, 12)
    assert right_arose_on <= start <= consent_on
    assert start >= earliest
    assert start in (right_arose_on, earliest)


# ---------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("dependents", "published"),
    [
        (1, "46783"),
        (2, "86447"),
        (3, "114415"),
        (4, "132213"),
        (5, "139841"),
        (6, "152553"),
        (9, "152553"),
    ],
)
def test_the_2026_amounts_match_the_published_ones_within_one_tenge(
    dependents: int, published: str
) -> None:
    assert abs(monthly_amount(dependents, IN_2026) - Decimal(published)) <= ONE_TENGE


def test_the_amount_is_computed_in_tenge_with_two_decimals() -> None:
    assert monthly_amount(1, IN_2026) == Decimal("46782.92")
    assert monthly_amount(3, IN_2026) == Decimal("114414.75")


def test_six_or_more_dependents_share_the_largest_amount() -> None:
    assert monthly_amount(6, IN_2026) == monthly_amount(12, IN_2026) == Decimal("152553.00")


def test_each_of_six_dependents_gets_an_equal_share() -> None:
    assert share_per_dependent(6, IN_2026) == Decimal("25425.50")


def test_shares_are_rounded_half_up_to_tiyn() -> None:
    # 152,553 / 9 = 16,950.333...; 86,446.70 / 2 = 43,223.35
    assert share_per_dependent(9, IN_2026) == Decimal("16950.33")
    assert share_per_dependent(2, IN_2026) == Decimal("43223.35")


def test_a_single_dependent_gets_the_whole_amount() -> None:
    assert share_per_dependent(1, IN_2026) == monthly_amount(1, IN_2026)


def test_the_amount_detail_is_verified_and_carries_its_parameters() -> None:
    detail = monthly_amount_detail(7, IN_2026)
    assert detail.verified
    assert [p.name for p in detail.basis] == ["survivor_multiple.6", "subsistence_minimum"]


def test_the_amount_follows_the_subsistence_minimum_of_its_year() -> None:
    assert monthly_amount(1, date(2025, 12, 31)) == Decimal("42529.76")
    assert monthly_amount(1, date(2026, 1, 1)) == Decimal("46782.92")


@pytest.mark.parametrize("dependents", [0, -1])
def test_fewer_than_one_dependent_raises_value_error(dependents: int) -> None:
    with pytest.raises(ValueError, match="at least one dependent"):
        monthly_amount(dependents, IN_2026)
    with pytest.raises(ValueError, match="at least one dependent"):
        share_per_dependent(dependents, IN_2026)


def test_an_amount_before_2024_is_unavailable() -> None:
    with pytest.raises(ParameterUnavailable):
        monthly_amount(1, date(2023, 12, 31))
