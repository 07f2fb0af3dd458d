"""What screening a registry event is made of: the facts an event gives, the decision path,
and a screening's result. Each benefit screens its own events (`domain.benefits`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from domain.dates import full_years
from domain.decisions import CaseFile, Decision, Outcome, Reason
from domain.model import Service, Trigger
from domain.parameters import ParameterUnavailable
from domain.services.burial import BurialFacts, PaymentPeriod
from domain.services.disability import DisabilityRecord
from domain.services.survivor import SurvivorFacts

ADULTHOOD = 18


class DecisionPath(BaseModel):
    """Automatic or by a reviewer, and the term in working days from registration."""

    model_config = ConfigDict(frozen=True)

    automatic: bool
    term_working_days: int


def self_or_representative(
    person_iin: str, born: date, representative_iin: str | None, on: date
) -> str | None:
    """The person when an adult on `on`, else the representative on record (None: nobody)."""
    return person_iin if full_years(born, on) >= ADULTHOOD else representative_iin


# ---------------------------------------------------------------- pre-screening
#
# SPEC Interpretation "Offer only what the registries already allow": before any message,
# every acceptance check whose data the registries hold runs on the event's facts, and the
# offer states what a consent given that day would be assigned ("The amount offered is the
# amount decided"). Both come from one place: the decision a case file built on the day of
# the offer would get (the benefit's own `decide`), so the offer and the decision cannot
# drift apart while the facts stay the same.


class DisabilityFacts(BaseModel):
    """What the registries say about an established disability, for its offer."""

    model_config = ConfigDict(frozen=True)

    iin: str
    born: date
    record: DisabilityRecord
    representative_iin: str | None = None  # a child's legal representative
    benefits_paid: tuple[PaymentPeriod, ...] = ()  # state social benefits running today


class DeathFacts(BaseModel):
    """What the registries say about a registered death, for the burial and survivor offers.

    `survivor.dependents` holds the deceased's children as the registries show them (with
    their surviving parent or guardian), whether or not they count as dependents.
    """

    model_config = ConfigDict(frozen=True)

    burial: BurialFacts
    survivor: SurvivorFacts


TriggerFacts = DisabilityFacts | DeathFacts
# what each trigger's event gives to the benefits it starts
FACTS_OF: dict[Trigger, type[DisabilityFacts] | type[DeathFacts]] = {
    Trigger.DISABILITY_ESTABLISHED: DisabilityFacts,
    Trigger.DEATH_REGISTERED: DeathFacts,
}


class Screening(BaseModel):
    """What an event gives one person: the offer and its terms, or why it is not offered.

    `terms` is the decision a consent given on the day of screening would get: an
    assignment (the offer's amount, start date and parameters) or a refusal (the reasons
    and their legal basis: the case is not offered). None when no amount is in force on
    that day: offered without an amount, and a person decides.
    """

    model_config = ConfigDict(frozen=True)

    service: Service
    subject_iin: str  # the deceased, or the person with disability
    addressee_iin: str | None  # who is offered; None: nobody on record to answer
    path: DecisionPath
    terms: Decision | None
    received_for: tuple[str, ...] = ()  # survivor: the dependents the addressee receives for

    @property
    def offered(self) -> bool:
        """Whether the state may offer it: nothing on record stands in the way."""
        return self.terms is None or self.terms.outcome is Outcome.ASSIGN

    @property
    def reasons(self) -> tuple[Reason, ...]:
        """Why it is not offered (empty when it is)."""
        return () if self.terms is None else self.terms.reasons


def terms(
    file: CaseFile, now: datetime, decide: Callable[[CaseFile, datetime], Decision]
) -> Decision | None:
    """The decision `decide` gives a consent on the day of `file`; None without parameters."""
    try:
        return decide(file, now)
    except ParameterUnavailable:
        return None  # no amount in force that day: the benefit's decide says why
