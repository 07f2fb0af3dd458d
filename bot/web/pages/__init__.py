"""The console's pages, one module per concern; `all_routes()` gathers their declarations."""

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
    "simulation",
    "sim_people",
    "sim_phone",
)


def all_routes() -> list[Route]:
    """Every route of every page module (a module lists its own in `ROUTES`)."""
    routes: list[Route] = []
    for name in MODULES:
        routes.extend(importlib.import_module(f"bot.web.pages.{name}").ROUTES)
    return routes
