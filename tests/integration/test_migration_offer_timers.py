"""Migration 0008 (an offer's SMS says itself that it starts the timers) on a file at version 7.

A file built by hand with sqlite3 from the first seven migration scripts holds an offer
queued by intake (its client reference `offer:…`), its Telegram copy, and another message of
the same case. Opened through the storage, only the offer's SMS starts the timers once sent.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from bot.instants import utc_text
from bot.storage.sqlite import SqliteStorage, migrations, statements

NOW = datetime(2026, 1, 12, 10, tzinfo=UTC)
MESSAGES = [  # client_ref, channel, address
    ("offer:c1:1", "sms", "+77011234567"),
    ("offer:c1:1@tg", "telegram", "4242"),
    ("reply:7:1", "sms", "+77011234567"),
]


def build_version_7(path: Path) -> None:
    """A file at schema version 7 with three queued messages of one case."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        for script in migrations()[:7]:
            for statement in statements(script):
                conn.execute(statement)
        conn.execute("PRAGMA user_version = 7")
        for client_ref, channel, address in MESSAGES:
            conn.execute(
                "INSERT INTO outbox (client_ref, case_id, channel, address, language,"
                " template_id, template_version, text, encoding, segments, status, attempts,"
                " next_attempt_at, created_at)"
                " VALUES (?, 'c1', ?, ?, 'kk', 'offer', '1', 'text', 'gsm7', 1, 'queued', 0,"
                " ?, ?)",
                (client_ref, channel, address, utc_text(NOW), utc_text(NOW)),
            )


async def test_only_an_offer_sms_queued_before_the_migration_starts_the_timers(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.sqlite3"
    build_version_7(path)
    storage = await SqliteStorage.open(path)
    try:
        async with storage.unit_of_work() as uow:
            due = await uow.outbox.due(NOW, limit=10)
    finally:
        await storage.close()
    starts = {message.client_ref: message.starts_timers for message in due}
    # (migration 0009 names a chat copy by its channel: "@tg" became "@telegram")
    assert starts == {"offer:c1:1": True, "offer:c1:1@telegram": False, "reply:7:1": False}
