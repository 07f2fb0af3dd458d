"""`serve` stopped by SIGTERM at random moments (seeded): each time it exits 0 and its log,
in JSON lines (BOT_LOG_FORMAT=json), holds no ERROR and no traceback; every line parses.

The moments fall anywhere from the instant the bot's first line has run (its SIGTERM handler
is installed: `bot.early_signals`, while Python still loads the rest) to the middle of its
work (offers being screened and sent). Before that instant the interpreter itself is
starting, nothing of the bot has run, and the default action ends it: nothing is lost. The normal
suite stops it 8 times, `make soak` 50 (`tests/soak.py`).
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.test_bot_cli import ENV, ROOT
from tests.e2e.world import open_world
from tests.postgres import database_env
from tests.soak import report, size

RUNS = size(8, 50)
SEED = 20261207


def busy_world(data_dir: Path) -> None:
    """Thirty people with phones, each with a disability established: work for every role."""
    world = open_world(data_dir)
    for n in range(30):
        iin = world.person(phone=f"+7701{n:07d}", language="kk" if n % 2 else "ru")
        world.disability(iin)
    world.conn.close()


def catches_sigterm(pid: int) -> None:
    """Wait until the process handles SIGTERM itself (Linux: its SigCgt mask has it)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
        caught = next(line for line in status.splitlines() if line.startswith("SigCgt:"))
        if int(caught.split()[1], 16) & (1 << (signal.SIGTERM - 1)):
            return
        time.sleep(0.001)
    raise AssertionError("the process never installed a SIGTERM handler")


def test_sigterm_at_any_moment_ends_serve_cleanly_and_its_json_log_holds_no_error(
    tmp_path: Path,
) -> None:
    busy_world(tmp_path)
    env = {
        **ENV,
        **database_env(tmp_path),
        "BOT_LOG_FORMAT": "json",
        "BOT_CONSOLE": "false",
        "BOT_METRICS_PORT": "0",
        "BOT_TICK_INTERVAL": "0.05",
    }
    moments = random.Random(SEED)
    for run in range(RUNS):
        err_path = tmp_path / f"serve-{run}.err"
        with err_path.open("w") as err:
            serve = subprocess.Popen(
                [sys.executable, "-m", "bot", "--data-dir", str(tmp_path), "serve"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err, text=True,
            )  # fmt: skip
            catches_sigterm(serve.pid)
            time.sleep(moments.uniform(0.0, 2.5))
            serve.send_signal(signal.SIGTERM)
            code = serve.wait(timeout=60)
        log = err_path.read_text(encoding="utf-8")
        assert code == 0, (run, log[-3000:])
        assert "Traceback" not in log, (run, log[-3000:])
        lines = [json.loads(line) for line in log.splitlines() if line.strip()]
        assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
        errors = [line for line in lines if line["level"] in {"ERROR", "CRITICAL"}]
        assert errors == [], (run, errors)
    report("sigterm", runs=RUNS, clean=RUNS)
