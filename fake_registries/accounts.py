"""Accounts on file: the bank account a person is paid to, and where it came from."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from bot.registries.facts import Account
from fake_registries.db import json_keys

_COLUMNS = "iin, iban, bank_code, source, updated_on"


def add_many(conn: sqlite3.Connection, accounts: Iterable[Account]) -> None:
    """Record or replace accounts (inside the caller's transaction)."""
    conn.executemany(
        "INSERT OR REPLACE INTO account (iin, iban, bank_code, source, updated_on)"
        " VALUES (?, ?, ?, ?, ?)",
        ((a.iin, a.iban, a.bank_code, a.source.value, a.updated_on.isoformat()) for a in accounts),
    )


def of(conn: sqlite3.Connection, iin: str) -> Account | None:
    """The account on file for a person, or None."""
    row = conn.execute(f"SELECT {_COLUMNS} FROM account WHERE iin = ?", (iin,)).fetchone()
    return None if row is None else Account.model_validate(dict(row))


def of_many(conn: sqlite3.Connection, iins: Iterable[str]) -> dict[str, Account]:
    """The accounts on file of these people who have one, by IIN."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM account WHERE iin IN (SELECT value FROM json_each(?))",
        (json_keys(iins),),
    ).fetchall()
    return {row["iin"]: Account.model_validate(dict(row)) for row in rows}
