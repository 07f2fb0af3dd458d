"""The outbox dispatcher: sends what committed transactions queued, once per client reference.

A submission carries the outbox reference plus the attempt number, so a crash between the
gateway's acceptance and our bookkeeping re-submits the same reference and the gateway,
idempotent by reference, sends nothing twice. Temporary failures are retried with backoff;
permanent ones are marked for operators. Each channel is held to its configured rate.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Literal, NamedTuple

from bot.ports import (
    ChatSender,
    SendPermanentError,
    SendTemporaryError,
    SmsGateway,
    Storage,
    UnitOfWork,
)
from bot.records import Channel, OperatorTask, OutboxMessage, OutboxStatus
from bot.service.group_commit import GroupCommit
from bot.service.timers import OfferTimers, start_offer_timers

# A temporary failure (a phone off or out of coverage) is tried again for about six hours
# (1 + 5 + 15 minutes, then hourly) before operators get it: with five attempts in 81 minutes,
# one message in 3,125 was given up at 20 % temporary failures (the fault test's soak, issue 10).
MAX_ATTEMPTS = 10
RECEIPTS_PER_TRANSACTION = 500
ORPHAN_AFTER = 600.0  # seconds a receipt waits for its message's provider id to be written
log = logging.getLogger(__name__)
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


class Outcome(NamedTuple):
    """What became of a submission: sent (detail: the provider's id), or a temporary or
    permanent failure (detail: why)."""

    kind: Literal["sent", "temporary", "permanent"]
    detail: str


RECEIPT_FAILURES = {
    "temporary": Outcome("temporary", "temporary delivery failure"),
    "permanent": Outcome("permanent", "permanent delivery failure"),
}


async def settled(written: Sequence[Awaitable[None]]) -> None:
    """Wait for every write handed to a group commit; the first failure is raised."""
    outcomes = await asyncio.gather(*written, return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome


def submission_ref(message: OutboxMessage) -> str:
    """The gateway reference of this attempt: the outbox reference and the attempt number."""
    return f"{message.client_ref}#{message.attempts}"


class Dispatcher:
    """Sends the outbox: SMS through the gateway at its rate, chat messages by their channel.

    One dispatch at a time: two would both take the same queued message."""

    def __init__(
        self,
        storage: Storage,
        gateway: SmsGateway,
        rate: RateLimit,
        timers: OfferTimers,
        chats: Sequence[ChatSender] = (),
    ) -> None:
        self.storage, self.gateway, self.rate, self.timers = storage, gateway, rate, timers
        self.chats = tuple(chats)  # the chat channels running; another's messages wait
        # one pass at a time per channel: two would both take the same queued message
        self._one_at_a_time: dict[str, asyncio.Lock] = {}
        self._writes = GroupCommit(storage)
        self.outcomes: Counter[str] = Counter()  # SMS: sent, temporary, permanent (this process)
        self._unmatched: dict[str, float] = {}  # receipts matching no message yet: first seen

    def _lock(self, channel: str) -> asyncio.Lock:
        return self._one_at_a_time.setdefault(channel, asyncio.Lock())

    async def dispatch(self, now: datetime) -> int:
        """Send every message due now, SMS then each chat channel; the number settled."""
        sent = await self.send_sms(now)
        for channel in self.chats:
            sent += await self.send_chat(channel, now)
        return sent

    async def send_sms(self, now: datetime) -> int:
        """Send the SMS due now through the gateway, at its rate; the number settled.

        What the gateway answers is written by group commit (the answers that come while a
        transaction is being written share the next one), and the pass ends once all are
        written. A crash before an answer is written submits the same reference again, and
        the gateway, idempotent by reference, sends nothing twice."""
        async with self._lock(Channel.SMS):
            async with self.storage.unit_of_work() as uow:
                due = await uow.outbox.due(now, limit=500, channel=Channel.SMS)
            written = []
            for message in due:
                await self.rate.wait()
                outcome = await self._submit(message)
                written.append(self._writes.later(partial(self._apply, message, outcome, now)))
            await settled(written)
            return len(due)

    async def send_chat(self, channel: ChatSender, now: datetime) -> int:
        """Send one chat channel's messages due now, by the channel itself; how many were
        settled."""
        async with self._lock(channel.name):
            async with self.storage.unit_of_work() as uow:
                due = await uow.outbox.due(now, limit=500, channel=channel.name)
            return await channel.dispatch(due, now) if due else 0

    async def _submit(self, message: OutboxMessage) -> Outcome:
        """The gateway's answer to one submission."""
        try:
            provider_id = await self.gateway.submit(
                submission_ref(message), message.address, message.text
            )
        except SendTemporaryError as error:
            return Outcome("temporary", str(error))
        except SendPermanentError as error:
            return Outcome("permanent", str(error))
        return Outcome("sent", provider_id)

    async def receipts(self, now: datetime) -> int:
        """Apply delivery receipts: delivered, or a temporary / permanent failure; how many
        were applied.

        Each is acknowledged to the gateway only once applied; a crash in between hands it
        over again, and a receipt already applied (the message no longer `sent`) changes
        nothing the second time. A receipt whose message is not known by its provider id yet
        (another instance's answer from the gateway not written yet) stays with the gateway
        for a later pass; one still unknown after `ORPHAN_AFTER` is dropped with a warning."""
        found = list(await self.gateway.receipts())
        applied = 0
        for start in range(0, len(found), RECEIPTS_PER_TRANSACTION):
            chunk = found[start : start + RECEIPTS_PER_TRANSACTION]
            taken: list[str] = []
            async with self.storage.unit_of_work() as uow:
                messages = await uow.outbox.by_provider_ids([pid for pid, _ in chunk])
                for provider_id, outcome in chunk:
                    message = messages.get(provider_id)
                    if message is None:
                        if self._orphaned(provider_id):
                            taken.append(provider_id)
                        continue
                    self._unmatched.pop(provider_id, None)
                    taken.append(provider_id)
                    if outcome == "delivered":
                        await uow.outbox.mark_delivered(provider_id)
                    elif message.status is OutboxStatus.SENT:
                        failed = RECEIPT_FAILURES.get(outcome)
                        if failed is not None:  # not yet applied
                            await self._apply(message, failed, now, uow)
                await uow.commit()
            if taken:
                await self.gateway.ack_receipts(taken)
            applied += len(taken)
        return applied

    def _orphaned(self, provider_id: str) -> bool:
        """Whether a receipt has matched no message for `ORPHAN_AFTER` (seen first now, it
        has not)."""
        first = self._unmatched.setdefault(provider_id, time.monotonic())
        if time.monotonic() - first < ORPHAN_AFTER:
            return False
        del self._unmatched[provider_id]
        log.warning(
            "a receipt for %s matched no message in %.0f s: dropped", provider_id, ORPHAN_AFTER
        )
        return True

    async def _apply(
        self, message: OutboxMessage, outcome: Outcome, now: datetime, uow: UnitOfWork
    ) -> None:
        """One message's outcome: sent (an offer's timers start), retried later, or failed."""
        assert message.id is not None
        self.outcomes[outcome.kind] += 1
        if outcome.kind == "sent":
            await uow.outbox.mark_sent(message.id, outcome.detail, now)
            if message.starts_timers and message.case_id:  # the offer of a new case
                await start_offer_timers(uow, message.case_id, now, self.timers)
        elif outcome.kind == "temporary" and message.attempts + 1 < MAX_ATTEMPTS:
            await uow.outbox.mark_retry(
                message.id, now + backoff(message.attempts + 1), outcome.detail
            )
        else:
            error = outcome.detail
            if outcome.kind == "temporary":
                error = f"{error}; gave up after {MAX_ATTEMPTS} attempts"
            await uow.outbox.mark_failed(message.id, error)
            note = f"message {message.client_ref} could not be sent: {error}"
            uow.tasks.add(
                OperatorTask(
                    case_id=message.case_id, kind="send_failed", note=note, created_at=now
                )
            )
