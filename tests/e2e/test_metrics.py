"""`serve`'s operator endpoints: `/healthz`, `/readyz` and `/metrics`, read as an operator's
Prometheus and load balancer would, over SMPP to the SMSC simulator and the Bot API."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.cli.serve import run_until
from bot.metrics import FAMILIES
from tests.e2e.test_channels_apart import serving_settings
from tests.e2e.test_telegram_flow import TOKEN
from tests.e2e.world import World, open_world
from tests.fakes.bot_api import BotApiServer
from tests.fakes.smsc import Smsc

PHONE = "+77012345671"
WAIT = 20.0  # a bound on waiting, never a duration asserted


@pytest.fixture
async def served(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> AsyncIterator[tuple[World, Smsc, str]]:
    """A disability offered by SMS over SMPP; serve running with Telegram, the endpoints on
    a free port; the base address of the endpoints."""
    world = open_world(tmp_path)
    iin = world.person(phone=PHONE, language="kk")
    world.disability(iin)
    async with BotApiServer(TOKEN) as server, Smsc("bot", "secret") as smsc:
        app = await world.start(**serving_settings(server, smsc, metrics_port=0))
        stop = asyncio.Event()
        serving = asyncio.create_task(run_until(app, stop))
        try:
            async with asyncio.timeout(WAIT):
                while not (
                    found := re.search(r"on (http://[\d.:]+)/metrics", capsys.readouterr().out)
                ):
                    await asyncio.sleep(0.05)
            await smsc.wait_for_messages(PHONE.removeprefix("+"), 1, WAIT)
            yield world, smsc, found.group(1)
        finally:
            stop.set()
            await asyncio.wait_for(serving, timeout=60)
            await world.close()


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


async def ready(base: str) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session, session.get(f"{base}/readyz") as response:
        return response.status, await response.json()


async def test_metrics_parse_and_hold_every_family_listed_and_no_personal_data(
    served: tuple[World, Smsc, str],
) -> None:
    world, _, base = served
    status, text = await get(f"{base}/metrics")
    assert status == 200
    families = {family.name: family for family in text_string_to_metric_families(text)}
    assert set(FAMILIES) <= set(families), set(FAMILIES) - set(families)
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in families.values()
        for s in family.samples
    }
    assert samples[("bot_cases", (("service", "disability"), ("state", "offered")))] == 1
    assert samples[("bot_sends_total", (("channel", "sms"), ("outcome", "sent")))] >= 1
    assert samples[("bot_smpp_bound", ())] == 1
    assert samples[("bot_ledger_rows", ())] >= 1
    calls = [v for (name, labels), v in samples.items() if name == "bot_registry_calls_total"]
    assert calls and all(v >= 1 for v in calls)
    iin = (await world.case_of(PHONE)).addressee_iin
    assert iin not in text and PHONE not in text and PHONE.removeprefix("+") not in text


async def test_readyz_is_503_while_the_smsc_is_down_and_200_when_it_is_back(
    served: tuple[World, Smsc, str],
) -> None:
    _, smsc, base = served
    assert await get(f"{base}/healthz") == (200, '{"status": "alive"}')
    assert (await ready(base))[0] == 200
    await smsc.go_down()
    async with asyncio.timeout(WAIT):
        while (found := await ready(base))[0] != 503:
            await asyncio.sleep(0.05)
    assert any(p.startswith("sms: not bound") for p in found[1]["problems"]), found
    assert (await get(f"{base}/healthz"))[0] == 200  # alive all along
    await smsc.come_back()
    async with asyncio.timeout(WAIT):
        while (await ready(base))[0] != 200:
            await asyncio.sleep(0.05)
