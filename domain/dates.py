"""Calendar arithmetic the rules share: months and years back or forward, full years of age."""

from __future__ import annotations

import calendar
from datetime import date


def shift_months(day: date, months: int) -> date:
    """The same day-of-month `months` later (negative: earlier), clamped to the month's end.

    SPEC Interpretation "three months before / twelve months before": consent on 31 May,
    three months before is 28 Feb (29 Feb in a leap year).
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def months_before(day: date, months: int) -> date:
    """The date `months` calendar months before `day`, clamped to the month's last day."""
    return shift_months(day, -months)


def anniversary(day: date, years: int) -> date:
    """The same date `years` later; 29 Feb falls on 28 Feb in a common year.

    SPEC Interpretation "no later than three years after the date of death".
    """
    return shift_months(day, 12 * years)


def full_years(born: date, on: date) -> int:
    """Age in full years on a date; a 29 Feb birthday counts on 1 Mar in a common year."""
    had_birthday = (on.month, on.day) >= (born.month, born.day)
    return on.year - born.year - (0 if had_birthday else 1)
