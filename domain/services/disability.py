"""State social benefit for disability (мүгедектігі бойынша мемлекеттік әлеуметтік жәрдемақы).

Which causes take the automatic path, when the benefit starts, how much it is per month.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.dates import months_before
from domain.model import DisabilityCheck, PaymentKind
from domain.parameters import Amount, multiple_of_subsistence_minimum
from domain.services.burial import PaymentPeriod

MONTHS_BACK = 3  # disability p.4 and p.24: no earlier than three months before consent
AUTOMATIC_TERM_WORKING_DAYS = 1  # disability p.24 second paragraph, App.3 row 3
TERM_WORKING_DAYS = 7  # disability p.24 first paragraph, App.3 row 3
EXTENSION_WORKING_DAYS = 5  # App.3 row 3: when additional documents are requested


class Cause(StrEnum):
    """Cause of disability as the disability registry records it."""

    GENERAL_ILLNESS = "general_illness"  # жалпы ауруға шалдығу
    WORK_INJURY = "work_injury"  # жұмыста мертігу
    OCCUPATIONAL_DISEASE = "occupational_disease"  # кәсіптік ауру
    SINCE_CHILDHOOD = "since_childhood"  # бала кезінен мүгедектік
    CHILD_7_TO_18 = "child_7_to_18"  # жеті жастан он сегіз жасқа дейінгі мүгедектігі бар бала
    CHILD_UNDER_7 = "child_under_7"  # жеті жасқа дейінгі мүгедектігі бар бала


# disability p.20-1 and p.21-1: general illness or work injury, consented by portal or proactively.
AUTOMATIC_CAUSES = frozenset({Cause.GENERAL_ILLNESS, Cause.WORK_INJURY})
GROUPS = (1, 2, 3)


def is_automatic(cause: str) -> bool:
    """True when the law lets the benefit be decided without a person (p.21-1)."""
    return Cause(cause) in AUTOMATIC_CAUSES


def decision_term(cause: str) -> int:
    """Working days the provider has to decide, counted from registration (p.24)."""
    return AUTOMATIC_TERM_WORKING_DAYS if is_automatic(cause) else TERM_WORKING_DAYS


def benefit_start(established_on: date, consent_on: date) -> date:
    """From the day disability was established, but no earlier than 3 months before consent.

    disability p.4 and p.24; "three months before" per SPEC Interpretation (clamped).
    """
    return max(established_on, months_before(consent_on, MONTHS_BACK))


def _multiple_name(group: int | None, cause: Cause) -> str:
    if cause is Cause.CHILD_UNDER_7:
        if group is not None:
            raise ValueError("a child under 7 has no disability group")
        return "disability_multiple.child_under_7.none"
    if group not in GROUPS:
        raise ValueError(f"disability group must be 1, 2 or 3 for {cause.value}, not {group}")
    return f"disability_multiple.{cause.value}.{group}"


def monthly_amount_detail(group: int | None, cause: str, on: date) -> Amount:
    """Monthly benefit by group and cause on a date, with the parameters behind it."""
    return multiple_of_subsistence_minimum(_multiple_name(group, Cause(cause)), on)


def monthly_amount(group: int | None, cause: str, on: date) -> Decimal:
    """Monthly benefit in tenge by group and cause on a date (Social Code art. 177)."""
    return monthly_amount_detail(group, cause, on).value


class DisabilityRecord(BaseModel):
    """A disability established by medical-social expertise, as the disability registry has it."""

    model_config = ConfigDict(frozen=True)

    group: int | None  # I, II, III; none for a child under 7
    cause: Cause
    established_on: date
    valid_until: date | None = None  # None: established indefinitely
    first_time: bool = True

    def has_consistent_group(self) -> bool:
        """A group 1-3 for every cause but a child under 7, who has none."""
        if self.cause is Cause.CHILD_UNDER_7:
            return self.group is None
        return self.group in GROUPS

    def in_force_on(self, day: date) -> bool:
        """The disability is established on `day`."""
        return self.established_on <= day and (self.valid_until is None or day <= self.valid_until)


# SPEC Interpretation "Offer only what the registries already allow": for disability, no
# payment of this benefit already running for the same establishment (checked before the
# offer and again among the application's checks, disability p.20-1).
ALREADY_PAID_BASIS = "disability p.4, p.20-1"


def already_paid(record: DisabilityRecord, payments: tuple[PaymentPeriod, ...], on: date) -> bool:
    """A state social benefit runs on `on` that started on or after this establishment.

    Any assignment for this establishment starts on or after the day disability was
    established (p.4); one that started before it was paid for something else (an earlier
    establishment, the survivor benefit), so it does not stand in the way.
    """
    return any(
        p.kind is PaymentKind.STATE_SOCIAL_BENEFIT
        and p.start >= record.established_on
        and p.covers(on)
        for p in payments
    )


def failed_checks(
    record: DisabilityRecord, payments: tuple[PaymentPeriod, ...], on: date
) -> tuple[str, ...]:
    """The application's checks that fail on `on` (disability p.20-1): the benefit already
    paid for this establishment."""
    return (
        (DisabilityCheck.NOT_ALREADY_ASSIGNED.value,) if already_paid(record, payments, on) else ()
    )
