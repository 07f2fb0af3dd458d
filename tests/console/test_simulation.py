"""The tester pages: the world clock and faults, life events emitted from the population,
and the phone simulator where a tester plays the citizen through a whole consent."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from html import unescape
from pathlib import Path

from aiohttp.test_utils import TestServer

from domain.calendar import ALMATY
from domain.cases import CaseState
from domain.identity import parse_iin
from domain.model import Service
from fake_registries import faults, population
from tests.console.support import Browser, browser, console_world
from tests.e2e.world import START, World, iin_for

PHONE = "+77012345671"
DECLARANT_PHONE = "+77012345672"
ON_FILE = "KZ86125KZT5004100100"  # an account on file at the National Bank (125)
BUBBLE = re.compile(
    r'<article class="sms( mine)?"><div class="meta">(.*?)</div>'
    r'<div class="text">(.*?)</div></article>',
    re.DOTALL,
)
ALERT = re.compile(r'<p class="bad" role="alert">(.*?)</p>', re.DOTALL)


@asynccontextmanager
async def signed_in(server: TestServer, role: str = "tester") -> AsyncIterator[Browser]:
    """A browser signed in with the role's account, its pages in English."""
    async with browser(server) as you:
        assert (await you.sign_in(role)).status == 303
        assert (await you.post("/language", {"lang": "en", "back": "/"})).status == 303
        yield you


async def page_text(you: Browser, path: str, status: int = 200) -> str:
    response = await you.get(path)
    assert response.status == status, (path, response.status)
    return await response.text()


def thread(html: str) -> list[tuple[bool, str]]:
    """The bubbles of a phone's thread: (sent by the citizen, text), in the page's order."""
    return [(bool(m.group(1)), unescape(m.group(3))) for m in BUBBLE.finditer(html)]


def alert(html: str) -> str:
    """The page's error message."""
    found = ALERT.search(html)
    assert found is not None, "the page shows no error message"
    return unescape(found.group(1))


async def establish(you: Browser, iin: str, **fields: str) -> tuple[int, str]:
    """Post the disability form; the status and where it leads (or the page's text)."""
    form = {"iin": iin, "group": "2", "cause": "general_illness", "established": "2026-01-05"}
    response = await you.post("/sim/events/disability", {**form, **fields})
    if response.status == 303:
        return 303, response.headers["Location"]
    return response.status, await response.text()


async def texts_of(world: World, phone: str) -> list[str]:
    """The texts the bot queued to a phone's one case, in order."""
    record = await world.case_of(phone)
    return [m.text for m in await world.outbox(record.case.id)]


# ---------------------------------------------------------------- events and the phone


async def test_a_disability_established_by_a_tester_puts_the_offer_in_that_phones_thread(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    iin = world.person(phone=PHONE, language="kk")
    async with signed_in(server) as you:
        status, location = await establish(you, iin)
        assert (status, location) == (303, f"/sim/phone/{PHONE}")
        html = await page_text(you, location)
    record = await world.case_of(PHONE)
    assert (record.case.service, record.case.state) == (Service.DISABILITY, CaseState.OFFERED)
    assert thread(html) == [(False, (await texts_of(world, PHONE))[0])]
    assert "UCS-2" in html  # a Kazakh offer: its encoding and segments are shown
    async with world.bot.storage.unit_of_work() as uow:
        entries, _ = await uow.audit.page(0, 50)
    assert ("view_phone", PHONE, "tester") in {(e.action, e.subject, e.operator) for e in entries}


async def test_a_tester_plays_the_citizen_through_a_consent_to_the_assignment_sms(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    iin = world.person(phone=PHONE, language="kk")
    world.account(iin, ON_FILE)
    async with signed_in(server) as you:
        _, thread_path = await establish(you, iin)
        for answer in ("1", "1"):  # consent, then confirm the account on file
            response = await you.post(f"{thread_path}/reply", {"text": answer})
            assert (response.status, response.headers["Location"]) == (303, thread_path)
        html = await page_text(you, thread_path)
    record = await world.case_of(PHONE)
    assert record.case.state is CaseState.ASSIGNED
    bubbles = thread(html)
    assert [text for mine, text in bubbles if mine] == ["1", "1"]
    assert bubbles[1] == (True, "1")  # the reply follows the offer, the question follows it
    last_mine, last_text = bubbles[-1]
    assert not last_mine
    assert "₸" in last_text
    assert last_text == (await texts_of(world, PHONE))[-1]
    assert await world.templates(record.case.id) == [
        "offer.disability",
        "ask_account_confirm",
        "accepted",
        "assigned",
    ]


async def test_registering_a_death_offers_the_burial_payment_to_the_declarant(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    deceased = world.person(born=date(1950, 4, 20), name="Серік", phone=None)
    world.pension(deceased)  # burial p.13(4): offered only for a recipient of a pension
    declarant = world.person(born=date(1980, 6, 1), sex="F", name="Әсел", phone=DECLARANT_PHONE)
    async with signed_in(server) as you:
        form = {"iin": deceased, "died": "2026-01-09", "declarant": declarant}
        response = await you.post("/sim/events/death", form)
        assert response.status == 303
        assert response.headers["Location"] == f"/sim/phone/{DECLARANT_PHONE}"
        html = await page_text(you, response.headers["Location"])
        listed = await page_text(you, f"/sim/population?q={deceased}")
    record = await world.case_of(DECLARANT_PHONE)
    assert record.case.service is Service.BURIAL
    assert (record.subject_iin, record.addressee_iin) == (deceased, declarant)
    assert thread(html) == [(False, (await texts_of(world, DECLARANT_PHONE))[0])]
    assert "died on 09.01.2026" in listed


async def test_a_death_the_registries_show_no_burial_payment_for_goes_to_its_case_page(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    deceased = world.person(born=date(1970, 4, 20), name="Серік", phone=None)  # no pension
    declarant = world.person(born=date(1980, 6, 1), sex="F", name="Әсел", phone=DECLARANT_PHONE)
    async with signed_in(server) as you:
        form = {"iin": deceased, "died": "2026-01-09", "declarant": declarant}
        response = await you.post("/sim/events/death", form)
        record = await world.case_of(DECLARANT_PHONE)
        assert response.headers["Location"] == f"/cases/{record.case.id}"
        html = await page_text(you, response.headers["Location"])
    assert record.case.state is CaseState.NOT_OFFERED
    assert await texts_of(world, DECLARANT_PHONE) == []
    assert "burial p.13(4)" in html


async def test_an_event_for_a_person_without_a_phone_goes_back_to_where_it_was_asked(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    iin = world.person(phone=None)
    async with signed_in(server) as you:
        status, location = await establish(you, iin, back=f"/sim/person/{iin}")
        assert (status, location) == (303, f"/sim/person/{iin}")
        html = await page_text(you, location)
    assert iin in html  # the person's own page shows the IIN in full
    assert "disability group 2 since 05.01.2026" in html
    assert [r.phone for r in await world.all_cases()] == [None]


async def test_a_bad_iin_in_an_event_form_is_refused_with_a_message_and_nothing_recorded(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    living = world.person(phone=PHONE)
    stranger = iin_for(date(1979, 1, 1), "M", 5000)  # valid, but nobody in the registry
    async with signed_in(server) as you:
        status, html = await establish(you, "12345")
        assert status == 400
        assert "invalid IIN '12345'" in alert(html)
        response = await you.post(
            "/sim/events/death", {"iin": living, "died": "2026-01-09", "declarant": stranger}
        )
        assert response.status == 400
        assert "unknown declarant" in alert(await response.text())
        status, html = await establish(you, living, established="5 January")
        assert status == 400
        assert "Not a date: 5 January" in alert(html)
    assert world.events() == []


async def test_the_same_event_twice_is_refused_the_second_time(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    iin = world.person(phone=PHONE)
    async with signed_in(server) as you:
        assert (await establish(you, iin))[0] == 303
        status, html = await establish(you, iin)
    assert status == 400
    assert "already recorded" in alert(html)
    assert len(world.events()) == 1


async def test_a_person_added_by_a_tester_gets_a_valid_iin_and_is_found_by_phone(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    form = {
        "surname": "Ахметова",
        "name": "Айгерім",
        "birth": "1990-05-05",
        "sex": "F",
        "region": "Astana",
        "phone": "8 701 234 56 79",
        "language": "ru",
    }
    async with signed_in(server) as you:
        response = await you.post("/sim/people", form)
        assert response.status == 303
        link = response.headers["Location"]  # the person's reference, not their IIN
        person = population.by_number(world.conn, int(link.removeprefix("/sim/person/p")))
        assert person is not None
        iin = person.iin
        listed = await page_text(you, "/sim/population?q=%2B77012345679")
        refused = await you.post("/sim/people", {**form, "birth": "2090-01-01"})
        assert refused.status == 400
        assert "birth date 2090-01-01" in alert(await refused.text())
    digits = parse_iin(iin)
    assert (digits.birth_date, digits.sex) == (date(1990, 5, 5), "F")
    added = population.get(world.conn, iin)
    assert added is not None
    assert (added.phone, added.language, added.region) == ("+77012345679", "ru", "Astana")
    assert "Айгерім" in listed
    assert f'<a href="{link}">********{iin[-4:]}</a>' in listed  # shown masked
    assert iin not in listed


# ---------------------------------------------------------------- the phone simulator


async def test_phones_with_cases_are_listed_masked_and_an_invalid_phone_is_refused(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    world.person(phone=PHONE)
    world.disability(world.person(phone=DECLARANT_PHONE))
    await world.settle()
    async with signed_in(server) as you:
        listed = await page_text(you, "/sim/phone")
        assert f'<a href="/sim/phone/{DECLARANT_PHONE}">+7 701 *** ** 72</a>' in listed
        assert f"/sim/phone/{PHONE}" not in listed  # no case for that phone
        typed = await you.get("/sim/phone?phone=8 701 234 56 71")
        assert (typed.status, typed.headers["Location"]) == (303, f"/sim/phone/{PHONE}")
        spaced = await you.get("/sim/phone/%2077012345671")  # "+" read as a space by a query
        assert (spaced.status, spaced.headers["Location"]) == (303, f"/sim/phone/{PHONE}")
        html = await page_text(you, "/sim/phone/12345", 400)
        assert "Not a Kazakh mobile number: 12345" in alert(html)
        html = await page_text(you, "/sim/phone?phone=hello", 400)
        assert "Not a Kazakh mobile number: hello" in alert(html)
        refused = await you.post("/sim/phone/12345/reply", {"text": "1"})
        assert refused.status == 400
        empty = await you.post(f"/sim/phone/{PHONE}/reply", {"text": "   "})
        assert empty.status == 400
        assert "The message was not sent" in alert(await empty.text())
    assert await world.gateway.sent_by(PHONE) == []


# ---------------------------------------------------------------- clock and faults


async def test_advancing_the_clock_by_25h_moves_it_and_a_bad_duration_gives_a_message(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    async with signed_in(server) as you:
        moved = await you.post("/sim/clock", {"action": "advance", "duration": "25h"})
        assert (moved.status, moved.headers["Location"]) == (303, "/sim")
        assert "13.01.2026 11:00" in await page_text(you, "/sim")
        refused = await you.post("/sim/clock", {"action": "advance", "duration": "soon"})
        assert refused.status == 400
        assert "Not a duration: soon" in alert(await refused.text())
    assert world.now() == START + timedelta(hours=25)


async def test_the_clock_is_set_forward_but_never_back(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    async with signed_in(server) as you:
        back = await you.post("/sim/clock", {"action": "set", "moment": "2026-01-01T09:00"})
        assert back.status == 400
        assert "cannot go back" in alert(await back.text())
        assert world.now() == START
        ahead = await you.post("/sim/clock", {"action": "set", "moment": "2026-01-20T09:30"})
        assert ahead.status == 303
    assert world.now() == datetime(2026, 1, 20, 9, 30, tzinfo=ALMATY)


async def test_a_fault_set_shows_on_the_index_and_clearing_removes_it(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    rule = {"action": "rule", "registry": "pensions", "error_rate": "0.5", "latency_ms": "0"}
    async with signed_in(server) as you:
        assert (await you.post("/sim/faults", rule)).status == 303
        shown = await page_text(you, "/sim")
        assert "<td>pensions</td><td>*</td>" in shown
        feed = {"action": "feed", "duplicate_rate": "0.2", "seed": "7"}
        assert (await you.post("/sim/faults", feed)).status == 303
        assert "duplicate rate 0.2, reorder rate 0, seed 7" in await page_text(you, "/sim")
        unknown = await you.post("/sim/faults", {**rule, "registry": "weather"})
        assert unknown.status == 400
        assert "Unknown registry: weather" in alert(await unknown.text())
        assert [(r.registry, r.error_rate) for r in faults.rules(world.conn)] == [
            ("pensions", 0.5)
        ]
        assert (await you.post("/sim/faults", {"action": "clear"})).status == 303
        cleared = await page_text(you, "/sim")
    assert "<td>pensions</td>" not in cleared
    assert "No registry faults." in cleared
    assert faults.rules(world.conn) == []
    assert faults.settings(world.conn) == faults.FaultSettings(seed=7)


# ---------------------------------------------------------------- who and where


async def test_an_operator_without_simulate_gets_403_and_changes_nothing(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    async with signed_in(server, "operator") as you:
        assert (await you.get("/sim")).status == 403
        moved = await you.post("/sim/clock", {"action": "advance", "duration": "1d"})
        assert moved.status == 403
    assert world.now() == START


async def test_with_remote_registries_the_state_pages_say_so_instead_of_failing(
    tmp_path: Path,
) -> None:
    async with (
        console_world(tmp_path, registries_url="http://127.0.0.1:9", registry_timeout=0.5) as (
            _world,
            server,
        ),
        signed_in(server) as you,
    ):
        assert "The registries are remote" in await page_text(you, "/sim")
        assert "The registries are remote" in await page_text(you, "/sim/population")
        moved = await you.post("/sim/clock", {"action": "advance", "duration": "1d"})
        assert moved.status == 400
        assert "The registries are remote" in alert(await moved.text())
        assert (await establish(you, "12345"))[0] == 400
