"""`python -m benchmarks [--quick]`: every benchmark, each in a process of its own; one JSON
object on standard output with the machine, each figure beside its baseline and target, and
whether each target is met. It fails (exit 1) only when a benchmark crashes, never on a
timing; `--quick` takes smaller N through the same code paths (for CI)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MODULES = ("p1_intake", "p2_replies", "p3_cycle", "p4_telegram", "p5_dispatch", "p7_outage")


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = ""
    with open("/proc/cpuinfo", encoding="utf-8") as info:  # Linux, as CI is
        cpu = next((line.split(":", 1)[1].strip() for line in info if "model name" in line), "")
    with open("/proc/meminfo", encoding="utf-8") as info:
        kib = int(next(line.split()[1] for line in info if line.startswith("MemTotal")))
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(kib / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "aiosqlite": version("aiosqlite"),
        "aiogram": version("aiogram"),
    }


def run(module: str, quick: bool) -> dict[str, Any]:
    """One benchmark's figures, or its crash (`error` and the end of its stderr)."""
    command = [sys.executable, "-m", f"benchmarks.{module}", *(["--quick"] if quick else [])]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    took = round(time.perf_counter() - started, 1)
    if done.returncode != 0:
        return {"error": f"exit {done.returncode}", "stderr": done.stderr[-2000:], "took_s": took}
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    figures["took_s"] = took
    return figures


def targets(found: dict[str, Any]) -> dict[str, bool | None]:
    """Each target of the issue, met or not (None: its benchmark crashed)."""

    def get(key: str, *path: str) -> Any:
        value: Any = found.get(key, {})
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        return value

    checks: dict[str, tuple[Any, Callable[[Any], bool]]] = {
        "P1 >= 10000 events/s": (get("P1", "events_per_s"), lambda v: v >= 10_000),
        "P2 >= 2000 replies/s": (get("P2", "replies_per_s"), lambda v: v >= 2_000),
        "P2 p99 <= 50 ms": (get("P2", "latency_one_at_a_time", "p99_ms"), lambda v: v <= 50),
        "P3 <= 120 s": (get("P3", "wall_seconds"), lambda v: v <= 120),
        "P4 ratio >= 0.5": (get("P4", "ratio"), lambda v: v >= 0.5),
        "P5 SMS 95-100 %": (get("P5", "sms_simulated", "percent"), lambda v: 95 <= v <= 100),
        "P5 Telegram 95-100 %": (get("P5", "telegram", "percent"), lambda v: 95 <= v <= 100),
        "P5 zero 429": (get("P5", "telegram", "http_429"), lambda v: v == 0),
        "P6 <= 300 MB": (get("P6", "peak_rss_mb"), lambda v: v <= 300),
        "P7 chat answers p99 <= 2 s, SMSC down": (
            get("P7", "chat_answers", "p99_ms"),
            lambda v: v <= 2000,
        ),
        "P7 every SMS once after the outage": (
            get("P7", "sms", "each_delivered_once"),
            lambda v: v is True,
        ),
    }
    return {name: None if value is None else test(value) for name, (value, test) in checks.items()}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller N, same code paths (CI)")
    parser.add_argument(
        "--only", nargs="+", choices=MODULES, default=list(MODULES), help="these benchmarks"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    found: dict[str, Any] = {}
    for module in args.only:
        figures = run(module, args.quick)
        key = "P" + module[1]
        found[key] = figures
        if "P6" in figures:  # P1's process holds the open cases P6 measures
            found["P6"] = figures.pop("P6")
    crashed = [key for key, figures in found.items() if "error" in figures]
    report = {
        "machine": machine(),
        "quick": args.quick,
        **found,
        "targets_met": targets(found),
        "crashed": crashed,
        "seconds": round(time.perf_counter() - started, 1),
    }
    sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
