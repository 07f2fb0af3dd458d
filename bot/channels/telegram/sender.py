"""Sends the outbox's Telegram messages within Telegram's limits, through aiogram's `Bot`.

Limits (Bot API FAQ): about 30 messages a second in all, which we keep at 25, and one a
second in one chat. Chats are served side by side, each in order. A 429 carries
`retry_after`: every send stops for that long, and the message stays queued without an
attempt counted. A 403 (the citizen blocked the bot) unlinks the chat; SMS carries on.
Other refusals are permanent; network and server errors are retried with backoff.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Literal

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.channels.telegram import linking
from bot.ports import Storage, UnitOfWork
from bot.records import Channel, OutboxMessage
from bot.service.choices import button_data
from bot.service.dispatcher import MAX_ATTEMPTS, backoff
from bot.service.group_commit import GroupCommit

log = logging.getLogger(__name__)
OVERALL_PER_SECOND = 25.0
CHAT_INTERVAL = 1.0  # seconds between two messages to one chat

Outcome = Literal["sent", "failed", "later", "gone"]
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


class TelegramLimits:
    """Slots for sending: overall rate, one chat's interval, and a pause after a 429.

    Real time (the channel's), not the simulation's clock; `monotonic` and `sleep` are
    injectable so tests need not wait."""

    def __init__(
        self,
        per_second: float = OVERALL_PER_SECOND,
        chat_interval: float = CHAT_INTERVAL,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if per_second <= 0 or chat_interval < 0:
            raise ValueError("Telegram's rate must be positive and its chat interval not negative")
        self._interval, self._chat_interval = 1.0 / per_second, chat_interval
        self._monotonic, self._sleep = monotonic, sleep
        self._next = 0.0
        self._next_in: dict[str, float] = {}
        self._paused_until = 0.0

    def paused(self) -> float:
        """Seconds left of a 429's pause (0 when sending may go on)."""
        return max(0.0, self._paused_until - self._monotonic())

    def pause(self, seconds: float) -> None:
        """Stop every send for `seconds` (Telegram's `retry_after`)."""
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    async def slot(self, chat: str) -> None:
        """Wait for the next moment both the overall rate and the chat's interval allow."""
        now = self._monotonic()
        at = max(now, self._next, self._next_in.get(chat, 0.0))
        self._next = at + self._interval
        self._next_in[chat] = at + self._chat_interval
        if at > now:
            await self._sleep(at - now)


def reply_markup(message: OutboxMessage) -> Markup | None:
    """The message's keyboard as the Bot API takes it."""
    keyboard = message.markup
    if keyboard is None:
        return None
    if keyboard.kind == "remove":
        return ReplyKeyboardRemove(remove_keyboard=True)
    if keyboard.kind == "contact":
        rows = [
            [KeyboardButton(text=b.text, request_contact=True) for b in r] for r in keyboard.rows
        ]
        return ReplyKeyboardMarkup(keyboard=rows, resize_keyboard=True, one_time_keyboard=True)
    message_id = message.id
    assert message_id is not None

    def data(action: str) -> str:
        return button_data(message_id, message.case_id, keyboard.step, action)

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=b.text, callback_data=data(b.action)) for b in row]
            for row in keyboard.rows
        ]
    )


class TelegramSender:
    """The outbox's Telegram messages → `sendMessage`, with the bookkeeping of each outcome
    (written by group commit: chats served side by side share transactions)."""

    name: str = Channel.TELEGRAM  # its messages in the outbox (a `bot.ports.ChatChannel`)

    def __init__(self, bot: Bot, storage: Storage, limits: TelegramLimits | None = None) -> None:
        self.bot, self.storage = bot, storage
        self.limits = limits or TelegramLimits()
        self._writes = GroupCommit(storage)  # the outcomes of chats sent side by side
        self.outcomes: Counter[str] = Counter()  # sent, throttled (429), temporary, permanent

    async def dispatch(self, messages: Sequence[OutboxMessage], now: datetime) -> int:
        """Send what the limits allow now, chats side by side; how many were settled."""
        by_chat: dict[str, list[OutboxMessage]] = defaultdict(list)
        for message in messages:
            by_chat[message.address].append(message)
        done = await asyncio.gather(*(self._chat(queue, now) for queue in by_chat.values()))
        return sum(done)

    async def _chat(self, queue: list[OutboxMessage], now: datetime) -> int:
        settled = 0
        for message in queue:
            if self.limits.paused():
                break  # Telegram asked us to wait: the rest stays queued
            await self.limits.slot(message.address)
            if self.limits.paused():
                break
            outcome = await self._send(message, now)
            settled += outcome != "later"
            if outcome == "gone":
                break  # the chat was unlinked: the rest of its queue was given up
        return settled

    async def _send(self, message: OutboxMessage, now: datetime) -> Outcome:
        """Send one message: sent, settled otherwise, left for later, or the chat gone."""
        assert message.id is not None
        try:
            sent = await self.bot.send_message(
                chat_id=int(message.address), text=message.text, reply_markup=reply_markup(message)
            )
        except TelegramRetryAfter as error:
            self.outcomes["throttled"] += 1
            self.limits.pause(error.retry_after)
            await self._postpone(message, f"429: retry after {error.retry_after} s")
            return "later"
        except TelegramForbiddenError as error:
            self.outcomes["permanent"] += 1
            await self._failed(message, f"403: {error.message}")
            if await linking.blocked(self.storage, int(message.address), now):
                log.info("chat %s blocked the bot: unlinked, SMS goes on", message.address)
            return "gone"
        except TelegramBadRequest as error:
            self.outcomes["permanent"] += 1
            await self._failed(message, f"400: {error.message}")
            return "failed"
        except TelegramAPIError as error:  # network, server: try again later
            self.outcomes["temporary"] += 1
            await self._retry(message, str(error), now)
            return "failed"
        self.outcomes["sent"] += 1
        await self._sent(message, f"{sent.chat.id}:{sent.message_id}", now)
        return "sent"

    async def _sent(self, message: OutboxMessage, provider_id: str, now: datetime) -> None:
        assert message.id is not None
        message_id = message.id

        async def write(uow: UnitOfWork) -> None:
            await uow.outbox.mark_sent(message_id, provider_id, now)
            await uow.outbox.mark_delivered(provider_id)  # Telegram took it: no receipts follow

        await self._writes.write(write)

    async def _postpone(self, message: OutboxMessage, error: str) -> None:
        """Queued again where it was: the pause is the limits' (real time), and a message
        moved to now would go after the chat's later messages."""
        assert message.id is not None
        message_id, due = message.id, message.next_attempt_at

        async def write(uow: UnitOfWork) -> None:
            await uow.outbox.postpone(message_id, due, error)

        await self._writes.write(write)

    async def _retry(self, message: OutboxMessage, error: str, now: datetime) -> None:
        assert message.id is not None
        if message.attempts + 1 >= MAX_ATTEMPTS:
            await self._failed(message, f"{error}; gave up after {MAX_ATTEMPTS} attempts")
            return
        message_id, later = message.id, now + backoff(message.attempts + 1)

        async def write(uow: UnitOfWork) -> None:
            await uow.outbox.mark_retry(message_id, later, error)

        await self._writes.write(write)

    async def _failed(self, message: OutboxMessage, error: str) -> None:
        """Mark it failed; no operator task: the SMS of the same text carries the case."""
        assert message.id is not None
        log.warning("Telegram message %s not sent: %s", message.client_ref, error)
        message_id = message.id

        async def write(uow: UnitOfWork) -> None:
            await uow.outbox.mark_failed(message_id, error)

        await self._writes.write(write)
