"""The ledger in a real file: rows appended through the storage, then tampered with by hand
in a copy of the file with sqlite3, are caught by `verify_file`; the original still verifies.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.evidence.ledger import seal
from bot.records import CaseRecord, Channel, ConsentAct, ConsentEntry
from bot.storage.sqlite import SqliteStorage
from bot.storage.verify import verify_file
from domain.cases import Case, CaseState
from domain.model import Service

NOW = datetime(2026, 1, 12, 10, tzinfo=UTC)
ROWS = 5
Tamper = Callable[[sqlite3.Connection], object]


def entry(n: int) -> ConsentEntry:
    """The n-th act of case c1."""
    return ConsentEntry(
        case_id="c1",
        iin="800202400456",
        act=ConsentAct.OFFERED if n == 1 else ConsentAct.REMINDED,
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
    """A closed bot file whose ledger holds ROWS rows of case c1."""
    path = tmp_path / "bot.sqlite3"
    case = Case(
        id="c1",
        service=Service.BURIAL,
        state=CaseState.OFFERED,
        automatic=True,
        term_working_days=1,
        offered_at=NOW,
    )
    record = CaseRecord(
        case=case,
        code="101",
        subject_iin="500101300123",
        addressee_iin="800202400456",
        phone="+77011234567",
        event_id=1,
        created_at=NOW,
    )
    storage = await SqliteStorage.open(path)
    try:
        async with storage.unit_of_work() as uow:
            await uow.cases.add(record)
            for n in range(1, ROWS + 1):
                await uow.consents.append(entry(n))
            await uow.commit()
    finally:
        await storage.close()
    return path


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


def swap_rows_2_and_3(conn: sqlite3.Connection) -> None:
    """Swap every column of the rows in places 2 and 3, seq and hashes included."""
    names = columns(conn)
    select = f"SELECT {', '.join(names)} FROM consents WHERE id = ?"
    second, third = (conn.execute(select, (place,)).fetchone() for place in (2, 3))
    conn.execute("UPDATE consents SET seq = -seq WHERE id IN (2, 3)")  # free the unique seqs
    assignments = ", ".join(f"{name} = ?" for name in names)
    conn.execute(f"UPDATE consents SET {assignments} WHERE id = 2", third)
    conn.execute(f"UPDATE consents SET {assignments} WHERE id = 3", second)


def rehash_an_edited_row_3(conn: sqlite3.Connection) -> None:
    """Make row 3 say consent was given, with a hash recomputed to match."""
    (prev_hash,) = conn.execute("SELECT prev_hash FROM consents WHERE seq = 3").fetchone()
    forged = seal(entry(3).model_copy(update={"act": ConsentAct.GIVEN}), 3, prev_hash)
    conn.execute("UPDATE consents SET act = 'given', hash = ? WHERE seq = 3", (forged.hash,))


async def test_the_untouched_file_verifies(ledger: Path) -> None:
    assert await verify_file(ledger) == []


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (
            lambda conn: conn.execute("UPDATE consents SET text = 'Иә' WHERE seq = 3"),
            "row 3: text does not match its text hash (edited)",
        ),
        (
            lambda conn: conn.execute("DELETE FROM consents WHERE seq = 3"),
            "row 4: follows row 2, rows between missing (deleted)",
        ),
        (reinsert_row_2, "row 2: comes after row 5 (reordered)"),
        (swap_rows_2_and_3, "row 2: comes after row 3 (reordered)"),
        (
            rehash_an_edited_row_3,
            "row 4: prev_hash does not match the hash of row 3"
            " (a row deleted, reordered, or edited and re-hashed)",
        ),
    ],
    ids=["edited text", "deleted middle row", "reinserted row", "swapped rows", "re-hashed"],
)
async def test_tampering_with_a_copy_is_caught_and_the_original_still_verifies(
    ledger: Path, tamper: Tamper, expected: str
) -> None:
    assert expected in await verify_file(tampered(ledger, tamper))
    assert await verify_file(ledger) == []


async def test_a_missing_file_is_not_verified(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        await verify_file(tmp_path / "missing.sqlite3")
