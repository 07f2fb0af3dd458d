"""Reads made ahead and writes sent later change no answer: a unit of work that reads ahead
and defers its writes answers every question as one that asks the file each time, and leaves
the file exactly as it would. And a page of work costs the same statements whatever its size.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.ports import UnitOfWork
from bot.records import (
    ChatLink,
    Citizen,
    DecisionRecord,
    OperatorTask,
    PaymentOrder,
    TimerKind,
)
from bot.storage.sqlite import SqliteStorage, SqliteUnitOfWork
from domain.cases import CaseState
from domain.model import Language
from tests.integration.test_storage import NOW, PHONE, entry, message, record

OTHER_PHONE = "+77059999999"
SUBJECT = "500101300123"
IIN_NEW, IIN_KNOWN = "800202400456", "900303500789"


async def before(storage: SqliteStorage) -> None:
    """What the file holds when the scenario starts: case c1 with an offer, a citizen, a
    registered application, a burial payment for the subject."""
    async with storage.unit_of_work() as uow:
        await uow.cases.add(record("c1"))
        await uow.citizens.save(
            Citizen(iin=IIN_KNOWN, phone=PHONE, language=Language.RU, language_source="choice")
        )
        uow.outbox.put(message("offer:c1:1"))
        await uow.journal.register("c1", NOW)
        await uow.payments.place(order("c1"))
        await uow.commit()


def order(case_id: str, service: str = "burial") -> PaymentOrder:
    return PaymentOrder(
        case_id=case_id,
        service=service,
        subject_iin=SUBJECT,
        amount=Decimal("100"),
        iban="KZ297220000000012345",
        start=date(2026, 1, 1),
        periodicity="one_time",
        created_at=NOW,
    )


def decision(case_id: str) -> DecisionRecord:
    return DecisionRecord(
        case_id=case_id,
        outcome="refuse",
        signed={"s": 1},
        case_file={"f": 1},
        case_file_sha256="0" * 64,
        decided_at=NOW,
        decided_by="automatic",
    )


async def read_ahead(uow: UnitOfWork) -> None:
    cases = ["c1", "c2", "c3"]
    await uow.cases.prefetch(ids=cases, phones=[PHONE, OTHER_PHONE], event_ids=[1, 2, 3])
    await uow.citizens.prefetch([IIN_NEW, IIN_KNOWN])
    await uow.telegram.prefetch([PHONE, OTHER_PHONE])
    await uow.chats.prefetch([PHONE, OTHER_PHONE])
    await uow.outbox.prefetch(offers_of=cases, ids=[1, 2])
    await uow.timers.prefetch(cases)
    await uow.journal.prefetch(cases)
    await uow.decisions.prefetch(cases)
    await uow.payments.prefetch(case_ids=cases, burials_of=[SUBJECT])


async def scenario(uow: UnitOfWork) -> list[object]:
    """Writes and reads of every store that remembers; what each read answered."""
    later = NOW + timedelta(hours=1)
    seen: list[object] = [
        await uow.cases.add(record("c2", event_id=2, created_at=later)),
        await uow.cases.add(record("c1x")),  # the same (event, service, addressee) as c1
        await uow.cases.add(record("c3", event_id=3, phone=OTHER_PHONE)),
        [r.case.id for r in await uow.cases.for_phone(PHONE)],
    ]
    c2 = await uow.cases.get("c2")
    assert c2 is not None
    await uow.cases.save(c2.case.model_copy(update={"state": CaseState.DECLINED}))
    seen += [await uow.cases.get("c2"), [r.case.id for r in await uow.cases.open_for_phone(PHONE)]]
    await uow.citizens.remember(IIN_NEW, PHONE, Language.KK)
    await uow.citizens.remember(IIN_KNOWN, OTHER_PHONE, Language.KK)  # keeps the choice
    seen += [await uow.citizens.get(IIN_NEW), await uow.citizens.get(IIN_KNOWN)]
    seen += [await uow.chats.of_phone(PHONE), await uow.chats.of_phone(OTHER_PHONE)]
    await uow.chats.link(ChatLink(channel="chat-a", address="7", phone=PHONE, linked_at=NOW))
    await uow.chats.link(ChatLink(channel="chat-b", address="8", phone=PHONE, linked_at=NOW))
    await uow.chats.link(ChatLink(channel="chat-a", address="9", phone=PHONE, linked_at=NOW))
    await uow.chats.unlink("chat-b", "8")
    seen += [await uow.chats.of_phone(PHONE), await uow.chats.of_phone(OTHER_PHONE)]
    uow.outbox.put(message("offer:c2:1", case_id="c2"))
    uow.outbox.put(message("offer:c2:1", case_id="c2", text="queued again"))
    uow.outbox.put(message("offer:c1:1", text="queued again"))
    uow.outbox.put(message("accepted:c2", case_id="c2", template_id="accepted"))
    seen += [[(m.client_ref, m.text) for m in await uow.outbox.offers(c)] for c in ("c1", "c2")]
    seen.append(await uow.outbox.get(1))
    await uow.timers.set("c2", TimerKind.REMIND, later)
    await uow.timers.set("c2", TimerKind.EXPIRE, later)
    await uow.timers.clear("c2", TimerKind.REMIND)
    seen += [await uow.timers.due_at("c2", kind) for kind in TimerKind]
    seen += [await uow.journal.register("c2", NOW), await uow.journal.register("c1", NOW)]
    seen += [await uow.journal.number_of(c) for c in ("c1", "c2", "c3")]
    seen += [await uow.decisions.save(decision("c2")), await uow.decisions.save(decision("c2"))]
    seen += [await uow.payments.place(order("c2")), await uow.payments.place(order("c1"))]
    seen.append(await uow.payments.place(order("c3", service="disability")))
    seen.append((await uow.consents.append(entry())).seq)
    seen.append((await uow.consents.append(entry(case_id="c2"))).hash)
    seen.append(await uow.telegram.by_phone(PHONE))
    seen.append(await uow.cursor.get())
    await uow.cursor.set(3)
    seen.append(await uow.cursor.get())
    uow.tasks.add(OperatorTask(case_id="c3", kind="no_contact", note="none", created_at=NOW))
    await uow.commit()
    return seen


def dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, in physical order."""
    with closing(sqlite3.connect(path)) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables}


async def run(path: Path, *, ahead: bool) -> tuple[list[object], int]:
    storage = await SqliteStorage.open(path)
    try:
        await before(storage)
        async with storage.unit_of_work() as uow:
            if ahead:
                await read_ahead(uow)
            seen = await scenario(uow)
            assert isinstance(uow, SqliteUnitOfWork)
            trips = uow.trips
    finally:
        await storage.close()
    return seen, trips


async def test_reading_ahead_changes_no_answer_and_no_row(tmp_path: Path) -> None:
    asked, asked_trips = await run(tmp_path / "asked.sqlite3", ahead=False)
    ahead, ahead_trips = await run(tmp_path / "ahead.sqlite3", ahead=True)
    assert ahead == asked
    assert dump(tmp_path / "ahead.sqlite3") == dump(tmp_path / "asked.sqlite3")
    assert ahead_trips < asked_trips


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[SqliteStorage]:
    """A storage on a fresh file holding what `before` writes."""
    opened = await SqliteStorage.open(tmp_path / "bot.sqlite3")
    try:
        await before(opened)
        yield opened
    finally:
        await opened.close()


async def test_a_deferred_write_is_seen_by_the_next_read_and_lost_without_a_commit(
    storage: SqliteStorage,
) -> None:
    async with storage.unit_of_work() as uow:
        uow.outbox.put(message("m-later", template_id="accepted"))
        refs = [m.client_ref for m in await uow.outbox.for_case("c1")]
        assert refs == ["offer:c1:1", "m-later"]
    async with storage.unit_of_work() as uow:
        assert [m.client_ref for m in await uow.outbox.for_case("c1")] == ["offer:c1:1"]


async def test_cases_added_in_a_unit_of_work_come_newest_first_with_the_stored_ones(
    storage: SqliteStorage,
) -> None:
    async with storage.unit_of_work() as uow:
        await uow.cases.prefetch(phones=[PHONE], event_ids=[2, 3])
        same_time = record("c3", event_id=3)  # created at the same instant as c1
        await uow.cases.add(record("c2", event_id=2, created_at=NOW - timedelta(days=1)))
        await uow.cases.add(same_time)
        remembered = [r.case.id for r in await uow.cases.for_phone(PHONE)]
        await uow.commit()
    async with storage.unit_of_work() as uow:
        stored = [r.case.id for r in await uow.cases.for_phone(PHONE)]
    assert remembered == stored == ["c3", "c1", "c2"]
