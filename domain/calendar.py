"""Working days, registration dates and deadlines on the Kazakhstan calendar (Asia/Almaty)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

# The service's clock: Asia/Almaty, UTC+5 since 1 Mar 2024 (UTC+6 before); the IANA zone
# carries both offsets, so instants before the change convert correctly too.
ALMATY = ZoneInfo("Asia/Almaty")

# App.2 row 7: the office works Mon-Fri 9:00-18:30 (lunch 13:00-14:30); 18:30 closes the day.
CLOSE_OF_BUSINESS = time(18, 30)

_SATURDAY = 5  # date.weekday(): Mon=0 ... Sat=5, Sun=6
_ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=32)
def _calendar_of(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """Days off on weekdays and working weekend days of one year, from the holidays package."""
    # Source: holidays.country_holidays("KZ") (vacanza/holidays, which cites egov.kz and the
    # government's yearly transfer decrees on adilet.zan.kz). Public holidays, their observed
    # (carried-over) days and "Day off (substituted from ...)" entries are all its keys.
    kz = holidays.country_holidays("KZ", years=year)
    days_off = frozenset(day for day in kz if day.year == year)
    # Weekend days made working by a transfer decree (e.g. Sat 2024-05-04, Sun 2025-01-05).
    # The package's set also leaks dates of other years (2013-12-28), hence the filter.
    weekend_workdays = frozenset(day for day in kz.weekend_workdays if day.year == year)
    return days_off, weekend_workdays


def is_working_day(day: date) -> bool:
    """Whether `day` is a working day: Mon-Fri minus holidays, plus transferred weekend days."""
    if isinstance(day, datetime):
        # A datetime never equals a date, so it would silently miss every holiday.
        raise TypeError("is_working_day expects a date, not a datetime: use local_date()")
    days_off, weekend_workdays = _calendar_of(day.year)
    if day.weekday() >= _SATURDAY:
        # SPEC: Interpretation "A weekend day made working by a government transfer counts
        # as a working day."
        return day in weekend_workdays
    return day not in days_off


def next_working_day(day: date) -> date:
    """The first working day strictly after `day`."""
    candidate = day + _ONE_DAY
    while not is_working_day(candidate):
        candidate += _ONE_DAY
    return candidate


def add_working_days(day: date, n: int) -> date:
    """The n-th working day strictly after `day` (n >= 1)."""
    if n <= 0:
        raise ValueError(f"a term runs for at least one working day, got n={n}")
    result = day
    for _ in range(n):
        result = next_working_day(result)
    return result


def _in_almaty(moment: datetime, what: str) -> datetime:
    """`moment` converted to Asia/Almaty; a naive datetime is refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {moment.isoformat()}")
    return moment.astimezone(ALMATY)


def local_date(moment: datetime) -> date:
    """The Almaty calendar date of an aware instant."""
    return _in_almaty(moment, "moment").date()


def registration_day(registered_at: datetime) -> date:
    """The date a registration counts as made on (App.3 row 7)."""
    local = _in_almaty(registered_at, "registered_at")
    day = local.date()
    # SPEC: Interpretation, App.3 row 7: "a registration made on a working day before 18:30
    # is dated that day; one made later, or on a weekend or holiday, is dated the next
    # working day". "Before" is strict: 18:30:00 exactly is already "later".
    if is_working_day(day) and local.time() < CLOSE_OF_BUSINESS:
        return day
    return next_working_day(day)


def deadline(registered_at: datetime, working_days: int) -> datetime:
    """18:30 Almaty on the N-th working day after the registration date."""
    # SPEC: Interpretation "Deadline of N working days": counting starts on the day after
    # the registration date (Civil Code: a term counted from an event runs from the next
    # day); the deadline is 18:30 local time on the N-th working day counted.
    last_day = add_working_days(registration_day(registered_at), working_days)
    return datetime.combine(last_day, CLOSE_OF_BUSINESS, tzinfo=ALMATY)
