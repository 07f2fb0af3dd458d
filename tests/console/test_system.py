"""The console's system page: readiness, the outbox, sends, registry calls, the ledger and
the decisions' deadlines, as /readyz and /metrics tell them, with no personal data."""

from __future__ import annotations

from aiohttp.test_utils import TestServer

from tests.console.support import browser
from tests.console.test_cases import signed_in, text_of, words
from tests.e2e.world import World

PHONE = "+77015550133"


async def test_an_operator_reads_readiness_the_outbox_sends_and_registry_calls(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    iin = world.person(phone=PHONE, language="kk")
    world.disability(iin)
    await world.settle()  # the offer screened, sent and delivered
    async with browser(server) as you:
        await signed_in(you, "operator")
        page = words(await text_of(you, "/system"))
    assert "Ready: the storage answers and every channel is connected." in page
    assert "sms delivered 1" in page  # the outbox: channel, status, messages
    assert "sms sent 1" in page  # this process's sends: channel, outcome, messages
    assert "population people" in page  # registry calls: registry, operation (read ahead)
    assert "Consent ledger rows: 1" in page
    assert iin not in page and PHONE not in page


async def test_the_system_page_is_in_the_operators_language(
    served: tuple[World, TestServer],
) -> None:
    _, server = served
    async with browser(server) as you:
        assert (await you.sign_in("operator")).status == 303
        await you.post("/language", {"lang": "kk", "back": "/"})
        page = words(await text_of(you, "/system"))
    assert "Жүйе" in page and "Дайындық" in page
