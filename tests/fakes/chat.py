"""A second chat channel, as small as one can be: what it takes to add one.

It is registered at composition (`bot.composition.build_app(chats=[...])`) and nowhere
else: the conversation and the dispatcher know chat channels only as a list. It keeps what
it "delivers" in memory, links a chat to a phone through the chat-links port, and a citizen
answers in it by pressing a button or typing, both logged as that channel's inbound messages.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.ports import Clock, Storage
from bot.records import ChatLink, InboundMessage, OutboxMessage
from bot.service.choices import button_data
from bot.service.flow import log_inbound, pressed

NAME = "fakechat"


class FakeChat:
    """A `bot.ports.ChatChannel`: its chats' messages, by chat address."""

    name = NAME

    def __init__(self) -> None:
        self.storage: Storage | None = None  # the bot's, once it is built
        self.clock: Clock | None = None
        self.received: dict[str, list[OutboxMessage]] = {}
        self.outcomes: Counter[str] = Counter()

    def not_ready(self) -> str | None:
        """Always ready: it delivers in memory."""
        return None

    def attach(self, storage: Storage, clock: Clock) -> None:
        """Write its bookkeeping to the bot's storage, at the bot's time."""
        self.storage, self.clock = storage, clock

    async def dispatch(self, messages: Sequence[OutboxMessage], now: datetime) -> int:
        """Deliver each message to its chat at once, and say so in the outbox."""
        assert self.storage is not None, "attach the channel first"
        async with self.storage.unit_of_work() as uow:
            for message in messages:
                assert message.id is not None
                provider_id = f"{NAME}:{message.id}"
                await uow.outbox.mark_sent(message.id, provider_id, now)
                await uow.outbox.mark_delivered(provider_id)
                self.received.setdefault(message.address, []).append(message)
                self.outcomes["sent"] += 1
            await uow.commit()
        return len(messages)

    async def start(self) -> None:
        """Nothing to learn before serving."""

    async def receive(
        self, wake: Callable[[], None], stop: asyncio.Event, say: Callable[[str], None]
    ) -> None:
        """Nothing arrives by itself: the test presses and types (`press`, `type`)."""
        say(f"serving: {NAME}, answered by the test")
        await stop.wait()

    async def close(self) -> None:
        """Nothing to release."""

    async def link(self, address: str, phone: str) -> None:
        """The chat proved it is `phone`'s: that phone's notices come here too."""
        assert self.storage is not None and self.clock is not None
        async with self.storage.unit_of_work() as uow:
            at = await self.clock.now()
            await uow.chats.link(
                ChatLink(channel=NAME, address=address, phone=phone, linked_at=at)
            )
            await uow.commit()

    async def press(self, phone: str, message: OutboxMessage, action: str) -> bool:
        """Press a button under a message the chat received; whether the bot took it."""
        assert self.storage is not None and self.clock is not None
        assert message.id is not None and message.markup is not None
        offered = {button.action for row in message.markup.rows for button in row}
        assert action in offered, f"{action!r} is not a button of {offered}"
        data = button_data(message.id, message.case_id, message.markup.step, action)
        inbound = InboundMessage(
            channel=NAME,
            address=phone,
            provider_id=f"press:{message.id}:{action}",
            text=action,
            received_at=await self.clock.now(),
            button=data,
        )
        async with self.storage.unit_of_work() as uow:
            record, current = await pressed(uow, inbound)
            if record is None or current is None or await uow.inbound.add(inbound) is None:
                return False
            await uow.commit()
        return True

    async def type(self, phone: str, text: str, number: int) -> None:
        """Type a free-text answer in the chat (the `number`-th message of the chat)."""
        assert self.storage is not None and self.clock is not None
        inbound = InboundMessage(
            channel=NAME,
            address=phone,
            provider_id=f"{NAME}:{phone}:{number}",
            text=text,
            received_at=await self.clock.now(),
        )
        await log_inbound(self.storage, [inbound])
