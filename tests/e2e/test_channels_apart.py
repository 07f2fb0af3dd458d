"""Channels that never stall each other (`bot.workers`): with the SMSC down, a citizen linked
in Telegram is still answered in the chat, a new registry event's offer still reaches the
chat, and once the SMSC is back every SMS queued meanwhile is submitted exactly once.

The bot runs as `serve` runs it (`run_until`) over SMPP 3.4 to the SMSC simulator and over
the Bot API to the local server. The test asserts what happens while the SMSC is down, never
how long it took; the answers' latencies are printed (pytest -s) for the record.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.channels.telegram import texts
from bot.cli.serve import run_until
from bot.records import Channel, OutboxMessage, OutboxStatus
from domain.phone import mask_phone
from tests.e2e.test_telegram_flow import TOKEN, USER, has_buttons, kk, press
from tests.e2e.world import World, open_world
from tests.fakes.bot_api import BotApiServer
from tests.fakes.smsc import Smsc

LINKED_PHONE, SMS_ONLY_PHONE = "+77012345671", "+77012345672"
ON_FILE = "KZ86125KZT5004100100"
Served = tuple[World, BotApiServer, Smsc, dict[str, str]]
WAIT = 20.0  # a bound on waiting while the SMSC is down (its submit waits 60 s for a bind)


def serving_settings(server: BotApiServer, smsc: Smsc, **more: Any) -> dict[str, Any]:
    """`serve`'s settings with Telegram on `server` and SMS over SMPP to `smsc`, quick."""
    return {
        "token": TOKEN,
        "telegram_api_base": server.base_url,
        "tick_interval": 0.1,
        "telegram_chat_interval": 0.05,
        "console": False,
        "sms_gateway": "smpp",
        "smpp_port": smsc.port,
        "smpp_system_id": "bot",
        "smpp_password": "secret",
        "smpp_reconnect_max": 1.0,
        **more,
    }


@pytest.fixture
async def served(
    tmp_path: Path,
) -> AsyncIterator[tuple[World, BotApiServer, Smsc, dict[str, str]]]:
    """Two people with phones, one with an account on file; the bot serving SMPP and
    Telegram; nothing emitted yet."""
    made = open_world(tmp_path)
    linked = made.person(phone=LINKED_PHONE, language="kk")
    other = made.person(phone=SMS_ONLY_PHONE, language="ru")
    made.account(linked, ON_FILE)
    async with BotApiServer(TOKEN) as server, Smsc("bot", "secret") as smsc:
        app = await made.start(**serving_settings(server, smsc))
        stop = asyncio.Event()
        serving = asyncio.create_task(run_until(app, stop))
        try:
            yield made, server, smsc, {"linked": linked, "other": other}
        finally:
            stop.set()
            await asyncio.wait_for(serving, timeout=60)
            await made.close()


async def test_with_the_smsc_down_the_chat_is_answered_and_the_sms_go_once_it_is_back(
    served: Served,
) -> None:
    world, server, smsc, people = served
    await smsc.wait_for(lambda: len(smsc.binds) >= 1, WAIT)
    user = server.user(USER, language_code="kk")
    user.command("start")
    user.share_contact(LINKED_PHONE)
    linked = kk(texts.LINKED, phone=mask_phone(LINKED_PHONE))
    await user.wait_for(lambda m: m.get("text") == linked)

    await smsc.go_down()
    world.disability(people["other"])  # an offer by SMS alone: stuck while the SMSC is down
    world.disability(people["linked"])  # an offer by SMS and in the chat
    latencies: dict[str, float] = {}
    started = time.monotonic()
    offer = await user.wait_for(has_buttons("yes", "no"), WAIT)
    latencies["offer reaches the chat after its event"] = time.monotonic() - started
    started = time.monotonic()
    assert await press(user, offer, "yes") is None
    await user.wait_for(has_buttons("confirm", "another"), WAIT)
    latencies["the account question after yes"] = time.monotonic() - started
    question = user.received[-1]
    started = time.monotonic()
    assert await press(user, question, "confirm") is None
    await user.wait_for(lambda m: "₸" in m.get("text", ""), WAIT, skip=len(user.received))
    latencies["the decision after confirm"] = time.monotonic() - started
    assert smsc.submits == []  # nothing got out by SMS meanwhile
    print({k: round(v, 2) for k, v in latencies.items()})  # noqa: T201 (for the record, -s)

    await smsc.come_back()  # every SMS queued meanwhile goes, each once
    async with asyncio.timeout(90):
        while not all(m.status is OutboxStatus.DELIVERED for m in await _sms(world)):
            await asyncio.sleep(0.1)
    sent = await _sms(world)
    assert {m.address for m in sent} == {LINKED_PHONE, SMS_ONLY_PHONE}
    for message in sent:
        delivered = smsc.messages(message.address.removeprefix("+"))
        assert delivered.count(message.text) == 1, (message.template_id, delivered)


async def _sms(world: World) -> list[OutboxMessage]:
    """Every SMS of every case."""
    return [
        message
        for record in await world.all_cases()
        for message in await world.outbox(record.case.id)
        if message.channel == Channel.SMS
    ]
