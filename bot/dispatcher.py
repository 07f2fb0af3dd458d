"""The outbox dispatcher: sends what committed transactions queued, once per client reference.

A submission carries the outbox reference plus the attempt number, so a crash between the
gateway's acceptance and our bookkeeping re-submits the same reference and the gateway,
idempotent by reference, sends nothing twice. Temporary failures are retried with backoff;
permanent ones are marked for operators. Each channel is held to its configured rate.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from bot.ports import SendPermanentError, SendTemporaryError, SmsGateway, Storage
from bot.records import Channel, OperatorTask, OutboxMessage, OutboxStatus
from bot.timers import OfferTimers, start_offer_timers

MAX_ATTEMPTS = 5
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt (1, 5, 15, then 60 minutes)."""
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


class RateLimit:
    """At most `per_second` sends a second, spaced evenly, and a shared pause when the channel
    asks for one (real time: the channel's limit; `monotonic` and `sleep` are injectable)."""

    def __init__(
        self,
        per_second: float,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError("a channel's rate must be positive")
        self._interval = 1.0 / per_second
        self._monotonic, self._sleep = monotonic, sleep
        self._next = 0.0
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        """Hold every send for `seconds` from now (the longest pause asked wins)."""
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    async def wait(self) -> None:
        """Wait for the next free slot. The slot is booked before the sleep and the next one
        follows it by the interval, so time the event loop oversleeps is not lost: the rate
        holds instead of drifting below the configured one."""
        now = self._monotonic()
        slot = max(self._next, self._paused_until, now)
        self._next = slot + self._interval
        if slot > now:
            await self._sleep(slot - now)


def submission_ref(message: OutboxMessage) -> str:
    """The gateway reference of this attempt: the outbox reference and the attempt number."""
    return f"{message.client_ref}#{message.attempts}"


class ChatSender(Protocol):
    """A chat channel (Telegram) that sends its own messages and keeps its own limits."""

    async def dispatch(self, messages: Sequence[OutboxMessage], now: datetime) -> int:
        """Send what may be sent now; how many messages were settled."""


class Dispatcher:
    """Sends the outbox: SMS through the gateway at its rate, chat messages by their channel.

    One dispatch at a time: two would both take the same queued message."""

    def __init__(
        self,
        storage: Storage,
        gateway: SmsGateway,
        rate: RateLimit,
        timers: OfferTimers,
        chats: ChatSender | None = None,
    ) -> None:
        self.storage, self.gateway, self.rate, self.timers = storage, gateway, rate, timers
        self.chats = chats  # None: Telegram is not configured; its messages wait
        self._one_at_a_time = asyncio.Lock()

    async def dispatch(self, now: datetime) -> int:
        """Send every message due now; the number settled."""
        async with self._one_at_a_time:
            async with self.storage.unit_of_work() as uow:
                due = await uow.outbox.due(now, limit=500, channel=Channel.SMS)
                chat = (
                    []
                    if self.chats is None
                    else await uow.outbox.due(now, limit=500, channel=Channel.TELEGRAM)
                )
            for message in due:
                await self.rate.wait()
                await self._send(message, now)
            settled = 0 if self.chats is None or not chat else await self.chats.dispatch(chat, now)
            return len(due) + settled

    async def _send(self, message: OutboxMessage, now: datetime) -> None:
        ref = submission_ref(message)
        try:
            provider_id = await self.gateway.submit(ref, message.address, message.text)
        except SendTemporaryError as error:
            await self._retry(message, str(error), now)
        except SendPermanentError as error:
            await self._failed(message, str(error), now)
        else:
            await self._sent(message, provider_id, now)

    async def receipts(self, now: datetime) -> int:
        """Apply delivery receipts: delivered, or a temporary / permanent failure.

        Each is acknowledged to the gateway only once applied; a crash in between hands it
        over again, and a receipt already applied (the message no longer `sent`) changes
        nothing the second time."""
        found = await self.gateway.receipts()
        for provider_id, outcome in found:
            async with self.storage.unit_of_work() as uow:
                message = await uow.outbox.by_provider_id(provider_id)
                if outcome == "delivered":
                    await uow.outbox.mark_delivered(provider_id)
                await uow.commit()
            if message is not None and message.status is OutboxStatus.SENT:  # not yet applied
                if outcome == "temporary":
                    await self._retry(message, "temporary delivery failure", now)
                elif outcome == "permanent":
                    await self._failed(message, "permanent delivery failure", now)
            await self.gateway.ack_receipts([provider_id])
        return len(found)

    async def _sent(self, message: OutboxMessage, provider_id: str, now: datetime) -> None:
        assert message.id is not None
        async with self.storage.unit_of_work() as uow:
            await uow.outbox.mark_sent(message.id, provider_id, now)
            if message.client_ref.startswith("offer:") and message.case_id:  # intake's offer
                await start_offer_timers(uow, message.case_id, now, self.timers)
            await uow.commit()

    async def _retry(self, message: OutboxMessage, error: str, now: datetime) -> None:
        assert message.id is not None
        if message.attempts + 1 >= MAX_ATTEMPTS:
            await self._failed(message, f"{error}; gave up after {MAX_ATTEMPTS} attempts", now)
            return
        async with self.storage.unit_of_work() as uow:
            await uow.outbox.mark_retry(message.id, now + backoff(message.attempts + 1), error)
            await uow.commit()

    async def _failed(self, message: OutboxMessage, error: str, now: datetime) -> None:
        assert message.id is not None
        async with self.storage.unit_of_work() as uow:
            await uow.outbox.mark_failed(message.id, error)
            note = f"message {message.client_ref} could not be sent: {error}"
            task = OperatorTask(
                case_id=message.case_id, kind="send_failed", note=note, created_at=now
            )
            await uow.tasks.add(task)
            await uow.commit()
