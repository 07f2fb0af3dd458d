"""The fixture every console test starts from."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from tests.console.support import console_world
from tests.e2e.world import World


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[World, TestServer]]:
    """The bot with the console on it, the world clock at Monday 12 January 2026, 10:00, and
    an account for each role."""
    async with console_world(tmp_path) as pair:
        yield pair
