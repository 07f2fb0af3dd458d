"""The console's state on the aiohttp application, reachable from every page."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from aiohttp import web

from bot.app import App


@dataclass
class Console:
    """What the pages work with: the bot, and in simulation the registries' file."""

    app: App
    registries: sqlite3.Connection | None = None  # simulation: testers act on the state

    @property
    def simulation(self) -> bool:
        """Whether the tester pages exist."""
        return self.app.settings.simulation


CONSOLE: web.AppKey[Console] = web.AppKey("console", Console)


def console_of(request: web.Request) -> Console:
    """The console a request is served by."""
    return request.app[CONSOLE]
