"""The one-time burial payment (жерлеуге арналған біржолғы төлем), declared: offered to the
person who registered the death, decided automatically in one working day (burial p.19-1).
The rules themselves are `domain.services.burial`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from domain.benefits.declaration import Benefit
from domain.calendar import local_date
from domain.cases import Case, CaseState
from domain.decisions import CaseFile, Decision, Periodicity, assign, reason, refuse
from domain.model import BurialCheck, ReasonCode, Service, Trigger
from domain.screening import DeathFacts, DecisionPath, Screening, terms
from domain.services import burial

DECISION_BASIS = "burial p.19-1"
REASON_OF_CHECK: dict[BurialCheck, ReasonCode] = {
    BurialCheck.DATA_COMPLETE: ReasonCode.DATA_MISSING,
    BurialCheck.NOT_ALREADY_ASSIGNED: ReasonCode.BURIAL_ALREADY_ASSIGNED,
    BurialCheck.NOT_ALREADY_FILED: ReasonCode.BURIAL_ALREADY_FILED,
    BurialCheck.RECIPIENT_ON_DEATH: ReasonCode.DECEASED_NOT_A_RECIPIENT,
    BurialCheck.WITHIN_THREE_YEARS: ReasonCode.BURIAL_TOO_LATE,
}


def addressee(declarant_iin: str) -> str:
    """Whom the burial offer goes to: the person who registered the death.

    SPEC Interpretation: the declarant, whom the registry feed carries; a declarant with no
    phone registered for e-government still gets a case, kept visible as no_contact.
    """
    return declarant_iin


PENDING_NOT = frozenset({CaseState.WITHDRAWN, CaseState.REFUSED})  # closed without payment


def filed_before(mine: Case, others: Iterable[Case]) -> bool:
    """burial p.13(3): another of our applications for the same deceased is pending and was
    registered first (by registration time, then case id), so this one is a second filing.

    One not accepted, withdrawn or refused is not pending; nor is one never registered.
    """
    for other in others:
        theirs = other.registered_at
        rejected = other.accepted is False or other.state in PENDING_NOT
        if other.id == mine.id or theirs is None or rejected:
            continue
        if mine.registered_at is None or (theirs, other.id) < (mine.registered_at, mine.id):
            return True
    return False


def path(_variant: str | None = None) -> DecisionPath:
    """burial p.19-1: automatic, within 1 working day (App.2 row 3)."""
    return DecisionPath(automatic=True, term_working_days=burial.DECISION_TERM_WORKING_DAYS)


def decide(case_file: CaseFile, now: datetime) -> Decision:
    """Assign the payment when burial p.13 checks 1-5 pass on the consent date, else refuse
    with a reason per failed check."""
    facts = case_file.burial
    if facts is None:  # burial p.19-1: the case file lacks the data
        missing = (reason(ReasonCode.DATA_MISSING, "burial p.19-1"),)
        return refuse(case_file, now, missing, DECISION_BASIS)
    failed = burial.failed_checks(facts, case_file.consent_on)
    if failed:
        reasons = tuple(reason(REASON_OF_CHECK[r.check], r.basis) for r in failed)
        return refuse(case_file, now, reasons, DECISION_BASIS)
    # Interpretation AMOUNT_DATE: the one-time payment uses the MRP on the application date.
    amount = burial.amount_detail(case_file.consent_on)
    on = case_file.consent_on
    return assign(case_file, now, amount, on, Periodicity.ONE_TIME, DECISION_BASIS)


def screen(facts: DeathFacts, now: datetime) -> list[Screening]:
    """The payment to the declarant, if burial p.13 checks 1-5 pass today."""
    declarant = facts.burial.declarant_iin
    file = CaseFile(service=Service.BURIAL, consent_on=local_date(now), burial=facts.burial)
    return [
        Screening(
            service=Service.BURIAL,
            subject_iin=facts.burial.deceased_iin or "",
            addressee_iin=None if declarant is None else addressee(declarant),
            path=path(),
            terms=terms(file, now, decide),
        )
    ]


def acceptance_failures(case_file: CaseFile) -> tuple[str, ...]:
    """burial p.13 checks 1-5 that fail on the consent date (p.16: the notice of acceptance
    or of non-acceptance follows them)."""
    if case_file.burial is None:
        return ()
    return tuple(
        r.check.value for r in burial.failed_checks(case_file.burial, case_file.consent_on)
    )


def checks_run(case_file: CaseFile) -> tuple[burial.CheckResult, ...]:
    """burial p.13 checks 1-5 on the consent date, each passed or not, with its basis."""
    if case_file.burial is None:
        return ()
    return burial.run_checks(case_file.burial, case_file.consent_on)


BENEFIT = Benefit(
    service=Service.BURIAL,
    trigger=Trigger.DEATH_REGISTERED,
    periodicity=Periodicity.ONE_TIME,
    decision_basis=DECISION_BASIS,
    case_file=("burial",),
    screen=screen,
    decide=decide,
    path=path,
    acceptance_failures=acceptance_failures,
    checks_run=checks_run,
)
