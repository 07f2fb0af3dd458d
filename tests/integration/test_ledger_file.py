"""The ledger in a real file: rows of two cases appended through the storage, the first four
sealed in a checkpoint, then tampered with by hand in a copy of the file with sqlite3, are
caught by `verify_file`; the original still verifies.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.evidence.ledger import append_link
from bot.records import CaseRecord, Channel, ConsentAct, ConsentEntry
from bot.storage.sqlite import SqliteStorage
from bot.storage.verify import verify_file
from domain.cases import Case, CaseState
from domain.model import Service

NOW = datetime(2026, 1, 12, 10, tzinfo=UTC)
ROWS = 6  # seq 1, 3, 5: case c1's links 1-3; seq 2, 4, 6: case c2's
SEALED = 4  # checkpoint 1 seals seq 1-4
Tamper = Callable[[sqlite3.Connection], object]


def entry(n: int) -> ConsentEntry:
    """The n-th act written: case c1's when n is odd, c2's when even."""
    return ConsentEntry(
        case_id="c1" if n % 2 else "c2",
        iin="800202400456",
        act=ConsentAct.OFFERED if n <= 2 else ConsentAct.REMINDED,
        text=f"Төлем ұсынылады / Предлагается выплата ({n})",
        template_id="offer.burial",
        template_version="1",
        language="kk+ru",
        channel=Channel.SMS,
        message_ids=(f"m-{n}",),
        actor="system",
        at=NOW + timedelta(hours=n),
    )


@pytest.fixture
async def ledger(tmp_path: Path) -> Path:
    """A closed bot file whose ledger holds ROWS rows of cases c1 and c2, SEALED sealed."""
    path = tmp_path / "bot.sqlite3"
    storage = await SqliteStorage.open(path)
    try:
        async with storage.unit_of_work() as uow:
            for case_id, code in (("c1", "101"), ("c2", "102")):
                await uow.cases.add(record(case_id, code))
            for n in range(1, SEALED + 1):
                await uow.consents.append(entry(n))
            await uow.commit()
        async with storage.unit_of_work() as uow:
            await uow.consents.checkpoint(NOW, 100)
            for n in range(SEALED + 1, ROWS + 1):
                await uow.consents.append(entry(n))
            await uow.commit()
    finally:
        await storage.close()
    return path


def record(case_id: str, code: str) -> CaseRecord:
    """An offered burial case."""
    case = Case(
        id=case_id,
        service=Service.BURIAL,
        state=CaseState.OFFERED,
        automatic=True,
        term_working_days=1,
        offered_at=NOW,
    )
    return CaseRecord(
        case=case,
        code=code,
        subject_iin="500101300123",
        addressee_iin="800202400456",
        phone="+77011234567",
        event_id=1 if case_id == "c1" else 2,
        created_at=NOW,
    )


def tampered(original: Path, tamper: Tamper) -> Path:
    """A copy of the file, changed by `tamper` through sqlite3 and committed."""
    copy = original.with_name("tampered.sqlite3")
    shutil.copy(original, copy)
    with closing(sqlite3.connect(copy)) as conn, conn:
        tamper(conn)
    return copy


def columns(conn: sqlite3.Connection) -> list[str]:
    """The ledger's columns but the physical row id."""
    return [row[1] for row in conn.execute("PRAGMA table_info(consents)") if row[1] != "id"]


def reinsert_row_2(conn: sqlite3.Connection) -> None:
    """Delete row 2 and insert it again unchanged: it now lies last in the file."""
    names = ", ".join(columns(conn))
    values = conn.execute(f"SELECT {names} FROM consents WHERE seq = 2").fetchone()
    conn.execute("DELETE FROM consents WHERE seq = 2")
    marks = ", ".join("?" * len(values))
    conn.execute(f"INSERT INTO consents ({names}) VALUES ({marks})", values)


def swap_seqs_of_rows_1_and_3(conn: sqlite3.Connection) -> None:
    """Give case c1's links 1 and 2 each other's place in the order of writing."""
    conn.execute("UPDATE consents SET seq = -seq WHERE seq IN (1, 3)")  # free the unique seqs
    conn.execute("UPDATE consents SET seq = CASE seq WHEN -1 THEN 3 ELSE 1 END WHERE seq < 0")


def rehash_an_edited_row_3(conn: sqlite3.Connection) -> None:
    """Make row 3 (case c1's link 2) say consent was given, with a hash recomputed to match."""
    (prev_hash,) = conn.execute("SELECT prev_hash FROM consents WHERE seq = 3").fetchone()
    forged = append_link(entry(3).model_copy(update={"act": ConsentAct.GIVEN}), 3, 2, prev_hash)
    conn.execute("UPDATE consents SET act = 'given', hash = ? WHERE seq = 3", (forged.hash,))


async def test_the_untouched_file_verifies(ledger: Path) -> None:
    assert await verify_file(ledger) == []


async def test_a_row_deleted_and_inserted_again_unchanged_is_the_same_ledger(
    ledger: Path,
) -> None:
    """The order that counts is each case's links and each checkpoint's, not the file's."""
    assert await verify_file(tampered(ledger, reinsert_row_2)) == []


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (
            lambda conn: conn.execute("UPDATE consents SET text = 'Иә' WHERE seq = 3"),
            "row 3 (case c1, link 2): text does not match its text hash (edited)",
        ),
        (
            lambda conn: conn.execute("DELETE FROM consents WHERE seq = 3"),
            "row 5 (case c1, link 3): links 2-2 missing (deleted)",
        ),
        (
            lambda conn: conn.execute("DELETE FROM consents WHERE seq = 4"),
            "checkpoint 1: seals 4 rows, 3 name it (rows deleted or inserted)",
        ),
        (swap_seqs_of_rows_1_and_3, "row 1 (case c1, link 2): written before link 1 (reordered)"),
        (
            rehash_an_edited_row_3,
            "row 5 (case c1, link 3): prev_hash does not match the link before it"
            " (a row deleted, reordered, or edited and re-hashed)",
        ),
        (
            lambda conn: conn.execute("UPDATE consents SET checkpoint = NULL WHERE seq = 2"),
            "checkpoint 1: seals 4 rows, 3 name it (rows deleted or inserted)",
        ),
        (
            lambda conn: conn.execute("UPDATE ledger_checkpoints SET size = 3"),
            "checkpoint 1: content does not match its hash (edited)",
        ),
    ],
    ids=[
        "edited text",
        "deleted middle link",
        "deleted sealed last link",
        "swapped order",
        "re-hashed",
        "unsealed row",
        "edited checkpoint",
    ],
)
async def test_tampering_with_a_copy_is_caught_and_the_original_still_verifies(
    ledger: Path, tamper: Tamper, expected: str
) -> None:
    problems = await verify_file(tampered(ledger, tamper))
    assert any(problem.startswith(expected) for problem in problems), problems
    assert await verify_file(ledger) == []


async def test_a_missing_file_is_not_verified(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        await verify_file(tmp_path / "missing.sqlite3")
