"""The console's pages, one module per concern; `all_routes()` gathers their declarations."""

from __future__ import annotations

import importlib

from bot.web.routing import Route

MODULES = ("auth", "home", "ledger", "cases", "review", "accounts", "simulation")


def all_routes() -> list[Route]:
    """Every route of every page module (a module lists its own in `ROUTES`)."""
    routes: list[Route] = []
    for name in MODULES:
        try:
            module = importlib.import_module(f"bot.web.pages.{name}")
        except ModuleNotFoundError as error:
            if error.name == f"bot.web.pages.{name}":
                continue  # not written yet
            raise
        routes.extend(module.ROUTES)
    return routes
