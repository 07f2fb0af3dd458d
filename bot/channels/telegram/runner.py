"""Wires aiogram: the `Bot` (any Bot API server), the dispatcher with the routers and the
I18n middleware, and the two ways updates arrive: long polling (default) or a webhook."""

from __future__ import annotations

import logging
from contextlib import suppress

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import BotCommand
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.channels.telegram.deps import Deps
from bot.channels.telegram.i18n import StoredLanguage, catalog_i18n
from bot.channels.telegram.routers import all_routers
from bot.settings import Settings

log = logging.getLogger(__name__)
POLLING_TIMEOUT = 25  # seconds a getUpdates call may wait for an update


def build_bot(settings: Settings) -> Bot:
    """The aiogram `Bot` for the configured token and Bot API server."""
    if settings.token is None:
        raise ValueError("Telegram needs BOT_TOKEN")
    base = settings.telegram_api_base
    session = AiohttpSession(api=TelegramAPIServer.from_base(base)) if base else AiohttpSession()
    return Bot(settings.token.get_secret_value(), session=session)


def build_dispatcher(deps: Deps) -> Dispatcher:
    """The routers under one dispatcher, every update's locale set from the stored language."""
    dispatcher = Dispatcher(deps=deps)
    for router in all_routers():
        dispatcher.include_router(router)
    StoredLanguage(catalog_i18n(), deps.storage).setup(dispatcher)
    return dispatcher


COMMANDS = {  # the command menu; its descriptions are the Bot API's, not citizens' texts
    "start": "start / бастау / начать",
    "status": "status / өтініштер / заявления",
    "language": "тіл / язык",
    "help": "help / анықтама / справка",
    "stop": "unlink / ажырату / отвязать",
}


async def introduce(bot: Bot, deps: Deps) -> str:
    """Ask the server who the bot is and keep its username (deep links in SMS)."""
    me = await bot.get_me()
    username = me.username or str(me.id)
    async with deps.storage.unit_of_work() as uow:
        await uow.telegram.set_username(username, await deps.clock.now())
        await uow.commit()
    return username


async def set_menu(bot: Bot) -> None:
    """The command menu (optional: a client without it still takes the commands typed)."""
    commands = [BotCommand(command=name, description=text) for name, text in COMMANDS.items()]
    await bot.set_my_commands(commands)


async def poll(bot: Bot, dispatcher: Dispatcher) -> None:
    """Long polling until cancelled (any webhook is removed first, as getUpdates requires)."""
    await bot.delete_webhook(drop_pending_updates=False)
    await dispatcher.start_polling(
        bot,
        handle_signals=False,
        close_bot_session=False,
        polling_timeout=POLLING_TIMEOUT,
        allowed_updates=dispatcher.resolve_used_update_types(),
    )


async def start_webhook(bot: Bot, dispatcher: Dispatcher, settings: Settings) -> web.AppRunner:
    """Serve the webhook and register it with the Bot API server; the runner to clean up."""
    assert settings.webhook_url is not None
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    app = web.Application()
    SimpleRequestHandler(dispatcher=dispatcher, bot=bot, secret_token=secret).register(
        app, path=settings.webhook_path
    )
    setup_application(app, dispatcher, bot=bot)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
    await bot.set_webhook(
        settings.webhook_url,
        secret_token=secret,
        allowed_updates=dispatcher.resolve_used_update_types(),
    )
    return runner


async def stop_webhook(bot: Bot, runner: web.AppRunner, *, shared: bool = False) -> None:
    """Stop serving the webhook and remove it (best effort), unless it is `shared`: with
    several instances behind one public URL (a PostgreSQL database), the others still serve
    it, and Telegram keeps what it could not deliver until one of them takes it."""
    if not shared:
        with suppress(Exception):
            await bot.delete_webhook()
    await runner.cleanup()
