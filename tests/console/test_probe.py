"""The console against what an independent probe got through (issue 24): an open redirect,
logins sent at once past the limit, a lockout shared by everyone behind the proxy, citizens'
words shown unmasked, and the smaller findings. Each test here failed on the code the probe
ran against."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import threading
import unicodedata
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestServer
from hypothesis import example, given
from hypothesis import strategies as st
from yarl import URL

from bot.records import AuditEntry
from bot.web import passwords, security
from bot.web.security import LOGIN_LIMIT
from tests.console.support import PASSWORD, Browser, browser, console_world
from tests.e2e.world import World

CONSOLE = "console.test"
ESCAPES = [
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    " //evil.example",
    "/\\evil.example",
    "//evil.example/%2F..",
]
NEXT = re.compile(r'name="next" value="([^"]*)"')


def stays(location: str) -> bool:
    """Whether a browser that follows `location` from a console page stays on the console."""
    return urlsplit(urljoin(f"https://{CONSOLE}/login", location)).netloc == CONSOLE


async def audit_of(world: World, action: str) -> list[AuditEntry]:
    async with world.bot.storage.unit_of_work() as uow:
        entries, _ = await uow.audit.page(0, 10_000)
    return [e for e in entries if e.action == action]


def latin(text: str) -> str:
    """Letters and digits as an account is read: NFKC, upper case, look-alikes as Latin."""
    plain = unicodedata.normalize("NFKC", text).upper()
    return re.sub(r"[^0-9A-Z]", "", plain.translate(str.maketrans("АВСЕНКМОРТХУ", "ABCEHKMOPTXY")))


# ---------------------------------------------------------------- 1. open redirect


@given(st.text())
@example("/\t/evil.example")
@example("/%09/evil.example")
@example("\\/evil.example")
def test_any_redirect_target_is_rebuilt_as_a_path_of_the_console(text: str) -> None:
    location = str(URL(security.local_target(text)))  # as aiohttp writes it into Location
    assert location.startswith("/") and stays(location)


@pytest.mark.parametrize("target", ESCAPES)
async def test_after_login_the_browser_stays_on_the_console_whatever_next_hides(
    served: tuple[World, TestServer], target: str
) -> None:
    _, server = served
    async with browser(server) as you:
        token = await you.login_token()
        response = await you.client.post(
            "/login",
            data={"csrf": token, "name": "operator", "password": PASSWORD, "next": target},
            allow_redirects=False,
        )
        assert response.status == 303
        assert stays(response.headers["Location"]), response.headers["Location"]


async def test_the_login_form_never_carries_a_next_that_leaves_the_console(
    served: tuple[World, TestServer],
) -> None:
    _, server = served
    async with browser(server) as you:
        form = await you.client.get("/login?next=/%09/evil.example")
        found = NEXT.search(await form.text())
        assert found is not None and stays(found.group(1))


@pytest.mark.parametrize("target", ESCAPES)
async def test_choosing_a_language_sends_the_browser_back_to_the_console_only(
    served: tuple[World, TestServer], target: str
) -> None:
    _, server = served
    async with browser(server) as you:
        assert (await you.sign_in("operator")).status == 303
        response = await you.post("/language", {"lang": "ru", "back": target})
        assert response.status == 303
        assert stays(response.headers["Location"]), response.headers["Location"]


# ---------------------------------------------------------------- 2. logins sent at once


async def at_once(you: Browser, passwords_sent: list[str], name: str = "reviewer") -> list[int]:
    """The statuses of logins of `name` posted all at once, one form token for all."""
    token = await you.login_token()
    responses: list[ClientResponse] = await asyncio.gather(
        *(you.try_login(token, name, password) for password in passwords_sent)
    )
    return [r.status for r in responses]


async def test_sixty_wrong_logins_sent_at_once_are_held_to_the_limit(
    served: tuple[World, TestServer],
) -> None:
    _, server = served
    async with browser(server) as you:
        statuses = await at_once(you, ["wrong password!"] * 60)
        assert statuses.count(401) == LOGIN_LIMIT
        assert statuses.count(429) == 60 - LOGIN_LIMIT
        assert (await you.sign_in("reviewer")).status == 429


async def test_eleven_wrong_passwords_and_the_right_one_sent_at_once_check_at_most_five(
    served: tuple[World, TestServer],
) -> None:
    _, server = served
    async with browser(server) as you:
        statuses = await at_once(you, ["wrong password!"] * 11 + [PASSWORD])
        assert statuses.count(401) + statuses.count(303) <= LOGIN_LIMIT
        assert statuses.count(429) >= 12 - LOGIN_LIMIT


async def test_a_right_password_takes_back_its_attempt(served: tuple[World, TestServer]) -> None:
    _, server = served
    async with browser(server) as you:
        for _ in range(LOGIN_LIMIT - 1):
            assert (await you.sign_in("reviewer", "wrong password!")).status == 401
        for _ in range(3):  # a right one counts for nothing: the next wrong one is the fifth
            assert (await you.sign_in("reviewer")).status == 303
        assert (await you.sign_in("reviewer", "wrong password!")).status == 401
        assert (await you.sign_in("reviewer")).status == 429


async def test_the_event_loop_goes_on_while_a_password_is_checked(
    served: tuple[World, TestServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, server = served
    loop_thread = threading.get_ident()
    checked_on: list[int] = []
    verify = passwords.verify_password

    def recording(password: str, stored: str) -> bool:
        checked_on.append(threading.get_ident())
        return verify(password, stored)

    monkeypatch.setattr("bot.web.security.verify_password", recording)
    async with browser(server) as you:
        assert (await you.sign_in("operator")).status == 303
        assert (await you.sign_in("tester", "wrong password!")).status == 401
    assert checked_on and loop_thread not in checked_on


# ---------------------------------------------------------------- 5. behind the proxy


async def test_behind_a_trusted_proxy_wrong_logins_lock_one_name_from_one_browser_only(
    tmp_path: Path,
) -> None:
    async with console_world(tmp_path, console_trusted_proxies="127.0.0.1") as (world, server):
        guesser = {"X-Forwarded-For": "203.0.113.5"}
        colleague = {"X-Forwarded-For": "198.51.100.7, 127.0.0.1"}  # one more proxy hop
        async with browser(server) as proxy:  # one proxy, the browsers behind it by header
            proxy.headers = guesser
            for _ in range(LOGIN_LIMIT):
                assert (await proxy.sign_in("operator", "wrong password!")).status == 401
            assert (await proxy.sign_in("operator")).status == 429
            assert (await proxy.sign_in("reviewer")).status == 303  # another name: not locked
            proxy.headers = colleague
            assert (await proxy.sign_in("operator")).status == 303  # another browser: not locked
        addresses = {e.operator: e.address for e in await audit_of(world, "sign_in")}
        assert addresses == {"reviewer": "203.0.113.5", "operator": "198.51.100.7"}


async def test_without_a_trusted_proxy_a_forwarded_for_header_changes_nothing(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    async with browser(server) as them:
        for number in range(LOGIN_LIMIT):
            them.headers = {"X-Forwarded-For": f"203.0.113.{number}"}
            assert (await them.sign_in("operator", "wrong password!")).status == 401
        them.headers = {"X-Forwarded-For": "198.51.100.7"}
        assert (await them.sign_in("operator")).status == 429
        assert (await them.sign_in("reviewer")).status == 303
    assert [e.address for e in await audit_of(world, "sign_in")] == ["127.0.0.1"]


def test_trusted_proxies_that_are_no_addresses_are_refused_at_start() -> None:
    from bot.settings import Settings  # noqa: PLC0415

    with pytest.raises(ValueError, match="'proxy.example' is not an IP address or network"):
        Settings(console_trusted_proxies="127.0.0.1, proxy.example")


# ---------------------------------------------------------------- 3, 4. citizens' own words

IIN_REPLY = "да, мой ИИН 800505303007"
IBAN_REPLY = "STOP мой счет KZ86 125K ZT50 0410 0100"


async def offered(world: World, phone: str) -> str:
    """A person with this phone, offered the disability benefit in Russian; the phone."""
    world.disability(world.person(phone=phone, language="ru"))
    await world.settle()
    return phone


async def replies_in_the_ledger(world: World) -> None:
    """A citizen consents quoting their IIN; another says STOP quoting an account."""
    for phone, text in (("+77012345671", IIN_REPLY), ("+77012345672", IBAN_REPLY)):
        await world.reply(await offered(world, phone), text)
    raw = {row.entry.raw_reply for row in await world.ledger()}
    assert {IIN_REPLY, IBAN_REPLY} <= raw  # the evidence keeps the words exactly


def masked_both(text: str) -> None:
    assert "800505303007" not in text and "80050530" not in latin(text)
    assert "125KZT500410" not in latin(text)
    assert "********3007" in text and "KZ** **** **** **** 0100" in text


async def test_the_ledger_page_and_its_csv_mask_an_iin_and_an_iban_a_citizen_wrote(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    await replies_in_the_ledger(world)
    async with browser(server) as you:
        assert (await you.sign_in("operator")).status == 303
        masked_both(await (await you.get("/ledger")).text())
        exported = (await (await you.get("/ledger.csv")).read()).decode("utf-8-sig")
        replies = [row["raw_reply"] for row in csv.DictReader(io.StringIO(exported))]
        masked_both("\n".join(replies))


async def test_revealing_a_ledger_row_shows_the_words_as_written_for_an_audited_reason(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    await replies_in_the_ledger(world)
    [seq] = [r.seq for r in await world.ledger() if r.entry.raw_reply == IBAN_REPLY]
    reason = "the citizen asked which account we hold"
    async with browser(server) as you:
        assert (await you.sign_in("operator")).status == 303
        before = await you.post("/reveal", {"seq": str(seq), "reason": "x"})
        assert before.status == 400 and "125K" not in await before.text()
        shown = await you.post("/reveal", {"seq": str(seq), "reason": reason})
        assert shown.status == 200 and IBAN_REPLY in await shown.text()
    [entry] = await audit_of(world, "reveal_iin")
    assert entry.reason == reason


SPELLINGS = [
    "KZ86-125K-ZT50-0410-0100",
    "KZ86\u2011125K\u2013ZT50\u20140410 0100",
    "KZ86  125K  ZT50  0410  0100",
    "КZ86 125К ZТ50 0410 0100",  # Cyrillic К and Т
    "счетKZ86125KZT5004100100",
    "kz86125kzt5004100100спасибо",
]


@pytest.mark.parametrize("spelling", SPELLINGS)
async def test_the_case_page_masks_every_spelling_of_an_account_the_bot_accepts(
    served: tuple[World, TestServer], spelling: str
) -> None:
    world, server = served
    phone = await offered(world, "+77012345673")
    await world.reply(phone, "1")
    await world.reply(phone, spelling)
    record = await world.case_of(phone)
    assert record.case.account is not None  # the bot took it as the account
    assert record.case.account.compact == "KZ86125KZT5004100100"
    async with browser(server) as you:
        assert (await you.sign_in("operator")).status == 303
        text = await (await you.get(f"/cases/{record.case.id}")).text()
    assert "125KZT500410" not in latin(text) and "KZT500410" not in latin(text)


async def test_an_admin_reads_no_citizens_data_at_all(served: tuple[World, TestServer]) -> None:
    _, server = served
    async with browser(server) as admin:
        assert (await admin.sign_in("admin")).status == 303
        for path in ("/ledger", "/ledger.csv", "/cases", "/review", "/overdue"):
            assert (await admin.get(path)).status == 403, path
        for path in ("/", "/system", "/accounts", "/audit"):
            assert (await admin.get(path)).status == 200, path


# ---------------------------------------------------------------- the smaller findings


@pytest.mark.parametrize("token", ["é", "токен", "\u00ff" * 43])
async def test_a_form_token_outside_ascii_is_refused_not_a_failure(
    served: tuple[World, TestServer], token: str
) -> None:
    _, server = served
    async with browser(server) as you:
        await you.login_token()
        response = await you.try_login(token, "operator", PASSWORD)
        assert response.status == 403
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert (await you.sign_in("operator")).status == 303
        you.csrf = token
        refused = await you.post("/language", {"lang": "ru", "back": "/"})
        assert refused.status == 403
        assert refused.headers["X-Content-Type-Options"] == "nosniff"


async def test_a_reason_of_invisible_characters_reveals_nothing(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    await replies_in_the_ledger(world)
    seq = (await world.ledger())[0].seq
    async with browser(server) as you:
        assert (await you.sign_in("operator")).status == 303
        for reason in ("\u200b" * 12, " \u2060\u200b\ufeff " * 5, "." + "\u0301" * 12):
            response = await you.post("/reveal", {"seq": str(seq), "reason": reason})
            assert response.status == 400, repr(reason)
    assert await audit_of(world, "reveal_iin") == []


async def test_with_secure_cookies_every_cookie_of_the_console_is_secure(tmp_path: Path) -> None:
    async with console_world(tmp_path, console_secure_cookies=True) as (_, server):
        async with browser(server) as you:  # noqa: SIM117 (the server, then its browser)
            form = await you.client.get("/login?lang=ru")
        for name in ("login_csrf", "console_lang"):
            assert form.cookies[name]["secure"], name


FORMULAS = [
    " =SUM(A1) да",
    '\n=HYPERLINK("http://evil.example") да',
    "\u200b@SUM(A1) да",
    "＝SUM(A1) да",  # a full-width equals sign
    "\t-SUM(A1) да",
    "\r+SUM(A1) да",
]


@pytest.mark.parametrize("reply", FORMULAS)
async def test_the_csv_never_hands_a_spreadsheet_a_formula_whatever_leads_it(
    served: tuple[World, TestServer], reply: str
) -> None:
    world, server = served
    phone = await offered(world, "+77012345674")
    await world.reply(phone, reply)
    assert reply in {row.entry.raw_reply for row in await world.ledger()}  # consent, as typed
    async with browser(server) as you:
        assert (await you.sign_in("operator")).status == 303
        exported = (await (await you.get("/ledger.csv")).read()).decode("utf-8-sig")
    cells = [row["raw_reply"] for row in csv.DictReader(io.StringIO(exported))]
    assert "'" + reply in cells


async def test_the_population_page_names_no_iin_in_full_and_its_view_is_audited(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    iins = [world.person(phone=f"+7701234560{n}") for n in range(5)]
    async with browser(server) as tester:
        assert (await tester.sign_in("tester")).status == 303
        page = await (await tester.get("/sim/population?q=Ерлан")).text()
        assert all(iin not in page for iin in iins)
        assert all(f"********{iin[-4:]}" in page for iin in iins)
        [link] = re.findall(r'href="(/sim/person/p\d+)"', page)[:1]
        person = await (await tester.get(link)).text()
        assert any(iin in person for iin in iins)  # in full on the person's own page, audited
    assert len(await audit_of(world, "view_population")) == 1
    assert len(await audit_of(world, "view_person")) == 1


@pytest.mark.parametrize("path", ["/ledger", "/cases", "/review", "/overdue"])
async def test_every_view_of_citizens_data_is_audited_filtered_or_not(
    served: tuple[World, TestServer], path: str
) -> None:
    world, server = served
    async with browser(server) as you:
        assert (await you.sign_in("operator")).status == 303
        assert (await you.get(path)).status == 200
    entries = [e for e in await audit_of_all(world) if e.action.startswith("view_")]
    assert len(entries) == 1 and entries[0].operator == "operator", entries


async def audit_of_all(world: World) -> list[AuditEntry]:
    async with world.bot.storage.unit_of_work() as uow:
        entries, _ = await uow.audit.page(0, 10_000)
    return entries
