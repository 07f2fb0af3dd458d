"""The project's one test command: lint, format, types, layering, catalogs, tests.

Every step runs even when an earlier one fails, so one run shows everything that is
wrong; the exit code is non-zero when any step failed. pytest's "no tests collected"
(exit 5) counts as a failure like any other non-zero exit.
"""

from __future__ import annotations

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
    ("pytest", [PY, "-m", "coverage", "run", "-m", "pytest"]),
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
        print(f"\n=== {name}: {' '.join(cmd[1:] if cmd[0] == PY else cmd)}", flush=True)
        started = time.monotonic()
        code = subprocess.call(cmd)
        took = time.monotonic() - started
        verdict = "ok" if code == 0 else f"FAILED (exit {code})"
        print(f"--- {name}: {verdict} in {took:.1f} s", flush=True)
        if code != 0:
            failed.append(name)
    print("\n=== summary:", "all steps passed" if not failed else "failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
