"""Instants as the bot stores and hashes them: aware, in UTC, as fixed-width ISO-8601 text.

The storage writes every timestamp this way, and the consent ledger hashes its rows' `at`
in the same form, so a row verifies from what is stored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache


def as_utc(at: datetime) -> datetime:
    """An aware datetime moved to UTC; a naive one, or one whose UTC time falls outside years
    1-9999, is refused (ValueError)."""
    if at.tzinfo is UTC:
        return at
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"a naive datetime cannot be stored: {at!r} (give it a timezone)")
    try:
        return at.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{at.isoformat()} is outside the years 1-9999 in UTC") from None


@lru_cache(maxsize=1024)  # pure: a unit of work stamps many rows with the same few instants
def utc_text(at: datetime) -> str:
    """An aware datetime as fixed-width UTC ISO-8601 text (text order is time order)."""
    return as_utc(at).isoformat(timespec="microseconds")


def from_utc_text(text: str) -> datetime:
    """Stored UTC text back as an aware datetime in UTC."""
    at = datetime.fromisoformat(text)
    if at.tzinfo is None:
        raise ValueError(f"stored datetime has no timezone: {text!r}")
    return at.astimezone(UTC)


def optional_utc_text(at: datetime | None) -> str | None:
    """`utc_text`, letting None through."""
    return None if at is None else utc_text(at)
