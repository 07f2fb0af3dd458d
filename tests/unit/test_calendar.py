"""Behaviour of domain.calendar: working days, registration dates and deadlines."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.calendar import (
    ALMATY,
    CLOSE_OF_BUSINESS,
    add_working_days,
    deadline,
    is_working_day,
    local_date,
    next_working_day,
    registration_day,
)


def almaty(
    year: int, month: int, day: int, hour: int = 10, minute: int = 0, sec: int = 0
) -> datetime:
    """An aware instant on the Almaty wall clock."""
    return datetime(year, month, day, hour, minute, sec, tzinfo=ALMATY)


def close_of(day: date) -> datetime:
    """18:30 Almaty on `day`: the shape every deadline has."""
    return datetime.combine(day, time(18, 30), tzinfo=ALMATY)


DAYS_OFF = [
    # 2024
    date(2024, 1, 1),  # New Year
    date(2024, 1, 2),  # New Year
    date(2024, 3, 8),  # International Women's Day
    date(2024, 3, 21),  # Nauryz
    date(2024, 3, 22),  # Nauryz
    date(2024, 3, 25),  # Nauryz, Sat 23 Mar carried over to Monday
    date(2024, 5, 1),  # People's Unity Day
    date(2024, 5, 7),  # Defender of the Fatherland Day
    date(2024, 5, 8),  # transfer: Wed off in exchange for Sat 4 May
    date(2024, 5, 9),  # Victory Day
    date(2024, 7, 8),  # Capital Day, Sat 6 Jul carried over to Monday
    date(2024, 12, 16),  # Independence Day
    # 2025
    date(2025, 1, 1),
    date(2025, 1, 2),
    date(2025, 1, 3),  # transfer: Fri off in exchange for Sun 5 Jan
    date(2025, 1, 7),  # Orthodox Christmas
    date(2025, 3, 10),  # 8 March fell on a Saturday
    date(2025, 3, 21),  # Nauryz (Fri)
    date(2025, 3, 24),  # Nauryz, Sat 22 carried over
    date(2025, 3, 25),  # Nauryz, Sun 23 carried over
    date(2025, 5, 9),  # Victory Day
    date(2025, 6, 6),  # Kurban Ait
    date(2025, 12, 16),  # Independence Day
    # 2026
    date(2026, 1, 1),
    date(2026, 1, 2),
    date(2026, 3, 9),  # 8 March fell on a Sunday
    date(2026, 3, 23),  # Nauryz (Mon)
    date(2026, 3, 24),  # Nauryz, Sat 21 carried over
    date(2026, 3, 25),  # Nauryz, Sun 22 carried over
    date(2026, 5, 11),  # Victory Day fell on a Saturday
    date(2026, 5, 27),  # Kurban Ait
    date(2026, 12, 16),  # Independence Day
]

WORKING_DAYS = [
    date(2024, 5, 4),  # Saturday made working by the 2024 transfer
    date(2025, 1, 5),  # Sunday made working by the 2025 transfer
    date(2024, 6, 17),  # Kurban Ait 2024 fell on Sun 16 Jun and is not carried over
    date(2025, 3, 26),  # the day after Nauryz 2025 ends
    date(2026, 3, 26),  # the day after Nauryz 2026 ends
    date(2025, 2, 4),  # an ordinary Tuesday
]

NOT_WORKING_WEEKEND = [
    date(2025, 2, 8),  # a plain Saturday
    date(2025, 2, 9),  # a plain Sunday
    date(2024, 6, 16),  # Kurban Ait on a Sunday
    date(2025, 3, 22),  # Nauryz on a Saturday
    date(2026, 3, 21),  # Nauryz on a Saturday
    date(2025, 1, 4),  # the Saturday between the New Year days off and the working Sunday
]


@pytest.mark.parametrize("day", DAYS_OFF, ids=str)
def test_a_public_holiday_or_carried_over_day_is_not_a_working_day(day: date) -> None:
    assert day.weekday() < 5
    assert not is_working_day(day)


@pytest.mark.parametrize("day", WORKING_DAYS, ids=str)
def test_an_ordinary_or_transferred_working_day_is_a_working_day(day: date) -> None:
    assert is_working_day(day)


@pytest.mark.parametrize("day", NOT_WORKING_WEEKEND, ids=str)
def test_a_weekend_day_without_a_transfer_is_not_a_working_day(day: date) -> None:
    assert day.weekday() >= 5
    assert not is_working_day(day)


def test_a_datetime_is_refused_where_a_calendar_date_is_expected() -> None:
    with pytest.raises(TypeError, match="local_date"):
        is_working_day(almaty(2025, 2, 4))


def test_next_working_day_skips_the_whole_of_nauryz_2025() -> None:
    assert next_working_day(date(2025, 3, 20)) == date(2025, 3, 26)


def test_next_working_day_is_strictly_after_a_working_day() -> None:
    assert next_working_day(date(2025, 2, 4)) == date(2025, 2, 5)


def test_the_working_sunday_follows_the_new_year_days_off_in_2025() -> None:
    assert next_working_day(date(2024, 12, 31)) == date(2025, 1, 5)


def test_adding_one_working_day_is_the_next_working_day() -> None:
    assert add_working_days(date(2025, 2, 7), 1) == date(2025, 2, 10)


@pytest.mark.parametrize("n", [0, -1])
def test_a_term_of_no_working_days_is_refused(n: int) -> None:
    with pytest.raises(ValueError, match="at least one working day"):
        add_working_days(date(2025, 2, 4), n)


def test_close_of_business_is_half_past_six() -> None:
    assert time(18, 30) == CLOSE_OF_BUSINESS


def test_a_registration_on_a_working_day_before_half_past_six_is_dated_that_day() -> None:
    assert registration_day(almaty(2025, 2, 4, 18, 29, 59)) == date(2025, 2, 4)


def test_a_registration_at_exactly_half_past_six_is_dated_the_next_working_day() -> None:
    assert registration_day(almaty(2025, 2, 4, 18, 30, 0)) == date(2025, 2, 5)


def test_a_registration_at_half_past_six_on_a_friday_is_dated_monday() -> None:
    assert registration_day(almaty(2025, 2, 7, 18, 30)) == date(2025, 2, 10)


def test_a_registration_on_a_transferred_working_sunday_is_dated_that_sunday() -> None:
    assert registration_day(almaty(2025, 1, 5, 10)) == date(2025, 1, 5)


def test_a_registration_on_the_saturday_before_the_working_sunday_is_dated_sunday() -> None:
    assert registration_day(almaty(2025, 1, 4, 10)) == date(2025, 1, 5)


def test_a_deadline_across_a_weekend_falls_on_monday() -> None:
    assert deadline(almaty(2025, 2, 7, 10), 1) == close_of(date(2025, 2, 10))


def test_a_deadline_across_nauryz_skips_the_holiday_and_its_carried_over_days() -> None:
    # Thu 20 Mar 2025; Fri 21 to Tue 25 are off.
    assert deadline(almaty(2025, 3, 20, 10), 1) == close_of(date(2025, 3, 26))


def test_a_registration_one_second_before_half_past_six_starts_the_count_that_day() -> None:
    assert deadline(almaty(2025, 2, 4, 18, 29, 59), 1) == close_of(date(2025, 2, 5))


def test_a_registration_at_half_past_six_starts_the_count_a_day_later() -> None:
    assert deadline(almaty(2025, 2, 4, 18, 30, 0), 1) == close_of(date(2025, 2, 6))


def test_a_registration_on_a_weekday_holiday_is_counted_from_the_next_working_day() -> None:
    # Tue 16 Dec 2025 is Independence Day: dated Wed 17, so one working day is Thu 18.
    assert deadline(almaty(2025, 12, 16, 10), 1) == close_of(date(2025, 12, 18))


def test_a_registration_during_nauryz_is_counted_from_the_day_after_it() -> None:
    # Sat 22 Mar 2025 is dated Wed 26 Mar, so one working day is Thu 27.
    assert deadline(almaty(2025, 3, 22, 10), 1) == close_of(date(2025, 3, 27))


def test_a_registration_on_the_working_sunday_runs_to_monday() -> None:
    assert deadline(almaty(2025, 1, 5, 10), 1) == close_of(date(2025, 1, 6))


def test_a_late_registration_on_the_working_sunday_skips_orthodox_christmas() -> None:
    # Dated Mon 6 Jan; Tue 7 Jan is Orthodox Christmas.
    assert deadline(almaty(2025, 1, 5, 19), 1) == close_of(date(2025, 1, 6) + timedelta(days=2))


def test_a_deadline_can_land_on_the_transferred_working_sunday() -> None:
    # Tue 31 Dec 2024 is a working day; 1-4 Jan 2025 are off; Sun 5 Jan is working.
    assert deadline(almaty(2024, 12, 31, 10), 1) == close_of(date(2025, 1, 5))


def test_a_late_registration_before_new_year_has_its_deadline_on_the_working_sunday() -> None:
    # Mon 30 Dec 2024 at 18:45 is dated Tue 31 Dec.
    assert deadline(almaty(2024, 12, 30, 18, 45), 1) == close_of(date(2025, 1, 5))


def test_a_registration_on_the_saturday_before_the_working_sunday_runs_to_monday() -> None:
    # Sat 4 Jan 2025 is dated Sun 5 Jan, so one working day is Mon 6 Jan.
    assert deadline(almaty(2025, 1, 4, 10), 1) == close_of(date(2025, 1, 6))


def test_seven_working_days_across_new_year_2025() -> None:
    # Fri 27 Dec 2024: Mon 30, Tue 31, Sun 5, Mon 6, (Tue 7 off), Wed 8, Thu 9, Fri 10.
    assert deadline(almaty(2024, 12, 27, 10), 7) == close_of(date(2025, 1, 10))


def test_seven_working_days_across_new_year_2026() -> None:
    # Fri 26 Dec 2025: Mon 29, Tue 30, Wed 31, Mon 5, Tue 6, (Wed 7 off), Thu 8, Fri 9.
    assert deadline(almaty(2025, 12, 26, 10), 7) == close_of(date(2026, 1, 9))


def test_a_utc_instant_after_half_past_six_in_almaty_is_dated_the_next_day() -> None:
    registered_at = datetime(2025, 2, 4, 13, 31, tzinfo=UTC)  # 18:31 in Almaty (UTC+5)
    assert registration_day(registered_at) == date(2025, 2, 5)
    assert deadline(registered_at, 1) == close_of(date(2025, 2, 6))


def test_a_utc_instant_before_half_past_six_in_almaty_is_dated_that_day() -> None:
    registered_at = datetime(2025, 2, 4, 13, 29, tzinfo=UTC)  # 18:29 in Almaty
    assert deadline(registered_at, 1) == close_of(date(2025, 2, 5))


def test_an_instant_before_march_2024_uses_almatys_old_utc_plus_six_offset() -> None:
    registered_at = datetime(2024, 2, 1, 12, 31, tzinfo=UTC)  # 18:31 in Almaty (UTC+6)
    assert registration_day(registered_at) == date(2024, 2, 2)


def test_a_utc_evening_is_already_the_next_calendar_day_in_almaty() -> None:
    assert local_date(datetime(2025, 2, 7, 20, 0, tzinfo=UTC)) == date(2025, 2, 8)


def test_a_deadline_is_aware_and_expressed_in_almaty_time() -> None:
    result = deadline(datetime(2025, 2, 4, 3, 0, tzinfo=UTC), 3)
    assert result.tzinfo == ALMATY
    assert result.utcoffset() == timedelta(hours=5)
    assert result.time() == CLOSE_OF_BUSINESS


def test_a_naive_registration_time_is_refused() -> None:
    naive = almaty(2025, 2, 4).replace(tzinfo=None)
    with pytest.raises(ValueError, match="must be timezone-aware"):
        registration_day(naive)
    with pytest.raises(ValueError, match="must be timezone-aware"):
        deadline(naive, 1)
    with pytest.raises(ValueError, match="must be timezone-aware"):
        local_date(naive)


ZONES = [UTC, ALMATY, ZoneInfo("Europe/Moscow"), ZoneInfo("America/New_York")]
REGISTRATIONS = st.builds(
    datetime.combine,
    st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)),
    st.times(),
    tzinfo=st.sampled_from(ZONES),
)


def working_days_between(start: date, end: date) -> int:
    """Working days in the half-open interval (start, end]."""
    days = (start + timedelta(days=k) for k in range(1, (end - start).days + 1))
    return sum(1 for day in days if is_working_day(day))


@given(registered_at=REGISTRATIONS, n=st.integers(min_value=1, max_value=10))
def test_a_deadline_is_n_working_days_after_registration_at_half_past_six(
    registered_at: datetime, n: int
) -> None:
    result = deadline(registered_at, n)
    start = registration_day(registered_at)
    assert result.tzinfo == ALMATY
    assert result.time() == CLOSE_OF_BUSINESS
    assert is_working_day(local_date(result))
    assert result > registered_at
    assert start >= local_date(registered_at)
    assert working_days_between(start, local_date(result)) == n
