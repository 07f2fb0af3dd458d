"""Intake: the registries' feed, read by cursor, becomes cases and their offers.

Each event is screened with `domain` (which service, who is offered) and every case it
gives is opened, with its offer queued; a page of events is taken, and the cursor moved past
it, in one transaction. A re-read feed finds its cases already there and creates nothing. A
registry that does not answer stops intake at that event; the next tick tries again from
there.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from bot.effects import Turn, carry_out, record_consent
from bot.ports import Clock, Storage, UnitOfWork
from bot.read_ahead import ReadAhead
from bot.records import CaseRecord, ConsentAct, OperatorTask
from bot.screening import Proposal, proposals
from domain.banking import Iban, InvalidIban, parse_iban
from domain.calendar import local_date
from domain.cases import Case, CaseState
from domain.conversation import open_case
from domain.model import Language
from fake_registries.client import RegistryClient
from fake_registries.errors import NotFound, Retriable
from fake_registries.models import Event, Person

log = logging.getLogger(__name__)
PAGE = 500  # events a transaction takes: ~15 statements in all, not ~15 each


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
    case, effects = open_case(draft, reachable=who.phone is not None)
    record = CaseRecord(
        case=case,
        code=await _code(uow, who.phone, draft.id),
        subject_iin=proposal.subject_iin,
        addressee_iin=proposal.addressee_iin,
        phone=who.phone,
        event_id=event.id,
        created_at=now,
        amount=proposal.amount,
        monthly=proposal.monthly,
    )
    if not await uow.cases.add(record):
        return  # this event already opened this case
    await uow.citizens.remember(who.iin, who.phone, who.language)
    turn = Turn(now=now, ref=f"offer:{draft.id}")
    await carry_out(uow, record, case, effects, turn, stored=True)
    if case.state is CaseState.NO_CONTACT:
        note = "no phone registered for e-government: offer by other means"
        uow.tasks.add(OperatorTask(case_id=case.id, kind="no_contact", note=note, created_at=now))
    else:
        await record_consent(uow, record, ConsentAct.OFFERED, turn)


Screened = tuple[Event, list[Proposal], list[Addressee]]


async def screen(registries: RegistryClient, event: Event, today: date) -> Screened:
    """The cases an event gives, with their addressees; none when a registry answers that
    a record the event names does not exist (the event is passed, logged without personal
    data, never retried for ever)."""
    try:
        found = await proposals(registries, event, today)
        people = [await addressee(registries, p.addressee_iin) for p in found]
    except NotFound:
        log.warning(
            "event %d (%s) names a record the registries do not hold: passed",
            event.id,
            event.kind.value,
        )
        return event, [], []
    return event, found, people


async def _read_ahead(uow: UnitOfWork, screened: Sequence[Screened]) -> None:
    """Read ahead what opening these events' cases asks of the store, a query a kind."""
    phones = [who.phone for _, _, people in screened for who in people if who.phone]
    ids = [case_id(e, p) for e, found, _ in screened for p in found]
    await uow.cases.prefetch(phones=phones, event_ids=[e.id for e, _, _ in screened])
    await uow.citizens.prefetch([who.iin for _, _, people in screened for who in people])
    await uow.telegram.prefetch(phones)
    await uow.timers.prefetch(ids)
    await uow.journal.prefetch(ids)
    await uow.outbox.prefetch(offers_of=ids)


async def take_events(
    storage: Storage, registries: RegistryClient, events: Sequence[Event], now: datetime
) -> int:
    """Open the cases of these events (in feed order) and move the cursor past the last, in
    one transaction; the number taken.

    Their registry lookups are read ahead in bulk. A registry that does not answer stops the
    page at that event: the events before it are taken, then the error is raised and the next
    tick starts from that event."""
    ahead = ReadAhead(registries)
    await ahead.read(events)
    screened: list[Screened] = []
    stopped: Retriable | None = None
    for event in events:
        try:
            screened.append(await screen(ahead, event, local_date(now)))
        except Retriable as error:
            stopped = error
            break
    async with storage.unit_of_work() as uow:
        cursor = await uow.cursor.get()
        screened = [s for s in screened if s[0].id > cursor]  # delivered twice: already taken
        if screened:
            await _read_ahead(uow, screened)
            for event, found, people in screened:
                for proposal, who in zip(found, people, strict=True):
                    await _open(uow, event, proposal, who, now)
            await uow.cursor.set(screened[-1][0].id)
            await uow.commit()
    if stopped is not None:
        raise stopped
    return len(screened)


async def take_event(
    storage: Storage, registries: RegistryClient, event: Event, now: datetime
) -> None:
    """Open the cases of one event and move the cursor past it, in one transaction."""
    await take_events(storage, registries, [event], now)


async def intake(storage: Storage, registries: RegistryClient, clock: Clock) -> int:
    """Take every event after the cursor, a page per transaction; the number taken."""
    taken = 0
    while True:
        async with storage.unit_of_work() as uow:
            cursor = await uow.cursor.get()
        page = await registries.events_after(cursor, PAGE)
        fresh = sorted({e.id: e for e in page if e.id > cursor}.values(), key=lambda e: e.id)
        if not fresh:
            return taken
        taken += await take_events(storage, registries, fresh, await clock.now())
