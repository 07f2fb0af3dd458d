"""Chat links in SQL: which chat of each chat channel is linked to which verified phone."""

from __future__ import annotations

from collections.abc import Sequence

from bot.records import ChatLink
from bot.storage.codec import column, keys, row_fields
from bot.storage.session import Session


class SqlChatLinks:
    """A phone's chats, one per channel at most. Within its unit of work it remembers the
    chats of each phone it asked about."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._by_phone: dict[str, list[ChatLink]] = {}

    async def prefetch(self, phones: Sequence[str]) -> None:
        """Read ahead the chats linked to these phones, in one query."""
        wanted = [p for p in phones if p not in self._by_phone]
        if not wanted:
            return
        rows = await self._session.rows(
            "SELECT * FROM chat_links WHERE phone IN (SELECT value FROM json_each(?))"
            " ORDER BY channel",
            (keys(wanted),),
        )
        self._by_phone.update({phone: [] for phone in wanted})
        for row in rows:
            link = ChatLink.model_validate(row_fields(row, ("linked_at",)))
            self._by_phone[link.phone].append(link)

    async def of_phone(self, phone: str) -> list[ChatLink]:
        """The chats linked to a phone, by channel name."""
        await self.prefetch([phone])
        return list(self._by_phone[phone])

    async def link(self, link: ChatLink) -> None:
        """Link a chat to a phone; the channel's earlier link of the chat or of the phone goes."""
        self._by_phone.clear()
        await self._session.run(
            "DELETE FROM chat_links WHERE channel = ? AND (address = ? OR phone = ?)",
            (link.channel, link.address, link.phone),
        )
        await self._session.run(
            "INSERT INTO chat_links (channel, address, phone, linked_at) VALUES (?, ?, ?, ?)",
            (link.channel, link.address, link.phone, column(link.linked_at)),
        )

    async def unlink(self, channel: str, address: str) -> None:
        """Unlink a chat."""
        self._by_phone.clear()
        await self._session.run(
            "DELETE FROM chat_links WHERE channel = ? AND address = ?", (channel, address)
        )
