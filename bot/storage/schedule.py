"""What drives the bot in time, in SQLite: the feed cursor, case timers, operators' tasks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.instants import as_utc, from_utc_text, utc_text
from bot.records import OperatorTask, TimerKind
from bot.storage.codec import column, keys, task_from_row
from bot.storage.session import Session


class SqlFeedCursor:
    """The last registry feed event taken: one row, moving only forward."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._value: int | None = None  # once read or set in this unit of work

    async def get(self) -> int:
        """The last event id taken (0 at first)."""
        if self._value is None:
            row = await self._session.row("SELECT last_event_id FROM feed_cursor WHERE id = 1")
            self._value = 0 if row is None else int(row["last_event_id"])
        return self._value

    async def set(self, cursor: int) -> None:
        """Move the cursor (only forward; ValueError when asked to move back)."""
        current = await self.get()
        if cursor < current:
            raise ValueError(f"the feed cursor moves only forward: {current} → {cursor}")
        self._session.defer(
            "feed_cursor",
            "INSERT INTO feed_cursor (id, last_event_id) VALUES (1, ?)"
            " ON CONFLICT (id) DO UPDATE SET last_event_id = excluded.last_event_id",
            (cursor,),
        )
        self._value = cursor


class SqlTimers:
    """Case timers: one of each kind a case, due times kept in UTC. Within its unit of work
    it remembers every timer of the cases it read."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._of: dict[str, dict[TimerKind, datetime]] = {}  # every timer of these cases

    async def prefetch(self, case_ids: Sequence[str]) -> None:
        """Read ahead every timer of these cases, in one query."""
        wanted = [c for c in case_ids if c not in self._of]
        if not wanted:
            return
        rows = await self._session.rows(
            "SELECT case_id, kind, due_at FROM timers"
            " WHERE case_id IN (SELECT value FROM json_each(?))",
            (keys(wanted),),
        )
        for case_id in wanted:
            self._of[case_id] = {}
        for row in rows:
            self._of[row["case_id"]][TimerKind(row["kind"])] = from_utc_text(row["due_at"])

    async def set(self, case_id: str, kind: TimerKind, due_at: datetime) -> None:
        """Set or replace a case's timer."""
        self._session.defer(
            "timers",
            "INSERT INTO timers (case_id, kind, due_at) VALUES (?, ?, ?)"
            " ON CONFLICT (case_id, kind) DO UPDATE SET due_at = excluded.due_at",
            (case_id, kind.value, utc_text(due_at)),
        )
        if case_id in self._of:
            self._of[case_id][kind] = as_utc(due_at)

    async def due_at(self, case_id: str, kind: TimerKind) -> datetime | None:
        """When a case's timer of this kind falls due; None when it is not set."""
        if case_id not in self._of:
            await self.prefetch([case_id])
        return self._of[case_id].get(kind)

    async def due(
        self, now: datetime, limit: int = 100, kinds: frozenset[TimerKind] = frozenset(TimerKind)
    ) -> list[tuple[str, TimerKind]]:
        """Timers (of these kinds) due at `now`, earliest first.

        On PostgreSQL they are claimed: only timers of cases no other transaction holds, their
        cases locked until this one ends (`FOR UPDATE SKIP LOCKED`), so instances sweeping at
        once each take a different batch; then read again under the lock, so a timer that a
        transaction committing meanwhile cleared is not fired."""
        due = (
            "SELECT case_id, kind FROM timers WHERE due_at <= ?"
            " AND kind IN (SELECT value FROM json_each(?))"
        )
        order = " ORDER BY due_at, case_id, kind LIMIT ?"
        params: tuple[object, ...] = (utc_text(now), keys(kinds), limit)
        if self._session.dialect == "postgresql":
            claimed = await self._session.rows(
                "SELECT t.case_id FROM timers t JOIN cases c ON c.id = t.case_id"
                " WHERE t.due_at <= ? AND t.kind IN (SELECT value FROM json_each(?))"
                " ORDER BY t.due_at, t.case_id, t.kind LIMIT ? FOR UPDATE OF c SKIP LOCKED",
                params,
            )
            if not claimed:
                return []
            cases = keys({row["case_id"] for row in claimed})
            due += " AND case_id IN (SELECT value FROM json_each(?))"
            params = (utc_text(now), keys(kinds), cases, limit)
        rows = await self._session.rows(due + order, params)
        return [(row["case_id"], TimerKind(row["kind"])) for row in rows]

    async def clear(self, case_id: str, kind: TimerKind | None = None) -> None:
        """Remove one timer of a case, or all of them."""
        if kind is None:
            self._session.defer("timers", "DELETE FROM timers WHERE case_id = ?", (case_id,))
            self._of.get(case_id, {}).clear()
        else:
            self._session.defer(
                "timers",
                "DELETE FROM timers WHERE case_id = ? AND kind = ?",
                (case_id, kind.value),
            )
            self._of.get(case_id, {}).pop(kind, None)


class SqlOperatorTasks:
    """Work handed to operators."""

    _COLUMNS = ("case_id", "kind", "note", "created_at", "done_at")

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, task: OperatorTask) -> None:
        """Open a task, with the unit of work's other writes."""
        params = {name: column(getattr(task, name)) for name in self._COLUMNS}
        self._session.defer(
            "operator_tasks",
            "INSERT INTO operator_tasks (case_id, kind, note, created_at, done_at)"
            " VALUES (:case_id, :kind, :note, :created_at, :done_at)",
            params,
        )

    async def open(self) -> list[OperatorTask]:
        """Tasks not done, oldest first."""
        rows = await self._session.rows(
            "SELECT * FROM operator_tasks WHERE done_at IS NULL ORDER BY created_at, id"
        )
        return [task_from_row(row) for row in rows]
