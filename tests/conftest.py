"""Run-wide test settings: with BOT_TEST_DATABASE=postgresql every bot a test starts, in the
test's process or in a subprocess, keeps its data in a fresh PostgreSQL schema of its own
(`tests/postgres.py`), and tests marked `sqlite_only` (they read the SQLite file itself) are
skipped.

Hypothesis runs with a fixed profile unless HYPOTHESIS_PROFILE says otherwise: "ci" (the
default, the README's test command) draws the same examples on every run, keeps no examples
database and sets no deadline, so the test command passes or fails on the code alone, never
by chance or by the machine's load; "fuzz" (`make fuzz`, outside CI's pass/fail) explores at
random with many more examples, and a failure it finds prints the example to pin.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

from tests.postgres import DATABASE, fresh_database_sync, on_postgresql

settings.register_profile("ci", derandomize=True, database=None, deadline=None)
settings.register_profile("fuzz", max_examples=2000, database=None, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, skip what reads the bot's SQLite file."""
    if not on_postgresql():
        return
    skip = pytest.mark.skip(reason=f"reads the bot's SQLite file ({DATABASE}=postgresql)")
    for item in items:
        if item.get_closest_marker("sqlite_only"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def bot_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """On PostgreSQL, DATABASE_URL names a fresh schema for the test; else nothing changes."""
    if not on_postgresql():
        yield
        return
    with fresh_database_sync() as url:
        monkeypatch.setenv("DATABASE_URL", url)
        yield
