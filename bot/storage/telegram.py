"""Telegram chats in SQLite: which chat is linked to which verified phone, and the bot's name."""

from __future__ import annotations

from datetime import datetime

from bot.records import TelegramChat
from bot.storage.codec import chat_from_row, column, utc_text
from bot.storage.session import Session

_COLUMNS = (
    "chat_id",
    "user_id",
    "language",
    "start_token",
    "phone",
    "iin",
    "linked_at",
    "updated_at",
)
_UPSERT = (
    f"INSERT INTO telegram_chats ({', '.join(_COLUMNS)})"
    f" VALUES ({', '.join(':' + name for name in _COLUMNS)})"
    " ON CONFLICT (chat_id) DO UPDATE SET "
    + ", ".join(f"{name} = excluded.{name}" for name in _COLUMNS if name != "chat_id")
)


class SqliteTelegramChats:
    """Chats with the bot; a phone is linked to one chat at most."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def get(self, chat_id: int) -> TelegramChat | None:
        """A chat by id."""
        row = await self._session.row("SELECT * FROM telegram_chats WHERE chat_id = ?", (chat_id,))
        return None if row is None else chat_from_row(row)

    async def by_phone(self, phone: str) -> TelegramChat | None:
        """The chat linked to a phone."""
        row = await self._session.row("SELECT * FROM telegram_chats WHERE phone = ?", (phone,))
        return None if row is None else chat_from_row(row)

    async def save(self, chat: TelegramChat) -> None:
        """Insert or replace a chat."""
        await self._session.run(_UPSERT, {name: column(getattr(chat, name)) for name in _COLUMNS})

    async def linked(self) -> list[TelegramChat]:
        """Every linked chat, by chat id."""
        rows = await self._session.rows(
            "SELECT * FROM telegram_chats WHERE phone IS NOT NULL ORDER BY chat_id"
        )
        return [chat_from_row(row) for row in rows]

    async def username(self) -> str | None:
        """The bot's Telegram username, once the channel has run (for deep links)."""
        row = await self._session.row("SELECT username FROM telegram_bot WHERE id = 1")
        return None if row is None else str(row["username"])

    async def set_username(self, username: str, at: datetime) -> None:
        """Remember the bot's username, as getMe gave it."""
        await self._session.run(
            "INSERT INTO telegram_bot (id, username, seen_at) VALUES (1, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET username = excluded.username,"
            " seen_at = excluded.seen_at",
            (username, utc_text(at)),
        )
