"""Accounts on file: the bank account a person is paid to, and where it came from."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from fake_registries.models import Account


def add_many(conn: sqlite3.Connection, accounts: Iterable[Account]) -> None:
    """Record or replace accounts (inside the caller's transaction)."""
    conn.executemany(
        "INSERT OR REPLACE INTO account (iin, iban, bank_code, source, updated_on)"
        " VALUES (?, ?, ?, ?, ?)",
        ((a.iin, a.iban, a.bank_code, a.source.value, a.updated_on.isoformat()) for a in accounts),
    )


def of(conn: sqlite3.Connection, iin: str) -> Account | None:
    """The account on file for a person, or None."""
    row = conn.execute(
        "SELECT iin, iban, bank_code, source, updated_on FROM account WHERE iin = ?", (iin,)
    ).fetchone()
    return None if row is None else Account.model_validate(dict(row))
