"""Screening a registry event: who is offered the service, and is it decided automatically."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from domain.calendar import local_date
from domain.dates import full_years
from domain.decisions import CaseFile, Decision, Outcome, Reason, decide
from domain.model import Service
from domain.parameters import ParameterUnavailable
from domain.services import burial, disability, survivor
from domain.services.burial import BurialFacts, PaymentPeriod
from domain.services.disability import DisabilityRecord
from domain.services.survivor import SurvivorFacts

ADULTHOOD = 18


class DecisionPath(BaseModel):
    """Automatic or by a reviewer, and the term in working days from registration."""

    model_config = ConfigDict(frozen=True)

    automatic: bool
    term_working_days: int


def decision_path(service: Service, cause: str | None = None) -> DecisionPath:
    """How a registered case of a service is decided (App.2/3/4 row 3)."""
    if service is Service.BURIAL:  # burial p.19-1: automatic, 1 working day
        return DecisionPath(automatic=True, term_working_days=burial.DECISION_TERM_WORKING_DAYS)
    if service is Service.DISABILITY:  # disability p.20-1, p.21-1, p.24
        if cause is None:
            raise ValueError("the disability decision path depends on the cause")
        return DecisionPath(
            automatic=disability.is_automatic(cause),
            term_working_days=disability.decision_term(cause),
        )
    # SPEC Interpretation: the seed gives no automatic path for the survivor benefit;
    # a reviewer decides within the term from the prepared case file (survivor p.24).
    return DecisionPath(automatic=False, term_working_days=survivor.TERM_WORKING_DAYS)


def _self_or_representative(
    person_iin: str, born: date, representative_iin: str | None, on: date
) -> str | None:
    return person_iin if full_years(born, on) >= ADULTHOOD else representative_iin


def disability_addressee(
    person_iin: str, born: date, representative_iin: str | None, on: date
) -> str | None:
    """Whom the disability offer goes to: the person, or for a child the representative.

    SPEC Interpretation: for a child under 18, the legal representative recorded with the
    disability (parent or guardian); None when a child has no representative recorded.
    """
    return _self_or_representative(person_iin, born, representative_iin, on)


def survivor_addressee(
    dependent_iin: str, born: date, surviving_parent_iin: str | None, on: date
) -> str | None:
    """Who answers for a dependent's survivor benefit: the dependent, or a minor's parent.

    Our interpretation (SPEC is silent): an adult dependent (18-23 in full-time study) is
    offered personally; a minor's offer goes to the surviving parent on record; None when a
    minor has none (the case stays visible as no_contact).
    """
    return _self_or_representative(dependent_iin, born, surviving_parent_iin, on)


def burial_addressee(declarant_iin: str) -> str:
    """Whom the burial offer goes to: the person who registered the death.

    SPEC Interpretation: the declarant, whom the registry feed carries; a declarant with no
    phone registered for e-government still gets a case, kept visible as no_contact.
    """
    return declarant_iin


# ---------------------------------------------------------------- pre-screening
#
# SPEC Interpretation "Offer only what the registries already allow": before any message,
# every acceptance check whose data the registries hold runs on the event's facts, and the
# offer states what a consent given that day would be assigned ("The amount offered is the
# amount decided"). Both come from one place: the decision a case file built on the day of
# the offer would get (`domain.decisions.decide`), so the offer and the decision cannot
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


def _terms(file: CaseFile, now: datetime) -> Decision | None:
    """The decision a consent on the day of `file` would get; None without parameters."""
    try:
        return decide(file, now)
    except ParameterUnavailable:
        return None  # no amount in force that day: domain.decisions.decide says why


def screen_disability(facts: DisabilityFacts, now: datetime) -> Screening:
    """The disability benefit: to the person, or to a child's representative (p.4, p.20-1)."""
    on = local_date(now)
    file = CaseFile(
        service=Service.DISABILITY,
        consent_on=on,
        disability=facts.record,
        benefits_paid=facts.benefits_paid,
    )
    return Screening(
        service=Service.DISABILITY,
        subject_iin=facts.iin,
        addressee_iin=disability_addressee(facts.iin, facts.born, facts.representative_iin, on),
        path=decision_path(Service.DISABILITY, facts.record.cause),
        terms=_terms(file, now),
    )


def _burial(facts: BurialFacts, deceased: str, now: datetime) -> Screening:
    """The burial payment to the declarant, if burial p.13 checks 1-5 pass today."""
    file = CaseFile(service=Service.BURIAL, consent_on=local_date(now), burial=facts)
    return Screening(
        service=Service.BURIAL,
        subject_iin=deceased,
        addressee_iin=None
        if facts.declarant_iin is None
        else burial_addressee(facts.declarant_iin),
        path=decision_path(Service.BURIAL),
        terms=_terms(file, now),
    )


def survivor_recipients(facts: SurvivorFacts, on: date) -> dict[str, tuple[str, ...]]:
    """The dependents each recipient receives for, by the recipient's IIN (survivor p.7).

    The deceased's children under 23 on the date of death are looked at, dependents or not
    (an adult child not in full-time study is told apart as not offered). Each is received
    for by themself as an adult on `on`, or by the surviving parent or guardian on record;
    a minor with nobody on record keeps their own IIN as the key (nobody can be reached).
    """
    groups: dict[str, list[str]] = {}
    for child in facts.dependents:
        age = full_years(child.birth_date, facts.died_on)
        if not 0 <= age < survivor.STUDY_LIMIT:
            continue
        to = survivor_addressee(child.iin, child.birth_date, child.represented_by, on)
        groups.setdefault(to or child.iin, []).append(child.iin)
    return {to: tuple(iins) for to, iins in sorted(groups.items())}


def _survivor(facts: SurvivorFacts, deceased: str, now: datetime) -> list[Screening]:
    """One survivor case per recipient, paid the shares of the dependents they receive for."""
    on = local_date(now)
    screened = []
    for to, received_for in survivor_recipients(facts, on).items():
        mine = facts.model_copy(update={"received_for": received_for})
        file = CaseFile(service=Service.SURVIVOR, consent_on=on, survivor=mine)
        screened.append(
            Screening(
                service=Service.SURVIVOR,
                subject_iin=deceased,
                addressee_iin=to,
                path=decision_path(Service.SURVIVOR),
                terms=_terms(file, now),
                received_for=received_for,
            )
        )
    return screened


def screen_death(facts: DeathFacts, now: datetime) -> list[Screening]:
    """The burial payment to the declarant and the survivor benefit to each recipient."""
    deceased = facts.burial.deceased_iin or ""
    return [_burial(facts.burial, deceased, now), *_survivor(facts.survivor, deceased, now)]


def screen(facts: DisabilityFacts | DeathFacts, now: datetime) -> list[Screening]:
    """Every case an event gives, offered or not, with its terms (SPEC pre-screening)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if isinstance(facts, DisabilityFacts):
        return [screen_disability(facts, now)]
    return screen_death(facts, now)
