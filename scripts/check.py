"""The project's one test command: lint, format, types, layering, catalogs, messages, tests.

Every step runs even when an earlier one fails, so one run shows everything that is
wrong; the exit code is non-zero when any step failed. pytest's "no tests collected"
(exit 5) counts as a failure like any other non-zero exit.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

PY = sys.executable
STEPS: list[tuple[str, list[str]]] = [
    ("ruff check", [PY, "-m", "ruff", "check", "."]),
    ("ruff format --check", [PY, "-m", "ruff", "format", "--check", "."]),
    ("mypy --strict", [PY, "-m", "mypy"]),
    ("import-linter", ["lint-imports"]),
    ("catalogs", [PY, "scripts/catalogs.py", "check"]),
    # every message a citizen can receive, rendered in kk and ru: docs/messages.md is current
    # and no message is over its SMS budget
    ("messages", [PY, "scripts/messages.py", "check"]),
    ("pytest", [PY, "-m", "coverage", "run", "-m", "pytest"]),
    # The end-to-end, console and browser tests again with every bot on PostgreSQL (a fresh
    # schema per test or data directory, tests/postgres.py), the three-instance test among
    # them; only with a server (BOT_TEST_POSTGRES, which .ci/run starts), else skipped.
    (
        "pytest on PostgreSQL",
        [
            PY,
            "-m",
            "pytest",
            "-q",
            "-m",
            "not sqlite_only",
            "tests/e2e",
            "tests/console",
            "tests/browser",
        ],
    ),  # fmt: skip
    # figures, never judged: this step fails only when a benchmark crashes
    ("benchmarks --quick", [PY, "-m", "benchmarks", "--quick"]),
    (
        "coverage of domain/ >= 95 %",
        [PY, "-m", "coverage", "report", "--include=domain/*", "--fail-under=95"],
    ),
]


def main() -> int:
    """Run every step, print a summary and return the number of failed steps."""
    failed: list[str] = []
    for name, cmd in STEPS:
        env = None
        if name == "pytest on PostgreSQL":
            if not os.environ.get("BOT_TEST_POSTGRES", "").strip():
                required = os.environ.get("BOT_TEST_POSTGRES_REQUIRED", "").strip() == "1"
                print(f"\n=== {name}: skipped, no server (set BOT_TEST_POSTGRES)", flush=True)
                if required:
                    failed.append(name)
                continue
            env = {**os.environ, "BOT_TEST_DATABASE": "postgresql"}
        print(f"\n=== {name}: {' '.join(cmd[1:] if cmd[0] == PY else cmd)}", flush=True)
        started = time.monotonic()
        code = subprocess.call(cmd, env=env)
        took = time.monotonic() - started
        verdict = "ok" if code == 0 else f"FAILED (exit {code})"
        print(f"--- {name}: {verdict} in {took:.1f} s", flush=True)
        if code != 0:
            failed.append(name)
    print("\n=== summary:", "all steps passed" if not failed else "failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
