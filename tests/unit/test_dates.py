"""Behaviour of domain.dates: month shifting with month-end clamping, anniversaries, ages."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.dates import anniversary, full_years, months_before, shift_months

DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


def month_index(day: date) -> int:
    """Months since year 0, so that differences count calendar months."""
    return day.year * 12 + day.month - 1


# ---------------------------------------------------------------- shifting months


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 5, 31), 3, date(2025, 2, 28)),  # common year: clamped to 28 Feb
        (date(2024, 5, 31), 3, date(2024, 2, 29)),  # leap year: clamped to 29 Feb
        (date(2025, 3, 31), 1, date(2025, 2, 28)),
        (date(2024, 3, 31), 1, date(2024, 2, 29)),
        (date(2025, 12, 31), 12, date(2024, 12, 31)),
        (date(2025, 7, 31), 1, date(2025, 6, 30)),  # 30-day month
        (date(2025, 5, 15), 3, date(2025, 2, 15)),  # no clamping needed
    ],
)
def test_months_before_keeps_the_day_of_month_clamped_to_the_months_end(
    day: date, months: int, expected: date
) -> None:
    assert months_before(day, months) == expected


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 1, 15), 3, date(2024, 10, 15)),
        (date(2025, 2, 28), 12, date(2024, 2, 28)),
        (date(2025, 3, 31), 13, date(2024, 2, 29)),
        (date(2026, 1, 31), 11, date(2025, 2, 28)),
        (date(2025, 1, 1), 1, date(2024, 12, 1)),
        (date(2025, 1, 31), 25, date(2022, 12, 31)),
    ],
)
def test_months_before_crosses_year_boundaries(day: date, months: int, expected: date) -> None:
    assert months_before(day, months) == expected


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2024, 11, 30), 3, date(2025, 2, 28)),
        (date(2023, 12, 31), 2, date(2024, 2, 29)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
    ],
)
def test_shift_months_forward_crosses_year_boundaries_and_clamps(
    day: date, months: int, expected: date
) -> None:
    assert shift_months(day, months) == expected


def test_shifting_by_zero_months_is_the_same_day() -> None:
    assert shift_months(date(2024, 2, 29), 0) == date(2024, 2, 29)


def test_shift_months_with_a_negative_count_is_months_before() -> None:
    assert shift_months(date(2025, 5, 31), -3) == months_before(date(2025, 5, 31), 3)


# ---------------------------------------------------------------- anniversaries


def test_anniversary_of_29_february_falls_on_28_february_in_a_common_year() -> None:
    assert anniversary(date(2024, 2, 29), 3) == date(2027, 2, 28)


def test_anniversary_of_29_february_falls_on_29_february_in_a_leap_year() -> None:
    assert anniversary(date(2024, 2, 29), 4) == date(2028, 2, 29)


def test_anniversary_of_an_ordinary_day_is_the_same_calendar_day() -> None:
    assert anniversary(date(2023, 3, 15), 3) == date(2026, 3, 15)


# ---------------------------------------------------------------- full years of age


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2025, 6, 14), 17),  # the day before the birthday
        (date(2025, 6, 15), 18),  # on the birthday
        (date(2025, 6, 16), 18),  # the day after
        (date(2025, 12, 31), 18),
        (date(2026, 1, 1), 18),
    ],
)
def test_full_years_grow_on_the_birthday_itself(on: date, expected: int) -> None:
    assert full_years(date(2007, 6, 15), on) == expected


def test_a_29_february_child_is_not_yet_a_year_older_on_28_february_of_a_common_year() -> None:
    assert full_years(date(2008, 2, 29), date(2025, 2, 28)) == 16


def test_a_29_february_child_turns_a_year_older_on_1_march_of_a_common_year() -> None:
    assert full_years(date(2008, 2, 29), date(2025, 3, 1)) == 17


def test_a_29_february_child_turns_a_year_older_on_29_february_of_a_leap_year() -> None:
    assert full_years(date(2008, 2, 29), date(2024, 2, 28)) == 15
    assert full_years(date(2008, 2, 29), date(2024, 2, 29)) == 16


def test_full_years_on_the_birth_date_are_zero() -> None:
    assert full_years(date(2025, 5, 1), date(2025, 5, 1)) == 0


def test_full_years_before_birth_are_negative() -> None:
    assert full_years(date(2025, 5, 2), date(2025, 5, 1)) == -1


# ---------------------------------------------------------------- properties


@given(day=DATES, months=st.integers(min_value=0, max_value=240))
def test_months_before_is_never_after_the_day(day: date, months: int) -> None:
    assert months_before(day, months) <= day


@given(day=DATES, months=st.integers(min_value=0, max_value=240))
def test_months_before_never_has_a_later_day_of_month(day: date, months: int) -> None:
    assert months_before(day, months).day <= day.day


@given(day=DATES, months=st.integers(min_value=0, max_value=240))
def test_months_before_lands_exactly_that_many_calendar_months_earlier(
    day: date, months: int
) -> None:
    assert month_index(day) - month_index(months_before(day, months)) == months


@given(day=DATES, months=st.integers(min_value=0, max_value=240))
def test_months_before_keeps_the_day_unless_the_month_is_too_short(day: date, months: int) -> None:
    shifted = months_before(day, months)
    is_last_day_of_month = (shifted + timedelta(days=1)).day == 1
    assert shifted.day == day.day or (shifted.day < day.day and is_last_day_of_month)


@given(born=DATES, first=DATES, second=DATES)
def test_full_years_never_decrease_as_the_date_moves_on(
    born: date, first: date, second: date
) -> None:
    earlier, later = sorted((first, second))
    assert full_years(born, earlier) <= full_years(born, later)
