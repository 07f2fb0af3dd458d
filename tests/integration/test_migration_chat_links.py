"""Migration 0009 (chat channels as a list) on a file at version 8.

A file built by hand with sqlite3 from the first eight migration scripts holds a linked
Telegram chat, an unlinked one, and a queued Telegram copy of an offer. Opened through the
storage, the linked chat is the phone's chat link, and a step replayed after the upgrade
queues the copy under the reference it already has (nothing is sent twice).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from bot.instants import utc_text
from bot.records import Channel, ChatLink
from bot.service.effects import chat_ref
from bot.storage.sqlite import SqliteStorage, migrations, statements

NOW = datetime(2026, 1, 12, 10, tzinfo=UTC)
PHONE = "+77011234567"


def build_version_8(path: Path) -> None:
    """A file at schema version 8 with two Telegram chats and a queued Telegram copy."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        for script in migrations()[:8]:
            for statement in statements(script):
                conn.execute(statement)
        conn.execute("PRAGMA user_version = 8")
        for chat_id, phone, linked_at in ((4242, PHONE, utc_text(NOW)), (77, None, None)):
            conn.execute(
                "INSERT INTO telegram_chats (chat_id, user_id, phone, linked_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (chat_id, chat_id, phone, linked_at, utc_text(NOW)),
            )
        conn.execute(
            "INSERT INTO outbox (client_ref, case_id, channel, address, language,"
            " template_id, template_version, text, encoding, segments, status, attempts,"
            " next_attempt_at, created_at)"
            " VALUES ('offer:c1:1@tg', 'c1', 'telegram', '4242', 'kk', 'offer.burial', '1',"
            " 'text', 'utf-8', 1, 'queued', 0, ?, ?)",
            (utc_text(NOW), utc_text(NOW)),
        )


async def test_a_linked_telegram_chat_becomes_its_phones_chat_link_and_its_copy_keeps_its_ref(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.sqlite3"
    build_version_8(path)
    storage = await SqliteStorage.open(path)
    try:
        async with storage.unit_of_work() as uow:
            links = await uow.chats.of_phone(PHONE)
            [queued] = await uow.outbox.due(NOW, limit=10)
    finally:
        await storage.close()
    assert links == [
        ChatLink(channel=Channel.TELEGRAM, address="4242", phone=PHONE, linked_at=NOW)
    ]
    assert queued.client_ref == chat_ref("offer:c1:1", Channel.TELEGRAM)
