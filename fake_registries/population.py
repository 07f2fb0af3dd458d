"""Population registry (ГБД ФЛ / "Жеке тұлғалар" МДҚ): identity, birth date, phone, language."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from bot.registries.facts import Person
from fake_registries.db import json_keys

_COLUMNS = "iin, surname, name, patronymic, birth_date, sex, region, phone, language"


def _row(p: Person) -> tuple[object, ...]:
    return (
        p.iin,
        p.surname,
        p.name,
        p.patronymic,
        p.birth_date.isoformat(),
        p.sex,
        p.region,
        p.phone,
        p.language,
    )


def add_many(conn: sqlite3.Connection, people: Iterable[Person]) -> None:
    """Insert people (inside the caller's transaction)."""
    conn.executemany(
        f"INSERT INTO person ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (_row(p) for p in people),
    )


def _person(row: sqlite3.Row | None) -> Person | None:
    return None if row is None else Person.model_validate(dict(row))


def get(conn: sqlite3.Connection, iin: str) -> Person | None:
    """The person with this IIN, or None."""
    return _person(conn.execute(f"SELECT {_COLUMNS} FROM person WHERE iin = ?", (iin,)).fetchone())


def get_many(conn: sqlite3.Connection, iins: Iterable[str]) -> dict[str, Person]:
    """The people of these IINs that the registry holds, by IIN."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM person WHERE iin IN (SELECT value FROM json_each(?))",
        (json_keys(iins),),
    ).fetchall()
    return {row["iin"]: Person.model_validate(dict(row)) for row in rows}


def numbers(conn: sqlite3.Connection, iins: Iterable[str]) -> dict[str, int]:
    """The registry's own row number of each of these people, by IIN: a reference to a
    person that is not their IIN (a page links by it and names no IIN)."""
    rows = conn.execute(
        "SELECT iin, rowid FROM person WHERE iin IN (SELECT value FROM json_each(?))",
        (json_keys(iins),),
    ).fetchall()
    return {row[0]: int(row[1]) for row in rows}


def by_number(conn: sqlite3.Connection, number: int) -> Person | None:
    """The person of this row number (`numbers`), or None."""
    row = conn.execute(f"SELECT {_COLUMNS} FROM person WHERE rowid = ?", (number,)).fetchone()
    return _person(row)


def by_phone(conn: sqlite3.Connection, phone: str) -> Person | None:
    """The person whose e-government phone this is, or None."""
    row = conn.execute(f"SELECT {_COLUMNS} FROM person WHERE phone = ?", (phone,)).fetchone()
    return _person(row)


def count(conn: sqlite3.Connection) -> int:
    """How many people the registry holds."""
    return int(conn.execute("SELECT count(*) FROM person").fetchone()[0])


def search(conn: sqlite3.Connection, text: str, limit: int = 20) -> list[Person]:
    """People whose IIN starts with, or surname or name contains, the text."""
    like = f"%{text}%"
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM person WHERE iin LIKE ? OR surname LIKE ? OR name LIKE ?"
        " ORDER BY surname, name, iin LIMIT ?",
        (f"{text}%", like, like, limit),
    ).fetchall()
    return [Person.model_validate(dict(r)) for r in rows]
