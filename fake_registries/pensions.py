"""Pensions and benefits: who received which payment from when to when."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import date

from bot.registries.facts import Payment


def add_many(conn: sqlite3.Connection, payments: Iterable[Payment]) -> None:
    """Record payments (inside the caller's transaction)."""
    conn.executemany(
        "INSERT INTO payment (iin, kind, start_on, end_on) VALUES (?, ?, ?, ?)",
        (
            (p.iin, p.kind.value, p.start.isoformat(), p.end.isoformat() if p.end else None)
            for p in payments
        ),
    )


def all_of(conn: sqlite3.Connection, iin: str) -> list[Payment]:
    """Every payment a person received or receives, oldest first."""
    rows = conn.execute(
        'SELECT iin, kind, start_on AS start, end_on AS "end" FROM payment WHERE iin = ?'
        " ORDER BY start_on, id",
        (iin,),
    ).fetchall()
    return [Payment.model_validate(dict(r)) for r in rows]


def on(conn: sqlite3.Connection, iin: str, day: date) -> list[Payment]:
    """The payments a person received on a date (burial p.13(4) reads this)."""
    return [p for p in all_of(conn, iin) if p.start <= day and (p.end is None or day <= p.end)]
