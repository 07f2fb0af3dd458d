"""Education registries (ҰБДҚ, ЖББП): who studies full time, from when to when."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import date

from bot.registries.facts import Study, StudyStatus


def add_many(conn: sqlite3.Connection, studies: Iterable[Study]) -> None:
    """Record studies (inside the caller's transaction)."""
    conn.executemany(
        "INSERT INTO study (iin, institution, full_time, start_on, end_on) VALUES (?, ?, ?, ?, ?)",
        (
            (
                s.iin,
                s.institution,
                int(s.full_time),
                s.start.isoformat(),
                s.end.isoformat() if s.end else None,
            )
            for s in studies
        ),
    )


def status(conn: sqlite3.Connection, iin: str, day: date) -> StudyStatus:
    """Whether a person studies full time on a date (academic leave counts as study)."""
    row = conn.execute(
        "SELECT count(*) FROM study WHERE iin = ? AND full_time = 1 AND start_on <= ?"
        " AND (end_on IS NULL OR end_on >= ?)",
        (iin, day.isoformat(), day.isoformat()),
    ).fetchone()
    return StudyStatus(iin=iin, on=day, full_time=row[0] > 0)
