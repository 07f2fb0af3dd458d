"""Behaviour of domain.services.disability: automatic path, term, start date, monthly amount."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.dates import months_before
from domain.parameters import ParameterUnavailable
from domain.services.disability import (
    AUTOMATIC_CAUSES,
    EXTENSION_WORKING_DAYS,
    Cause,
    DisabilityRecord,
    benefit_start,
    decision_term,
    is_automatic,
    monthly_amount,
    monthly_amount_detail,
)

ONE_TENGE = Decimal("1")


def record(
    group: int | None = 2,
    cause: Cause = Cause.GENERAL_ILLNESS,
    established_on: date = date(2025, 3, 1),
    valid_until: date | None = None,
) -> DisabilityRecord:
    """A disability as the registry has it, group II from general illness by default."""
    return DisabilityRecord(
        group=group, cause=cause, established_on=established_on, valid_until=valid_until
    )


# ---------------------------------------------------------------- automatic path and term


def test_the_automatic_causes_are_exactly_general_illness_and_work_injury() -> None:
    assert {c for c in Cause if is_automatic(c)} == {Cause.GENERAL_ILLNESS, Cause.WORK_INJURY}
    assert {Cause.GENERAL_ILLNESS, Cause.WORK_INJURY} == AUTOMATIC_CAUSES


def test_is_automatic_accepts_the_registry_spelling_of_a_cause() -> None:
    assert is_automatic("general_illness")
    assert is_automatic("work_injury")
    assert not is_automatic("since_childhood")


@pytest.mark.parametrize("cause", [Cause.GENERAL_ILLNESS, Cause.WORK_INJURY])
def test_the_automatic_path_is_decided_in_one_working_day(cause: Cause) -> None:
    assert decision_term(cause) == 1


@pytest.mark.parametrize(
    "cause",
    [
        Cause.OCCUPATIONAL_DISEASE,
        Cause.SINCE_CHILDHOOD,
        Cause.CHILD_7_TO_18,
        Cause.CHILD_UNDER_7,
    ],
)
def test_other_causes_are_decided_in_seven_working_days(cause: Cause) -> None:
    assert decision_term(cause) == 7


def test_the_term_is_extended_by_five_working_days_for_additional_documents() -> None:
    assert EXTENSION_WORKING_DAYS == 5


def test_an_unknown_cause_is_not_automatic_but_an_error() -> None:
    with pytest.raises(ValueError, match="bogus"):
        is_automatic("bogus")
    with pytest.raises(ValueError, match="bogus"):
        decision_term("bogus")


# ---------------------------------------------------------------- start date


def test_the_benefit_starts_on_the_established_date_within_three_months() -> None:
    assert benefit_start(date(2025, 4, 10), date(2025, 5, 31)) == date(2025, 4, 10)


def test_the_benefit_starts_on_the_established_date_exactly_three_months_before() -> None:
    assert benefit_start(date(2025, 2, 15), date(2025, 5, 15)) == date(2025, 2, 15)


def test_the_benefit_starts_on_the_consent_date_when_established_that_day() -> None:
    assert benefit_start(date(2025, 5, 15), date(2025, 5, 15)) == date(2025, 5, 15)


def test_the_benefit_starts_no_earlier_than_three_months_before_consent() -> None:
    assert benefit_start(date(2024, 6, 1), date(2025, 5, 15)) == date(2025, 2, 15)


def test_three_months_before_31_may_is_28_february_in_a_common_year() -> None:
    assert benefit_start(date(2025, 1, 1), date(2025, 5, 31)) == date(2025, 2, 28)


def test_three_months_before_31_may_is_29_february_in_a_leap_year() -> None:
    assert benefit_start(date(2024, 1, 1), date(2024, 5, 31)) == date(2024, 2, 29)


def test_three_months_before_crosses_the_year_boundary() -> None:
    assert benefit_start(date(2024, 6, 1), date(2025, 1, 31)) == date(2024, 10, 31)


@given(
    dates=st.tuples(
        st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
        st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    ).map(sorted)
)
def test_the_start_lies_between_its_bounds_and_is_one_of_them(dates: list[date]) -> None:
    established_on, consent_on = dates
    start = benefit_start(established_on, consent_on)
    earliest = months_before(consent_on, 3)
    assert established_on <= start <= consent_on
    assert start >= earliest
    assert start in (established_on, earliest)


# ---------------------------------------------------------------- monthly amounts


@pytest.mark.parametrize(
    ("year", "group", "published"),
    [
        (2024, 1, "95495"),
        (2024, 2, "76396"),
        (2024, 3, "52088"),
        (2025, 1, "101702"),
        (2025, 2, "81362"),
        (2025, 3, "55474"),
        (2026, 1, "111873"),
        (2026, 2, "89498"),
        (2026, 3, "61022"),
    ],
)
def test_general_illness_amounts_match_the_published_ones_within_one_tenge(
    year: int, group: int, published: str
) -> None:
    computed = monthly_amount(group, Cause.GENERAL_ILLNESS, date(year, 3, 1))
    assert abs(computed - Decimal(published)) <= ONE_TENGE


@pytest.mark.parametrize("cause", [Cause.SINCE_CHILDHOOD, Cause.CHILD_7_TO_18])
@pytest.mark.parametrize(
    ("group", "published"),
    [(1, "111872.20"), (2, "93057.33"), (3, "81870.11")],
)
def test_since_childhood_and_child_7_to_18_amounts_in_2026(
    cause: Cause, group: int, published: str
) -> None:
    assert monthly_amount(group, cause, date(2026, 3, 1)) == Decimal(published)


def test_a_child_under_7_without_a_group_gets_1_61_subsistence_minimum_in_2026() -> None:
    assert monthly_amount(None, Cause.CHILD_UNDER_7, date(2026, 3, 1)) == Decimal("81870.11")


def test_amounts_are_computed_in_tenge_with_two_decimals() -> None:
    computed = monthly_amount(2, Cause.GENERAL_ILLNESS, date(2026, 3, 1))
    assert computed == Decimal("89497.76")
    assert computed.as_tuple().exponent == -2


def test_the_amount_uses_the_subsistence_minimum_of_its_date() -> None:
    assert monthly_amount(1, Cause.GENERAL_ILLNESS, date(2025, 12, 31)) == Decimal("101701.60")
    assert monthly_amount(1, Cause.GENERAL_ILLNESS, date(2026, 1, 1)) == Decimal("111872.20")


@pytest.mark.parametrize("cause", [Cause.WORK_INJURY, Cause.OCCUPATIONAL_DISEASE])
@pytest.mark.parametrize("group", [1, 2, 3])
def test_work_injury_uses_general_illness_multiples_and_is_flagged_unverified(
    cause: Cause, group: int
) -> None:
    on = date(2026, 3, 1)
    detail = monthly_amount_detail(group, cause, on)
    assert detail.value == monthly_amount(group, Cause.GENERAL_ILLNESS, on)
    assert not detail.verified


@pytest.mark.parametrize(
    "cause",
    [Cause.GENERAL_ILLNESS, Cause.SINCE_CHILDHOOD, Cause.CHILD_7_TO_18],
)
def test_verified_causes_give_verified_amounts(cause: Cause) -> None:
    detail = monthly_amount_detail(1, cause, date(2026, 3, 1))
    assert detail.verified
    assert [p.name for p in detail.basis] == [
        f"disability_multiple.{cause.value}.1",
        "subsistence_minimum",
    ]


def test_the_amount_accepts_the_registry_spelling_of_a_cause() -> None:
    assert monthly_amount(1, "general_illness", date(2026, 3, 1)) == Decimal("111872.20")


@pytest.mark.parametrize("group", [0, 4, -1, None])
@pytest.mark.parametrize(
    "cause",
    [
        Cause.GENERAL_ILLNESS,
        Cause.WORK_INJURY,
        Cause.OCCUPATIONAL_DISEASE,
        Cause.SINCE_CHILDHOOD,
        Cause.CHILD_7_TO_18,
    ],
)
def test_an_invalid_group_raises_value_error(group: int | None, cause: Cause) -> None:
    with pytest.raises(ValueError, match="group must be 1, 2 or 3"):
        monthly_amount(group, cause, date(2026, 3, 1))


@pytest.mark.parametrize("group", [1, 2, 3])
def test_a_group_for_a_child_under_7_raises_value_error(group: int) -> None:
    with pytest.raises(ValueError, match="child under 7 has no disability group"):
        monthly_amount(group, Cause.CHILD_UNDER_7, date(2026, 3, 1))


def test_an_unknown_cause_raises_value_error() -> None:
    with pytest.raises(ValueError, match="bogus"):
        monthly_amount(1, "bogus", date(2026, 3, 1))


def test_an_amount_before_2024_is_unavailable() -> None:
    with pytest.raises(ParameterUnavailable):
        monthly_amount(1, Cause.GENERAL_ILLNESS, date(2023, 12, 31))


# ---------------------------------------------------------------- the registry record


@pytest.mark.parametrize("group", [1, 2, 3])
def test_an_adult_record_with_a_group_is_consistent(group: int) -> None:
    assert record(group=group).has_consistent_group()


@pytest.mark.parametrize("group", [None, 0, 4])
def test_an_adult_record_without_a_valid_group_is_inconsistent(group: int | None) -> None:
    assert not record(group=group).has_consistent_group()


def test_a_child_under_7_record_is_consistent_only_without_a_group() -> None:
    assert record(group=None, cause=Cause.CHILD_UNDER_7).has_consistent_group()
    assert not record(group=1, cause=Cause.CHILD_UNDER_7).has_consistent_group()


def test_an_indefinite_record_is_in_force_from_its_establishment_on() -> None:
    indefinite = record(established_on=date(2025, 3, 1))
    assert not indefinite.in_force_on(date(2025, 2, 28))
    assert indefinite.in_force_on(date(2025, 3, 1))
    assert indefinite.in_force_on(date(2040, 1, 1))


def test_a_record_with_an_end_is_in_force_up_to_and_including_it() -> None:
    limited = record(established_on=date(2025, 3, 1), valid_until=date(2026, 3, 1))
    assert limited.in_force_on(date(2026, 3, 1))
    assert not limited.in_force_on(date(2026, 3, 2))


def test_a_record_is_a_first_establishment_by_default() -> None:
    assert record().first_time
