"""Intake: the registries' feed, read by cursor, becomes cases and their offers.

Each event is screened with `domain.benefits.screen` on the registries' facts and our own
payments (which services, offered to whom and for how much, or why not) before any message;
every case it gives is opened, an offer queued only for what may be assigned, the rest kept
visible as `not_offered`; a page of events is taken, and the cursor moved past it, in one
transaction. A re-read feed finds its cases already there and creates nothing. A
registry that does not answer stops intake at that event; the next tick tries again from
there.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Sequence
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from bot.ports import Clock, Storage, UnitOfWork
from bot.records import CaseRecord, ConsentAct, OperatorTask
from bot.registries.errors import NotFound, Retriable
from bot.registries.facts import Event, Person
from bot.registries.port import RegistryClient
from bot.registries.read_ahead import ReadAhead
from bot.service.effects import Turn, carry_out, record_consent
from bot.service.screening import EventFacts, event_facts, with_our_payments
from domain.banking import Iban, InvalidIban, parse_iban
from domain.benefits import benefit, screen
from domain.calendar import local_date
from domain.cases import Case, CaseState
from domain.conversation import open_case
from domain.decisions import Periodicity
from domain.model import Language
from domain.screening import Screening

log = logging.getLogger(__name__)
PAGE = 500  # events a transaction takes: ~15 statements in all, not ~15 each
EVENTS_AT_ONCE = 32  # events whose registry lookups are in flight together


class Addressee(BaseModel):
    """Whom an offer goes to, as the population registry knows them."""

    model_config = ConfigDict(frozen=True)

    iin: str
    phone: str | None
    language: Language | None
    account: Iban | None


def case_id(event: Event, screening: Screening) -> str:
    """A stable id per (event, service, person), free of personal data."""
    key = f"{event.source_event_id}|{screening.service.value}|{addressee_of(screening)}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def addressee_of(screening: Screening) -> str:
    """Whom the case is kept for: the addressee, or when nobody is on record to answer
    (a child without a representative) the person it is about, unreachable."""
    return screening.addressee_iin or screening.subject_iin


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


def _draft(event: Event, screening: Screening, who: Addressee, now: datetime) -> Case:
    return Case(
        id=case_id(event, screening),
        service=screening.service,
        state=CaseState.OFFERED,
        language=who.language,
        automatic=screening.path.automatic,
        term_working_days=screening.path.term_working_days,
        account_on_file=who.account,
        offered_at=now,
    )


class Opening(BaseModel):
    """A case to open: what screening found, whom it goes to, and whom it is about."""

    model_config = ConfigDict(frozen=True)

    screening: Screening
    who: Addressee
    subject_name: str | None  # the subject's first name when not the addressee


def _record(event: Event, opening: Opening, case: Case, code: str, now: datetime) -> CaseRecord:
    screening, who = opening.screening, opening.who
    terms = screening.terms
    return CaseRecord(
        case=case,
        code=code,
        subject_iin=screening.subject_iin,
        addressee_iin=who.iin,
        phone=who.phone,
        event_id=event.id,
        created_at=now,
        offered_amount=terms.amount if terms is not None and screening.offered else None,
        monthly=benefit(screening.service).periodicity is Periodicity.MONTHLY,
        terms=terms,
        received_for=screening.received_for,
        subject_name=opening.subject_name,
    )


async def _open(uow: UnitOfWork, event: Event, opening: Opening, now: datetime) -> None:
    who = opening.who
    draft = _draft(event, opening.screening, who, now)
    offered = opening.screening.offered
    case, effects = open_case(draft, offered=offered, reachable=who.phone is not None)
    record = _record(event, opening, case, await _code(uow, who.phone, draft.id), now)
    if not await uow.cases.add(record):
        return  # this event already opened this case
    await uow.citizens.remember(who.iin, who.phone, who.language)
    turn = Turn(now=now, ref=f"offer:{draft.id}")
    await carry_out(uow, record, case, effects, turn, stored=True)
    if case.state is CaseState.NO_CONTACT:
        note = "no phone registered for e-government: offer by other means"
        uow.tasks.add(OperatorTask(case_id=case.id, kind="no_contact", note=note, created_at=now))
    elif case.state is CaseState.OFFERED:
        await record_consent(uow, record, ConsentAct.OFFERED, turn)


Screened = tuple[Event, list[Opening]]


async def _subject_name(registries: RegistryClient, screening: Screening) -> str | None:
    """The first name of whom the case is about, when it is not the addressee."""
    if screening.subject_iin == addressee_of(screening):
        return None
    try:
        return (await registries.person(screening.subject_iin)).name
    except NotFound:
        return None


async def gather(registries: RegistryClient, event: Event, today: date) -> EventFacts | None:
    """What an event is screened on; None when it offers nothing or names a record the
    registries do not hold (the event is passed, logged without personal data, never
    retried for ever)."""
    try:
        return await event_facts(registries, event, today)
    except NotFound:
        log.warning(
            "event %d (%s) names a record the registries do not hold: passed",
            event.id,
            event.kind.value,
        )
        return None


async def openings(registries: RegistryClient, found: list[Screening]) -> list[Opening]:
    """Each screened case with its addressee's phone, language and account, and the name of
    whom it is about."""
    return [
        Opening(
            screening=s,
            who=await addressee(registries, addressee_of(s)),
            subject_name=await _subject_name(registries, s),
        )
        for s in found
    ]


async def _read_ahead(uow: UnitOfWork, screened: Sequence[Screened]) -> None:
    """Read ahead what opening these events' cases asks of the store, a query a kind."""
    people = [o.who for _, found in screened for o in found]
    phones = [who.phone for who in people if who.phone]
    ids = [case_id(e, o.screening) for e, found in screened for o in found]
    await uow.cases.prefetch(phones=phones, event_ids=[e.id for e, _ in screened])
    await uow.citizens.prefetch([who.iin for who in people])
    await uow.chats.prefetch(phones)
    await uow.timers.prefetch(ids)
    await uow.journal.prefetch(ids)
    await uow.outbox.prefetch(offers_of=ids)
    await uow.consents.prefetch(ids)  # a case's chain is its id


async def _facts(
    registries: RegistryClient, events: Sequence[Event], today: date
) -> tuple[list[tuple[Event, EventFacts | None]], Retriable | None]:
    """The facts of these events, in order, until a registry does not answer. The lookups
    of up to EVENTS_AT_ONCE events are in flight together: the registries' latency, not
    one event after another, sets intake's pace."""
    at_once = asyncio.Semaphore(EVENTS_AT_ONCE)

    async def facts_of(event: Event) -> EventFacts | None:
        async with at_once:
            return await gather(registries, event, today)

    found = await asyncio.gather(*(facts_of(e) for e in events), return_exceptions=True)
    gathered: list[tuple[Event, EventFacts | None]] = []
    for event, facts in zip(events, found, strict=True):
        if isinstance(facts, Retriable):
            return gathered, facts
        if isinstance(facts, BaseException):
            raise facts
        gathered.append((event, facts))
    return gathered, None


async def screen_events(
    storage: Storage, registries: RegistryClient, events: Sequence[Event], now: datetime
) -> tuple[list[Screened], Retriable | None]:
    """Screen these events (`domain.screening.screen`) on the registries' facts and our own
    payments, with each case's addressee; up to the first event a registry left unanswered,
    returned with its error."""
    gathered, stopped = await _facts(registries, events, local_date(now))
    known = [(e.id, f) for e, f in gathered if f is not None]
    complete: list[EventFacts] = []
    if known:
        async with storage.unit_of_work() as uow:
            complete = await with_our_payments(uow, [f for _, f in known])
    facts_of = {event_id: f for (event_id, _), f in zip(known, complete, strict=True)}
    screened: list[Screened] = []
    for event, _ in gathered:
        facts = facts_of.get(event.id)
        if facts is None:
            screened.append((event, []))
            continue
        try:
            found = await openings(registries, screen(facts, now))
        except Retriable as error:
            return screened, error
        except NotFound:
            log.warning("event %d names a person the registries do not hold: passed", event.id)
            found = []
        screened.append((event, found))
    return screened, stopped


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
    screened, stopped = await screen_events(storage, ahead, events, now)
    async with storage.unit_of_work() as uow:
        cursor = await uow.cursor.get()
        screened = [s for s in screened if s[0].id > cursor]  # delivered twice: already taken
        if screened:
            await _read_ahead(uow, screened)
            for event, found in screened:
                for opening in found:
                    await _open(uow, event, opening, now)
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
