"""The console in a real browser: sign in and out, filter the ledger and export it, decide a
review case, and play a citizen's phone from the offer to the result SMS."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser

from domain.cases import CaseState
from domain.services.disability import Cause
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


PHONE = "+77012345671"
OTHER = "+77012345672"
ON_FILE = "KZ86125KZT5004100100"


async def test_an_operator_filters_the_ledger_and_exports_it_as_csv(
    chromium: Browser, tmp_path: Path
) -> None:
    async with served(tmp_path) as (world, base):
        for phone in (PHONE, OTHER):
            world.disability(world.person(phone=phone, language="ru"))
        await world.settle()
        await world.reply(PHONE, "1")  # consents
        await world.reply(OTHER, "2")  # declines
        page = await chromium.new_page(accept_downloads=True)
        await sign_in(page, base, "operator")
        await page.goto(f"{base}/ledger")
        await page.select_option("select[name=act]", "given")
        await page.click("form.filters button[type=submit]")
        await page.wait_for_url("**/ledger?**act=given**")
        rows = page.locator("table tbody tr")
        assert await rows.count() == 1
        await shot(page, "03-ledger-filtered")
        async with page.expect_download() as waiting:
            await page.click("a[href^='/ledger.csv']")
        download = await waiting.value
        saved = tmp_path / "ledger.csv"
        await download.save_as(str(saved))
        lines = saved.read_text(encoding="utf-8-sig").strip().splitlines()
        assert len(lines) == 2 and ",given," in lines[1]  # the header and the one row
        iin = (await world.case_of(PHONE)).addressee_iin
        assert iin not in saved.read_text(encoding="utf-8-sig")  # masked
        await page.close()


async def test_a_reviewer_decides_a_review_case_in_the_browser(
    chromium: Browser, tmp_path: Path
) -> None:
    async with served(tmp_path) as (world, base):
        iin = world.person(phone=PHONE, language="ru")
        world.account(iin, ON_FILE)
        world.disability(iin, cause=Cause.SINCE_CHILDHOOD, group=2)
        await world.settle()
        await world.reply(PHONE, "1")
        await world.reply(PHONE, "1")
        case_id = (await world.case_of(PHONE)).case.id
        page = await chromium.new_page()
        await sign_in(page, base, "reviewer")
        await page.goto(f"{base}/review")
        await shot(page, "04-review-queue")
        await page.click(f"a[href='/cases/{case_id}']")
        await page.wait_for_url(f"{base}/cases/{case_id}")
        await shot(page, "05-case-under-review")
        assign = f"form[action='/review/{case_id}/decide']:has(input[name=action][value=assign])"
        await page.click(f"{assign} button[type=submit]")
        await page.wait_for_url(f"{base}/cases/{case_id}")
        await page.wait_for_selector("strong.ok")  # the signature checks out
        await shot(page, "06-case-assigned")
        assert (await world.case_of(PHONE)).case.state is CaseState.ASSIGNED
        async with world.bot.storage.unit_of_work() as uow:
            assert len(await uow.payments.for_case(case_id)) == 1
        await page.close()


async def test_a_tester_plays_a_citizen_through_consent_to_the_result_sms(
    chromium: Browser, tmp_path: Path
) -> None:
    async with served(tmp_path) as (world, base):
        iin = world.person(phone=PHONE, language="kk")
        world.account(iin, ON_FILE)
        page = await chromium.new_page()
        await sign_in(page, base, "tester", lang="kk")
        await page.goto(f"{base}/sim/person/{iin}")
        await shot(page, "07-sim-person")
        form = "form[action='/sim/events/disability']"
        await page.locator(f"details:has({form}) > summary").first.click()  # opens the form
        await page.click(f"{form} button[type=submit]")
        await page.wait_for_url("**/sim/phone/**")
        offer = page.locator(".sms").last
        assert "1414" in await offer.inner_text()
        await shot(page, "08-phone-offer")
        for reply in ("1", "1"):  # consent; yes, this account
            await page.fill("textarea[name=text]", reply)
            await page.click("form[action$='/reply'] button[type=submit]")
            await page.wait_for_load_state()
        await page.wait_for_selector(".sms:has-text('₸')")
        await shot(page, "09-phone-result")
        assert (await world.case_of(PHONE)).case.state is CaseState.ASSIGNED
        await page.close()
