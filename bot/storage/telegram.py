"""Telegram chats in SQLite: which chat is linked to which verified phone, and the bot's name."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.instants import utc_text
from bot.ports import ChatLinks
from bot.records import Channel, ChatLink, TelegramChat
from bot.storage.codec import chat_from_row, column, keys
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


class SqlTelegramChats:
    """Chats with the bot; a phone is linked to one chat at most. Within its unit of work it
    remembers which chat each phone it asked about is linked to, and the bot's name."""

    def __init__(self, session: Session, links: ChatLinks) -> None:
        self._session = session
        self._links = links  # the chat channels' links, which a linked chat is one of
        self._by_phone: dict[str, TelegramChat | None] = {}
        self._username: tuple[str | None] | None = None  # (the name or None,) once read

    async def prefetch(self, phones: Sequence[str]) -> None:
        """Read ahead the chats linked to these phones, in one query."""
        wanted = [p for p in phones if p not in self._by_phone]
        if not wanted:
            return
        rows = await self._session.rows(
            "SELECT * FROM telegram_chats WHERE phone IN (SELECT value FROM json_each(?))",
            (keys(wanted),),
        )
        self._by_phone.update(dict.fromkeys(wanted))
        self._by_phone.update((row["phone"], chat_from_row(row)) for row in rows)

    async def get(self, chat_id: int) -> TelegramChat | None:
        """A chat by id."""
        row = await self._session.row("SELECT * FROM telegram_chats WHERE chat_id = ?", (chat_id,))
        return None if row is None else chat_from_row(row)

    async def by_phone(self, phone: str) -> TelegramChat | None:
        """The chat linked to a phone."""
        await self.prefetch([phone])
        return self._by_phone[phone]

    async def save(self, chat: TelegramChat) -> None:
        """Insert or replace a chat."""
        self._by_phone.clear()  # the chat may have been linked to another phone before
        await self._session.run(_UPSERT, {name: column(getattr(chat, name)) for name in _COLUMNS})
        address = str(chat.chat_id)
        if chat.phone is None:
            await self._links.unlink(Channel.TELEGRAM, address)
        else:
            at = chat.linked_at or chat.updated_at
            link = ChatLink(
                channel=Channel.TELEGRAM, address=address, phone=chat.phone, linked_at=at
            )
            await self._links.link(link)

    async def linked(self) -> list[TelegramChat]:
        """Every linked chat, by chat id."""
        rows = await self._session.rows(
            "SELECT * FROM telegram_chats WHERE phone IS NOT NULL ORDER BY chat_id"
        )
        return [chat_from_row(row) for row in rows]

    async def username(self) -> str | None:
        """The bot's Telegram username, once the channel has run (for deep links)."""
        if self._username is None:
            row = await self._session.row("SELECT username FROM telegram_bot WHERE id = 1")
            self._username = (None if row is None else str(row["username"]),)
        return self._username[0]

    async def set_username(self, username: str, at: datetime) -> None:
        """Remember the bot's username, as getMe gave it."""
        self._username = (username,)
        await self._session.run(
            "INSERT INTO telegram_bot (id, username, seen_at) VALUES (1, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET username = excluded.username,"
            " seen_at = excluded.seen_at",
            (username, utc_text(at)),
        )
