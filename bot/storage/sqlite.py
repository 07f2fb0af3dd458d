"""The bot's SQLite file: numbered migrations, one connection, one unit of work at a time.

Crash tests only (off unless set): with `BOT_CRASH_AT_COMMIT=N` in the environment the process
kills itself with SIGKILL at its N-th unit-of-work commit (migrations do not count), just
after the COMMIT executes, or just before it with `BOT_CRASH_WHEN=before`. Both are read
once, when the storage opens; see `CrashAtCommit`.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sqlite3
from collections.abc import Mapping
from contextlib import suppress
from importlib.resources import files
from pathlib import Path
from types import TracebackType
from typing import Literal, Self

import aiosqlite

from bot.ports import (
    Audit,
    CaseStore,
    CitizenStore,
    ConsentLog,
    Decisions,
    FeedCursor,
    InboundLog,
    Journal,
    Operators,
    OperatorTasks,
    Outbox,
    Payments,
    Reports,
    TelegramChats,
    Timers,
    Views,
    WebSessions,
)
from bot.storage.cases import SqliteCaseStore, SqliteCitizenStore
from bot.storage.consents import SqliteConsentLog
from bot.storage.console import SqliteAudit, SqliteOperators, SqliteWebSessions
from bot.storage.decisions import SqliteDecisions, SqliteJournal, SqlitePayments
from bot.storage.messages import SqliteInboundLog, SqliteOutbox
from bot.storage.reports import SqliteReports
from bot.storage.schedule import SqliteFeedCursor, SqliteOperatorTasks, SqliteTimers
from bot.storage.session import Session
from bot.storage.telegram import SqliteTelegramChats
from bot.storage.views import SqliteViews

PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
)
_MIGRATION_NAME = re.compile(r"(\d{4})_\w+\.sql")


def migrations() -> list[str]:
    """The SQL of bot/storage/migrations/NNNN_name.sql, in order; numbers run 1, 2, 3…"""
    found = {}
    for resource in files("bot.storage").joinpath("migrations").iterdir():
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


CRASH_AT_COMMIT = "BOT_CRASH_AT_COMMIT"  # N >= 1: SIGKILL at the N-th commit (crash tests)
CRASH_WHEN = "BOT_CRASH_WHEN"  # "before" or "after" (default) the COMMIT executes
CrashWhen = Literal["before", "after"]


class CrashAtCommit:
    """A failpoint for crash tests: SIGKILL at the N-th commit, before or after it executes.

    Off (the default) when `BOT_CRASH_AT_COMMIT` is unset or empty. It simulates a crash
    between two steps of a flow at a chosen point, deterministically: the process dies as
    if the power went, with no cleanup, rollback or `finally`. Bad values are refused.
    """

    def __init__(self, at: int | None = None, when: CrashWhen = "after") -> None:
        if at is not None and at < 1:
            raise ValueError(f"{CRASH_AT_COMMIT} counts commits from 1, not {at}")
        self.at, self.when = at, when
        self.commits = 0  # commits begun so far by this process's storage

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> CrashAtCommit:
        """The failpoint the environment asks for; off when it asks for none."""
        at_text = environ.get(CRASH_AT_COMMIT, "").strip()
        when = environ.get(CRASH_WHEN, "").strip() or "after"
        if when not in ("before", "after"):
            raise ValueError(f"{CRASH_WHEN} must be 'before' or 'after', not {when!r}")
        if not at_text:
            return cls(None)
        try:
            at = int(at_text)
        except ValueError:
            message = f"{CRASH_AT_COMMIT} must be an integer >= 1, not {at_text!r}"
            raise ValueError(message) from None
        return cls(at, "before" if when == "before" else "after")

    def before(self) -> None:
        """Count a commit about to execute; die if it is the chosen one and `when` is before."""
        self.commits += 1
        self._maybe_die("before")

    def after(self) -> None:
        """The commit executed; die if it was the chosen one and `when` is after."""
        self._maybe_die("after")

    def _maybe_die(self, moment: CrashWhen) -> None:
        if self.at is not None and self.commits == self.at and self.when == moment:
            os.kill(os.getpid(), signal.SIGKILL)


class Gate:
    """Lets one unit of work at a time in; refuses one nested in another (it would deadlock)."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[object] | None = None

    async def enter(self) -> None:
        """Wait for the unit of work in progress to end."""
        if self._owner is not None and self._owner is asyncio.current_task():
            raise RuntimeError("a unit of work inside another would wait for itself forever")
        await self._lock.acquire()
        self._owner = asyncio.current_task()

    def leave(self) -> None:
        """Let the next unit of work in."""
        self._owner = None
        self._lock.release()


class SqliteUnitOfWork:
    """One `BEGIN IMMEDIATE` transaction over every store; rolled back unless committed."""

    def __init__(
        self, conn: aiosqlite.Connection, gate: Gate, crash: CrashAtCommit | None = None
    ) -> None:
        self._conn = conn
        self._gate = gate
        self._crash = crash or CrashAtCommit()
        self._session = Session(conn)
        self.cases: CaseStore = SqliteCaseStore(self._session)
        self.citizens: CitizenStore = SqliteCitizenStore(self._session)
        self.consents: ConsentLog = SqliteConsentLog(self._session)
        self.outbox: Outbox = SqliteOutbox(self._session)
        self.inbound: InboundLog = SqliteInboundLog(self._session)
        self.cursor: FeedCursor = SqliteFeedCursor(self._session)
        self.timers: Timers = SqliteTimers(self._session)
        self.tasks: OperatorTasks = SqliteOperatorTasks(self._session)
        self.journal: Journal = SqliteJournal(self._session)
        self.decisions: Decisions = SqliteDecisions(self._session)
        self.payments: Payments = SqlitePayments(self._session)
        self.telegram: TelegramChats = SqliteTelegramChats(self._session)
        self.operators: Operators = SqliteOperators(self._session)
        self.sessions: WebSessions = SqliteWebSessions(self._session)
        self.audit: Audit = SqliteAudit(self._session)
        self.reports: Reports = SqliteReports(self._session)
        self.views: Views = SqliteViews(self._session)

    @property
    def trips(self) -> int:
        """Statements sent to the database thread so far (a run of deferred writes: one)."""
        return self._session.trips

    async def __aenter__(self) -> Self:
        """Wait for the storage's other unit of work to end, then begin the transaction."""
        if self._session.state != "new":
            raise RuntimeError("a unit of work is entered once: open a new one")
        await self._gate.enter()
        try:
            await self._conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            try:
                await self._rollback()  # a cancelled BEGIN may still run: undo it
            finally:
                self._gate.leave()
            raise
        self._session.state = "open"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed, and let the next unit of work in."""
        committed = self._session.state == "committed"
        self._session.state = "closed"
        try:
            if not committed:
                await self._rollback()
        finally:
            self._gate.leave()

    async def commit(self) -> None:
        """Make the transaction's writes durable; the unit of work then takes no more."""
        if self._session.state != "open":
            raise RuntimeError(f"cannot commit a unit of work that is {self._session.state}")
        await self._session.flush()
        self._crash.before()
        await self._conn.execute("COMMIT")
        self._crash.after()
        self._session.state = "committed"

    async def _rollback(self) -> None:
        """Roll back the open transaction, if there is one."""
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

    async def close(self) -> None:
        """Close the database once the unit of work in progress, if any, has ended."""
        await self._gate.enter()
        try:
            await self._conn.close()
        finally:
            self._gate.leave()
