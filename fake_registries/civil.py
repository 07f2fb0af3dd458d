"""Civil registry (АХАЖ / ЗАГС): deaths, births with both parents, marriages, and kinship."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from bot.registries.facts import Birth, Death, Kin, Marriage
from fake_registries import population
from fake_registries.db import json_keys


def add_death(conn: sqlite3.Connection, death: Death) -> None:
    """Register a death (inside the caller's transaction)."""
    conn.execute(
        "INSERT INTO death (deceased_iin, died_on, registered_at, act_number, declarant_iin)"
        " VALUES (?, ?, ?, ?, ?)",
        (
            death.deceased_iin,
            death.died_on.isoformat(),
            death.registered_at.isoformat(),
            death.act_number,
            death.declarant_iin,
        ),
    )


_DEATH_COLUMNS = "deceased_iin, died_on, registered_at, act_number, declarant_iin"


def death_of(conn: sqlite3.Connection, iin: str) -> Death | None:
    """The registered death of a person, or None while they are alive."""
    row = conn.execute(
        f"SELECT {_DEATH_COLUMNS} FROM death WHERE deceased_iin = ?", (iin,)
    ).fetchone()
    return None if row is None else Death.model_validate(dict(row))


def deaths_of(conn: sqlite3.Connection, iins: Iterable[str]) -> dict[str, Death]:
    """The registered deaths among these people, by the deceased's IIN."""
    rows = conn.execute(
        f"SELECT {_DEATH_COLUMNS} FROM death"
        " WHERE deceased_iin IN (SELECT value FROM json_each(?))",
        (json_keys(iins),),
    ).fetchall()
    return {row["deceased_iin"]: Death.model_validate(dict(row)) for row in rows}


def add_births(conn: sqlite3.Connection, births: Iterable[Birth]) -> None:
    """Register births with their parents (inside the caller's transaction)."""
    conn.executemany(
        "INSERT INTO birth (child_iin, mother_iin, father_iin, born_on, act_number)"
        " VALUES (?, ?, ?, ?, ?)",
        (
            (b.child_iin, b.mother_iin, b.father_iin, b.born_on.isoformat(), b.act_number)
            for b in births
        ),
    )


def add_marriages(conn: sqlite3.Connection, marriages: Iterable[Marriage]) -> None:
    """Register marriages (inside the caller's transaction)."""
    conn.executemany(
        "INSERT INTO marriage (spouse_a_iin, spouse_b_iin, married_on, act_number)"
        " VALUES (?, ?, ?, ?)",
        (
            (m.spouse_a_iin, m.spouse_b_iin, m.married_on.isoformat(), m.act_number)
            for m in marriages
        ),
    )


_KIN_SQL = """
    SELECT 'child' AS relation, child_iin AS iin FROM birth
    WHERE mother_iin = :iin OR father_iin = :iin
    UNION ALL
    SELECT 'parent', mother_iin FROM birth WHERE child_iin = :iin AND mother_iin IS NOT NULL
    UNION ALL
    SELECT 'parent', father_iin FROM birth WHERE child_iin = :iin AND father_iin IS NOT NULL
    UNION ALL
    SELECT 'spouse', spouse_b_iin FROM marriage WHERE spouse_a_iin = :iin
    UNION ALL
    SELECT 'spouse', spouse_a_iin FROM marriage WHERE spouse_b_iin = :iin
    ORDER BY relation, iin
"""


def kin_of(conn: sqlite3.Connection, iin: str) -> list[Kin]:
    """Children, parents and spouses of a person, from births and marriages."""
    found = []
    for row in conn.execute(_KIN_SQL, {"iin": iin}).fetchall():
        person = population.get(conn, row["iin"])
        if person is not None:
            found.append(Kin(relation=row["relation"], person=person))
    return found
