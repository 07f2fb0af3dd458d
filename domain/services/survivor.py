"""State social benefit for loss of a breadwinner (асыраушысынан айырылу бойынша жәрдемақы).

Who counts as a dependent on the date of death, when the benefit starts, how much it is.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_DOWN, Decimal

from pydantic import BaseModel, ConfigDict

from domain.dates import full_years, months_before
from domain.parameters import TIYN, Amount, multiple_of_subsistence_minimum

MONTHS_BACK = 12  # survivor p.24: no earlier than twelve months before consent
TERM_WORKING_DAYS = 7  # survivor p.24, App.4 row 3
EXTENSION_WORKING_DAYS = 5  # App.4 row 3: when additional documents are requested
ADULTHOOD = 18  # survivor p.7: dependents under eighteen count
STUDY_LIMIT = 23  # survivor p.7(2): 18 to 23 while in full-time study
MOST_SHARES = 6  # six or more dependents share the largest multiple equally


class Dependent(BaseModel):
    """A child of the deceased, as the registries show them on the date of death.

    `represented_by` is the surviving parent (or guardian) on record, who receives the
    benefit for the child while a minor; None when the registries name nobody.
    """

    model_config = ConfigDict(frozen=True)

    iin: str
    birth_date: date
    full_time_study: bool = False  # education registries: full-time study incl. academic leave
    represented_by: str | None = None


def is_dependent(person: Dependent, died_on: date) -> bool:
    """Under 18 on the date of death, or 18 to 23 in full-time study (survivor p.7).

    Interpretation: "18 to 23" means until the 23rd birthday (age 18..22 in full years).
    """
    age = full_years(person.birth_date, died_on)
    if age < 0:
        return False  # born after the death: the registries must show the birth first
    return age < ADULTHOOD or (age < STUDY_LIMIT and person.full_time_study)


def count_dependents(people: tuple[Dependent, ...], died_on: date) -> int:
    """N: how many were the deceased's dependents on the date of death (survivor p.7).

    SPEC Interpretation "The survivor benefit is one benefit per family": the multiple is
    chosen by the dependents on the date the right arose, the date of death.
    """
    return sum(1 for p in people if is_dependent(p, died_on))


def still_qualifies(person: Dependent, died_on: date, start: date) -> bool:
    """A dependent at the death who still is one on the benefit's start date (p.7).

    The benefit is paid for the time a person remains a dependent: one who was 17 at the
    death and is 18 and not studying on the start date is not paid, and their share is
    not moved to anyone else (SPEC Interpretation).
    """
    return is_dependent(person, died_on) and is_dependent(person, start)


def benefit_start(right_arose_on: date, consent_on: date) -> date:
    """From the day the right arose, but no earlier than 12 months before consent (p.24)."""
    return max(right_arose_on, months_before(consent_on, MONTHS_BACK))


def monthly_amount_detail(dependents: int, on: date) -> Amount:
    """Monthly benefit for the whole family by number of dependents, with its parameters."""
    if dependents < 1:
        raise ValueError(f"the survivor benefit needs at least one dependent, not {dependents}")
    key = min(dependents, MOST_SHARES)
    return multiple_of_subsistence_minimum(f"survivor_multiple.{key}", on)


def monthly_amount(dependents: int, on: date) -> Decimal:
    """Monthly benefit in tenge for the family by number of dependents on a date."""
    return monthly_amount_detail(dependents, on).value


def share_per_dependent(dependents: int, on: date) -> Decimal:
    """Each dependent's equal share of the family amount, rounded down to the tiyn.

    SPEC Interpretation "The survivor benefit is one benefit per family": family amount
    divided by N, rounded down, so that N shares never exceed the family amount.
    """
    family = monthly_amount(dependents, on)
    return (family / dependents).quantize(TIYN, rounding=ROUND_DOWN)


class FamilyShare(BaseModel):
    """What one recipient is paid of the family's benefit, and how it was computed."""

    model_config = ConfigDict(frozen=True)

    dependents: int  # N: the deceased's dependents on the date of death
    family_amount: Decimal  # the multiple for N times the subsistence minimum of the start
    share: Decimal  # family amount / N, rounded down to the tiyn
    paid_for: tuple[str, ...]  # the IINs of the dependents this recipient is paid for

    @property
    def amount(self) -> Decimal:
        """The recipient's monthly amount: one share per dependent they are paid for."""
        return self.share * len(self.paid_for)


def family_share(dependents: int, paid_for: tuple[str, ...], on: date) -> FamilyShare:
    """The shares of the dependents `paid_for` of a family of N `dependents`, on a date."""
    return FamilyShare(
        dependents=dependents,
        family_amount=monthly_amount(dependents, on),
        share=share_per_dependent(dependents, on),
        paid_for=paid_for,
    )


class SurvivorFacts(BaseModel):
    """The death, the deceased's children as the registries show them, and the ones this
    application's recipient receives for (`received_for`, by IIN)."""

    model_config = ConfigDict(frozen=True)

    died_on: date
    dependents: tuple[Dependent, ...]
    received_for: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        """N: the deceased's dependents on the date of death."""
        return count_dependents(self.dependents, self.died_on)

    def paid_for(self, start: date) -> tuple[str, ...]:
        """Those of `received_for` who are dependents at the death and still on `start`."""
        return tuple(
            d.iin
            for d in self.dependents
            if d.iin in self.received_for and still_qualifies(d, self.died_on, start)
        )
