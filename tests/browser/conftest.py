"""Browser tests: Debian's headless Chromium driven by Playwright, against the real console.

Chromium is the system's (`/usr/bin/chromium`, from the Debian package `chromium`, which
`.ci/run` installs); Playwright never downloads a browser. Without it the tests skip with a
clear message, except in CI (`CI=true`), where a missing browser fails. Screenshots of every
page a test visits are kept in `artifacts/browser/` (git-ignored) for people to look at.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

CHROMIUM = Path(os.environ.get("BROWSER_TESTS_CHROMIUM", "/usr/bin/chromium"))
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"


@pytest.fixture
async def chromium() -> AsyncIterator[Browser]:
    """Headless Chromium, or a skip (a failure in CI) when it is not installed."""
    if not CHROMIUM.exists():
        message = (
            f"Chromium not found at {CHROMIUM}: install Debian's package "
            "(apt-get install -y chromium) to run the browser tests"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " — CI must have it (.ci/run installs it)")
        pytest.skip(message)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=FLAGS, headless=True
        )
        try:
            yield browser
        finally:
            await browser.close()
