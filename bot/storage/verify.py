"""`verify-ledger`: the consent ledger as stored, read-only, checked by `bot.evidence.ledger`."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

import aiosqlite

from bot.evidence.ledger import verify_ledger
from bot.records import Checkpoint, ConsentRow
from bot.settings import Settings
from bot.storage.codec import checkpoint_from_row, consent_from_row
from bot.storage.session import Row


async def verify_file(path: Path) -> list[str]:
    """Verify the ledger in a bot's SQLite file, read-only, rows in physical insertion order."""
    if not path.is_file():
        raise FileNotFoundError(path)
    async with aiosqlite.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as conn:
        conn.row_factory = sqlite3.Row
        async with conn.execute("SELECT * FROM consents ORDER BY rowid") as cursor:
            stored = list(await cursor.fetchall())
        async with conn.execute(
            "SELECT name FROM sqlite_master WHERE name = 'ledger_checkpoints'"
        ) as cursor:
            has_checkpoints = await cursor.fetchone() is not None
        checkpoints: list[Row] = []
        if has_checkpoints:  # a file from before migration 0010 has none
            async with conn.execute("SELECT * FROM ledger_checkpoints ORDER BY rowid") as cursor:
                checkpoints = list(await cursor.fetchall())
    return verify_rows(stored, checkpoints)


async def verify_stored(settings: Settings) -> list[str]:
    """Verify the ledger of the bot's database, the SQLite file or PostgreSQL's."""
    url = settings.postgres_url
    if url is None:
        return await verify_file(settings.database)
    from bot.storage.postgres import ledger_rows  # noqa: PLC0415 (only for PostgreSQL)

    return verify_rows(*await ledger_rows(url))


def verify_rows(stored: Sequence[Row], stored_checkpoints: Sequence[Row] = ()) -> list[str]:
    """The problems of stored ledger rows and checkpoints, each given in insertion order
    (empty: intact)."""
    problems: list[str] = []
    rows: list[ConsentRow] = []
    for row in stored:
        try:
            rows.append(consent_from_row(row))
        except ValueError as error:
            problems.append(f"row {row['seq']}: unreadable ({str(error).splitlines()[0]})")
    checkpoints: list[Checkpoint] = []
    for row in stored_checkpoints:
        try:
            checkpoints.append(checkpoint_from_row(row))
        except ValueError as error:
            number = row["number"]
            problems.append(f"checkpoint {number}: unreadable ({str(error).splitlines()[0]})")
    return problems + verify_ledger(rows, checkpoints)
