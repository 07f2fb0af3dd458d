"""Composition root: builds the bot from settings; tests pass their own parts.

Nothing connects at import time; `build_app` opens what it needs and `App.close` releases it.
The only module of the running bot that may reach the simulator: with no registries URL
the registries are the simulator's, in process (`bot.simulation.registries`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.app import App
from bot.clock import RegistryClock
from bot.decide import Decider
from bot.dispatcher import Dispatcher, RateLimit
from bot.ports import Clock, SmsGateway
from bot.registries.port import RegistryClient
from bot.registries.retrying import RetryingClient
from bot.settings import Settings
from bot.signing import Signer
from bot.storage.opening import open_storage
from bot.timers import OfferTimers

if TYPE_CHECKING:
    from aiogram import Bot


def _registries(settings: Settings, closers: list[Callable[[], None]]) -> RegistryClient:
    """The configured transport, each call retried where it failed (`RetryingClient`)."""
    if settings.registries_url is not None:
        from bot.registries.http import HttpClient  # noqa: PLC0415 (only over HTTP)

        over_http = HttpClient(settings.registries_url, timeout=settings.registry_timeout)
        return RetryingClient(over_http)
    from bot.simulation.registries import in_process  # noqa: PLC0415 (simulation only)

    return RetryingClient(in_process(settings.data_dir, settings.registry_timeout, closers))


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
