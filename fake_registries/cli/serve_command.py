"""`serve`: the registries over HTTP for the bot, until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from contextlib import suppress
from pathlib import Path

from fake_registries.cli.common import OK, Commands, Context, add_command, mask_iins, say

DEFAULT_HOST = "127.0.0.1"  # as fake_registries.http_server: loopback, not for the network
DEFAULT_PORT = 8765
STOPPED = OK  # Ctrl-C (SIGINT) or SIGTERM is the way to stop the server: a clean stop
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class MaskingFormatter(logging.Formatter):
    """Log lines with every IIN masked: the access log has them in its paths."""

    def format(self, record: logging.LogRecord) -> str:
        """The formatted line, IINs masked."""
        return str(mask_iins(super().format(record)))


async def until_stopped(data_dir: Path, host: str, port: int) -> None:
    """Serve until SIGINT or SIGTERM cancels the serving (even if SIGINT came in ignored)."""
    task = asyncio.current_task()
    assert task is not None  # called by asyncio.run
    loop = asyncio.get_running_loop()
    for stop in STOP_SIGNALS:
        with suppress(NotImplementedError):  # Windows: Ctrl-C raises KeyboardInterrupt instead
            loop.add_signal_handler(stop, task.cancel)
    # aiohttp takes a third of every other command's start-up: imported only to serve
    from fake_registries import http_server  # noqa: PLC0415

    await http_server.serve(data_dir, host, port)


def serve(ctx: Context, args: argparse.Namespace) -> int:
    """Serve the data directory's registries until interrupted."""
    handler = logging.StreamHandler()
    handler.setFormatter(MaskingFormatter("%(asctime)s %(levelname)s %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    say(f"serving {ctx.data_dir} on http://{args.host}:{args.port} (Ctrl-C stops)")
    sys.stdout.flush()
    try:
        asyncio.run(until_stopped(ctx.data_dir, args.host, args.port))
    except (KeyboardInterrupt, asyncio.CancelledError):
        say("stopped")
    return STOPPED


def register(commands: Commands) -> None:
    """The `serve` command."""
    parser = add_command(
        commands,
        "serve",
        serve,
        "serve the registries over HTTP (JSON) for the bot, until Ctrl-C",
        "python -m fake_registries serve --host 127.0.0.1 --port 8765",
        "GET /health, /now, /persons/IIN, /persons?phone=, /disability/IIN, /deaths/IIN, "
        "/kin/IIN, /payments/IIN?on=, /burial-filings/IIN, /accounts/IIN, /education/IIN?on=, "
        "/events?after=&limit=. Faults and the clock changed meanwhile apply within a second.",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="default: 127.0.0.1")
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"default: {DEFAULT_PORT}",
    )
