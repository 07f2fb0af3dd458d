"""P1 intake and P6 memory: registry events become cases with their offers queued.

N disability events (each: a person with a phone, a language and an account on file) wait in
the registries' feed; the bot's intake takes them all, by its cursor, as `tick` would: every
case opened, its offer queued in the outbox and its consent-ledger row written. Baseline,
in the same run: plain `sqlite3.executemany` of N rows into one table of a fresh WAL file.
P6 is the peak resident memory of this process once the N cases are open and their offers
sent (one dispatch pass through the simulated SMS gateway).
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from benchmarks import world
from benchmarks.common import Stopwatch, main, peak_rss_mb, rate
from bot.app import build_app
from bot.intake import intake
from bot.records import OutboxStatus
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


async def measure(quick: bool) -> dict[str, Any]:
    count = 2_000 if quick else 100_000
    with tempfile.TemporaryDirectory(prefix="bench-p1-") as tmp:
        data_dir = Path(tmp)
        base_seconds = baseline(data_dir / "baseline.sqlite3", count)
        with Stopwatch() as building:
            world.build(data_dir, count)
        rss_before = peak_rss_mb()
        settings = Settings(data_dir=data_dir, sms_rate=1_000_000.0)
        app = await build_app(settings)
        try:
            with Stopwatch() as taking:
                taken = await intake(app.storage, app.registries, app.clock)
            async with app.storage.unit_of_work() as uow:
                queued = await uow.outbox.due(await app.clock.now(), limit=count + 1)
            with Stopwatch() as sending:
                sent = await app.dispatcher.dispatch(await app.clock.now())
            async with app.storage.unit_of_work() as uow:
                open_cases = len(await uow.cases.all(count + 1))
        finally:
            await app.close()
    return {
        "name": "P1 intake",
        "events": count,
        "taken": taken,
        "cases_open": open_cases,
        "offers_queued": sum(m.status is OutboxStatus.QUEUED for m in queued),
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
            "peak_rss_mb": peak_rss_mb(),
            "target_peak_rss_mb": 300,
        },
    }


if __name__ == "__main__":
    main(measure)
