"""Outside simulation mode (`BOT_SIMULATION=false`) the tester's commands refuse to run.

Moving the clock, playing a citizen's phone and the demo are a tester's; on a bot that talks
to real citizens each says why in one line, exits 2 and writes nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_bot_cli import ENV, bot

PRODUCTION = {**ENV, "BOT_SIMULATION": "false"}
INVALID = 2
PHONE = "+77011234567"

COMMANDS = {
    "clock show": ("clock", "show"),
    "clock advance": ("clock", "advance", "1h"),
    "clock set": ("clock", "set", "2026-02-02T09:00+05:00"),
    "sms send": ("sms", "send", "--from", PHONE, "иә"),
    "sms inbox": ("sms", "inbox", PHONE),
    "sms faults": ("sms", "faults", "--temporary-rate", "0.2"),
    "demo": ("demo", "--citizens", "5", "--json"),
}


@pytest.mark.parametrize("args", COMMANDS.values(), ids=COMMANDS.keys())
def test_a_testers_command_refuses_to_run_in_production_mode(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    data_dir = tmp_path / "bot"
    done = bot(data_dir, *args, env=PRODUCTION)
    assert done.returncode == INVALID, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and "simulation mode" in done.stderr, done.stderr
    assert done.stdout == ""
    assert not data_dir.exists() or list(data_dir.iterdir()) == []
