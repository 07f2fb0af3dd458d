"""The console's state on the aiohttp application, reachable from every page."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from bot.app import App
from bot.web.routing import Route


@dataclass
class Console:
    """What the pages work with: the bot, and in simulation the registries' file."""

    app: App
    registries: sqlite3.Connection | None = None  # simulation: testers act on the state

    @property
    def simulation(self) -> bool:
        """Whether the tester pages exist."""
        return self.app.settings.simulation


@dataclass(frozen=True)
class Extension:
    """Pages the composition adds to the console (simulation mode's tester pages), and the
    registries' file they act on (None: remote registries, or not simulating)."""

    routes: list[Route]
    registries: sqlite3.Connection | None = None


# What composition passes to add pages to a running bot's console (the tester pages).
AddPages = Callable[[App], Extension]


CONSOLE: web.AppKey[Console] = web.AppKey("console", Console)


def console_of(request: web.Request) -> Console:
    """The console a request is served by."""
    return request.app[CONSOLE]
