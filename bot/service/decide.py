"""Acceptance checks, the case file, the signed decision and its payment order.

A registered case's decision timer fires at once: the acceptance checks run on fresh
registry data (burial p.13, p.16), then — on the automatic path — the case file is built,
`domain.decisions.decide` forms the decision, the authorised person's key signs it, and
`domain.conversation.step` places the payment order and tells the citizen. A registry that
does not answer is not missing data: the timer is set a minute later and nothing is refused.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from bot.evidence.signing import Signer, canonical, digest, sign_decision, sign_notice
from bot.ports import Clock, Storage, UnitOfWork
from bot.records import CaseRecord, DecisionRecord, TimerKind
from bot.registries.errors import NotFound, Retriable
from bot.registries.port import RegistryClient
from bot.service.batches import drain
from bot.service.effects import Turn, carry_out, read_ahead_cases
from bot.service.screening import (
    disability_record,
    periods,
    registry_burial_facts,
    running_benefits,
    survivor_facts,
)
from domain import intents
from domain.benefits import benefit, decide
from domain.benefits.burial import filed_before
from domain.benefits.survivor import recipients
from domain.calendar import local_date
from domain.cases import FINAL, CaseState
from domain.conversation import step
from domain.decisions import GROUND_BASIS, CaseFile, Decision, Outcome, reason
from domain.model import GROUND_OF, ReasonCode, Service
from domain.parameters import ParameterUnavailable
from domain.services.burial import BurialFacts, PaymentPeriod
from domain.services.disability import DisabilityRecord
from domain.services.survivor import SurvivorFacts

log = logging.getLogger(__name__)
RETRY_AFTER = timedelta(minutes=1)
HANDLED_STATES = frozenset({CaseState.REGISTERED, CaseState.UNDER_REVIEW})


BATCH = 200  # decision timers fired in one transaction at most
# With instances sharing the database, an instance claims the decisions it can make in about
# CLAIM_SECONDS (by the time its recent decisions took) and leaves the rest of a step's to the
# others, which take them at once: a decision waiting on slow registries is claimed two at a
# time, one that takes a few milliseconds of CPU a hundred at a time, so a single instance
# pays no transaction per decision for a sharing it does not need.
CLAIM_SECONDS = 0.25
CLAIM_MIN = 2
PACE_WEIGHT = 0.2  # of the latest decision in the moving average of their durations


def final_states() -> frozenset[CaseState]:
    """The states a case ends in."""
    return FINAL


async def _others_filed(uow: UnitOfWork, record: CaseRecord) -> bool:
    """Another burial application of ours for the same deceased was registered first."""
    others = await uow.cases.about(record.subject_iin, Service.BURIAL)
    return filed_before(record.case, [other.case for other in others])


async def burial_facts(
    uow: UnitOfWork, registries: RegistryClient, record: CaseRecord
) -> BurialFacts:
    """What the registries (and our own journal) say about a death, for burial p.13."""
    facts = await registry_burial_facts(registries, record.subject_iin, record.addressee_iin)
    if facts.died_on is None:
        return facts
    ours = await uow.payments.burial_for(record.subject_iin)
    return facts.model_copy(
        update={
            "already_assigned": facts.already_assigned or ours is not None,
            "already_filed": facts.already_filed or await _others_filed(uow, record),
        }
    )


async def _benefits_paid(
    uow: UnitOfWork, registries: RegistryClient, record: CaseRecord, on: date
) -> tuple[PaymentPeriod, ...]:
    """The state social benefits the person receives on `on`: the pensions registry's and
    the disability benefits we placed for payment on other cases."""
    ours = await uow.payments.of_subjects(Service.DISABILITY.value, [record.subject_iin])
    placed = running_benefits(o for o in ours if o.case_id != record.case.id)
    return periods(await registries.payments_on(record.subject_iin, on)) + placed


async def _disability(
    uow: UnitOfWork, registries: RegistryClient, record: CaseRecord, _on: date
) -> DisabilityRecord | None:
    """The person's latest disability; None when the registry holds none."""
    try:
        return disability_record(await registries.disability(record.subject_iin))
    except NotFound:
        return None


async def _survivor(
    uow: UnitOfWork, registries: RegistryClient, record: CaseRecord, _on: date
) -> SurvivorFacts | None:
    """The death and the children, with the dependents this case's addressee receives for
    (kept since the offer; a case opened before they were kept finds them as screening
    groups them)."""
    facts = await survivor_facts(registries, record.subject_iin)
    if facts is None:
        return None
    received_for = record.received_for
    if not received_for:
        groups = recipients(facts, local_date(record.created_at))
        received_for = groups.get(record.addressee_iin, ())
    return facts.model_copy(update={"received_for": received_for})


async def _burial(
    uow: UnitOfWork, registries: RegistryClient, record: CaseRecord, _on: date
) -> BurialFacts:
    return await burial_facts(uow, registries, record)


Section = Callable[[UnitOfWork, RegistryClient, CaseRecord, date], Awaitable[Any]]
# How each section of a case file is read, by its name in `CaseFile`: a reader per kind of
# fact, whichever benefit declares it needs it (`Benefit.case_file`).
SECTIONS: dict[str, Section] = {
    "burial": _burial,
    "disability": _disability,
    "benefits_paid": _benefits_paid,
    "survivor": _survivor,
}


async def case_file(uow: UnitOfWork, registries: RegistryClient, record: CaseRecord) -> CaseFile:
    """The case file (ЭІМ / ЭМД): every registry fact the decision rests on, the sections
    its benefit declares."""
    case = record.case
    assert case.consent_at is not None  # a registered case was consented to
    consent_on = local_date(case.consent_at)
    sections = {
        name: await SECTIONS[name](uow, registries, record, consent_on)
        for name in benefit(case.service).case_file
    }
    return CaseFile(
        service=case.service,
        consent_on=consent_on,
        consent_in_force=case.state in HANDLED_STATES,
        **sections,
    )


def snapshot(file: CaseFile, decision: Decision, fetched_at: datetime) -> dict[str, Any]:
    """The case file as kept: facts, when fetched, checks run, parameters with their marks."""
    run = benefit(file.service).checks_run
    checks = [] if run is None else [r.model_dump(mode="json") for r in run(file)]
    family = None if decision.family is None else decision.family.model_dump(mode="json")
    return {
        "facts": file.model_dump(mode="json"),
        "fetched_at": fetched_at.isoformat(),
        "source": "state registries through the registry client",
        "checks": checks,
        "parameters": [p.model_dump(mode="json") for p in decision.parameters],
        "family": family,  # survivor: N, the family amount, the share and whom it pays for
    }


async def _check(
    uow: UnitOfWork, registries: RegistryClient, record: CaseRecord, now: datetime
) -> None:
    """Run the benefit's acceptance checks on the case file and report them to the
    conversation."""
    checks = benefit(record.case.service).acceptance_failures
    failures = () if checks is None else checks(await case_file(uow, registries, record))
    turn = Turn(now=now, ref=f"checked:{record.case.id}")
    case, effects = step(record.case, intents.ApplicationChecked(failures=failures), now)
    await carry_out(uow, record, case, effects, turn)


class FamilyOverpaid(ValueError):
    """An assignment would take a deceased's survivor orders over the family amount."""


async def _within_family(uow: UnitOfWork, record: CaseRecord, decision: Decision) -> None:
    """Refuse to sign an assignment that the family amount has no room for.

    By construction shares never sum over it (SPEC "one benefit per family"); the payments
    queue holds the same bound in the transaction of the payment itself.
    """
    family = decision.family
    if family is None or decision.outcome is not Outcome.ASSIGN or decision.amount is None:
        return
    so_far = await uow.payments.family_paid(record.subject_iin)
    cap, paid = so_far or (family.family_amount, Decimal(0))
    bound = max(cap, family.family_amount)  # as the payments queue raises it (largest year)
    if paid + decision.amount > bound:
        raise FamilyOverpaid(
            f"case {record.case.id}: {decision.amount} a month on top of {paid} already placed"
            f" would exceed the family amount {bound}"
        )


def claim_for(pace: float) -> int:
    """The decisions to claim at once, sharing them with other instances, when each took
    `pace` seconds lately: what fits in about CLAIM_SECONDS, CLAIM_MIN to BATCH (CLAIM_MIN
    before any was timed)."""
    if pace <= 0:
        return CLAIM_MIN
    return max(CLAIM_MIN, min(BATCH, int(CLAIM_SECONDS / pace)))


class Decider:
    """Checks and decides registered cases, signing with the authorised person's key."""

    def __init__(
        self,
        storage: Storage,
        registries: RegistryClient,
        signer: Signer,
        clock: Clock,
        shared: bool = False,
    ) -> None:
        self.storage, self.registries, self.signer, self.clock = storage, registries, signer, clock
        self.shared = shared  # other instances share the database and its decisions
        self.pace = 0.0  # seconds a decision took lately (a moving average; 0: none yet)

    @property
    def claim(self) -> int:
        """How many due decisions one transaction takes: BATCH alone on the database; with
        others, `claim_for` the pace of this instance's recent decisions."""
        return claim_for(self.pace) if self.shared else BATCH

    def _paced(self, seconds: float) -> None:
        self.pace = seconds if self.pace <= 0 else (
            PACE_WEIGHT * seconds + (1 - PACE_WEIGHT) * self.pace)  # fmt: skip

    async def decide_now(
        self,
        uow: UnitOfWork,
        record: CaseRecord,
        now: datetime,
        decided_by: str = "automatic",
        override: Decision | None = None,
        file: CaseFile | None = None,
    ) -> None:
        """Build the case file (or take the one a reviewer's decision rests on), decide (or
        take the reviewer's decision), sign, carry it out."""
        file = file or await case_file(uow, self.registries, record)
        decision = override or decide(file, now)
        await _within_family(uow, record, decision)
        kept = snapshot(file, decision, now)
        signed = sign_decision(self.signer, decision, kept)
        saved = await uow.decisions.save(
            DecisionRecord(
                case_id=record.case.id,
                outcome=decision.outcome.value,
                signed=signed.model_dump(mode="json"),
                case_file=kept,
                case_file_sha256=digest(canonical(kept)),
                decided_at=now,
                decided_by=decided_by,
            )
        )
        if not saved:
            return  # decided before: nothing more to do
        turn = Turn(now=now, ref=f"decided:{record.case.id}", actor=decided_by)
        case, effects = step(record.case, intents.Decided(decision=decision), now)
        await carry_out(uow, record, case, effects, turn)

    async def _certify_acceptance(self, uow: UnitOfWork, case_id: str) -> None:
        """Certify the notice of acceptance with the authorised body's key (burial p.16)."""
        sent = [m for m in await uow.outbox.for_case(case_id) if m.template_id == "accepted"]
        if sent:
            signature = sign_notice(self.signer, sent[-1].text, case_id, "accepted")
            await uow.journal.certify(case_id, signature.model_dump(mode="json"))

    async def on_timer(self, case_id: str, now: datetime) -> None:
        """The decision timer of a case, in a transaction of its own."""
        async with self.storage.unit_of_work() as uow:
            await self.fire(uow, case_id, now)
            await uow.commit()

    async def fire(self, uow: UnitOfWork, case_id: str, now: datetime) -> None:
        """The decision timer of a case: check, or decide, or wait for a registry."""
        record = await uow.cases.get(case_id)
        await uow.timers.clear(case_id, TimerKind.DECIDE)
        if record is None or record.case.state not in HANDLED_STATES:
            return
        try:
            if record.case.accepted is None:
                await _check(uow, self.registries, record, now)
                await self._certify_acceptance(uow, case_id)
            elif record.case.automatic and record.case.state is CaseState.REGISTERED:
                await self.decide_now(uow, record, now)
        except Retriable as error:
            log.warning("a registry did not answer; the case waits a minute: %s", error)
            await uow.timers.set(case_id, TimerKind.DECIDE, now + RETRY_AFTER)
        except (ParameterUnavailable, FamilyOverpaid) as error:
            # domain.decisions.decide: no refusal ground fits; the case stays registered
            # for a person (`cases --overdue` shows it) and the tick goes on
            log.error("case %s cannot be decided automatically: %s", case_id, error)

    async def sweep(self, now: datetime) -> int:
        """Fire every decision timer due now, a batch per transaction; the number fired."""

        async def due(uow: UnitOfWork) -> list[str]:
            due = await uow.timers.due(now, self.claim, frozenset({TimerKind.DECIDE}))
            return [case_id for case_id, _ in due]

        async def fire(uow: UnitOfWork, case_id: str) -> None:
            started = time.monotonic()
            await self.fire(uow, case_id, now)
            self._paced(time.monotonic() - started)

        return await drain(self.storage, due, fire, read_ahead_cases)


class ReviewRefused(ValueError):
    """A reviewer's decision the case does not allow; the message says why."""


def refusal(case_file: CaseFile, code: ReasonCode, now: datetime) -> Decision:
    """A reviewer's refusal for one reason, under its ground, with the appeal right."""
    basis = GROUND_BASIS[GROUND_OF[code]]
    return Decision(
        service=case_file.service,
        outcome=Outcome.REFUSE,
        decided_at=now,
        reasons=(reason(code, basis),),
        basis=benefit(case_file.service).decision_basis,
    )


async def review(
    decider: Decider, case_id: str, *, assign: bool, code: ReasonCode | None, reviewer: str
) -> Decision:
    """A reviewer decides a case under review through the same signing and payment path.

    Assigning takes the amount and start date the law gives for the case file; a case file
    that supports no assignment is refused with ReviewRefused, naming the reasons.
    """
    now = await decider.clock.now()
    async with decider.storage.unit_of_work() as uow:
        record = await uow.cases.get(case_id)
        if record is None or record.case.state is not CaseState.UNDER_REVIEW:
            raise ReviewRefused(f"case {case_id} is not under review")
        file = await case_file(uow, decider.registries, record)
        if assign:
            decision = decide(file, now)
            if decision.outcome is not Outcome.ASSIGN:
                codes = ", ".join(r.code.value for r in decision.reasons)
                raise ReviewRefused(f"the case file supports no assignment: {codes}")
        else:
            if code is None:
                raise ReviewRefused("a refusal needs a reason code")
            decision = refusal(file, code, now)
        try:
            await decider.decide_now(uow, record, now, reviewer, decision, file)
        except FamilyOverpaid as error:
            raise ReviewRefused(str(error)) from error
        await uow.commit()
    return decision
