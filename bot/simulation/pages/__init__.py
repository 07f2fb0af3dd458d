"""The console's tester pages (simulation mode): the clock, faults, people and a phone.

The composition adds them to the console (`bot.web.app.build_console(..., extra=...)`); the
console itself knows nothing of the simulator.
"""

from __future__ import annotations

import sqlite3

from bot.app import App
from bot.simulation.pages import people, phone, tester
from bot.web.app_state import Extension


def _registries_file(app: App) -> sqlite3.Connection | None:
    """The in-process registries' file the pages act on; None when they are remote."""
    if not app.settings.simulation or app.settings.registries_url is not None:
        return None
    from fake_registries import db as registries_db  # noqa: PLC0415 (simulation only)

    return registries_db.connect(registries_db.path_in(app.settings.data_dir))


def simulation_pages(app: App) -> Extension:
    """The tester pages (declared simulation-only) and the registries' file they act on."""
    return Extension([*tester.ROUTES, *people.ROUTES, *phone.ROUTES], _registries_file(app))
