"""The storage contract: what every adapter of the ports does, on a real database.

Every test but the last two sections uses the ports alone, through the `reopen` fixture (open
the test's database, again if called again), and runs on both adapters: a SQLite file and a
fresh schema of a PostgreSQL server (`tests/postgres.py`; skipped without one, except in CI).
The last two sections concern each database's own things: the SQLite file, PostgreSQL's
migrations and instances.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, closing
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.evidence.ledger import GENESIS, merkle_root, verify_ledger
from bot.ports import Storage, UnitOfWork
from bot.records import (
    CaseRecord,
    Channel,
    Citizen,
    ConsentAct,
    ConsentEntry,
    InboundMessage,
    LoginLimits,
    OperatorTask,
    OutboxMessage,
    OutboxStatus,
    PaymentOrder,
    TimerKind,
)
from bot.storage import postgres
from bot.storage.postgres import PostgresStorage
from bot.storage.sqlite import SqliteStorage, migrations
from domain.calendar import ALMATY
from domain.cases import Case, CaseState
from domain.decisions import Decision, Outcome
from domain.model import Language, Service
from tests.postgres import fresh_database

NOW = datetime(2026, 1, 12, 10, tzinfo=UTC)
PHONE = "+77011234567"
Reopen = Callable[[], Awaitable[Storage]]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """The test's database file."""
    return tmp_path / "bot.sqlite3"


@pytest.fixture(params=["sqlite", "postgresql"])
async def reopen(request: pytest.FixtureRequest, db_path: Path) -> AsyncIterator[Reopen]:
    """Open the test's database (again on each call), a SQLite file or a PostgreSQL schema;
    every storage is closed at the end."""
    opened: list[Storage] = []
    async with AsyncExitStack() as stack:
        if request.param == "sqlite":
            open_database: Callable[[], Awaitable[Storage]] = partial(SqliteStorage.open, db_path)
        else:
            url = await stack.enter_async_context(fresh_database())
            open_database = partial(PostgresStorage.open, url)

        async def open_storage() -> Storage:
            storage = await open_database()
            opened.append(storage)
            return storage

        yield open_storage
        for storage in opened:
            await storage.close()


@pytest.fixture
async def sqlite_storage(db_path: Path) -> AsyncIterator[Storage]:
    """The SQLite file's storage, for the tests of the file itself."""
    storage = await SqliteStorage.open(db_path)
    yield storage
    await storage.close()


@pytest.fixture
async def storage(reopen: Reopen) -> Storage:
    """The storage under test."""
    return await reopen()


def record(case_id: str = "c1", **changes: object) -> CaseRecord:
    """A burial case offered to PHONE; `changes` override the record's fields or `state`."""
    state = changes.pop("state", CaseState.OFFERED)
    case = Case(
        id=case_id,
        service=Service.BURIAL,
        state=CaseState(str(state)),
        automatic=True,
        term_working_days=1,
        offered_at=NOW,
    )
    fields: dict[str, object] = {
        "case": case,
        "code": "101",
        "subject_iin": "500101300123",
        "addressee_iin": "800202400456",
        "phone": PHONE,
        "event_id": 1,
        "created_at": NOW,
    }
    return CaseRecord.model_validate(fields | changes)


def entry(text: str = "Келісесіз бе? Согласны?", **changes: object) -> ConsentEntry:
    """A consent act on case c1."""
    fields: dict[str, object] = {
        "case_id": "c1",
        "iin": "800202400456",
        "act": ConsentAct.OFFERED,
        "text": text,
        "template_id": "offer.burial",
        "template_version": "1",
        "language": "kk+ru",
        "channel": Channel.SMS,
        "message_ids": ("m-1", "m-2"),
        "actor": "system",
        "at": NOW,
    }
    return ConsentEntry.model_validate(fields | changes)


def message(client_ref: str = "m-1", **changes: object) -> OutboxMessage:
    """An SMS of case c1, due now."""
    fields: dict[str, object] = {
        "client_ref": client_ref,
        "case_id": "c1",
        "channel": Channel.SMS,
        "address": PHONE,
        "language": "kk",
        "template_id": "offer.burial",
        "text": "Сәлеметсіз бе",
        "encoding": "UCS-2",
        "segments": 1,
        "next_attempt_at": NOW,
        "created_at": NOW,
    }
    return OutboxMessage.model_validate(fields | changes)


def reply(provider_id: str = "p-1", **changes: object) -> InboundMessage:
    """An SMS reply from PHONE."""
    fields: dict[str, object] = {
        "channel": Channel.SMS,
        "address": PHONE,
        "provider_id": provider_id,
        "text": "иә",
        "received_at": NOW,
    }
    return InboundMessage.model_validate(fields | changes)


async def with_case(storage: Storage, *records: CaseRecord) -> None:
    """Commit case c1 (or the given records): rows of other tables refer to cases."""
    async with storage.unit_of_work() as uow:
        for each in records or (record(),):
            await uow.cases.add(each)
        await uow.commit()


# ---------------------------------------------------------------- units of work


async def test_a_unit_of_work_rolls_back_what_it_did_not_commit(storage: Storage) -> None:
    async with storage.unit_of_work() as uow:
        await uow.citizens.save(Citizen(iin="800202400456"))
    async with storage.unit_of_work() as uow:
        assert await uow.citizens.get("800202400456") is None


async def test_a_unit_of_work_rolls_back_when_an_exception_escapes(storage: Storage) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with storage.unit_of_work() as uow:
            await uow.cases.add(record())
            raise RuntimeError("boom")
    async with storage.unit_of_work() as uow:
        assert await uow.cases.get("c1") is None


async def test_committed_writes_survive_closing_and_reopening(
    storage: Storage, reopen: Reopen
) -> None:
    await with_case(storage)
    await storage.close()
    async with (await reopen()).unit_of_work() as uow:
        assert await uow.cases.get("c1") == record()


async def test_two_concurrent_units_of_work_serialise_and_both_commit(storage: Storage) -> None:
    await with_case(storage)
    log: list[str] = []

    async def writer(name: str) -> None:
        async with storage.unit_of_work() as uow:
            log.append(f"{name} in")
            for _ in range(3):
                await uow.consents.append(entry(actor=name))
                await asyncio.sleep(0)  # let the other writer try to interleave
            await uow.commit()
            log.append(f"{name} out")

    await asyncio.gather(writer("a"), writer("b"))
    assert log in (["a in", "a out", "b in", "b out"], ["b in", "b out", "a in", "a out"])
    async with storage.unit_of_work() as uow:
        rows = await uow.consents.rows()
    assert [row.seq for row in rows] == [1, 2, 3, 4, 5, 6]
    assert [row.link for row in rows] == [1, 2, 3, 4, 5, 6]  # one case: one chain
    assert verify_ledger(rows, []) == []


async def test_a_repository_is_refused_outside_its_unit_of_work(storage: Storage) -> None:
    uow = storage.unit_of_work()
    with pytest.raises(RuntimeError, match="outside"):
        await uow.cases.get("c1")


async def test_a_committed_unit_of_work_takes_no_more_writes(storage: Storage) -> None:
    async with storage.unit_of_work() as uow:
        await uow.commit()
        with pytest.raises(RuntimeError, match="committed"):
            await uow.citizens.save(Citizen(iin="800202400456"))


async def test_a_unit_of_work_inside_another_is_refused(storage: Storage) -> None:
    async with storage.unit_of_work():
        with pytest.raises(RuntimeError, match="inside another"):
            async with storage.unit_of_work():
                pass


# ---------------------------------------------------------------- cases and citizens


async def test_a_case_is_added_once_per_event_service_and_addressee(storage: Storage) -> None:
    async with storage.unit_of_work() as uow:
        assert await uow.cases.add(record("c1"))
        assert not await uow.cases.add(record("c2"))
        assert await uow.cases.add(record("c3", event_id=2))
        assert await uow.cases.get("c1") == record("c1")
        assert await uow.cases.get("c2") is None


async def test_open_cases_of_a_phone_are_offered_or_awaiting_oldest_first(
    storage: Storage,
) -> None:
    states = [CaseState.AWAITING_ACCOUNT, CaseState.OFFERED, CaseState.ASSIGNED]
    records = [
        record(f"c{n}", event_id=n, state=state, created_at=NOW - timedelta(days=n))
        for n, state in enumerate(states, start=1)
    ]
    await with_case(storage, *records, record("c9", event_id=9, phone="+77019999999"))
    async with storage.unit_of_work() as uow:
        open_ids = [each.case.id for each in await uow.cases.open_for_phone(PHONE)]
        all_ids = [each.case.id for each in await uow.cases.for_phone(PHONE)]
    assert open_ids == ["c2", "c1"]
    assert all_ids == ["c1", "c2", "c3"]


async def test_saving_a_case_stores_its_new_state(storage: Storage) -> None:
    await with_case(storage)
    async with storage.unit_of_work() as uow:
        stored = await uow.cases.get("c1")
        assert stored is not None
        declined = stored.case.model_copy(update={"state": CaseState.DECLINED, "closed_at": NOW})
        await uow.cases.save(declined)
        assert await uow.cases.get("c1") == stored.model_copy(update={"case": declined})
        assert await uow.cases.open_for_phone(PHONE) == []


async def test_saving_a_case_never_added_is_refused_when_the_write_is_sent(
    storage: Storage,
) -> None:
    async with storage.unit_of_work() as uow:
        await uow.cases.save(record("c404").case)
        with pytest.raises(LookupError, match="changed 0 row"):
            await uow.commit()


async def test_all_cases_come_newest_first_up_to_the_limit(storage: Storage) -> None:
    records = [record(f"c{n}", event_id=n, created_at=NOW + timedelta(hours=n)) for n in (1, 2, 3)]
    await with_case(storage, *records)
    async with storage.unit_of_work() as uow:
        assert [each.case.id for each in await uow.cases.all(limit=2)] == ["c3", "c2"]
        assert await uow.cases.count() == 3


async def test_a_citizen_is_found_by_iin_and_by_phone_and_saved_over(storage: Storage) -> None:
    first = Citizen(iin="800202400456", phone=PHONE)
    later = first.model_copy(update={"language": Language.KK, "language_source": "reply"})
    async with storage.unit_of_work() as uow:
        await uow.citizens.save(first)
        await uow.citizens.save(later)
        assert await uow.citizens.get("800202400456") == later
        assert await uow.citizens.by_phone(PHONE) == later
        assert await uow.citizens.by_phone("+77019999999") is None


async def test_a_remembered_citizen_takes_the_registry_language_once_and_a_new_phone_always(
    storage: Storage,
) -> None:
    async with storage.unit_of_work() as uow:
        await uow.citizens.remember("800202400456", PHONE, Language.RU)
        new = await uow.citizens.get("800202400456")
        assert new == Citizen(
            iin="800202400456", phone=PHONE, language=Language.RU, language_source="registry"
        )
        chose = new.model_copy(update={"language": Language.KK, "language_source": "reply"})
        await uow.citizens.save(chose)
        await uow.citizens.remember("800202400456", "+77019999999", Language.RU)
        assert await uow.citizens.get("800202400456") == chose.model_copy(
            update={"phone": "+77019999999"}
        )  # the language the citizen chose stays
        await uow.citizens.remember("900303500567", None, None)
        assert await uow.citizens.get("900303500567") == Citizen(iin="900303500567")


# ---------------------------------------------------------------- consent ledger


async def test_appended_consents_are_numbered_and_chained_by_hash(storage: Storage) -> None:
    await with_case(storage)
    async with storage.unit_of_work() as uow:
        first = await uow.consents.append(entry())
        second = await uow.consents.append(entry("Иә", act=ConsentAct.GIVEN, actor="citizen"))
    assert (first.seq, second.seq) == (1, 2)
    assert (first.prev_hash, second.prev_hash) == (GENESIS, first.hash)
    assert first.text_hash == hashlib.sha256(entry().text.encode("utf-8")).hexdigest()


async def test_a_consent_hash_covers_its_chain_link_the_entry_in_utc_and_the_text_hash(
    storage: Storage,
) -> None:
    await with_case(storage)
    async with storage.unit_of_work() as uow:
        row = await uow.consents.append(entry(at=NOW.astimezone(ALMATY)))
    fields = entry().model_dump(mode="json") | {"at": "2026-01-12T10:00:00.000000+00:00"}
    document = {"chain": "c1", "link": 1, "entry": fields, "text_hash": row.text_hash}
    form = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert row.hash == hashlib.sha256((GENESIS + form).encode("utf-8")).hexdigest()


async def test_consent_rows_read_back_as_appended_in_utc(storage: Storage) -> None:
    await with_case(storage)
    async with storage.unit_of_work() as uow:
        appended = await uow.consents.append(entry(at=NOW.astimezone(ALMATY), raw_reply="иә"))
        await uow.commit()
    async with storage.unit_of_work() as uow:
        (stored,) = await uow.consents.rows()
    assert stored == appended
    assert stored.entry.at == NOW
    assert stored.entry.at.tzinfo is UTC
    assert stored.entry.message_ids == ("m-1", "m-2")


async def test_a_checkpoint_seals_the_rows_not_yet_sealed_in_order_chained_to_the_last(
    storage: Storage,
) -> None:
    await with_case(storage)
    async with storage.unit_of_work() as uow:
        assert await uow.consents.checkpoint(NOW, 10) is None  # nothing to seal
        first = [await uow.consents.append(entry(actor=f"a{n}")) for n in range(3)]
        one = await uow.consents.checkpoint(NOW, 2)
        two = await uow.consents.checkpoint(NOW, 2)
        more = await uow.consents.append(entry(actor="later"))
        three = await uow.consents.checkpoint(NOW, 2)
        assert await uow.consents.checkpoint(NOW, 2) is None
        await uow.commit()
    assert one is not None and two is not None and three is not None
    assert (one.number, one.size, one.prev_hash) == (1, 2, GENESIS)
    assert one.root == merkle_root([row.hash for row in first[:2]])
    assert (two.number, two.size, two.prev_hash) == (2, 1, one.hash)
    assert (three.number, three.size, three.root) == (3, 1, merkle_root([more.hash]))
    async with storage.unit_of_work() as uow:
        rows = await uow.consents.rows()
        checkpoints = await uow.consents.checkpoints()
    assert [row.checkpoint for row in rows] == [1, 1, 2, 3]
    assert checkpoints == [one, two, three]
    assert verify_ledger(rows, checkpoints) == []


async def test_consent_rows_are_filtered_by_iin(storage: Storage) -> None:
    await with_case(storage)
    async with storage.unit_of_work() as uow:
        for iin in ("800202400456", "900303500789", "800202400456"):
            await uow.consents.append(entry(iin=iin))
        assert [row.seq for row in await uow.consents.rows("800202400456")] == [1, 3]
        assert [row.seq for row in await uow.consents.rows()] == [1, 2, 3]


# ---------------------------------------------------------------- outbox


async def test_enqueueing_is_idempotent_by_client_reference(storage: Storage) -> None:
    await with_case(storage)
    async with storage.unit_of_work() as uow:
        stored = await uow.outbox.enqueue(message())
        again = await uow.outbox.enqueue(message(text="another text"))
        assert stored.id is not None
        assert again == stored == message().model_copy(update={"id": stored.id})
        assert await uow.outbox.for_case("c1") == [stored]


async def test_the_messages_of_many_cases_read_at_once_are_each_cases_own(
    storage: Storage,
) -> None:
    await with_case(storage, record("c1"), record("c2", event_id=2), record("c3", event_id=3))
    async with storage.unit_of_work() as uow:
        for n, case_id in enumerate(["c1", "c2", "c1", "c2", "c1"]):
            uow.outbox.put(message(f"m-{n}", case_id=case_id))
        await uow.commit()
    async with storage.unit_of_work() as uow:
        found = await uow.outbox.for_cases(["c1", "c2", "c3", "c9"])
        one_by_one = {c: await uow.outbox.for_case(c) for c in ["c1", "c2", "c3", "c9"]}
    assert found == one_by_one
    assert [m.client_ref for m in found["c1"]] == ["m-0", "m-2", "m-4"]
    assert [m.client_ref for m in found["c2"]] == ["m-1", "m-3"]
    assert found["c3"] == found["c9"] == []


async def test_due_messages_are_the_queued_ones_due_now_in_time_order(storage: Storage) -> None:
    await with_case(storage)
    async with storage.unit_of_work() as uow:
        late = await uow.outbox.enqueue(message("m-1", next_attempt_at=NOW))
        early = await uow.outbox.enqueue(message("m-2", next_attempt_at=NOW - timedelta(hours=1)))
        await uow.outbox.enqueue(message("m-3", next_attempt_at=NOW + timedelta(seconds=1)))
        sent = await uow.outbox.enqueue(message("m-4"))
        assert sent.id is not None
        await uow.outbox.mark_sent(sent.id, "prov-4", NOW)
        assert await uow.outbox.due(NOW) == [early, late]
        assert await uow.outbox.due(NOW, limit=1) == [early]


async def test_a_retry_counts_an_attempt_and_waits_queued(storage: Storage) -> None:
    await with_case(storage)
    later = NOW + timedelta(minutes=5)
    async with storage.unit_of_work() as uow:
        queued = await uow.outbox.enqueue(message())
        assert queued.id is not None
        await uow.outbox.mark_retry(queued.id, later, "gateway busy")
        assert await uow.outbox.due(NOW) == []
        (retried,) = await uow.outbox.due(later)
    assert (retried.status, retried.attempts, retried.last_error) == (
        OutboxStatus.QUEUED,
        1,
        "gateway busy",
    )


async def test_a_sent_message_is_found_by_provider_id_then_delivered(storage: Storage) -> None:
    await with_case(storage)
    async with storage.unit_of_work() as uow:
        queued = await uow.outbox.enqueue(message())
        assert queued.id is not None
        await uow.outbox.mark_sent(queued.id, "prov-1", NOW.astimezone(ALMATY))
        sent = (await uow.outbox.by_provider_ids(["prov-1"])).get("prov-1")
        assert sent is not None
        assert (sent.status, sent.sent_at, sent.id) == (OutboxStatus.SENT, NOW, queued.id)
        await uow.outbox.mark_delivered("prov-1")
        await uow.outbox.mark_delivered("prov-unknown")
        found = await uow.outbox.by_provider_ids(["prov-1", "prov-unknown"])
        delivered = found.get("prov-1")
        assert delivered is not None
        assert delivered.status is OutboxStatus.DELIVERED
        assert "prov-unknown" not in found


async def test_a_temporary_failure_after_sending_queues_the_message_again(
    storage: Storage,
) -> None:
    await with_case(storage)
    async with storage.unit_of_work() as uow:
        queued = await uow.outbox.enqueue(message())
        assert queued.id is not None
        await uow.outbox.mark_sent(queued.id, "prov-1", NOW)
        await uow.outbox.mark_retry(queued.id, NOW, "temporary delivery failure")
        (again,) = await uow.outbox.due(NOW)
    assert (again.id, again.status, again.attempts) == (queued.id, OutboxStatus.QUEUED, 1)


async def test_a_failed_message_keeps_its_error_and_is_never_due(storage: Storage) -> None:
    await with_case(storage)
    async with storage.unit_of_work() as uow:
        queued = await uow.outbox.enqueue(message())
        assert queued.id is not None
        await uow.outbox.mark_failed(queued.id, "unknown number")
        assert await uow.outbox.due(NOW + timedelta(days=365)) == []
        (failed,) = await uow.outbox.for_case("c1")
    assert (failed.status, failed.last_error) == (OutboxStatus.FAILED, "unknown number")


async def test_marking_a_message_that_does_not_exist_is_refused_when_the_write_is_sent(
    storage: Storage,
) -> None:
    async with storage.unit_of_work() as uow:
        await uow.outbox.mark_failed(404, "no such message")
        with pytest.raises(LookupError, match="changed 0 row"):
            await uow.commit()


# ---------------------------------------------------------------- inbound


async def test_an_inbound_message_is_logged_once_per_provider_id(storage: Storage) -> None:
    async with storage.unit_of_work() as uow:
        logged = await uow.inbound.add(reply())
        assert logged is not None
        assert logged == reply().model_copy(update={"id": logged.id})
        assert await uow.inbound.add(reply(text="иә иә")) is None
        assert await uow.inbound.pending() == [logged]


async def test_a_batch_of_inbound_messages_is_logged_once_per_provider_id(
    storage: Storage,
) -> None:
    async with storage.unit_of_work() as uow:
        assert await uow.inbound.add(reply("p-1")) is not None
        batch = [reply("p-1"), reply("p-2"), reply("p-3"), reply("p-2", text="again")]
        assert await uow.inbound.log(batch) == 2  # p-1 logged before, p-2 once
        assert await uow.inbound.log([]) == 0
        pending = await uow.inbound.pending()
    assert [(m.provider_id, m.text) for m in pending] == [
        ("p-1", "иә"),
        ("p-2", "иә"),
        ("p-3", "иә"),
    ]


async def test_pending_messages_are_the_unhandled_ones_oldest_first(storage: Storage) -> None:
    await with_case(storage)
    async with storage.unit_of_work() as uow:
        newer = await uow.inbound.add(reply("p-1"))
        older = await uow.inbound.add(reply("p-2", received_at=NOW - timedelta(minutes=1)))
        handled = await uow.inbound.add(reply("p-3"))
        assert newer is not None and older is not None and handled is not None
        assert handled.id is not None
        await uow.inbound.mark_handled(handled.id, "c1", "consent_yes", NOW)
        assert await uow.inbound.pending() == [older, newer]
        assert await uow.inbound.pending(limit=1) == [older]


# ---------------------------------------------------------------- feed cursor, timers, tasks


async def test_the_feed_cursor_starts_at_zero_and_moves_only_forward(storage: Storage) -> None:
    async with storage.unit_of_work() as uow:
        assert await uow.cursor.get() == 0
        await uow.cursor.set(42)
        await uow.cursor.set(42)
        with pytest.raises(ValueError, match="forward"):
            await uow.cursor.set(41)
        assert await uow.cursor.get() == 42


async def test_due_timers_come_earliest_first_and_a_set_replaces(storage: Storage) -> None:
    await with_case(storage, record("c1"), record("c2", event_id=2))
    async with storage.unit_of_work() as uow:
        await uow.timers.set("c1", TimerKind.EXPIRE, NOW)
        await uow.timers.set("c2", TimerKind.REMIND, NOW - timedelta(hours=2))
        await uow.timers.set("c1", TimerKind.REMIND, NOW + timedelta(days=1))
        await uow.timers.set("c1", TimerKind.REMIND, NOW - timedelta(hours=1))
        assert await uow.timers.due(NOW) == [
            ("c2", TimerKind.REMIND),
            ("c1", TimerKind.REMIND),
            ("c1", TimerKind.EXPIRE),
        ]
        assert await uow.timers.due(NOW - timedelta(hours=3)) == []


async def test_clearing_removes_one_timer_of_a_case_or_all(storage: Storage) -> None:
    await with_case(storage, record("c1"), record("c2", event_id=2))
    async with storage.unit_of_work() as uow:
        for case_id in ("c1", "c2"):
            for kind in (TimerKind.REMIND, TimerKind.EXPIRE):
                await uow.timers.set(case_id, kind, NOW)
        await uow.timers.clear("c1", TimerKind.REMIND)
        await uow.timers.clear("c2")
        assert await uow.timers.due(NOW) == [("c1", TimerKind.EXPIRE)]


async def test_operator_tasks_open_oldest_first_with_their_ids(storage: Storage) -> None:
    await with_case(storage)
    task = OperatorTask(case_id="c1", kind="home_visit", note="asked at home", created_at=NOW)
    async with storage.unit_of_work() as uow:
        uow.tasks.add(task)
        uow.tasks.add(task.model_copy(update={"created_at": NOW - timedelta(1)}))
        uow.tasks.add(task.model_copy(update={"done_at": NOW}))
        older, newer = await uow.tasks.open()
        assert older.id is not None and newer.id is not None
        assert newer == task.model_copy(update={"id": newer.id})
        assert older == task.model_copy(update={"id": older.id, "created_at": NOW - timedelta(1)})


# ---------------------------------------------------------------- datetimes

NAIVE = datetime(2026, 1, 12, 10)  # noqa: DTZ001 - the naive datetime the storage refuses


async def _now(write: Callable[[Any], None], value: object) -> None:
    """A write that waits for nothing, called as the awaitable writes are."""
    write(value)


WRITES: dict[str, Callable[[UnitOfWork], Awaitable[object]]] = {
    "case": lambda uow: uow.cases.add(record(created_at=NAIVE)),
    "consent": lambda uow: uow.consents.append(entry(at=NAIVE)),
    "outbox": lambda uow: uow.outbox.enqueue(message(next_attempt_at=NAIVE)),
    "due": lambda uow: uow.outbox.due(NAIVE),
    "inbound": lambda uow: uow.inbound.add(reply(received_at=NAIVE)),
    "timer": lambda uow: uow.timers.set("c1", TimerKind.REMIND, NAIVE),
    "task": lambda uow: _now(
        uow.tasks.add, OperatorTask(case_id=None, kind="nonsense", note="", created_at=NAIVE)
    ),
    "put": lambda uow: _now(uow.outbox.put, message(next_attempt_at=NAIVE)),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
async def test_a_naive_datetime_is_refused(
    storage: Storage, write: Callable[[UnitOfWork], Awaitable[object]]
) -> None:
    await with_case(storage)
    async with storage.unit_of_work() as uow:
        with pytest.raises(ValueError, match="naive"):
            await write(uow)


async def test_datetimes_come_back_aware_in_utc(storage: Storage) -> None:
    almaty = NOW.astimezone(ALMATY)
    case = record().case.model_copy(update={"offered_at": almaty})
    await with_case(storage, record(created_at=almaty, case=case))
    async with storage.unit_of_work() as uow:
        stored = await uow.cases.get("c1")
        queued = await uow.outbox.enqueue(message(next_attempt_at=almaty, created_at=almaty))
    assert stored is not None
    moments = (stored.created_at, stored.case.offered_at, queued.next_attempt_at)
    assert all(moment == NOW and moment.tzinfo is UTC for moment in moments)


async def test_a_row_referring_to_an_unknown_case_is_refused(storage: Storage) -> None:
    async with storage.unit_of_work() as uow:
        await uow.timers.set("c404", TimerKind.REMIND, NOW)
        with pytest.raises(
            (sqlite3.IntegrityError, asyncpg.ForeignKeyViolationError), match="(?i)foreign key"
        ):
            await uow.commit()


async def test_a_case_keeps_the_amount_and_terms_of_its_offer(storage: Storage) -> None:
    terms = Decision(
        service=Service.SURVIVOR,
        outcome=Outcome.ASSIGN,
        decided_at=NOW,
        amount=Decimal("76276.50"),
        start=date(2026, 1, 9),
        basis="survivor p.24",
    )
    offered = record("c9", offered_amount=Decimal("224900.00"), monthly=False)
    monthly = record(
        "c10",
        event_id=10,
        offered_amount=Decimal("76276.50"),
        monthly=True,
        terms=terms,
        received_for=("120601571539", "150303500012"),
        subject_name="Бауыржан",
    )
    await with_case(storage, offered, monthly)
    async with storage.unit_of_work() as uow:
        assert await uow.cases.get("c9") == offered
        assert await uow.cases.get("c10") == monthly


async def test_an_outbox_message_keeps_its_template_version(storage: Storage) -> None:
    await with_case(storage, record())
    async with storage.unit_of_work() as uow:
        stored = await uow.outbox.enqueue(message(template_version="3f2a9c1d0b7e"))
        await uow.commit()
    assert stored.template_version == "3f2a9c1d0b7e"


async def test_a_timers_due_time_is_read_back_and_none_when_unset(storage: Storage) -> None:
    await with_case(storage, record())
    due = datetime(2026, 1, 15, 5, 0, tzinfo=UTC)
    async with storage.unit_of_work() as uow:
        assert await uow.timers.due_at("c1", TimerKind.EXPIRE) is None
        await uow.timers.set("c1", TimerKind.EXPIRE, due)
        assert await uow.timers.due_at("c1", TimerKind.EXPIRE) == due
        assert await uow.timers.due_at("c1", TimerKind.REMIND) is None


async def test_cases_in_given_states_come_oldest_first(storage: Storage) -> None:
    first = record("c1")
    second = record("c2", event_id=2)
    await with_case(storage, first, second)
    async with storage.unit_of_work() as uow:
        assert [r.case.id for r in await uow.cases.in_states(frozenset(CaseState))] == ["c1", "c2"]
        assert await uow.cases.in_states(frozenset({CaseState.ASSIGNED})) == []


# ---------------------------------------------------------------- payments: one benefit a family

DECEASED = "500101300123"


def survivor_order(case_id: str, amount: str, family: str = "114414.75") -> PaymentOrder:
    """A survivor order of the deceased's family, a share of `family` a month."""
    return PaymentOrder(
        case_id=case_id,
        service="survivor",
        subject_iin=DECEASED,
        amount=Decimal(amount),
        iban="KZ86125KZT5004100100",
        start=date(2026, 1, 9),
        periodicity="monthly",
        created_at=NOW,
        family_amount=Decimal(family),
    )


async def survivor_cases(storage: Storage, *case_ids: str) -> None:
    """Survivor cases about DECEASED, one per id."""
    made = [
        record(i, event_id=n, addressee_iin=f"80020240045{n}")
        for n, i in enumerate(case_ids, start=1)
    ]
    await with_case(storage, *made)


async def placed(storage: Storage, *orders: PaymentOrder) -> list[bool]:
    """Place each order in a unit of work of its own; whether each was placed."""
    results = []
    for order in orders:
        async with storage.unit_of_work() as uow:
            results.append(await uow.payments.place(order))
            await uow.commit()
    return results


async def test_a_familys_shares_are_placed_until_the_family_amount_and_no_further(
    storage: Storage,
) -> None:
    await survivor_cases(storage, "mother", "student", "third")
    orders = [
        survivor_order("mother", "76276.50"),
        survivor_order("student", "38138.25"),
        survivor_order("third", "0.01"),  # a tiyn over 114,414.75
    ]
    assert await placed(storage, *orders) == [True, True, False]
    async with storage.unit_of_work() as uow:
        assert [o.case_id for o in await uow.payments.all()] == ["mother", "student"]
        assert await uow.payments.family_paid(DECEASED) == (
            Decimal("114414.75"),
            Decimal("114414.75"),
        )


async def test_a_case_paid_twice_takes_its_share_of_the_family_once(storage: Storage) -> None:
    await survivor_cases(storage, "mother")
    again = survivor_order("mother", "76276.50")
    assert await placed(storage, again, again) == [True, False]
    async with storage.unit_of_work() as uow:
        assert await uow.payments.family_paid(DECEASED) == (
            Decimal("114414.75"),
            Decimal("76276.50"),
        )


async def test_a_later_start_years_larger_family_amount_raises_the_bound(storage: Storage) -> None:
    await survivor_cases(storage, "first", "second")
    assert await placed(
        storage,
        survivor_order("first", "52003.25", family="104006.50"),  # 2.25 × 46,228 (2025)
        survivor_order("second", "57207.37", family="114414.75"),  # a share of 2026's
    ) == [True, True]
    async with storage.unit_of_work() as uow:
        assert await uow.payments.family_paid(DECEASED) == (
            Decimal("114414.75"),
            Decimal("109210.62"),
        )


async def test_an_order_refused_for_the_family_amount_leaves_no_order_and_no_share(
    storage: Storage,
) -> None:
    await survivor_cases(storage, "greedy")
    assert await placed(storage, survivor_order("greedy", "114414.76")) == [False]
    async with storage.unit_of_work() as uow:
        assert await uow.payments.all() == []
        assert await uow.payments.family_paid(DECEASED) == (Decimal("114414.75"), Decimal(0))


# ---------------------------------------------------------------- console logins

LIMITS = LoginLimits(window=timedelta(minutes=15), per_address=5, per_name=20)
AT = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


async def attempt(storage: Storage, name: str, address: str, at: datetime = AT) -> str | None:
    """One login attempt in a unit of work of its own, as the console makes it."""
    async with storage.unit_of_work() as uow:
        token = await uow.sessions.attempt(name, address, at, LIMITS)
        await uow.commit()
    return token


async def test_failed_logins_are_held_per_name_and_address_and_per_name_never_per_address(
    storage: Storage,
) -> None:
    assert all([await attempt(storage, "aigul", "10.0.0.1") for _ in range(5)])
    assert await attempt(storage, "aigul", "10.0.0.1") is None  # that name from that address
    assert await attempt(storage, "daulet", "10.0.0.1") is not None  # another name: not held
    for n in range(15):  # the name from other addresses, up to twenty in all
        assert await attempt(storage, "aigul", f"10.0.1.{n}") is not None
    assert await attempt(storage, "aigul", "10.0.2.1") is None
    assert await attempt(storage, "aigul", "10.0.2.1", AT + timedelta(minutes=16)) is not None


async def test_a_login_whose_password_was_right_is_taken_back(storage: Storage) -> None:
    tokens = [await attempt(storage, "aigul", "10.0.0.1") for _ in range(5)]
    async with storage.unit_of_work() as uow:
        for token in tokens[:2]:
            assert token is not None
            await uow.sessions.take_back(token)
        await uow.commit()
    assert await attempt(storage, "aigul", "10.0.0.1") is not None
    assert await attempt(storage, "aigul", "10.0.0.1") is not None
    assert await attempt(storage, "aigul", "10.0.0.1") is None


async def test_logins_attempted_at_once_by_two_instances_never_pass_the_limit(
    reopen: Reopen,
) -> None:
    one, two = await reopen(), await reopen()
    tokens = await asyncio.gather(
        *(attempt(storage, "aigul", "10.0.0.1") for _ in range(20) for storage in (one, two))
    )
    assert sum(token is not None for token in tokens) == LIMITS.per_address


# ---------------------------------------------------------------- the SQLite file


def user_version(path: Path) -> int:
    """The file's PRAGMA user_version, read with sqlite3."""
    with closing(sqlite3.connect(path)) as conn:
        version: int = conn.execute("PRAGMA user_version").fetchone()[0]
        return version


async def test_migrations_run_once(sqlite_storage: Storage, db_path: Path) -> None:
    assert user_version(db_path) == len(migrations())
    await with_case(sqlite_storage)
    await sqlite_storage.close()
    reopened = await SqliteStorage.open(db_path)
    try:
        async with reopened.unit_of_work() as uow:
            assert await uow.cases.get("c1") is not None
    finally:
        await reopened.close()
    assert user_version(db_path) == len(migrations())


async def test_a_file_newer_than_the_code_is_refused(db_path: Path) -> None:
    with closing(sqlite3.connect(db_path)) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(RuntimeError, match="newer"):
        await SqliteStorage.open(db_path)


async def test_the_file_refuses_survivor_payments_over_the_family_amount(
    sqlite_storage: Storage, db_path: Path
) -> None:
    await survivor_cases(sqlite_storage, "mother")
    await placed(sqlite_storage, survivor_order("mother", "76276.50"))
    with closing(sqlite3.connect(db_path)) as conn, pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE survivor_families SET paid_tiyn = family_tiyn + 1")


async def test_the_file_is_in_wal_mode(sqlite_storage: Storage, db_path: Path) -> None:
    with closing(sqlite3.connect(db_path)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# ---------------------------------------------------------------- PostgreSQL


async def schema_version(url: str) -> int:
    """The database's last migration, read with asyncpg."""
    conn = await asyncpg.connect(url)
    try:
        return await postgres.version(conn)
    finally:
        await conn.close()


async def test_postgresql_migrations_run_once_however_many_instances_open_at_once() -> None:
    async with fresh_database() as url:
        opened = await asyncio.gather(*(PostgresStorage.open(url) for _ in range(3)))
        try:
            assert await schema_version(url) == len(migrations("migrations/postgresql"))
            await with_case(opened[0])
            async with opened[2].unit_of_work() as uow:
                assert await uow.cases.get("c1") is not None
        finally:
            for storage in opened:
                await storage.close()
        assert await schema_version(url) == len(migrations()) == 12


async def test_a_postgresql_database_newer_than_the_code_is_refused() -> None:
    async with fresh_database() as url:
        await (await PostgresStorage.open(url)).close()
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("INSERT INTO schema_version (version) VALUES (99)")
        finally:
            await conn.close()
        with pytest.raises(RuntimeError, match="newer"):
            await PostgresStorage.open(url)
