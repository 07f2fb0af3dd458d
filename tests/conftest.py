"""Run-wide test settings: with BOT_TEST_DATABASE=postgresql every bot a test starts, in the
test's process or in a subprocess, keeps its data in a fresh PostgreSQL schema of its own
(`tests/postgres.py`), and tests marked `sqlite_only` (they read the SQLite file itself) are
skipped."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.postgres import DATABASE, fresh_database_sync, on_postgresql


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
