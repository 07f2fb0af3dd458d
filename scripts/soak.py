"""`make soak`: the reliability tests at full size, then a summary of what they measured.

Runs the crash harness, fault, feed, SIGTERM and hostile-input tests with `SOAK=1`
(tests/soak.py: 10,000 citizens, 20 kills three times over, 50 SIGTERMs of serve, 100,000
fuzz conversations, ...): first the crash harness, faults, feed and SIGTERMs alone (the
Telegram fault test waits on real time and must not share the machine), then the two fuzz
tests in two pytest processes side by side (they are most of the time). It collects the
figures each test reports and prints them with each process's verdict and time. The exit
code is 0 only when every process passed and figures came; pytest's "no tests collected"
(5) fails too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FUZZ = "tests/e2e/test_hostile_input.py"
TELEGRAM_FUZZ = "test_any_telegram_text_is_answered_or_held_back_and_never_read_as_markup"
STAGES: list[dict[str, list[str]]] = [
    {
        "crash harness, faults, feed, sigterm": [
            "tests/e2e/test_crash_harness.py",
            "tests/e2e/test_faults.py",
            "tests/e2e/test_feed_replay.py",
            "tests/e2e/test_sigterm.py",
        ]
    },
    {
        "telegram fuzz": [f"{FUZZ}::{TELEGRAM_FUZZ}"],
        "sms fuzz and rate limit": [FUZZ, "--deselect", f"{FUZZ}::{TELEGRAM_FUZZ}"],
    },
]
Verdict = tuple[int, float, str]  # exit code, seconds, pytest's last line


def stage(groups: dict[str, list[str]], scratch: Path, env: dict[str, str]) -> dict[str, Verdict]:
    """Run the groups of one stage side by side; each one's verdict."""
    running: dict[str, tuple[subprocess.Popen[bytes], Path, float]] = {}
    for name, args in groups.items():
        log = scratch / f"{name.replace(' ', '-').replace(',', '')}.log"
        command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args]
        print(f"=== {name}: {' '.join(command[1:])}", flush=True)
        with log.open("wb") as out:
            process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        running[name] = (process, log, time.monotonic())
    verdicts: dict[str, Verdict] = {}
    for name, (process, log, began) in running.items():
        code = process.wait()
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        verdicts[name] = (code, time.monotonic() - began, tail[-1] if tail else "")
        print(f"--- {name}: exit {code} in {verdicts[name][1]:.0f} s", flush=True)
        if code != 0:
            print("\n".join(tail[-60:]), flush=True)
    return verdicts


def main() -> int:
    """Run the soak; print its summary; 0 when everything passed."""
    with tempfile.TemporaryDirectory(prefix="soak-") as scratch:
        figures = Path(scratch) / "figures.jsonl"
        env = {**os.environ, "SOAK": "1", "SOAK_REPORT": str(figures)}
        started = time.monotonic()
        verdicts: dict[str, Verdict] = {}
        for groups in STAGES:
            verdicts |= stage(groups, Path(scratch), env)
        took = time.monotonic() - started
        lines = figures.read_text(encoding="utf-8").splitlines() if figures.exists() else []
    failed = [name for name, (code, _, _) in verdicts.items() if code != 0]
    print(f"\n=== soak summary: {'FAILED' if failed else 'passed'} in {took:.0f} s")
    for name, (code, seconds, last) in verdicts.items():
        print(f"  {name}: exit {code} in {seconds:.0f} s ({last})")
    for line in lines:
        found = json.loads(line)
        test = found.pop("test")
        found.pop("soak", None)
        print(f"  {test}: " + ", ".join(f"{k} {v}" for k, v in found.items()))
    if not lines:
        print("  no figures were reported")
    return 1 if failed or not lines else 0


if __name__ == "__main__":
    sys.exit(main())
