"""The running bot: its parts and the rounds of due work between them.

`bot.composition.build_app` builds it from settings; `App.close` releases what it opened.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from bot.ports import ChatChannel, Clock, Conflict, SmsGateway, Storage
from bot.registries.errors import Retriable
from bot.registries.port import RegistryClient
from bot.service.decide import Decider
from bot.service.dispatcher import Dispatcher
from bot.service.flow import handle_pending, log_inbound
from bot.service.intake import intake
from bot.service.timers import sweep
from bot.settings import Settings
from bot.storage.unit import doing

log = logging.getLogger(__name__)
MAX_ROUNDS = 1000
SMS_ROLE = "dispatch"  # the SMS channel's sending role; a chat channel's is dispatch:<name>
CHECKPOINT_ROWS = 5000  # ledger rows sealed in one checkpoint at most
# Work claimed by key inside its transactions (the storage's due timers, pending replies), so
# every instance does it at once; every other kind is one instance's at a time (a role).
SHARED = frozenset({"replies", "timers", "decisions"})


@dataclass
class App:
    """The running bot: storage, registries, clock, SMS gateway and the work between them."""

    settings: Settings
    storage: Storage
    registries: RegistryClient
    clock: Clock
    sms: SmsGateway
    dispatcher: Dispatcher
    decider: Decider
    closers: list[Callable[[], None]] = field(default_factory=list)
    chats: list[ChatChannel] = field(default_factory=list)  # the chat channels registered
    async_closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    _ticking: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    _stopped: bool = field(default=False, repr=False)  # no tick starts once set (`stop_ticking`)
    _feed_read: bool = field(default=False, repr=False)  # the feed had nothing new this tick
    work: Counter[str] = field(default_factory=Counter)  # what this instance did, by role

    async def round(self, *, sending: bool = True) -> int:
        """One pass over every kind of due work; how much was done. Without `sending` the
        channels' sending is left to their own workers (`send`, as `serve` runs them).

        Replies, timers and decisions are claimed by key inside their transactions (by
        sender, by case), so instances on one PostgreSQL database do them side by side. Every
        other kind is a role claimed from the storage for its pass (`Storage.claim`): an
        instance whose peer is doing it now skips it this round. (A SQLite file has one
        process: it does them all.)"""
        now = await self.clock.now()
        work: list[tuple[str, Callable[[], Awaitable[int]]]] = [
            ("intake", self._intake),
            ("replies", partial(self._replies, now)),
            ("timers", partial(sweep, self.storage, now)),
            ("decisions", partial(self.decider.sweep, now)),
        ]
        if sending:
            work += [(role, partial(self._send, role, now)) for role in self.senders]
        done = 0
        for role, run in work:
            done += await self._claimed(role, run)
        await self._claimed("checkpoint", partial(self._checkpoint, now))
        return done  # sealing makes no work: it does not call for another round

    async def _checkpoint(self, now: datetime) -> int:
        """Seal the ledger rows the round (and any instance) wrote into checkpoints; the
        number of rows sealed."""
        sealed = 0
        while True:
            async with self.storage.unit_of_work() as uow:
                made = await uow.consents.checkpoint(now, CHECKPOINT_ROWS)
                if made is None:
                    return sealed
                await uow.commit()
            sealed += made.size
            if made.size < CHECKPOINT_ROWS:
                return sealed

    @property
    def senders(self) -> list[str]:
        """The roles that send, one per channel: "dispatch" (SMS, and its receipts), then
        "dispatch:<name>" for each chat channel."""
        return [SMS_ROLE, *(f"{SMS_ROLE}:{chat.name}" for chat in self.dispatcher.chats)]

    async def send(self, role: str) -> int:
        """One pass of one channel's sending (a role of `senders`); how much was done. It
        waits on that channel's line alone: `serve` runs one worker a channel."""
        return await self._claimed(role, partial(self._send, role, await self.clock.now()))

    async def _claimed(self, role: str, run: Callable[[], Awaitable[int]]) -> int:
        if role in SHARED:
            return await self._do(role, run)
        async with self.storage.claim(role) as mine:
            return await self._do(role, run) if mine else 0

    async def _do(self, role: str, run: Callable[[], Awaitable[int]]) -> int:
        with doing(role):  # names its commits for the crash tests' failpoint
            try:
                did = await run()
            except Conflict as error:  # nothing of the transaction ended was written
                log.warning(
                    "%s met another instance's transaction; again next round: %s", role, error
                )
                return 0
        self.work[role] += did
        return did

    async def _send(self, role: str, now: datetime) -> int:
        if role == SMS_ROLE:
            return await self._dispatch(now)
        name = role.removeprefix(f"{SMS_ROLE}:")
        [chat] = [c for c in self.dispatcher.chats if c.name == name]
        return await self.dispatcher.send_chat(chat, now)

    async def _dispatch(self, now: datetime) -> int:
        """Send the due SMS, then apply the gateway's receipts, in one role: a receipt can
        come before the answer to its submission is written (group commit), and one applied
        by another instance then would find no message to mark."""
        sent = await self.dispatcher.send_sms(now)
        with doing("receipts"):  # its commits are named apart for the crash tests
            return sent + await self.dispatcher.receipts(now)

    async def _replies(self, now: datetime) -> int:
        """Log the gateway's new replies (idempotent by provider id), acknowledge them once
        committed, and handle every reply not yet handled."""
        done = 0
        replies = list(await self.sms.replies())
        if replies:  # no transaction for nothing
            done += await log_inbound(self.storage, replies)
            await self.sms.ack_replies([m.provider_id for m in replies])
        return done + await handle_pending(self.storage, now)

    async def _intake(self) -> int:
        """Take the registries' new events; none this round when they do not answer. Once
        the feed had nothing new, it is not asked again before the next tick (each ask is a
        call to the registries, however slow they answer)."""
        if self._feed_read:
            return 0
        try:
            taken = await intake(self.storage, self.registries, self.clock)
        except Retriable as error:
            log.warning("registries did not answer; intake waits for the next tick: %s", error)
            taken = 0
        self._feed_read = taken == 0
        return taken

    @property
    def ticking(self) -> bool:
        """Whether a tick is running (it takes new work in its next round)."""
        return self._ticking.locked()

    async def stop_ticking(self) -> None:
        """Start no new tick, and wait for the one in progress, if any, to end.

        A tick already handed to the event loop (a scheduler run submitted just before the
        scheduler paused) finds the app stopped and does nothing, so it never reaches storage
        that `close` is releasing."""
        self._stopped = True
        async with self._ticking:
            pass

    async def tick(self, *, sending: bool = True) -> int:
        """Run due work until nothing is left, one tick at a time; the total done (0 once
        `stop_ticking` was called). Without `sending`, what is queued is left to the
        channels' own workers."""
        async with self._ticking:
            if self._stopped:
                return 0
            return await self._tick(sending=sending)

    async def _tick(self, *, sending: bool) -> int:
        total = 0
        self._feed_read = False  # a tick asks the feed at least once
        for _ in range(MAX_ROUNDS):
            done = await self.round(sending=sending)
            total += done
            if done == 0:
                return total
        log.warning("tick stopped after %d rounds with work still coming", MAX_ROUNDS)
        return total

    async def close(self) -> None:
        """Release the storage, the registries and the gateway."""
        await self.stop_ticking()
        await self.registries.close()
        for close_async in self.async_closers:
            await close_async()  # chat sessions close, SMPP unbinds, before the files close
        await self.storage.close()
        for close in self.closers:
            close()
