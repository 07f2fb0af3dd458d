"""`python -m bot operators …` at the command line: accounts for the console."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp

from tests.e2e.test_bot_cli import ENV, ROOT
from tests.e2e.test_telegram_flow import free_port
from tests.postgres import database_env

PASSWORD = "correct horse battery staple"


def bot(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "--data-dir", str(data_dir), *args],
        cwd=ROOT,
        env={**ENV, **database_env()},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_an_admin_account_is_created_listed_and_disabled(tmp_path: Path) -> None:
    made = bot(tmp_path, "operators", "add", "aigul", "--role", "admin", "--password-stdin",
               stdin=PASSWORD + "\n")  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "aigul (admin) created" in made.stdout
    listed = bot(tmp_path, "operators", "list")
    assert "aigul" in listed.stdout and "admin" in listed.stdout and "active" in listed.stdout
    assert PASSWORD not in listed.stdout
    changed = bot(tmp_path, "operators", "passwd", "aigul", "--password-stdin",
                  stdin="another long passphrase\n")  # fmt: skip
    assert changed.returncode == 0 and "sessions ended" in changed.stdout
    missing = bot(tmp_path, "operators", "passwd", "nobody", "--password-stdin",
                  stdin="another long passphrase\n")  # fmt: skip
    assert missing.returncode == 2 and "no account" in missing.stderr
    disabled = bot(tmp_path, "operators", "disable", "aigul")
    assert disabled.returncode == 0
    assert "disabled" in bot(tmp_path, "operators", "list").stdout


def test_a_weak_password_a_taken_name_and_a_bad_role_are_one_line_errors(tmp_path: Path) -> None:
    weak = bot(tmp_path, "operators", "add", "aigul", "--role", "operator", "--password-stdin",
               stdin="short\n")  # fmt: skip
    assert weak.returncode == 2 and "at least 12 characters" in weak.stderr
    assert "Traceback" not in weak.stderr
    bot(tmp_path, "operators", "add", "aigul", "--role", "operator", "--password-stdin",
        stdin=PASSWORD + "\n")  # fmt: skip
    taken = bot(tmp_path, "operators", "add", "aigul", "--role", "operator", "--password-stdin",
                stdin=PASSWORD + "\n")  # fmt: skip
    assert taken.returncode == 2 and "taken" in taken.stderr
    role = bot(tmp_path, "operators", "add", "bob", "--role", "king", "--password-stdin")
    assert role.returncode == 2 and "invalid choice" in role.stderr
    name = bot(tmp_path, "operators", "add", "Bad Name", "--role", "operator",
               "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    assert name.returncode == 2 and "a name is 2-32 characters" in name.stderr


async def test_the_console_alone_serves_the_login_page_and_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = {**ENV, **database_env(), "BOT_CONSOLE_PORT": str(port)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--data-dir", str(tmp_path), "console",
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        async with aiohttp.ClientSession() as client:
            for _ in range(200):  # until it listens
                try:
                    async with client.get(f"http://127.0.0.1:{port}/login") as login:
                        assert login.status == 200
                        assert "Content-Security-Policy" in login.headers
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            else:
                raise AssertionError("the console never listened")
            async with client.get(f"http://127.0.0.1:{port}/", allow_redirects=False) as home:
                assert home.status == 303  # no session: to the login page
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, stderr.decode()
    assert f"console on http://127.0.0.1:{port}/" in stdout.decode()
