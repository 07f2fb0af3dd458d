"""`make soak`: the reliability tests at full size, then a summary of what they measured.

Runs the crash harness, fault, feed and hostile-input tests with `SOAK=1` (tests/soak.py:
10,000 citizens, 20 kills three times over, 100,000 fuzz examples, ...), collects the figures
each test reports, and prints them with pytest's verdict and the time taken. The exit code
is pytest's, and "no tests collected" (5) is a failure like any other.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TESTS = [
    "tests/e2e/test_crash_harness.py",
    "tests/e2e/test_faults.py",
    "tests/e2e/test_feed_replay.py",
    "tests/e2e/test_hostile_input.py",
]


def main() -> int:
    """Run the soak; print its summary; pytest's exit code."""
    with tempfile.TemporaryDirectory(prefix="soak-") as scratch:
        figures = Path(scratch) / "figures.jsonl"
        env = {**os.environ, "SOAK": "1", "SOAK_REPORT": str(figures)}
        command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *TESTS]
        print("=== soak:", " ".join(command[1:]), flush=True)
        started = time.monotonic()
        code = subprocess.call(command, env=env)
        took = time.monotonic() - started
        lines = figures.read_text(encoding="utf-8").splitlines() if figures.exists() else []
    verdict = "passed" if code == 0 else f"FAILED (pytest exit {code})"
    print(f"\n=== soak summary: {verdict} in {took:.0f} s")
    for line in lines:
        found = json.loads(line)
        name = found.pop("test")
        found.pop("soak", None)
        print(f"  {name}: " + ", ".join(f"{k} {v}" for k, v in found.items()))
    if not lines:
        print("  no figures were reported")
    return code if code != 0 else (0 if lines else 1)


if __name__ == "__main__":
    sys.exit(main())
