"""The simulated clock testers set and move; unset, it follows real time."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from fake_registries.db import transaction


def now(conn: sqlite3.Connection) -> datetime:
    """The simulated now (aware), or the real one when the clock was never set."""
    row = conn.execute("SELECT now FROM sim_clock WHERE id = 1").fetchone()
    return datetime.now(UTC) if row is None else datetime.fromisoformat(row[0])


def is_set(conn: sqlite3.Connection) -> bool:
    """True once a tester has set the clock."""
    return conn.execute("SELECT 1 FROM sim_clock WHERE id = 1").fetchone() is not None


def set_to(conn: sqlite3.Connection, moment: datetime) -> datetime:
    """Set the simulated clock; it may not go back, so nothing recorded lies in its future."""
    if moment.tzinfo is None:
        raise ValueError("the simulated clock needs a time zone, e.g. 2026-01-12T10:00+05:00")
    with transaction(conn):
        if is_set(conn) and moment < now(conn):
            raise ValueError(f"the clock cannot go back from {now(conn).isoformat()}")
        conn.execute(
            "INSERT INTO sim_clock (id, now) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET now = ?",
            (moment.isoformat(), moment.isoformat()),
        )
    return moment


def advance(conn: sqlite3.Connection, by: timedelta) -> datetime:
    """Move the simulated clock forward."""
    if by <= timedelta(0):
        raise ValueError("the clock only moves forward")
    return set_to(conn, now(conn) + by)
