"""A channel's own SQLite file: opened migrated in WAL mode, written in short transactions.

The SMS providers' adapters keep their state (submissions, receipts, replies) in files of
their own, apart from the bot's database, as a provider's side of the line would be.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from bot.ports import Clock


def connect(path: Path, migrations: Sequence[str]) -> sqlite3.Connection:
    """Open (creating if needed) the file, migrated, in WAL mode, autocommit off."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA busy_timeout = 5000")
        _migrate(conn, migrations)
    except BaseException:
        conn.close()
        raise
    return conn


def _migrate(conn: sqlite3.Connection, migrations: Sequence[str]) -> None:
    """Run the migrations the file has not seen yet, each in its own transaction.

    Numbered by position; each runs once, in order, recorded in PRAGMA user_version, read
    inside the transaction's write lock (processes opening a new file at once run it once)."""
    for number, script in enumerate(migrations, start=1):
        with transaction(conn):
            if conn.execute("PRAGMA user_version").fetchone()[0] >= number:
                continue
            for statement in script.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction (taken at once): committed at the end, rolled back if it raises."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


async def utc_now(clock: Clock) -> datetime:
    """The clock's instant in UTC, as the files stamp it; a naive clock is a fault."""
    now = await clock.now()
    if now.tzinfo is None:
        raise ValueError("the clock must give timezone-aware time")
    return now.astimezone(UTC)


def to_text(moment: datetime) -> str:
    """UTC ISO text of fixed width, so stored instants compare as text."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
