"""The console's aiohttp application: its parts, its middlewares and its routes.

`build_console(app)` wires the console onto a running bot (`bot.app.App`): the same
storage, registries, clock and decider. `start_console` serves it (loopback by default).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from aiohttp import web

from bot.app import App
from bot.web import render, routing, security
from bot.web.app_state import CONSOLE, Console
from bot.web.pages import all_routes

STATIC = Path(__file__).parent / "static"


def _registries_file(app: App) -> sqlite3.Connection | None:
    if not app.settings.simulation or app.settings.registries_url is not None:
        return None
    from fake_registries import db as registries_db  # noqa: PLC0415 (simulation only)

    return registries_db.connect(registries_db.path_in(app.settings.data_dir))


def build_console(app: App, *, secure_cookies: bool = False) -> web.Application:
    """The console on a running bot."""
    web_app = web.Application(middlewares=[security.headers, security.gate])
    console = Console(app, _registries_file(app))
    web_app[CONSOLE] = console
    web_app[security.CONFIG] = security.ConsoleConfig(app.storage, secure_cookies)
    web_app[render.ENV_KEY] = render.environment()
    web_app[render.SIMULATION_KEY] = console.simulation
    web_app[routing.DECLARED] = {}
    routing.add_routes(web_app, all_routes(), simulation=console.simulation)
    web_app.router.add_static("/static/", STATIC, name="static")

    async def close(_: web.Application) -> None:
        if console.registries is not None:
            console.registries.close()

    web_app.on_cleanup.append(close)
    return web_app


async def start_console(app: App, host: str, port: int) -> web.AppRunner:
    """Serve the console; the runner to clean up."""
    runner = web.AppRunner(build_console(app, secure_cookies=app.settings.console_secure_cookies))
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
