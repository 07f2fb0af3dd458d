"""`python -m bot serve` as a process: Telegram by long polling a local Bot API server,
configured by the environment alone, and a clean stop on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp

from bot.channels.telegram import texts
from bot.wording.texts import render
from tests.e2e.test_bot_cli import ENV, ROOT
from tests.e2e.test_telegram_flow import free_port
from tests.e2e.world import open_world
from tests.fakes.bot_api import BotApiServer
from tests.postgres import database_env, on_postgresql

TOKEN = "123456:TEST"
PHONE = "+77012345671"


async def test_serve_answers_in_telegram_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    world = open_world(tmp_path)
    world.disability(world.person(phone=PHONE, language="kk"))
    world.conn.close()
    console_port = free_port()
    async with BotApiServer(TOKEN) as server:
        env = {
            **ENV,
            **database_env(),
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE": server.base_url,
            "BOT_TICK_INTERVAL": "0.2",
            "BOT_TELEGRAM_CHAT_INTERVAL": "0.1",
            "BOT_CONSOLE_PORT": str(console_port),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--data-dir", str(tmp_path), "serve",
            cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            user = server.user(700_200, language_code="kk")
            await server.wait_until_polled(timeout=30)
            user.command("start")
            await user.wait_for(lambda m: m.get("text") == render(texts.WELCOME, "kk"), 30)
            user.share_contact(PHONE)
            offer = await user.wait_for(lambda m: "1414" in m.get("text", ""), 30)
            assert "inline_keyboard" in offer["reply_markup"]
            async with aiohttp.ClientSession() as client:  # the console is served too
                url = f"http://127.0.0.1:{console_port}/login"
                async with client.get(url) as login:
                    assert login.status == 200
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, stderr.decode()
    assert "Traceback" not in stderr.decode()
    out = stdout.decode()
    assert "by long polling" in out and out.rstrip().endswith("stopped")
    assert f"console on http://127.0.0.1:{console_port}/" in out
    if not on_postgresql():  # else the data went to the test's PostgreSQL schema
        assert os.path.exists(tmp_path / "bot.sqlite3")
