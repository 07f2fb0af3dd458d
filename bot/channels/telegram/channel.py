"""Telegram as one chat channel (`bot.ports.ChatChannel`): it sends the outbox's Telegram
messages (`TelegramSender`) and receives citizens' messages and presses by long polling or,
with BOT_WEBHOOK_URL, by webhook. `bot.composition` registers it when a token is set."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from datetime import datetime

from aiogram import Bot

from bot.channels.telegram.deps import Deps
from bot.channels.telegram.runner import (
    build_dispatcher,
    introduce,
    poll,
    start_webhook,
    stop_webhook,
)
from bot.channels.telegram.sender import TelegramLimits, TelegramSender
from bot.ports import Clock, Storage
from bot.records import Channel, OutboxMessage
from bot.registries.port import RegistryClient
from bot.settings import Settings


class TelegramChannel:
    """The Telegram bot: its sender, and its updates until stopped."""

    name: str = Channel.TELEGRAM

    def __init__(  # noqa: PLR0913 (what the channel is built from, each named)
        self,
        bot: Bot,
        storage: Storage,
        registries: RegistryClient,
        clock: Clock,
        settings: Settings,
        limits: TelegramLimits | None = None,
    ) -> None:
        self.bot, self.storage, self.registries, self.clock = bot, storage, registries, clock
        self.settings = settings
        self.sender = TelegramSender(bot, storage, limits)

    async def dispatch(self, messages: Sequence[OutboxMessage], now: datetime) -> int:
        """Send what Telegram's limits allow now; how many messages were settled."""
        return await self.sender.dispatch(messages, now)

    async def receive(
        self, wake: Callable[[], None], stop: asyncio.Event, say: Callable[[str], None]
    ) -> None:
        """Take updates until `stop` is set: introduce the bot (its username for deep links,
        its command menu), then poll, or serve the webhook."""
        deps = Deps(self.storage, self.registries, self.clock, wake)
        dispatcher = build_dispatcher(deps)
        username = await introduce(self.bot, deps)
        every = f"{self.settings.tick_interval} s"
        if self.settings.webhook_url is not None:
            runner = await start_webhook(self.bot, dispatcher, self.settings)
            say(f"serving: Telegram @{username} by webhook; due work every {every}")
            shared = self.settings.postgres_url is not None  # other instances may serve it too
            try:
                await stop.wait()
            finally:
                await stop_webhook(self.bot, runner, shared=shared)
            return
        polling = asyncio.create_task(poll(self.bot, dispatcher))
        say(f"serving: Telegram @{username} by long polling; due work every {every}")
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait({polling, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if polling.done():
            stopped.cancel()
            polling.result()  # polling ended on its own: say why
            return
        await dispatcher.stop_polling()
        with contextlib.suppress(asyncio.CancelledError):
            await polling

    async def close(self) -> None:
        """Close the Bot API session."""
        await self.bot.session.close()
