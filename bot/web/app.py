"""The console's aiohttp application: its parts, its middlewares and its routes.

`build_console(app)` wires the console onto a running bot (`bot.app.App`): the same
storage, registries, clock and decider; `extra` adds pages (the composition adds the tester
pages of simulation mode: `bot.simulation.pages.simulation_pages`). `start_console` serves it
(loopback by default).
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bot.app import App
from bot.web import render, routing, security
from bot.web.app_state import CONSOLE, Console, Extension
from bot.web.pages import all_routes

STATIC = Path(__file__).parent / "static"


def build_console(app: App, *, extra: Extension | None = None) -> web.Application:
    """The console on a running bot, with the pages `extra` adds; its cookies and the proxies
    it trusts as the bot's settings say."""
    web_app = web.Application(middlewares=[security.headers, security.gate])
    console = Console(app, None if extra is None else extra.registries)
    web_app[CONSOLE] = console
    web_app[security.CONFIG] = security.ConsoleConfig(
        app.storage, app.settings.console_secure_cookies, app.settings.console_proxies
    )
    web_app[render.ENV_KEY] = render.environment()
    web_app[render.SIMULATION_KEY] = console.simulation
    web_app[routing.DECLARED] = {}
    routes = all_routes() + ([] if extra is None else extra.routes)
    routing.add_routes(web_app, routes, simulation=console.simulation)
    web_app.router.add_static("/static/", STATIC, name="static")

    async def close(_: web.Application) -> None:
        if console.registries is not None:
            console.registries.close()

    web_app.on_cleanup.append(close)
    return web_app


async def start_console(
    app: App, host: str, port: int, extra: Extension | None = None
) -> web.AppRunner:
    """Serve the console, with the pages `extra` adds; the runner to clean up."""
    runner = web.AppRunner(build_console(app, extra=extra))
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
