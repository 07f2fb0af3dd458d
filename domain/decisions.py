"""Case file (ЭІМ / ЭМД) → decision: assign with amount and start date, or refuse with reasons.

burial p.19-1 and disability p.21-1: the case file and the draft decision are formed
automatically; when the case file lacks data needed to decide, or has wrong data, a
refusal is formed. A reviewer's decision on the survivor benefit uses the same function.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.model import GROUND_OF, BurialCheck, ReasonCode, RefusalGround, Service
from domain.parameters import Amount, Parameter
from domain.services import burial, disability, survivor
from domain.services.burial import BurialFacts, PaymentPeriod
from domain.services.disability import DisabilityRecord
from domain.services.survivor import FamilyShare, SurvivorFacts

# App.2/3/4 row 9: the grounds of refusal.
GROUND_BASIS: dict[RefusalGround, str] = {
    RefusalGround.UNRELIABLE_DATA: "App.2/3/4 row 9(1)",
    RefusalGround.NOT_ELIGIBLE: "App.2/3/4 row 9(2)",
    RefusalGround.NO_CONSENT: "App.2/3/4 row 9(3)",
}
# disability p.34, survivor p.34; Law on Public Services art. 25 p.2.
APPEAL_BASIS = "disability p.34, survivor p.34; Law on Public Services art. 25 p.2"

DECISION_BASIS: dict[Service, str] = {
    Service.BURIAL: "burial p.19-1",
    Service.DISABILITY: "disability p.21-1, p.24",
    Service.SURVIVOR: "survivor p.24",
}

REASON_OF_CHECK: dict[BurialCheck, ReasonCode] = {
    BurialCheck.DATA_COMPLETE: ReasonCode.DATA_MISSING,
    BurialCheck.NOT_ALREADY_ASSIGNED: ReasonCode.BURIAL_ALREADY_ASSIGNED,
    BurialCheck.NOT_ALREADY_FILED: ReasonCode.BURIAL_ALREADY_FILED,
    BurialCheck.RECIPIENT_ON_DEATH: ReasonCode.DECEASED_NOT_A_RECIPIENT,
    BurialCheck.WITHIN_THREE_YEARS: ReasonCode.BURIAL_TOO_LATE,
}


class Outcome(StrEnum):
    """Assignment or refusal (тағайындау / тағайындаудан бас тарту)."""

    ASSIGN = "assign"
    REFUSE = "refuse"


class Periodicity(StrEnum):
    """How the assigned amount is paid."""

    ONE_TIME = "one_time"
    MONTHLY = "monthly"


class Reason(BaseModel):
    """One reason of a refusal: its code, the refusal ground and the legal basis."""

    model_config = ConfigDict(frozen=True)

    code: ReasonCode
    ground: RefusalGround
    basis: str


class CaseFile(BaseModel):
    """The facts a decision rests on (ЭІМ / ЭМД); a missing section is data the registry lacks."""

    model_config = ConfigDict(frozen=True)

    service: Service
    consent_on: date
    consent_in_force: bool = True
    burial: BurialFacts | None = None
    disability: DisabilityRecord | None = None
    # disability: the state social benefits the person receives on the consent date
    # (pensions registry and our own payment orders), for disability.already_paid
    benefits_paid: tuple[PaymentPeriod, ...] = ()
    survivor: SurvivorFacts | None = None


class Decision(BaseModel):
    """A decision on a case, ready to be signed by the authorised person."""

    model_config = ConfigDict(frozen=True)

    service: Service
    outcome: Outcome
    decided_at: datetime
    amount: Decimal | None = None
    start: date | None = None
    periodicity: Periodicity | None = None
    parameters: tuple[Parameter, ...] = ()
    family: FamilyShare | None = None  # survivor: N, the family amount and the shares
    reasons: tuple[Reason, ...] = ()
    basis: str
    appeal_basis: str = APPEAL_BASIS

    @property
    def parameters_verified(self) -> bool:
        """True when every parameter behind the amount was verified."""
        return all(p.verified for p in self.parameters)


def reason(code: ReasonCode, basis: str) -> Reason:
    """A refusal reason under the ground its code belongs to."""
    return Reason(code=code, ground=GROUND_OF[code], basis=basis)


def _refuse(case_file: CaseFile, now: datetime, reasons: tuple[Reason, ...]) -> Decision:
    basis = DECISION_BASIS[case_file.service]
    return Decision(
        service=case_file.service,
        outcome=Outcome.REFUSE,
        decided_at=now,
        reasons=reasons,
        basis=basis,
    )


def _assign(
    case_file: CaseFile,
    now: datetime,
    amount: Amount,
    start: date,
    periodicity: Periodicity,
    family: FamilyShare | None = None,
) -> Decision:
    return Decision(
        service=case_file.service,
        outcome=Outcome.ASSIGN,
        decided_at=now,
        amount=amount.value if family is None else family.amount,
        start=start,
        periodicity=periodicity,
        parameters=amount.basis,
        family=family,
        basis=DECISION_BASIS[case_file.service],
    )


def _decide_burial(case_file: CaseFile, now: datetime) -> Decision:
    facts = case_file.burial
    if facts is None:  # burial p.19-1: the case file lacks the data
        return _refuse(case_file, now, (reason(ReasonCode.DATA_MISSING, "burial p.19-1"),))
    failed = burial.failed_checks(facts, case_file.consent_on)
    if failed:
        reasons = tuple(reason(REASON_OF_CHECK[r.check], r.basis) for r in failed)
        return _refuse(case_file, now, reasons)
    # Interpretation AMOUNT_DATE: the one-time payment uses the MRP on the application date.
    amount = burial.amount_detail(case_file.consent_on)
    return _assign(case_file, now, amount, case_file.consent_on, Periodicity.ONE_TIME)


def _decide_disability(case_file: CaseFile, now: datetime) -> Decision:
    record = case_file.disability
    if record is None:  # disability p.21-1: the case file lacks the data
        return _refuse(case_file, now, (reason(ReasonCode.DATA_MISSING, "disability p.21-1"),))
    if not record.has_consistent_group():  # disability p.21-1: wrong data
        return _refuse(case_file, now, (reason(ReasonCode.DATA_INCORRECT, "disability p.21-1"),))
    start = disability.benefit_start(record.established_on, case_file.consent_on)
    if not record.in_force_on(start):  # disability p.4: no disability established then
        code = ReasonCode.DISABILITY_NOT_ESTABLISHED
        return _refuse(case_file, now, (reason(code, "disability p.4"),))
    if disability.already_paid(record, case_file.benefits_paid, case_file.consent_on):
        code = ReasonCode.DISABILITY_ALREADY_ASSIGNED  # disability p.20-1: the checks
        return _refuse(case_file, now, (reason(code, disability.ALREADY_PAID_BASIS),))
    # Interpretation AMOUNT_DATE: monthly benefits use the parameters on the start date.
    amount = disability.monthly_amount_detail(record.group, record.cause, start)
    return _assign(case_file, now, amount, start, Periodicity.MONTHLY)


def _decide_survivor(case_file: CaseFile, now: datetime) -> Decision:
    facts = case_file.survivor
    if facts is None:
        return _refuse(case_file, now, (reason(ReasonCode.DATA_MISSING, "survivor p.6"),))
    # Interpretation: the right arises on the date of death.
    start = survivor.benefit_start(facts.died_on, case_file.consent_on)
    paid_for = facts.paid_for(start)
    if not paid_for:  # survivor p.7: nobody this recipient receives for counts
        code = ReasonCode.NO_ELIGIBLE_DEPENDENTS
        return _refuse(case_file, now, (reason(code, "survivor p.7"),))
    # SPEC Interpretation "one benefit per family": the multiple by N at the death, the
    # subsistence minimum of the start date's year, one share per dependent paid for.
    amount = survivor.monthly_amount_detail(facts.count, start)
    family = survivor.family_share(facts.count, paid_for, start)
    return _assign(case_file, now, amount, start, Periodicity.MONTHLY, family)


def decide(case_file: CaseFile, now: datetime) -> Decision:
    """Decide a case from its case file: assign, or refuse with reasons and their bases.

    Raises ParameterUnavailable when no amount is in force on the start date (before 2024,
    earlier than any start this order allows): no refusal ground fits, so the shell hands
    such a case to a reviewer rather than refusing it.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if not case_file.consent_in_force:  # App.2/3/4 row 9(3): no consent
        code = ReasonCode.CONSENT_WITHDRAWN
        return _refuse(case_file, now, (reason(code, GROUND_BASIS[GROUND_OF[code]]),))
    deciders = {
        Service.BURIAL: _decide_burial,
        Service.DISABILITY: _decide_disability,
        Service.SURVIVOR: _decide_survivor,
    }
    return deciders[case_file.service](case_file, now)
