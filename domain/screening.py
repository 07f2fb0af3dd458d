"""Screening a registry event: who is offered the service, and is it decided automatically."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from domain.dates import full_years
from domain.model import Service
from domain.services import burial, disability, survivor

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
