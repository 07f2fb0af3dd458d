"""Telegram as one chat channel (`bot.ports.ChatChannel`): it sends the outbox's Telegram
messages (`TelegramSender`) and receives citizens' messages and presses by long polling or,
with BOT_WEBHOOK_URL, by webhook. `bot.composition` registers it when a token is set."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError

from bot.channels.telegram.deps import Deps
from bot.channels.telegram.runner import (
    build_dispatcher,
    introduce,
    poll,
    set_menu,
    start_webhook,
    stop_webhook,
)
from bot.channels.telegram.sender import TelegramLimits, TelegramSender
from bot.ports import Clock, Storage
from bot.records import Channel, OutboxMessage
from bot.registries.port import RegistryClient
from bot.settings import Settings

log = logging.getLogger(__name__)
RETRY_FIRST, RETRY_MOST = 1.0, 60.0  # seconds between tries of a Bot API call at start


def _nothing() -> None:
    """Nothing to wake before serving."""


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
        self._username: str | None = None
        self.outcomes = self.sender.outcomes

    async def dispatch(self, messages: Sequence[OutboxMessage], now: datetime) -> int:
        """Send what Telegram's limits allow now; how many messages were settled."""
        return await self.sender.dispatch(messages, now)

    def not_ready(self) -> str | None:
        """Not before the Bot API told the bot its name (getMe)."""
        return None if self._username is not None else "the Bot API has not answered getMe"

    async def start(self) -> None:
        """Learn the bot's username and keep it before the due work starts, so a citizen's
        TG reply gets the deep link at once; a Bot API that does not answer now is asked
        again by `receive`, never fatal."""
        try:
            self._username = await introduce(self.bot, self._deps(_nothing))
        except (TelegramAPIError, OSError, TimeoutError) as error:
            log.warning("Telegram: getMe failed at start (%s); asked again while serving", error)

    async def receive(
        self, wake: Callable[[], None], stop: asyncio.Event, say: Callable[[str], None]
    ) -> None:
        """Take updates until `stop` is set: poll, or serve the webhook. The bot's username
        is asked until known; the command menu is set in the background, retried while it
        fails (optional: a warning, never fatal)."""
        deps = self._deps(wake)
        dispatcher = build_dispatcher(deps)
        username = await self._username_until_known(deps, stop)
        if username is None:
            return  # stopped before the Bot API answered
        menu = asyncio.create_task(self._menu_until_set(stop))
        try:
            await self._updates(dispatcher, username, stop, say)
        finally:
            menu.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await menu

    def _deps(self, wake: Callable[[], None]) -> Deps:
        return Deps(self.storage, self.registries, self.clock, wake)

    async def _username_until_known(self, deps: Deps, stop: asyncio.Event) -> str | None:
        failures = 0
        while self._username is None and not stop.is_set():
            try:
                self._username = await introduce(self.bot, deps)
            except (TelegramAPIError, OSError, TimeoutError) as error:
                failures += 1
                delay = min(RETRY_MOST, RETRY_FIRST * 2 ** (failures - 1))
                log.warning("Telegram: getMe failed (%s); again in %.0f s", error, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
        return self._username

    async def _menu_until_set(self, stop: asyncio.Event) -> None:
        failures = 0
        while not stop.is_set():
            try:
                await set_menu(self.bot)
            except (TelegramAPIError, OSError, TimeoutError) as error:
                failures += 1
                delay = min(RETRY_MOST, RETRY_FIRST * 2 ** (failures - 1))
                log.warning("Telegram: setMyCommands failed (%s); again in %.0f s", error, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
            else:
                return

    async def _updates(
        self,
        dispatcher: Dispatcher,
        username: str,
        stop: asyncio.Event,
        say: Callable[[str], None],
    ) -> None:
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
