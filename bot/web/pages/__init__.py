"""The console's pages, one module per concern; `all_routes()` gathers their declarations.

The tester pages of simulation mode are not here: the composition adds them
(`bot.simulation.pages.simulation_pages`)."""

from __future__ import annotations

import importlib

from bot.web.routing import Route

MODULES = (
    "auth",
    "home",
    "ledger",
    "cases",
    "review",
    "accounts",
    "system",
)


def all_routes() -> list[Route]:
    """Every route of every page module (a module lists its own in `ROUTES`)."""
    routes: list[Route] = []
    for name in MODULES:
        routes.extend(importlib.import_module(f"bot.web.pages.{name}").ROUTES)
    return routes
