"""P3 full cycle: `python -m bot demo` on N citizens, from the registries' events to the result
SMS, with simulated replies and no channel rate limit (the demo lifts it): wall time.

The demo runs as its own process through the real entry point and prints its JSON summary,
whose figures come back here (cases, payments, ledger). Baseline, in the same run: the same
command's population alone (`fake_registries` generation into a fresh directory), so the
bot's share of the wall time shows.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.common import Stopwatch, main, rate
from bot.simulation import demo as world

ROOT = Path(__file__).resolve().parents[1]


async def measure(quick: bool) -> dict[str, Any]:
    citizens = 2_000 if quick else 100_000
    with tempfile.TemporaryDirectory(prefix="bench-p3-") as tmp:
        with Stopwatch() as generating:
            world.prepare(Path(tmp) / "population-only", citizens, 1)
        command = [sys.executable, "-m", "bot", "demo", "--citizens", str(citizens), "--json"]
        command += ["--data-dir", str(Path(tmp) / "demo")]
        with Stopwatch() as running:
            done = subprocess.run(
                command, cwd=ROOT, capture_output=True, text=True, check=True, timeout=3600
            )
    summary = json.loads(done.stdout)
    return {
        "name": "P3 full cycle",
        "citizens": citizens,
        "cases": summary["cases"],
        "left_open": summary["left_open"],
        "payments": summary["payments"],
        "ledger_verified": summary["ledger_verified"],
        "sms_segments": summary["sms"]["all"]["segments"],
        "wall_seconds": round(running.seconds, 2),
        "cases_per_s": rate(summary["cases"], running.seconds),
        "baseline_population_seconds": round(generating.seconds, 2),
        "target_wall_seconds": 120,
    }


if __name__ == "__main__":
    main(measure)
