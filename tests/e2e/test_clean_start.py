"""A clean start of `serve` with Telegram, whatever the order things happen in: a TG reply
waiting when it starts gets the bot's link (its name is learnt before the due work runs),
and a Bot API that fails an optional call at start (setMyCommands) costs a warning and a
later retry, never the service."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bot.cli.serve import run_until
from tests.e2e.test_telegram_flow import TOKEN, USER, has_buttons
from tests.e2e.world import open_world
from tests.fakes.bot_api import BotApiServer

PHONE = "+77012345671"
WAIT = 20.0  # a bound on waiting, never a duration asserted


async def test_a_tg_reply_waiting_at_the_first_start_gets_the_bots_link(tmp_path: Path) -> None:
    world = open_world(tmp_path)
    iin = world.person(phone=PHONE, language="kk")
    world.disability(iin)
    async with BotApiServer(TOKEN) as server:
        server.slow("getMe", 1.0)  # the bot learns its name a second after it starts
        app = await world.start(
            token=TOKEN, telegram_api_base=server.base_url, tick_interval=0.1, console=False
        )
        await world.gateway.send_from(PHONE, "TG")  # there before the first run of due work
        stop = asyncio.Event()
        serving = asyncio.create_task(run_until(app, stop))
        links: list[str] = []
        try:
            async with asyncio.timeout(WAIT):
                while not links:
                    sent = await world.submissions()
                    links = [s.text for s in sent if s.to == PHONE and "t.me/" in s.text]
                    await asyncio.sleep(0.05)
        finally:
            stop.set()
            await asyncio.wait_for(serving, timeout=60)
            await world.close()
    assert f"t.me/{server.bot_user['username']}?start=" in links[0]


async def test_a_failing_set_my_commands_is_a_warning_retried_and_telegram_serves_meanwhile(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    world = open_world(tmp_path)
    iin = world.person(phone=PHONE, language="kk")
    world.disability(iin)
    async with BotApiServer(TOKEN) as server:
        server.fail("setMyCommands", 2)
        app = await world.start(
            token=TOKEN, telegram_api_base=server.base_url, tick_interval=0.1, console=False
        )
        stop = asyncio.Event()
        serving = asyncio.create_task(run_until(app, stop))
        try:
            user = server.user(USER, language_code="kk")
            user.command("start")
            user.share_contact(PHONE)
            await user.wait_for(has_buttons("yes", "no"), WAIT)  # served meanwhile
            async with asyncio.timeout(WAIT):  # 500, 500, then set (1 s, then 2 s later)
                while [m for m, _ in server.requests].count("setMyCommands") < 3:  # noqa: PLR2004
                    await asyncio.sleep(0.1)
        finally:
            stop.set()
            await asyncio.wait_for(serving, timeout=60)
            await world.close()
    warnings = [r for r in caplog.records if "setMyCommands failed" in r.getMessage()]
    assert len(warnings) == 2 and {r.levelno for r in warnings} == {logging.WARNING}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
