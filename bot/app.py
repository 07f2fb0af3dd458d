"""Composition root: builds the bot from settings; tests pass their own parts.

Nothing connects at import time; `build_app` opens what it needs and `App.close` releases it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from bot.clock import RegistryClock
from bot.decide import Decider
from bot.dispatcher import Dispatcher, RateLimit
from bot.flow import handle_pending, log_inbound
from bot.intake import intake
from bot.ports import Clock, SmsGateway, Storage
from bot.settings import Settings
from bot.signing import Signer
from bot.storage.opening import open_storage
from bot.storage.unit import doing
from bot.timers import OfferTimers, sweep
from fake_registries import db as registries_db
from fake_registries.client import DirectClient, RegistryClient
from fake_registries.errors import Retriable
from fake_registries.retrying import RetryingClient
from fake_registries.service import RegistryService

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)
MAX_ROUNDS = 1000


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
    telegram: Bot | None = None  # the Telegram bot when a token is set; its sender is the
    # dispatcher's chat channel
    async_closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    _ticking: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    work: Counter[str] = field(default_factory=Counter)  # what this instance did, by role

    async def round(self) -> int:
        """One pass over every kind of due work; how much was done.

        Each kind is a role claimed from the storage for its pass (`Storage.claim`): with
        several instances on one PostgreSQL database, an instance whose peer is doing a kind
        of work now skips it this round (a SQLite file has one process: it does them all)."""
        now = await self.clock.now()
        done = 0
        for role, work in (
            ("intake", self._intake),
            ("replies", partial(self._replies, now)),
            ("timers", partial(sweep, self.storage, now)),
            ("decisions", partial(self.decider.sweep, now)),
            ("dispatch", partial(self.dispatcher.dispatch, now)),
            ("receipts", partial(self.dispatcher.receipts, now)),
        ):
            async with self.storage.claim(role) as mine:
                if mine:
                    with doing(role):  # names its commits for the crash tests' failpoint
                        did = await work()
                    self.work[role] += did
                    done += did
        return done

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
        """Take the registries' new events; none this round when they do not answer."""
        try:
            return await intake(self.storage, self.registries, self.clock)
        except Retriable as error:
            log.warning("registries did not answer; intake waits for the next tick: %s", error)
            return 0

    @property
    def ticking(self) -> bool:
        """Whether a tick is running (it takes new work in its next round)."""
        return self._ticking.locked()

    async def wait_idle(self) -> None:
        """Wait for the tick in progress, if any, to end."""
        async with self._ticking:
            pass

    async def tick(self) -> int:
        """Run due work until nothing is left, one tick at a time; the total done."""
        async with self._ticking:
            return await self._tick()

    async def _tick(self) -> int:
        total = 0
        for _ in range(MAX_ROUNDS):
            done = await self.round()
            total += done
            if done == 0:
                return total
        log.warning("tick stopped after %d rounds with work still coming", MAX_ROUNDS)
        return total

    async def close(self) -> None:
        """Release the storage, the registries and the gateway."""
        await self.registries.close()
        if self.telegram is not None:
            await self.telegram.session.close()
        for close_async in self.async_closers:
            await close_async()  # the SMPP session unbinds before the files close
        await self.storage.close()
        for close in self.closers:
            close()


def _registries(settings: Settings, closers: list[Callable[[], None]]) -> RegistryClient:
    """The configured transport, each call retried where it failed (`RetryingClient`)."""
    if settings.registries_url is not None:
        from fake_registries.http_client import HttpClient  # noqa: PLC0415 (only over HTTP)

        over_http = HttpClient(settings.registries_url, timeout=settings.registry_timeout)
        return RetryingClient(over_http)
    conn = registries_db.connect(registries_db.path_in(settings.data_dir))
    closers.append(conn.close)
    return RetryingClient(DirectClient(RegistryService(conn), timeout=settings.registry_timeout))


async def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    sms: SmsGateway | None = None,
    registries: RegistryClient | None = None,
    telegram: Bot | None = None,
) -> App:
    """The bot wired from settings; any part given replaces the configured one.

    Telegram is on when a `telegram` bot is given or a token is set (aiogram is imported
    only then)."""
    closers: list[Callable[[], None]] = []
    async_closers: list[Callable[[], Awaitable[None]]] = []
    registries = registries or _registries(settings, closers)
    clock = clock or RegistryClock(registries)
    if sms is None:
        sms = await _sms_gateway(settings, clock, closers, async_closers)
    storage = await open_storage(settings)
    timers = OfferTimers(remind_after=settings.remind_after, expire_after=settings.expire_after)
    chats = None
    if telegram is None and settings.token is not None:
        from bot.channels.telegram.runner import build_bot  # noqa: PLC0415 (only with a token)

        telegram = build_bot(settings)
    if telegram is not None:
        from bot.channels.telegram.sender import TelegramLimits, TelegramSender  # noqa: PLC0415

        limits = TelegramLimits(settings.telegram_rate, settings.telegram_chat_interval)
        chats = TelegramSender(telegram, storage, limits)
    dispatcher = Dispatcher(storage, sms, RateLimit(settings.sms_rate), timers, chats)
    signer = Signer.load_or_create(settings.data_dir)
    decider = Decider(storage, registries, signer, clock)
    return App(
        settings, storage, registries, clock, sms, dispatcher, decider, closers, telegram,
        async_closers,
    )  # fmt: skip


async def _sms_gateway(
    settings: Settings,
    clock: Clock,
    closers: list[Callable[[], None]],
    async_closers: list[Callable[[], Awaitable[None]]],
) -> SmsGateway:
    """The configured SMS channel: the simulated provider's file, or an SMSC over SMPP."""
    if settings.sms_gateway == "smpp":
        from bot.channels.smpp.gateway import SmppSmsGateway, config_from  # noqa: PLC0415

        smpp = SmppSmsGateway(config_from(settings), settings.smpp_database, clock)
        await smpp.start()  # binds in the background, reconnecting until closed
        async_closers.append(smpp.close)
        return smpp
    from bot.channels.sms_gateway import SimulatedSmsGateway  # noqa: PLC0415

    gateway = SimulatedSmsGateway(settings.sms_database, clock)
    closers.append(gateway.close)
    return gateway
