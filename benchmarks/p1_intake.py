"""P1 intake and P6 memory: registry events become cases with their offers queued.

N disability events (each: a person with a phone, a language and an account on file) wait in
the registries' feed; the bot's intake takes them all, by its cursor, as `tick` would: every
case opened, its offer queued in the outbox and its consent-ledger row written. Baseline,
in the same run: plain `sqlite3.executemany` of N rows into one table of a fresh WAL file.
P6 is the peak resident memory of this process (the bot alone: the world is built by another
process) once the N cases are open, and after one dispatch pass through the simulated SMS
gateway; the figures are read back by SQL, not loaded.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.common import Stopwatch, main, peak_rss_mb, rate
from bot.composition import build_app
from bot.service.intake import intake
from bot.settings import Settings


def baseline(path: Path, count: int) -> float:
    """Seconds for `executemany` of `count` rows (an id, a text, a number) in one commit."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("CREATE TABLE row (id INTEGER PRIMARY KEY, iin TEXT NOT NULL, n INTEGER)")
        rows = [(n, f"{n:012d}", n % 7) for n in range(count)]
        with Stopwatch() as watch:
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO row (id, iin, n) VALUES (?, ?, ?)", rows)
            conn.execute("COMMIT")
    finally:
        conn.close()
    return watch.seconds


def counts(path: Path) -> tuple[int, int]:
    """Open cases and offers still queued (plus the one pass sent), read by SQL, not loaded."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        cases = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
        offers = conn.execute("SELECT count(*) FROM outbox WHERE client_ref LIKE 'offer:%'")
        return int(cases), int(offers.fetchone()[0])
    finally:
        conn.close()


async def measure(quick: bool) -> dict[str, Any]:
    count = 2_000 if quick else 100_000
    with tempfile.TemporaryDirectory(prefix="bench-p1-") as tmp:
        data_dir = Path(tmp)
        with Stopwatch() as building:  # in its own process: P6 is the bot's memory alone
            subprocess.run(
                [sys.executable, "-m", "benchmarks.world", str(data_dir), str(count)],
                cwd=Path(__file__).resolve().parents[1],
                check=True,
            )
        rss_before = peak_rss_mb()
        settings = Settings(data_dir=data_dir, sms_rate=1_000_000.0)
        app = await build_app(settings)
        try:
            with Stopwatch() as taking:
                taken = await intake(app.storage, app.registries, app.clock)
            held = peak_rss_mb()  # N cases open, nothing read back yet
            with Stopwatch() as sending:
                sent = await app.dispatcher.dispatch(await app.clock.now())
        finally:
            await app.close()
        open_cases, queued = counts(data_dir / "bot.sqlite3")
        base_seconds = baseline(data_dir / "baseline.sqlite3", count)  # after P6's figures
    return {
        "name": "P1 intake",
        "events": count,
        "taken": taken,
        "cases_open": open_cases,
        "offers": queued,
        "seconds": round(taking.seconds, 2),
        "events_per_s": rate(taken, taking.seconds),
        "baseline_executemany_rows_per_s": rate(count, base_seconds),
        "share_of_baseline": round((taken / taking.seconds) / (count / base_seconds), 4),
        "target_events_per_s": 10_000,
        "world_build_seconds": round(building.seconds, 2),
        "P6": {
            "name": "P6 memory",
            "open_cases": open_cases,
            "offers_sent": sent,
            "dispatch_seconds": round(sending.seconds, 2),
            "rss_before_bot_mb": rss_before,
            "rss_with_cases_open_mb": held,
            "peak_rss_mb": peak_rss_mb(),
            "target_peak_rss_mb": 300,
        },
    }


if __name__ == "__main__":
    main(measure)
