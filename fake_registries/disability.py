"""Disability registry (ЦБДИ): disabilities established by medical-social expertise."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from bot.registries.facts import Disability
from fake_registries.db import json_keys

_COLUMNS = (
    'iin, grp AS "group", cause, established_on, valid_until, first_time, representative_iin'
)


def add(conn: sqlite3.Connection, record: Disability) -> None:
    """Record an established disability (inside the caller's transaction)."""
    conn.execute(
        "INSERT INTO disability (iin, grp, cause, established_on, valid_until, first_time,"
        " representative_iin) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            record.iin,
            record.group,
            record.cause.value,
            record.established_on.isoformat(),
            record.valid_until.isoformat() if record.valid_until else None,
            int(record.first_time),
            record.representative_iin,
        ),
    )


def latest(conn: sqlite3.Connection, iin: str) -> Disability | None:
    """The most recently established disability of a person, or None."""
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM disability WHERE iin = ?"
        " ORDER BY established_on DESC, id DESC LIMIT 1",
        (iin,),
    ).fetchone()
    return None if row is None else Disability.model_validate(dict(row))


def latest_many(conn: sqlite3.Connection, iins: Iterable[str]) -> dict[str, Disability]:
    """The most recently established disability of each of these people who has one."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM disability WHERE iin IN (SELECT value FROM json_each(?))"
        " ORDER BY iin, established_on, id",
        (json_keys(iins),),
    ).fetchall()
    return {row["iin"]: Disability.model_validate(dict(row)) for row in rows}  # the last wins
