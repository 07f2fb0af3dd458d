"""Payments system (ЦБД / ОДҚ): burial applications filed and payments assigned, per deceased."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from bot.registries.facts import BurialFiling


def add_many(conn: sqlite3.Connection, filings: Iterable[BurialFiling]) -> None:
    """Record burial applications or assignments (inside the caller's transaction)."""
    conn.executemany(
        "INSERT INTO burial_filing (deceased_iin, applicant_iin, kind, on_date)"
        " VALUES (?, ?, ?, ?)",
        ((f.deceased_iin, f.applicant_iin, f.kind.value, f.on.isoformat()) for f in filings),
    )


def burial_filings(conn: sqlite3.Connection, deceased_iin: str) -> list[BurialFiling]:
    """Applications and assignments of the burial payment for one deceased, oldest first."""
    rows = conn.execute(
        'SELECT deceased_iin, applicant_iin, kind, on_date AS "on" FROM burial_filing'
        " WHERE deceased_iin = ? ORDER BY on_date, id",
        (deceased_iin,),
    ).fetchall()
    return [BurialFiling.model_validate(dict(r)) for r in rows]
