"""Intake: the registries' feed, read by cursor, becomes cases and their offers.

Each event is screened with `domain` (which service, who is offered) and every case it
gives is opened, with its offer queued and the cursor moved, in one transaction. A re-read
feed finds its cases already there and creates nothing. A registry that does not answer
stops intake at that event; the next tick tries again from the same cursor.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from bot.effects import Turn, carry_out, record_consent
from bot.ports import Clock, Storage, UnitOfWork
from bot.records import CaseRecord, ConsentAct, OperatorTask
from bot.screening import Proposal, proposals
from domain.banking import Iban, InvalidIban, parse_iban
from domain.calendar import local_date
from domain.cases import Case, CaseState
from domain.conversation import open_case
from domain.model import Language
from fake_registries.client import RegistryClient
from fake_registries.errors import NotFound
from fake_registries.models import Event, Person

log = logging.getLogger(__name__)
PAGE = 200


class Addressee(BaseModel):
    """Whom an offer goes to, as the population registry knows them."""

    model_config = ConfigDict(frozen=True)

    iin: str
    phone: str | None
    language: Language | None
    account: Iban | None


def case_id(event: Event, proposal: Proposal) -> str:
    """A stable id per (event, service, person), free of personal data."""
    key = f"{event.source_event_id}|{proposal.service.value}|{proposal.addressee_iin}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


async def _code(uow: UnitOfWork, phone: str | None, seed: str) -> str:
    """Three digits, unique among the phone's cases, derived from the case id."""
    taken = set() if phone is None else {r.code for r in await uow.cases.for_phone(phone)}
    number = int(seed, 16) % 900
    while str(100 + number) in taken:
        number = (number + 1) % 900
    return str(100 + number)


async def _account(registries: RegistryClient, iin: str) -> Iban | None:
    try:
        found = await registries.account(iin)
    except NotFound:
        return None
    try:
        return parse_iban(found.iban)
    except InvalidIban:
        log.warning("account on file of a citizen is not a valid IBAN; asking for one")
        return None


async def addressee(registries: RegistryClient, iin: str) -> Addressee:
    """The addressee's phone, language and account on file."""
    person: Person = await registries.person(iin)
    language = None if person.language is None else Language(person.language)
    account = await _account(registries, iin)
    return Addressee(iin=iin, phone=person.phone, language=language, account=account)


def _draft(event: Event, proposal: Proposal, who: Addressee, now: datetime) -> Case:
    return Case(
        id=case_id(event, proposal),
        service=proposal.service,
        state=CaseState.OFFERED,
        language=who.language,
        automatic=proposal.automatic,
        term_working_days=proposal.term_working_days,
        account_on_file=who.account,
        offered_at=now,
    )


async def _open(
    uow: UnitOfWork, event: Event, proposal: Proposal, who: Addressee, now: datetime
) -> None:
    draft = _draft(event, proposal, who, now)
    record = CaseRecord(
        case=draft,
        code=await _code(uow, who.phone, draft.id),
        subject_iin=proposal.subject_iin,
        addressee_iin=proposal.addressee_iin,
        phone=who.phone,
        event_id=event.id,
        created_at=now,
        amount=proposal.amount,
        monthly=proposal.monthly,
    )
    case, effects = open_case(draft, reachable=who.phone is not None)
    record = record.model_copy(update={"case": case})
    if not await uow.cases.add(record):
        return  # this event already opened this case
    await uow.citizens.remember(who.iin, who.phone, who.language)
    turn = Turn(now=now, ref=f"offer:{draft.id}")
    await carry_out(uow, record, case, effects, turn, stored=True)
    if case.state is CaseState.NO_CONTACT:
        note = "no phone registered for e-government: offer by other means"
        await uow.tasks.add(
            OperatorTask(case_id=case.id, kind="no_contact", note=note, created_at=now)
        )
    else:
        await record_consent(uow, record, ConsentAct.OFFERED, turn)


async def take_event(
    storage: Storage, registries: RegistryClient, event: Event, now: datetime
) -> None:
    """Open the cases of one event and move the cursor past it, in one transaction.

    When a registry answers that a record the event names does not exist, the event offers
    nothing: it is passed (and logged without personal data), never retried for ever.
    """
    try:
        found = await proposals(registries, event, local_date(now))
        people = [await addressee(registries, p.addressee_iin) for p in found]
    except NotFound:
        log.warning(
            "event %d (%s) names a record the registries do not hold: passed",
            event.id,
            event.kind.value,
        )
        found, people = [], []
    async with storage.unit_of_work() as uow:
        if event.id <= await uow.cursor.get():
            return  # delivered twice: already taken
        for proposal, who in zip(found, people, strict=True):
            await _open(uow, event, proposal, who, now)
        await uow.cursor.set(event.id)
        await uow.commit()


async def intake(storage: Storage, registries: RegistryClient, clock: Clock) -> int:
    """Take every event after the cursor; the number taken."""
    taken = 0
    while True:
        async with storage.unit_of_work() as uow:
            cursor = await uow.cursor.get()
        page = await registries.events_after(cursor, PAGE)
        fresh = sorted({e.id: e for e in page if e.id > cursor}.values(), key=lambda e: e.id)
        if not fresh:
            return taken
        for event in fresh:
            await take_event(storage, registries, event, await clock.now())
            taken += 1
