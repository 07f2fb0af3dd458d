"""The registries' append-only event feed, read by cursor, in order, in pages."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from bot.registries.facts import Event, EventKind

_COLUMNS = "id, kind, occurred_on, recorded_at, payload, source_event_id"
MAX_PAGE = 1000


def _event(row: sqlite3.Row) -> Event:
    data = dict(row)
    data["payload"] = json.loads(data["payload"])
    return Event.model_validate(data)


def append(
    conn: sqlite3.Connection,
    kind: EventKind,
    occurred_on: date,
    recorded_at: datetime,
    payload: Mapping[str, Any],
    source_event_id: str,
) -> tuple[Event, bool]:
    """Append an event once per source id: (the event, True) or (the earlier one, False)."""
    row = conn.execute(
        f"INSERT INTO event (kind, occurred_on, recorded_at, payload, source_event_id)"
        f" VALUES (?, ?, ?, ?, ?) ON CONFLICT (source_event_id) DO NOTHING RETURNING {_COLUMNS}",
        (
            kind.value,
            occurred_on.isoformat(),
            recorded_at.isoformat(),
            json.dumps(payload, sort_keys=True, ensure_ascii=False),
            source_event_id,
        ),
    ).fetchone()
    if row is not None:
        return _event(row), True
    earlier = by_source(conn, source_event_id)
    assert earlier is not None  # the conflict says it exists
    return earlier, False


def by_source(conn: sqlite3.Connection, source_event_id: str) -> Event | None:
    """The event with this source id, or None."""
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM event WHERE source_event_id = ?", (source_event_id,)
    ).fetchone()
    return None if row is None else _event(row)


def after(conn: sqlite3.Connection, cursor: int, limit: int = 100) -> list[Event]:
    """Up to `limit` events with an id above the cursor, in id order."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValueError(f"a page holds 1 to {MAX_PAGE} events, not {limit}")
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM event WHERE id > ? ORDER BY id LIMIT ?", (cursor, limit)
    ).fetchall()
    return [_event(r) for r in rows]


def last_id(conn: sqlite3.Connection) -> int:
    """The id of the newest event, 0 when the feed is empty."""
    return int(conn.execute("SELECT coalesce(max(id), 0) FROM event").fetchone()[0])
