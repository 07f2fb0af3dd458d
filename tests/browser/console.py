"""The console served on a free loopback port for a browser test, and page helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from playwright.async_api import Page

from bot.records import Role
from bot.simulation.pages import simulation_pages
from bot.web.accounts import add_operator
from bot.web.app import build_console
from tests.browser.conftest import ARTIFACTS
from tests.console.support import PASSWORD
from tests.e2e.world import World, open_world


@asynccontextmanager
async def served(tmp_path: Path, **settings: Any) -> AsyncIterator[tuple[World, str]]:
    """A world with the bot, an account per role, and the console on http://127.0.0.1:PORT."""
    world = open_world(tmp_path)
    try:
        app = await world.start(**settings)
        for role in Role:
            await add_operator(app.storage, role.value, role, PASSWORD, datetime.now(UTC))
        runner = web.AppRunner(build_console(app, extra=simulation_pages(app)))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        try:
            yield world, f"http://127.0.0.1:{port}"
        finally:
            await runner.cleanup()
    finally:
        await world.close()


async def shot(page: Page, name: str) -> Path:
    """A full-page screenshot kept as a test artifact."""
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def sign_in(page: Page, base: str, name: str, lang: str = "ru") -> None:
    """Sign in through the login form."""
    await page.goto(f"{base}/login?lang={lang}")
    await page.fill("input[name=name]", name)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("form[action='/login'] button[type=submit]")
    await page.wait_for_url(f"{base}/")
