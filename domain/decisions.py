"""The case file (ЭІМ / ЭМД) and the decision on it: assign with amount and start date, or
refuse with reasons.

burial p.19-1 and disability p.21-1: the case file and the draft decision are formed
automatically; when the case file lacks data needed to decide, or has wrong data, a
refusal is formed. Each benefit decides its own case files (`domain.benefits`); this module
holds what every decision is made of.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.model import GROUND_OF, ReasonCode, RefusalGround, Service
from domain.parameters import Amount, Parameter
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


def refuse(
    case_file: CaseFile, now: datetime, reasons: tuple[Reason, ...], basis: str
) -> Decision:
    """A refusal of the case for `reasons`; `basis` is the paragraph the decision rests on."""
    return Decision(
        service=case_file.service,
        outcome=Outcome.REFUSE,
        decided_at=now,
        reasons=reasons,
        basis=basis,
    )


def assign(  # noqa: PLR0913 (the parts of an assignment, each named)
    case_file: CaseFile,
    now: datetime,
    amount: Amount,
    start: date,
    periodicity: Periodicity,
    basis: str,
    *,
    family: FamilyShare | None = None,
) -> Decision:
    """An assignment of `amount` (or of the family's share) from `start`."""
    return Decision(
        service=case_file.service,
        outcome=Outcome.ASSIGN,
        decided_at=now,
        amount=amount.value if family is None else family.amount,
        start=start,
        periodicity=periodicity,
        parameters=amount.basis,
        family=family,
        basis=basis,
    )
