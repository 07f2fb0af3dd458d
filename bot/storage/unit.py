"""What every database's unit of work shares: the repositories over one session, one unit of
work at a time per process, and the crash tests' failpoint.

Crash tests only (off unless set): with `BOT_CRASH_AT_COMMIT=N` in the environment the process
kills itself with SIGKILL at its N-th unit-of-work commit (migrations do not count), just
after the COMMIT executes, or just before it with `BOT_CRASH_WHEN=before`. With
`BOT_CRASH_AT_COMMIT=WORK:N` it counts only the commits made while that kind of work runs
(`doing`: intake, replies, timers, decisions, dispatch, and receipts within the dispatch),
so a test can name "the first commit of the receipts" whatever the number of commits before
it (the dispatch's group commit makes one to as many as its messages, by timing). Both are
read once, when the storage opens; see `CrashAtCommit`.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import TracebackType
from typing import Literal, Self

from bot.ports import (
    Audit,
    CaseStore,
    ChatLinks,
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
from bot.storage.cases import SqlCaseStore, SqlCitizenStore
from bot.storage.chats import SqlChatLinks
from bot.storage.consents import SqlConsentLog
from bot.storage.console import SqlAudit, SqlOperators, SqlWebSessions
from bot.storage.decisions import SqlDecisions, SqlJournal, SqlPayments
from bot.storage.messages import SqlInboundLog, SqlOutbox
from bot.storage.reports import SqlReports
from bot.storage.schedule import SqlFeedCursor, SqlOperatorTasks, SqlTimers
from bot.storage.session import Driver, Session
from bot.storage.telegram import SqlTelegramChats
from bot.storage.views import SqlViews

CRASH_AT_COMMIT = "BOT_CRASH_AT_COMMIT"  # N >= 1, or WORK:N: SIGKILL at that commit (crash tests)
CRASH_WHEN = "BOT_CRASH_WHEN"  # "before" or "after" (default) the COMMIT executes
CrashWhen = Literal["before", "after"]

_WORK: ContextVar[str] = ContextVar("bot_work", default="")


@contextmanager
def doing(work: str) -> Iterator[None]:
    """Name the kind of work the commits inside belong to (tasks started inside inherit it)."""
    token = _WORK.set(work)
    try:
        yield
    finally:
        _WORK.reset(token)


class CrashAtCommit:
    """A failpoint for crash tests: SIGKILL at the N-th commit, before or after it executes;
    with `work`, at the N-th commit of that kind of work (`doing`).

    Off (the default) when `BOT_CRASH_AT_COMMIT` is unset or empty. It simulates a crash
    between two steps of a flow at a chosen point, deterministically: the process dies as
    if the power went, with no cleanup, rollback or `finally`. Bad values are refused.
    """

    def __init__(
        self, at: int | None = None, when: CrashWhen = "after", work: str | None = None
    ) -> None:
        if at is not None and at < 1:
            raise ValueError(f"{CRASH_AT_COMMIT} counts commits from 1, not {at}")
        self.at, self.when, self.work = at, when, work
        self.commits = 0  # commits begun so far by this process's storage
        self.by_work: Counter[str] = Counter()  # the same, by kind of work
        self._counted = 0  # the number of the commit in progress, as `at` counts it

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> CrashAtCommit:
        """The failpoint the environment asks for; off when it asks for none."""
        at_text = environ.get(CRASH_AT_COMMIT, "").strip()
        when = environ.get(CRASH_WHEN, "").strip() or "after"
        if when not in ("before", "after"):
            raise ValueError(f"{CRASH_WHEN} must be 'before' or 'after', not {when!r}")
        if not at_text:
            return cls(None)
        work, _, number = at_text.rpartition(":")
        try:
            at = int(number)
        except ValueError:
            message = f"{CRASH_AT_COMMIT} must be N or WORK:N with N >= 1, not {at_text!r}"
            raise ValueError(message) from None
        return cls(at, "before" if when == "before" else "after", work.strip() or None)

    def before(self) -> None:
        """Count a commit about to execute; die if it is the chosen one and `when` is before."""
        self.commits += 1
        work = _WORK.get()
        self.by_work[work] += 1
        if self.work is None:
            self._counted = self.commits
        else:
            self._counted = self.by_work[self.work] if work == self.work else 0
        self._maybe_die("before")

    def after(self) -> None:
        """The commit executed; die if it was the chosen one and `when` is after."""
        self._maybe_die("after")

    def _maybe_die(self, moment: CrashWhen) -> None:
        if self.at is not None and self._counted == self.at and self.when == moment:
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


class SqlUnitOfWork:
    """One transaction over every store; rolled back unless committed. A database's unit of
    work says how to begin, commit and roll back (`_begin`, `_commit`, `_rollback`)."""

    def __init__(self, driver: Driver, gate: Gate, crash: CrashAtCommit | None = None) -> None:
        self._gate = gate
        self._crash = crash or CrashAtCommit()
        self._session = Session(driver)
        self.cases: CaseStore = SqlCaseStore(self._session)
        self.citizens: CitizenStore = SqlCitizenStore(self._session)
        self.consents: ConsentLog = SqlConsentLog(self._session)
        self.outbox: Outbox = SqlOutbox(self._session)
        self.inbound: InboundLog = SqlInboundLog(self._session)
        self.cursor: FeedCursor = SqlFeedCursor(self._session)
        self.timers: Timers = SqlTimers(self._session)
        self.tasks: OperatorTasks = SqlOperatorTasks(self._session)
        self.journal: Journal = SqlJournal(self._session)
        self.decisions: Decisions = SqlDecisions(self._session)
        self.payments: Payments = SqlPayments(self._session)
        self.chats: ChatLinks = SqlChatLinks(self._session)
        self.telegram: TelegramChats = SqlTelegramChats(self._session, self.chats)
        self.operators: Operators = SqlOperators(self._session)
        self.sessions: WebSessions = SqlWebSessions(self._session)
        self.audit: Audit = SqlAudit(self._session)
        self.reports: Reports = SqlReports(self._session)
        self.views: Views = SqlViews(self._session)

    @property
    def trips(self) -> int:
        """Statements sent to the database so far (a run of deferred writes: one)."""
        return self._session.trips

    async def _begin(self) -> None:
        """Begin the transaction (and take what it must hold)."""
        raise NotImplementedError

    async def _commit(self) -> None:
        """Commit the transaction."""
        raise NotImplementedError

    async def _rollback(self) -> None:
        """Roll back the open transaction, if there is one."""
        raise NotImplementedError

    async def _release(self) -> None:
        """Give back what the unit of work held once it has ended (nothing, unless said)."""

    async def __aenter__(self) -> Self:
        """Wait for the storage's other unit of work to end, then begin the transaction."""
        if self._session.state != "new":
            raise RuntimeError("a unit of work is entered once: open a new one")
        await self._gate.enter()
        try:
            await self._begin()
        except BaseException:
            try:
                await self._rollback()  # a cancelled BEGIN may still run: undo it
            finally:
                try:
                    await self._release()
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
            try:
                await self._release()
            finally:
                self._gate.leave()

    async def commit(self) -> None:
        """Make the transaction's writes durable; the unit of work then takes no more."""
        if self._session.state != "open":
            raise RuntimeError(f"cannot commit a unit of work that is {self._session.state}")
        await self._session.flush()
        self._crash.before()
        await self._commit()
        self._crash.after()
        self._session.state = "committed"
