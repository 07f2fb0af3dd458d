"""What drives the bot in time, in SQLite: the feed cursor, case timers, operators' tasks."""

from __future__ import annotations

from datetime import datetime

from bot.records import OperatorTask, TimerKind
from bot.storage.codec import column, from_utc_text, task_from_row, utc_text
from bot.storage.session import Session


class SqliteFeedCursor:
    """The last registry feed event taken: one row, moving only forward."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def get(self) -> int:
        """The last event id taken (0 at first)."""
        row = await self._session.row("SELECT last_event_id FROM feed_cursor WHERE id = 1")
        return 0 if row is None else int(row["last_event_id"])

    async def set(self, cursor: int) -> None:
        """Move the cursor (only forward; ValueError when asked to move back)."""
        current = await self.get()
        if cursor < current:
            raise ValueError(f"the feed cursor moves only forward: {current} → {cursor}")
        await self._session.run(
            "INSERT INTO feed_cursor (id, last_event_id) VALUES (1, ?)"
            " ON CONFLICT (id) DO UPDATE SET last_event_id = excluded.last_event_id",
            (cursor,),
        )


class SqliteTimers:
    """Case timers: one of each kind a case, due times kept in UTC."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def set(self, case_id: str, kind: TimerKind, due_at: datetime) -> None:
        """Set or replace a case's timer."""
        await self._session.run(
            "INSERT INTO timers (case_id, kind, due_at) VALUES (?, ?, ?)"
            " ON CONFLICT (case_id, kind) DO UPDATE SET due_at = excluded.due_at",
            (case_id, kind.value, utc_text(due_at)),
        )

    async def due_at(self, case_id: str, kind: TimerKind) -> datetime | None:
        """When a case's timer of this kind falls due; None when it is not set."""
        row = await self._session.row(
            "SELECT due_at FROM timers WHERE case_id = ? AND kind = ?", (case_id, kind.value)
        )
        return None if row is None else from_utc_text(row["due_at"])

    async def due(self, now: datetime, limit: int = 100) -> list[tuple[str, TimerKind]]:
        """Timers due at `now`, earliest first."""
        rows = await self._session.rows(
            "SELECT case_id, kind FROM timers WHERE due_at <= ?"
            " ORDER BY due_at, case_id, kind LIMIT ?",
            (utc_text(now), limit),
        )
        return [(row["case_id"], TimerKind(row["kind"])) for row in rows]

    async def clear(self, case_id: str, kind: TimerKind | None = None) -> None:
        """Remove one timer of a case, or all of them."""
        if kind is None:
            await self._session.run("DELETE FROM timers WHERE case_id = ?", (case_id,))
        else:
            await self._session.run(
                "DELETE FROM timers WHERE case_id = ? AND kind = ?", (case_id, kind.value)
            )


class SqliteOperatorTasks:
    """Work handed to operators."""

    _COLUMNS = ("case_id", "kind", "note", "created_at", "done_at")

    def __init__(self, session: Session) -> None:
        self._session = session

    async def add(self, task: OperatorTask) -> OperatorTask:
        """Open a task; the stored task (with its id) back."""
        params = {name: column(getattr(task, name)) for name in self._COLUMNS}
        new_id = await self._session.insert(
            "INSERT INTO operator_tasks (case_id, kind, note, created_at, done_at)"
            " VALUES (:case_id, :kind, :note, :created_at, :done_at)",
            params,
        )
        row = await self._session.row("SELECT * FROM operator_tasks WHERE id = ?", (new_id,))
        assert row is not None  # just inserted
        return task_from_row(row)

    async def open(self) -> list[OperatorTask]:
        """Tasks not done, oldest first."""
        rows = await self._session.rows(
            "SELECT * FROM operator_tasks WHERE done_at IS NULL ORDER BY created_at, id"
        )
        return [task_from_row(row) for row in rows]
