"""Fixtures the end-to-end tests share."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.world import World, open_world


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    """A world whose clock reads Monday 12 January 2026, 10:00 in Almaty; closed at the end.

    A module that needs another world (module-scoped, a data directory only) defines its own
    `world`, which takes precedence."""
    made = open_world(tmp_path)
    try:
        yield made
    finally:
        await made.close()
