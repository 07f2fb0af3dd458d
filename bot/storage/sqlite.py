"""The bot's SQLite file: numbered migrations, one connection, one unit of work at a time."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from importlib.resources import files
from pathlib import Path

import aiosqlite

from bot.storage.session import SqliteDriver
from bot.storage.unit import CrashAtCommit, Gate, SqlUnitOfWork

PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
)
_MIGRATION_NAME = re.compile(r"(\d{4})_\w+\.sql")


def migrations(folder: str = "migrations") -> list[str]:
    """The SQL of bot/storage/<folder>/NNNN_name.sql, in order; numbers run 1, 2, 3…
    (SQLite's in `migrations`, PostgreSQL's in `migrations/postgresql`)."""
    found = {}
    directory = files("bot.storage")
    for part in folder.split("/"):
        directory = directory.joinpath(part)
    for resource in directory.iterdir():
        match = _MIGRATION_NAME.fullmatch(resource.name)
        if match:
            found[int(match.group(1))] = resource.read_text(encoding="utf-8")
    if sorted(found) != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps: {sorted(found)}")
    return [found[number] for number in sorted(found)]


def statements(script: str) -> list[str]:
    """A script's statements, split where SQLite itself sees a statement end."""
    done: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            done.append(pending.strip())
            pending = ""
    leftover = [line for line in pending.splitlines() if not line.strip().startswith("--")]
    if "".join(leftover).strip():
        raise ValueError(f"a migration ends inside a statement: {pending.strip()[:60]!r}")
    return done


async def migrate(conn: aiosqlite.Connection) -> None:
    """Run the migrations the file has not seen, each once, in its own transaction."""
    scripts = migrations()
    for number, script in enumerate(scripts, start=1):
        await conn.execute("BEGIN IMMEDIATE")
        try:
            async with conn.execute("PRAGMA user_version") as cursor:
                version = (await cursor.fetchone() or (0,))[0]
            if version > len(scripts):
                raise RuntimeError(f"the file is at version {version}, newer than this code")
            if version < number:
                for statement in statements(script):
                    await conn.execute(statement)
                await conn.execute(f"PRAGMA user_version = {number}")
            await conn.execute("COMMIT")
        except BaseException:
            await conn.execute("ROLLBACK")
            raise


class SqliteUnitOfWork(SqlUnitOfWork):
    """One `BEGIN IMMEDIATE` transaction over every store: SQLite's write lock, held from the
    start, serialises it with every other process's on the same file."""

    def __init__(
        self, conn: aiosqlite.Connection, gate: Gate, crash: CrashAtCommit | None = None
    ) -> None:
        super().__init__(SqliteDriver(conn), gate, crash)
        self._conn = conn

    async def _begin(self) -> None:
        await self._conn.execute("BEGIN IMMEDIATE")

    async def _commit(self) -> None:
        await self._conn.execute("COMMIT")

    async def _rollback(self) -> None:
        with suppress(sqlite3.OperationalError, ValueError):  # no transaction; closed
            await self._conn.execute("ROLLBACK")


class SqliteStorage:
    """The bot's database: a file in WAL mode, migrated on open."""

    def __init__(self, conn: aiosqlite.Connection, crash: CrashAtCommit | None = None) -> None:
        self._conn = conn
        self._gate = Gate()
        self._crash = crash or CrashAtCommit()

    @classmethod
    async def open(cls, path: Path) -> SqliteStorage:
        """Open (creating if needed) and migrate the file at `path`.

        Reads the crash-test failpoint (`BOT_CRASH_AT_COMMIT`, `BOT_CRASH_WHEN`) here, once.
        """
        crash = CrashAtCommit.from_environment()
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            for pragma in PRAGMAS:
                await conn.execute(pragma)
            await migrate(conn)
        except BaseException:
            await conn.close()
            raise
        return cls(conn, crash)

    def unit_of_work(self) -> SqliteUnitOfWork:
        """A new unit of work (use with `async with`); it waits for the one before it."""
        return SqliteUnitOfWork(self._conn, self._gate, self._crash)

    @asynccontextmanager
    async def claim(self, role: str) -> AsyncIterator[bool]:
        """Whether this process does `role`'s work now: always (one bot process owns a file;
        several instances share a PostgreSQL database instead)."""
        yield True

    async def close(self) -> None:
        """Close the database once the unit of work in progress, if any, has ended."""
        await self._gate.enter()
        try:
            await self._conn.close()
        finally:
            self._gate.leave()
