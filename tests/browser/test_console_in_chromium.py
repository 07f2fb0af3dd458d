"""The console in a real browser: sign in, see the dashboard, sign out."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser

from tests.browser.console import served, shot, sign_in


async def test_an_operator_signs_in_sees_the_dashboard_and_signs_out(
    chromium: Browser, tmp_path: Path
) -> None:
    async with served(tmp_path) as (world, base):
        world.disability(world.person(phone="+77012345671", language="kk"))
        await world.settle()
        page = await chromium.new_page()
        await page.goto(f"{base}/")
        assert "/login" in page.url  # no session: the login page
        await shot(page, "01-login")
        await sign_in(page, base, "operator")
        assert await page.locator("svg rect").count() >= 4  # the funnel's bars
        await shot(page, "02-dashboard")
        await page.click("form[action='/logout'] button")
        await page.wait_for_url(f"{base}/login")
        await page.close()
