"""Composition root: builds the bot from settings; tests pass their own parts.

Nothing connects at import time; `build_app` opens what it needs and `App.close` releases it.
With no registries URL the registries are the simulator's file, read in process: the one
place the running bot reaches the simulator (the core, channels and console never do).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from bot.app import App
from bot.evidence.signing import Signer
from bot.ports import ChatChannel, Clock, SmsGateway
from bot.registries.port import RegistryClient
from bot.registries.retrying import RetryingClient
from bot.service.clock import RegistryClock
from bot.service.decide import Decider
from bot.service.dispatcher import Dispatcher, RateLimit
from bot.service.timers import OfferTimers
from bot.settings import Settings
from bot.storage.opening import open_storage

if TYPE_CHECKING:
    from aiogram import Bot


def _registries(settings: Settings, closers: list[Callable[[], None]]) -> RegistryClient:
    """The configured transport, each call retried where it failed (`RetryingClient`)."""
    if settings.registries_url is not None:
        from bot.registries.http import HttpClient  # noqa: PLC0415 (only over HTTP)

        over_http = HttpClient(settings.registries_url, timeout=settings.registry_timeout)
        return RetryingClient(over_http)
    from fake_registries import db as registries_db  # noqa: PLC0415 (simulation only)
    from fake_registries.client import DirectClient  # noqa: PLC0415
    from fake_registries.service import RegistryService  # noqa: PLC0415

    conn = registries_db.connect(registries_db.path_in(settings.data_dir))
    closers.append(conn.close)
    return RetryingClient(DirectClient(RegistryService(conn), timeout=settings.registry_timeout))


async def build_app(  # noqa: PLR0913 (each part may be given; all but settings by name)
    settings: Settings,
    *,
    clock: Clock | None = None,
    sms: SmsGateway | None = None,
    registries: RegistryClient | None = None,
    telegram: Bot | None = None,
    chats: Sequence[ChatChannel] = (),
    sending: bool = True,
) -> App:
    """The bot wired from settings; any part given replaces the configured one.

    The chat channels are `chats` and Telegram, which is on when a `telegram` bot is given
    or a token is set (aiogram is imported only then). A chat channel is registered here
    and nowhere else: the conversation and the dispatcher know chat channels only as a list
    (`bot.ports.ChatChannel`, `bot.ports.ChatLinks`).

    With `sending` false (a command that only reads or writes the database) nothing
    connects: no SMPP bind, no Bot API call; the simulated gateway's file is still opened.
    """
    closers: list[Callable[[], None]] = []
    async_closers: list[Callable[[], Awaitable[None]]] = []
    registries = registries or _registries(settings, closers)
    clock = clock or RegistryClock(registries)
    if sms is None and not sending and settings.sms_gateway == "smpp":
        from bot.channels.offline import OfflineSmsGateway  # noqa: PLC0415

        sms = OfflineSmsGateway()
    if sms is None:
        sms = await _sms_gateway(settings, clock, closers, async_closers)
    storage = await open_storage(settings)
    timers = OfferTimers(remind_after=settings.remind_after, expire_after=settings.expire_after)
    channels = list(chats)
    if telegram is None and settings.token is not None and sending:
        from bot.channels.telegram.runner import build_bot  # noqa: PLC0415 (only with a token)

        telegram = build_bot(settings)
    if telegram is not None:
        from bot.channels.telegram.channel import TelegramChannel  # noqa: PLC0415
        from bot.channels.telegram.sender import TelegramLimits  # noqa: PLC0415

        limits = TelegramLimits(settings.telegram_rate, settings.telegram_chat_interval)
        channels.append(TelegramChannel(telegram, storage, registries, clock, settings, limits))
    dispatcher = Dispatcher(storage, sms, RateLimit(settings.sms_rate), timers, channels)
    signer = Signer.load_or_create(settings.data_dir)
    decider = Decider(storage, registries, signer, clock, shared=settings.postgres_url is not None)
    async_closers.extend(channel.close for channel in channels)
    return App(settings, storage, registries, clock, sms, dispatcher, decider, closers,
               chats=channels, async_closers=async_closers)  # fmt: skip


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
