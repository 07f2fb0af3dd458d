"""One-time burial payment (жерлеуге арналған біржолғы төлем): acceptance checks and amount."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from domain.dates import anniversary
from domain.model import BurialCheck, PaymentKind
from domain.parameters import Amount, parameter, tenge

DECISION_TERM_WORKING_DAYS = 1  # burial App.2 row 3: 1 working day via portal or proactively
YEARS_TO_APPLY = 3  # burial p.13(5)

# burial p.13(4): the deceased received one of these on the date of death.
QUALIFYING_PAYMENTS = frozenset(
    {
        PaymentKind.AGE_PENSION,
        PaymentKind.BASIC_PENSION,
        PaymentKind.STATE_SOCIAL_BENEFIT,
        PaymentKind.SPECIAL_STATE_BENEFIT,
    }
)

CHECK_BASIS: dict[BurialCheck, str] = {
    BurialCheck.DATA_COMPLETE: "burial p.13(1)",
    BurialCheck.NOT_ALREADY_ASSIGNED: "burial p.13(2)",
    BurialCheck.NOT_ALREADY_FILED: "burial p.13(3)",
    BurialCheck.RECIPIENT_ON_DEATH: "burial p.13(4)",
    BurialCheck.WITHIN_THREE_YEARS: "burial p.13(5)",
}


class PaymentPeriod(BaseModel):
    """A pension or benefit the person received, from a date until a date (or still)."""

    model_config = ConfigDict(frozen=True)

    kind: PaymentKind
    start: date
    end: date | None = None

    def covers(self, day: date) -> bool:
        """True when the payment ran on `day`."""
        return self.start <= day and (self.end is None or day <= self.end)


class BurialFacts(BaseModel):
    """What the registries say about a death, as read for the burial checks.

    `already_filed` must not count the application under check itself.
    """

    model_config = ConfigDict(frozen=True)

    deceased_iin: str | None
    died_on: date | None
    death_record_number: str | None
    declarant_iin: str | None
    payments: tuple[PaymentPeriod, ...] = ()
    already_assigned: bool = False
    already_filed: bool = False


class CheckResult(BaseModel):
    """One check of burial p.13 as run, with its legal basis."""

    model_config = ConfigDict(frozen=True)

    check: BurialCheck
    passed: bool
    basis: str


def in_time(died_on: date, consent_on: date) -> bool:
    """Consent came no later than three years after the date of death."""
    return consent_on <= anniversary(died_on, YEARS_TO_APPLY)  # burial p.13(5)


def was_recipient(payments: tuple[PaymentPeriod, ...], died_on: date) -> bool:
    """The deceased received a qualifying pension or benefit on the date of death."""
    return any(p.kind in QUALIFYING_PAYMENTS and p.covers(died_on) for p in payments)  # p.13(4)


def _outcomes(facts: BurialFacts, consent_on: date) -> dict[BurialCheck, bool]:
    died_on = facts.died_on
    # A blank value is as missing as an absent one.
    complete = all((facts.deceased_iin, died_on, facts.death_record_number, facts.declarant_iin))
    return {
        BurialCheck.DATA_COMPLETE: complete,  # burial p.13(1)
        BurialCheck.NOT_ALREADY_ASSIGNED: not facts.already_assigned,  # burial p.13(2)
        BurialCheck.NOT_ALREADY_FILED: not facts.already_filed,  # burial p.13(3)
        # burial p.13(4) and p.13(5) cannot pass without a date of death.
        BurialCheck.RECIPIENT_ON_DEATH: died_on is not None
        and was_recipient(facts.payments, died_on),
        BurialCheck.WITHIN_THREE_YEARS: died_on is not None and in_time(died_on, consent_on),
    }


def run_checks(facts: BurialFacts, consent_on: date) -> tuple[CheckResult, ...]:
    """All five checks of burial p.13 in order, each with its result and basis."""
    return tuple(
        CheckResult(check=check, passed=passed, basis=CHECK_BASIS[check])
        for check, passed in _outcomes(facts, consent_on).items()
    )


def failed_checks(facts: BurialFacts, consent_on: date) -> tuple[CheckResult, ...]:
    """The checks that fail; an empty tuple means the application is accepted (p.16)."""
    return tuple(r for r in run_checks(facts, consent_on) if not r.passed)


def amount_detail(on: date) -> Amount:
    """The one-time burial payment on a date: a multiple of the MRP, with its parameters."""
    multiple = parameter("burial_multiple", on)
    mrp = parameter("mrp", on)
    return Amount(value=tenge(multiple.value * mrp.value), basis=(multiple, mrp))


def amount(on: date) -> Decimal:
    """The one-time burial payment in tenge on a date."""
    return amount_detail(on).value
