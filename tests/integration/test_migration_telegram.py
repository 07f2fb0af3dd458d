"""Migration 0003 (Telegram) on a file at schema version 2 whose consent ledger holds rows.

The file is built by hand with sqlite3 from the first two migration scripts, its ledger
rows sealed by `bot.evidence.ledger.seal`; opening it through the storage runs migration 3, which
rebuilds the `consents` table. The chain must come through intact, take rows about no case,
and still catch an edit.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.evidence.ledger import GENESIS, seal
from bot.instants import utc_text
from bot.records import Channel, ConsentAct, ConsentEntry, ConsentRow
from bot.storage.codec import consent_params
from bot.storage.consents import _COLUMNS
from bot.storage.sqlite import SqliteStorage, migrations, statements
from bot.storage.verify import verify_file

NOW = datetime(2026, 1, 12, 10, tzinfo=UTC)
CASE = "c1"
IIN = "800202400456"
PHONE = "+77011234567"
OLD_COLUMNS = tuple(name for name in _COLUMNS if name not in ("chain", "link"))  # before 0010
INSERT_CONSENT = (
    f"INSERT INTO consents ({', '.join(OLD_COLUMNS)})"
    f" VALUES ({', '.join(':' + name for name in OLD_COLUMNS)})"
)


@dataclass(frozen=True)
class Migrated:
    """The migrated file, its open storage, and the ledger rows sealed before migration."""

    path: Path
    storage: SqliteStorage
    sealed: list[ConsentRow]


def entry(n: int, act: ConsentAct) -> ConsentEntry:
    """The n-th act of case c1, by SMS."""
    return ConsentEntry(
        case_id=CASE,
        iin=IIN,
        act=act,
        text=f"Төлем ұсынылады / Предлагается выплата ({n})",
        template_id="offer.burial",
        template_version="1",
        language="kk+ru",
        channel=Channel.SMS,
        message_ids=(f"m-{n}",),
        raw_reply="1" if act is ConsentAct.GIVEN else None,
        intent="ConsentYes" if act is ConsentAct.GIVEN else None,
        actor="system" if act is ConsentAct.OFFERED else "citizen",
        at=NOW + timedelta(hours=n),
    )


def sealed_rows() -> list[ConsentRow]:
    """Offered, given, withdrawn: three rows chained from the start."""
    rows: list[ConsentRow] = []
    prev_hash = GENESIS
    acts = (ConsentAct.OFFERED, ConsentAct.GIVEN, ConsentAct.WITHDRAWN)
    for seq, act in enumerate(acts, start=1):
        row = seal(entry(seq, act), seq=seq, prev_hash=prev_hash)
        rows.append(row)
        prev_hash = row.hash
    return rows


def connect(path: Path) -> closing[sqlite3.Connection]:
    """A raw autocommit connection to the file, closed on leaving the `with`."""
    return closing(sqlite3.connect(path, isolation_level=None))


def build_version_2(path: Path, rows: list[ConsentRow]) -> None:
    """A file at schema version 2 holding case c1 and `rows` in its ledger."""
    with connect(path) as conn:
        for script in migrations()[:2]:
            for statement in statements(script):
                conn.execute(statement)
        conn.execute("PRAGMA user_version = 2")
        conn.execute(
            "INSERT INTO cases (id, event_id, service, subject_iin, addressee_iin, phone, code,"
            " state, created_at, monthly, body)"
            " VALUES (?, 1, 'burial', '500101300123', ?, ?, '101', 'withdrawn', ?, 0, '{}')",
            (CASE, IIN, PHONE, utc_text(NOW)),
        )
        for row in rows:
            conn.execute(INSERT_CONSENT, consent_params(row))


def user_version(path: Path) -> int:
    with connect(path) as conn:
        version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    return version


def linked() -> ConsentEntry:
    """Telegram linked to the person's phone: an act about no case."""
    return ConsentEntry(
        case_id=None,
        iin=IIN,
        act=ConsentAct.LINKED,
        text=f"Telegram chat 5550001 linked to {PHONE}",
        template_id="telegram.linked",
        template_version="1",
        language="kk",
        channel=Channel.TELEGRAM,
        actor="citizen",
        at=NOW + timedelta(days=1),
    )


@pytest.fixture(autouse=True)
def no_crash_failpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    """The storage's crash-test failpoint stays off whatever the machine's environment."""
    monkeypatch.delenv("BOT_CRASH_AT_COMMIT", raising=False)
    monkeypatch.delenv("BOT_CRASH_WHEN", raising=False)


@pytest.fixture
def version_2(tmp_path: Path) -> tuple[Path, list[ConsentRow]]:
    """A closed file at schema version 2 and the ledger rows it holds."""
    path = tmp_path / "bot.sqlite3"
    rows = sealed_rows()
    build_version_2(path, rows)
    return path, rows


@pytest.fixture
async def migrated(version_2: tuple[Path, list[ConsentRow]]) -> AsyncIterator[Migrated]:
    """The version 2 file opened (and so migrated) by the storage; closed afterwards."""
    path, rows = version_2
    storage = await SqliteStorage.open(path)
    try:
        yield Migrated(path=path, storage=storage, sealed=rows)
    finally:
        await storage.close()


def test_the_hand_built_file_is_at_version_2_with_a_verifying_ledger(
    version_2: tuple[Path, list[ConsentRow]],
) -> None:
    path, _ = version_2

    assert user_version(path) == 2
    with connect(path) as conn:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    assert "consents" in tables
    assert "telegram_chats" not in tables


async def test_the_ledger_of_the_hand_built_file_verifies_before_migration(
    version_2: tuple[Path, list[ConsentRow]],
) -> None:
    path, _ = version_2

    assert await verify_file(path) == []


def test_before_the_migration_the_ledger_refuses_a_row_about_no_case(
    version_2: tuple[Path, list[ConsentRow]],
) -> None:
    path, rows = version_2
    row = seal(linked(), seq=len(rows) + 1, prev_hash=rows[-1].hash)

    with connect(path) as conn, pytest.raises(sqlite3.IntegrityError, match="NOT NULL"):
        conn.execute(INSERT_CONSENT, consent_params(row))


async def test_opening_a_version_2_file_brings_it_to_the_latest_schema(
    migrated: Migrated,
) -> None:
    assert user_version(migrated.path) == len(migrations())
    assert len(migrations()) >= 3


async def test_the_ledger_chain_still_verifies_after_the_migration(migrated: Migrated) -> None:
    assert await verify_file(migrated.path) == []


async def test_the_ledger_rows_read_back_exactly_as_they_were_sealed(migrated: Migrated) -> None:
    async with migrated.storage.unit_of_work() as uow:
        rows = await uow.consents.rows()

    assert rows == migrated.sealed
    assert [(r.seq, r.prev_hash, r.hash) for r in rows] == [
        (r.seq, r.prev_hash, r.hash) for r in migrated.sealed
    ]


async def test_a_row_about_no_case_starts_its_citizens_chain_after_the_migrated_rows(
    migrated: Migrated,
) -> None:
    async with migrated.storage.unit_of_work() as uow:
        appended = await uow.consents.append(linked())
        await uow.commit()

    assert appended.seq == len(migrated.sealed) + 1
    assert (appended.chain, appended.link, appended.prev_hash) == (f"iin:{IIN}", 1, GENESIS)
    assert await verify_file(migrated.path) == []
    async with migrated.storage.unit_of_work() as uow:
        rows = await uow.consents.rows()
    assert rows == [*migrated.sealed, appended]
    assert rows[-1].entry.case_id is None
    assert rows[-1].entry.act is ConsentAct.LINKED
    assert rows[-1].entry.channel == Channel.TELEGRAM


async def test_the_first_checkpoint_seals_the_new_rows_onto_the_migrated_chains_head(
    migrated: Migrated,
) -> None:
    async with migrated.storage.unit_of_work() as uow:
        await uow.consents.append(linked())
        await uow.commit()
    async with migrated.storage.unit_of_work() as uow:
        made = await uow.consents.checkpoint(NOW, 100)
        await uow.commit()

    assert made is not None
    assert (made.number, made.size, made.prev_hash) == (1, 1, migrated.sealed[-1].hash)
    assert await verify_file(migrated.path) == []
    with connect(migrated.path) as conn:  # the old chain's last row deleted: checkpoint 1 sees
        conn.execute("DELETE FROM consents WHERE seq = 3")
    assert await verify_file(migrated.path) == [
        "checkpoint 1: prev_hash does not match the last row of the old chain"
        " (deleted, reordered or re-hashed)"
    ]


async def test_editing_a_migrated_row_afterwards_is_caught(migrated: Migrated) -> None:
    async with migrated.storage.unit_of_work() as uow:
        await uow.consents.append(linked())
        await uow.commit()

    with connect(migrated.path) as conn:
        conn.execute("UPDATE consents SET text = 'Иә / Да' WHERE seq = 2")

    problems = await verify_file(migrated.path)
    assert problems != []
    assert all(problem.startswith("row 2:") for problem in problems)


async def test_the_migration_adds_telegram_chats_where_a_phone_links_one_chat_only(
    migrated: Migrated,
) -> None:
    chat = (
        "INSERT INTO telegram_chats (chat_id, user_id, phone, iin, linked_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?)"
    )
    at = utc_text(NOW)
    with connect(migrated.path) as conn:
        conn.execute(chat, (5550001, 5550001, PHONE, IIN, at, at))
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(chat, (5550002, 5550002, PHONE, IIN, at, at))
        count = conn.execute("SELECT count(*) FROM telegram_chats").fetchone()[0]
    assert count == 1


async def test_chats_not_linked_to_a_phone_may_be_many(migrated: Migrated) -> None:
    chat = "INSERT INTO telegram_chats (chat_id, user_id, updated_at) VALUES (?, ?, ?)"
    at = utc_text(NOW)
    with connect(migrated.path) as conn:
        conn.execute(chat, (5550001, 5550001, at))
        conn.execute(chat, (5550002, 5550002, at))
        count = conn.execute("SELECT count(*) FROM telegram_chats WHERE phone IS NULL")
        assert count.fetchone()[0] == 2
