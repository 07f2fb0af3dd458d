"""`python -m bot serve`: everything at once until SIGINT or SIGTERM.

The registry watcher, the replies, the timers and the decisions run as one interval job
(APScheduler); each channel sends in a worker of its own (`bot.workers`: the SMS gateway,
Telegram), so a channel that is down delays only its own messages. The console serves
operators and testers (loopback by default; BOT_CONSOLE=false turns it off); Telegram, when
a token is set, receives updates by long polling or, with BOT_WEBHOOK_URL, by webhook. A
Telegram handler that logs a reply or queues an answer wakes the job, so the citizen is
answered now, not at the next interval; so does a reply or a receipt arriving over SMPP
(SMS_GATEWAY=smpp).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot import logs
from bot.app import App
from bot.channels.smpp.gateway import SmppSmsGateway
from bot.cli.operations import OK, fail, out, stop_on_signals
from bot.composition import build_app
from bot.scheduler import JOB_ID, build_scheduler, stop_gracefully
from bot.settings import Settings
from bot.workers import Senders

if TYPE_CHECKING:
    from bot.web.app_state import AddPages

log = logging.getLogger(__name__)


async def run_until(app: App, stop: asyncio.Event, pages: AddPages | None = None) -> None:
    """Serve until `stop` is set: the job, the console (with the pages `pages` adds) and
    Telegram when the app has it."""
    for channel in app.chats:  # before the due work: a TG reply finds the bot's name
        await channel.start()
    senders = Senders(app, app.settings.tick_interval)
    scheduler = build_scheduler(
        app, app.settings.tick_interval, sending=False, queued=senders.wake
    )
    scheduler.start()
    senders.start()

    def wake() -> None:
        """Run the job now, unless a tick runs: its next round takes the new work; and let
        the senders look (a receipt is theirs to apply)."""
        job = scheduler.get_job(JOB_ID)
        if job is not None and not app.ticking:
            job.modify(next_run_time=datetime.now(UTC))
        senders.wake()

    if isinstance(app.sms, SmppSmsGateway):  # a receipt or a reply wakes the job too
        app.sms.on_inbound = wake
        smpp = app.settings
        out(f"SMS over SMPP 3.4 to {smpp.smpp_host}:{smpp.smpp_port} as {smpp.smpp_system_id!r}")

    console = None
    if app.settings.console:
        from bot.web.app import start_console  # noqa: PLC0415 (only when the console is on)

        host, port = app.settings.console_host, app.settings.console_port
        console = await start_console(app, host, port, None if pages is None else pages(app))
        out(f"console on http://{app.settings.console_host}:{app.settings.console_port}/")
    observed = None
    if app.settings.metrics:
        from bot.metrics import start_observed  # noqa: PLC0415 (only when serving them)

        host = app.settings.metrics_host
        observed = await start_observed(app, host, app.settings.metrics_port)
        if observed is not None:
            out(f"health and metrics on http://{host}:{observed[1]}/metrics")
    try:
        await _receive(app, stop, wake)
    finally:
        if observed is not None:
            await observed[0].cleanup()
        if console is not None:
            await console.cleanup()
        await stop_gracefully(scheduler, app)
        await senders.stop()


async def _receive(app: App, stop: asyncio.Event, wake: Callable[[], None]) -> None:
    """Every chat channel takes its citizens' messages until `stop` is set."""
    chats = app.chats
    if not chats:
        out(f"serving: due work every {app.settings.tick_interval} s, Telegram off (no token)")
        await stop.wait()
        return
    await asyncio.gather(*(channel.receive(wake, stop, out) for channel in chats))


async def serve(settings: Settings, args: argparse.Namespace) -> int:
    """Run the bot until interrupted."""
    logs.configure(settings.log_format)
    try:
        app = await build_app(settings)
    except ValueError as error:
        return fail(str(error))
    stop = stop_on_signals()
    try:
        await run_until(app, stop, args.pages)
    finally:
        await app.close()
    did = ", ".join(f"{role} {count}" for role, count in app.work.items()) or "nothing"
    out(f"work done by this instance: {did}")
    out("stopped")
    return OK


def register(commands: Any, pages: AddPages | None = None) -> None:  # argparse's subparsers
    """Add `serve`; its console gets the pages `pages` adds (the composition's choice)."""
    parser = commands.add_parser(
        "serve",
        help="run the bot: registry watcher, scheduler, dispatcher, SMS gateway, console, "
        "Telegram",
        description="Run everything until Ctrl-C or SIGTERM: the registry feed watcher, the "
        "timers and decisions, the outbox dispatcher, the SMS gateway, the console and, when "
        "BOT_TOKEN is set, Telegram (long polling; a webhook with BOT_WEBHOOK_URL).",
        epilog="environment: BOT_CONSOLE (true), BOT_CONSOLE_HOST (127.0.0.1), "
        "BOT_CONSOLE_PORT (8080), BOT_CONSOLE_SECURE_COOKIES, BOT_TOKEN, TELEGRAM_API_BASE (a "
        "Bot API server, e.g. a local one), BOT_WEBHOOK_URL, BOT_WEBHOOK_HOST, "
        "BOT_WEBHOOK_PORT, BOT_WEBHOOK_PATH, "
        "BOT_WEBHOOK_SECRET, BOT_TELEGRAM_RATE, BOT_TELEGRAM_CHAT_INTERVAL, BOT_TICK_INTERVAL",
    )
    parser.set_defaults(run=serve, pages=pages)
