"""The state social benefit for disability (мүгедектігі бойынша мемлекеттік әлеуметтік
жәрдемақы), declared: offered to the person with disability (or a child's representative),
decided automatically for a general illness or a work injury (disability p.20-1, p.21-1,
p.24), by a reviewer otherwise. The rules themselves are `domain.services.disability`."""

from __future__ import annotations

from datetime import date, datetime

from domain.benefits.declaration import Benefit
from domain.calendar import local_date
from domain.decisions import CaseFile, Decision, Periodicity, assign, reason, refuse
from domain.model import ReasonCode, Service, Trigger
from domain.screening import (
    DecisionPath,
    DisabilityFacts,
    Screening,
    self_or_representative,
    terms,
)
from domain.services import disability

DECISION_BASIS = "disability p.21-1, p.24"


def addressee(person_iin: str, born: date, representative_iin: str | None, on: date) -> str | None:
    """Whom the disability offer goes to: the person, or for a child the representative.

    SPEC Interpretation: for a child under 18, the legal representative recorded with the
    disability (parent or guardian); None when a child has no representative recorded.
    """
    return self_or_representative(person_iin, born, representative_iin, on)


def path(cause: str | None) -> DecisionPath:
    """disability p.20-1, p.21-1, p.24: automatic in 1 working day for the causes the
    order lets a system decide, else a reviewer within 7."""
    if cause is None:
        raise ValueError("the disability decision path depends on the cause")
    return DecisionPath(
        automatic=disability.is_automatic(cause), term_working_days=disability.decision_term(cause)
    )


def decide(case_file: CaseFile, now: datetime) -> Decision:
    """Assign the monthly benefit from its start date, or refuse: no data, wrong data, no
    disability in force then, or the benefit already paid."""
    record = case_file.disability
    if record is None:  # disability p.21-1: the case file lacks the data
        reasons = (reason(ReasonCode.DATA_MISSING, "disability p.21-1"),)
        return refuse(case_file, now, reasons, DECISION_BASIS)
    if not record.has_consistent_group():  # disability p.21-1: wrong data
        reasons = (reason(ReasonCode.DATA_INCORRECT, "disability p.21-1"),)
        return refuse(case_file, now, reasons, DECISION_BASIS)
    start = disability.benefit_start(record.established_on, case_file.consent_on)
    if not record.in_force_on(start):  # disability p.4: no disability established then
        reasons = (reason(ReasonCode.DISABILITY_NOT_ESTABLISHED, "disability p.4"),)
        return refuse(case_file, now, reasons, DECISION_BASIS)
    if disability.already_paid(record, case_file.benefits_paid, case_file.consent_on):
        code = ReasonCode.DISABILITY_ALREADY_ASSIGNED  # disability p.20-1: the checks
        reasons = (reason(code, disability.ALREADY_PAID_BASIS),)
        return refuse(case_file, now, reasons, DECISION_BASIS)
    # Interpretation AMOUNT_DATE: monthly benefits use the parameters on the start date.
    amount = disability.monthly_amount_detail(record.group, record.cause, start)
    return assign(case_file, now, amount, start, Periodicity.MONTHLY, DECISION_BASIS)


def screen(facts: DisabilityFacts, now: datetime) -> list[Screening]:
    """The benefit to the person, or to a child's representative (p.4, p.20-1)."""
    on = local_date(now)
    file = CaseFile(
        service=Service.DISABILITY,
        consent_on=on,
        disability=facts.record,
        benefits_paid=facts.benefits_paid,
    )
    return [
        Screening(
            service=Service.DISABILITY,
            subject_iin=facts.iin,
            addressee_iin=addressee(facts.iin, facts.born, facts.representative_iin, on),
            path=path(facts.record.cause),
            terms=terms(file, now, decide),
        )
    ]


def acceptance_failures(case_file: CaseFile) -> tuple[str, ...]:
    """disability p.20-1: the benefit already paid for this establishment."""
    if case_file.disability is None:
        return ()
    return disability.failed_checks(
        case_file.disability, case_file.benefits_paid, case_file.consent_on
    )


BENEFIT = Benefit(
    service=Service.DISABILITY,
    trigger=Trigger.DISABILITY_ESTABLISHED,
    periodicity=Periodicity.MONTHLY,
    decision_basis=DECISION_BASIS,
    case_file=("disability", "benefits_paid"),
    screen=screen,
    decide=decide,
    path=path,
    acceptance_failures=acceptance_failures,
)
