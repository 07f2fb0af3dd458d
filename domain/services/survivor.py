"""State social benefit for loss of a breadwinner (асыраушысынан айырылу бойынша жәрдемақы).

Who counts as a dependent on the date of death, when the benefit starts, how much it is.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from domain.dates import full_years, months_before
from domain.parameters import Amount, multiple_of_subsistence_minimum, tenge

MONTHS_BACK = 12  # survivor p.24: no earlier than twelve months before consent
TERM_WORKING_DAYS = 7  # survivor p.24, App.4 row 3
EXTENSION_WORKING_DAYS = 5  # App.4 row 3: when additional documents are requested
ADULTHOOD = 18  # survivor p.7: dependents under eighteen count
STUDY_LIMIT = 23  # survivor p.7(2): 18 to 23 while in full-time study
MOST_SHARES = 6  # six or more dependents share the largest multiple equally


class Dependent(BaseModel):
    """A person the deceased supported, as the registries show them on the date of death."""

    model_config = ConfigDict(frozen=True)

    birth_date: date
    full_time_study: bool = False  # education registries: full-time study incl. academic leave


def is_dependent(person: Dependent, died_on: date) -> bool:
    """Under 18 on the date of death, or 18 to 23 in full-time study (survivor p.7).

    Interpretation: "18 to 23" means until the 23rd birthday (age 18..22 in full years).
    """
    age = full_years(person.birth_date, died_on)
    if age < 0:
        return False  # born after the death: the registries must show the birth first
    return age < ADULTHOOD or (age < STUDY_LIMIT and person.full_time_study)


def count_dependents(people: tuple[Dependent, ...], died_on: date, still_on: date) -> int:
    """How many were dependents on the date of death and still are on `still_on` (p.7).

    The benefit is paid for the time a person remains a dependent: one who was 17 at the
    death and is 18 and not studying on the start date no longer counts.
    """
    return sum(1 for p in people if is_dependent(p, died_on) and is_dependent(p, still_on))


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
    """Each dependent's equal share of the monthly benefit (six or more share 3.0 equally)."""
    return tenge(monthly_amount(dependents, on) / dependents)


class SurvivorFacts(BaseModel):
    """The death and the people the deceased supported, as the registries show them."""

    model_config = ConfigDict(frozen=True)

    died_on: date
    dependents: tuple[Dependent, ...]
