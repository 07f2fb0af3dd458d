"""P1–P3 with one, two and three bot instances on one PostgreSQL database (and, for
comparison, the same measurement of one instance on SQLite), CPU-bound and with the
registries slowed down.

`python -m benchmarks.scale_out --server postgresql://… [--quick] [--latency-ms 0,50]
[--sqlite]` prints one JSON object. Every instance is a real `python -m bot serve` process
ticking every 50 ms (console off, no SMS rate: simulated time), sharing one data directory
(the registries' file, the simulated gateway's file, the signing key) and one database: a
fresh schema of `--server` per run. The instances start at the same moment, and each must say
"serving" (else its stderr says why). The work appears only once every instance is up, and
the clock is read on both sides of it:

- P1 intake: the instances serve a world with no events yet; N disability events are then
  written to the registries in one transaction (`benchmarks.world`); measured from that
  commit to the moment the N cases exist (polled every 20 ms).
- P2 replies: the instances serve a world whose C offers are sent; C consents ("иә"/"да")
  are then logged in one transaction, as the gateway's replies would be; measured from that
  commit until every one is handled.
- P3 full cycle: `python -m bot demo --citizens N` (the world's driver and the first
  instance) with, for k instances, k - 1 serve processes beside it; its own wall time.

`--latency-ms L` makes every registry call wait 0.5 to 1.5 times L ms (the registries' fault
rules, as `python -m fake_registries faults set --latency-ms L` sets them; `demo
--registry-latency-ms L` for P3): the work then waits on the registries, not on the CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
from pydantic import SecretStr

from benchmarks import world
from benchmarks.common import Stopwatch, rate
from benchmarks.p2_replies import YES, reply
from bot.composition import build_app
from bot.service.flow import log_inbound
from bot.service.intake import intake
from bot.settings import Settings
from fake_registries import db as registries_db
from fake_registries import faults

ROOT = Path(__file__).resolve().parents[1]
POLL = 0.02  # seconds between two looks at the database
SERVE_ENV = {"BOT_CONSOLE": "false", "BOT_TICK_INTERVAL": "0.05", "BOT_SMS_RATE": "1000000"}


def with_schema(server: str, schema: str) -> str:
    """The server's URL whose connections see `schema` only."""
    return f"{server}{'&' if '?' in server else '?'}search_path={schema}"


@contextmanager
def database(server: str | None) -> Iterator[str | None]:
    """A fresh PostgreSQL schema's URL, dropped afterwards; None for SQLite."""
    if server is None:
        yield None
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    asyncio.run(_sql(server, f"CREATE SCHEMA {schema}"))
    try:
        yield with_schema(server, schema)
    finally:
        asyncio.run(_sql(server, f"DROP SCHEMA {schema} CASCADE"))


async def _sql(url: str, statement: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def environment(url: str | None) -> dict[str, str]:
    """The bots' environment: this one without BOT_* settings, with the database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.pop("DATABASE_URL", None)
    return env if url is None else {**env, "DATABASE_URL": url}


def slow_registries(data_dir: Path, latency_ms: int) -> None:
    """Every registry call in `data_dir`'s world waits about `latency_ms` (0: as fast as
    they go)."""
    if not latency_ms:
        return
    conn = registries_db.connect(registries_db.path_in(data_dir))
    try:
        for registry in faults.REGISTRIES:
            faults.set_rule(conn, faults.FaultRule(registry=registry, latency_ms=latency_ms))
    finally:
        conn.close()


@contextmanager
def serving(data_dir: Path, url: str | None, count: int) -> Iterator[list[str]]:
    """`count` serve processes on `data_dir`, started at the same moment, each up (it said
    "serving") before the body runs; stopped with SIGTERM after it. Yields the work each
    did, filled once they stopped. A serve that ends before it serves raises with its
    stderr's last lines."""
    env = {**environment(url), **SERVE_ENV}
    logs = [data_dir.parent / f"{data_dir.name}-serve-{n}.err" for n in range(count)]
    # stderr to a file: the scheduler logs every tick, and an unread pipe would fill and stop
    # the serve in the middle of its work (the three-instance P3 hung so)
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "--data-dir", str(data_dir), "serve"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=log.open("w"),
            text=True,
        )  # fmt: skip
        for log in logs
    ]
    outputs: list[str] = []
    try:
        for process, log in zip(processes, logs, strict=True):
            assert process.stdout is not None
            for line in process.stdout:
                if line.startswith("serving"):
                    break
            else:
                process.wait()
                why = log.read_text(errors="replace").strip().splitlines()[-5:]
                raise RuntimeError(
                    f"a serve process ended (exit {process.returncode}) before it served: "
                    + " | ".join(why)
                )
        yield outputs
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            out, _ = process.communicate(timeout=120)
            outputs.append(out.strip().splitlines()[-2] if out.strip().count("\n") else "")


async def count(url: str | None, data_dir: Path, query: str) -> int:
    """One number from the bot's database (the SQLite file, or PostgreSQL)."""
    if url is None:
        import aiosqlite  # noqa: PLC0415

        async with aiosqlite.connect(data_dir / "bot.sqlite3") as file:
            rows = list(await file.execute_fetchall(query))
        return int(rows[0][0])
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval(query))
    finally:
        await conn.close()


async def wait_until(url: str | None, data_dir: Path, query: str, wanted: int) -> float:
    """Poll `query` until it gives `wanted`; the moment it did (perf_counter)."""
    while await count(url, data_dir, query) < wanted:
        await asyncio.sleep(POLL)
    return time.perf_counter()


def p1(url: str | None, instances: int, events: int, latency_ms: int = 0) -> dict[str, Any]:
    """Intake of `events` events by `instances` serve processes."""
    with tempfile.TemporaryDirectory(prefix="bench-scale-p1-") as tmp:
        data_dir = Path(tmp) / "world"
        data_dir.mkdir()
        world.build(data_dir, 0)  # the registries, their clock, no event yet
        slow_registries(data_dir, latency_ms)
        with serving(data_dir, url, instances) as work:
            subprocess.run(
                [sys.executable, "-m", "benchmarks.world", str(data_dir), str(events)],
                cwd=ROOT, check=True,
            )  # fmt: skip
            committed = time.perf_counter()
            done = asyncio.run(wait_until(url, data_dir, "SELECT count(*) FROM cases", events))
    seconds = done - committed
    return {"events": events, "seconds": round(seconds, 2), "events_per_s": rate(events, seconds),
            "work": work}  # fmt: skip


def settings(data_dir: Path, url: str | None) -> Settings:
    """The settings of the benchmark's own in-process bot, on the instances' database."""
    database_url = None if url is None else SecretStr(url)
    return Settings(data_dir=data_dir, sms_rate=1_000_000.0, database_url=database_url)


async def _offered(data_dir: Path, url: str | None, conversations: int) -> None:
    """A world of `conversations` citizens whose offers are sent, by one in-process bot."""
    world.build(data_dir, conversations)
    app = await build_app(settings(data_dir, url))
    try:
        await intake(app.storage, app.registries, app.clock)
        now = await app.clock.now()
        while await app.dispatcher.dispatch(now):
            pass
    finally:
        await app.close()


async def _consents(data_dir: Path, url: str | None, conversations: int) -> float:
    """Every citizen's consent, logged in one transaction; the moment it committed."""
    citizens = world.people(conversations)
    app = await build_app(settings(data_dir, url))
    try:
        now = await app.clock.now()
        replies = [reply(c, YES[c.language], n, now) for n, c in enumerate(citizens)]
        await log_inbound(app.storage, replies)
        return time.perf_counter()
    finally:
        await app.close()


def p2(url: str | None, instances: int, conversations: int, latency_ms: int = 0) -> dict[str, Any]:
    """A backlog of `conversations` consents handled by `instances` serve processes."""
    with tempfile.TemporaryDirectory(prefix="bench-scale-p2-") as tmp:
        data_dir = Path(tmp) / "world"
        data_dir.mkdir()
        asyncio.run(_offered(data_dir, url, conversations))
        slow_registries(data_dir, latency_ms)
        with serving(data_dir, url, instances) as work:
            committed = asyncio.run(_consents(data_dir, url, conversations))
            handled = "SELECT count(*) FROM inbound WHERE handled_at IS NOT NULL"
            done = asyncio.run(wait_until(url, data_dir, handled, conversations))
    seconds = done - committed
    return {"conversations": conversations, "seconds": round(seconds, 2),
            "replies_per_s": rate(conversations, seconds), "work": work}  # fmt: skip


def p3(url: str | None, instances: int, citizens: int, latency_ms: int = 0) -> dict[str, Any]:
    """`python -m bot demo --citizens N` with `instances - 1` serve processes beside it."""
    with tempfile.TemporaryDirectory(prefix="bench-scale-p3-") as tmp:
        data_dir = Path(tmp) / "world"
        env = environment(url)
        with Stopwatch() as watch:
            demo = subprocess.Popen(
                [sys.executable, "-m", "bot", "demo", "--citizens", str(citizens),
                 "--data-dir", str(data_dir), "--json",
                 "--registry-latency-ms", str(latency_ms)],
                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            key = data_dir / "authorised_person.key"
            while instances > 1 and not key.exists() and demo.poll() is None:
                time.sleep(0.05)
            with serving(data_dir, url, instances - 1) as work:
                out, err = demo.communicate()
        if demo.returncode != 0:
            raise RuntimeError(f"the demo failed: {err[-2000:]}")
    summary = json.loads(out)
    return {"citizens": citizens, "cases": summary["cases"], "payments": summary["payments"],
            "ledger_verified": summary["ledger_verified"], "wall_seconds": round(watch.seconds, 1),
            "work": work}  # fmt: skip


def measure(
    server: str | None, counts: Sequence[int], sizes: tuple[int, int, int], latency_ms: int
) -> dict[str, Any]:
    """Each of P1–P3 with each number of instances (SQLite: one), at `sizes` (events,
    conversations, citizens), the registries answering after about `latency_ms`."""
    events, conversations, citizens = sizes
    found: dict[str, Any] = {}
    for name, step, size in (("P1", p1, events), ("P2", p2, conversations),
                             ("P3", p3, citizens)):  # fmt: skip
        for instances in counts:
            with database(server) as url:
                found[f"{name} x{instances}"] = figures = step(url, instances, size, latency_ms)
            sys.stderr.write(f"{name} x{instances}, {latency_ms} ms: {figures}\n")
    return found


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.scale_out",
        description="P1-P3 with one, two and three bot instances on PostgreSQL (or one on"
        " SQLite), CPU-bound and with slow registries.",
    )
    parser.add_argument("--server", help="a PostgreSQL server URL (omit: SQLite, one instance)")
    parser.add_argument("--quick", action="store_true", help="small sizes, same code paths")
    parser.add_argument("--instances", default="1,2,3", help="comma-separated (default 1,2,3)")
    parser.add_argument("--sizes", help="P1 events, P2 conversations, P3 citizens: N,N,N"
                        " (default 10000,1000,10000; --quick 2000,200,2000)")  # fmt: skip
    parser.add_argument(
        "--latency-ms",
        default="0",
        help="comma-separated registry latencies, each measured in turn (default 0)",
    )
    parser.add_argument(
        "--sqlite", action="store_true", help="with --server: one instance on SQLite as well"
    )
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.instances.split(",")] if args.server else [1]
    default = "2000,200,2000" if args.quick else "10000,1000,10000"
    events, conversations, citizens = (int(n) for n in (args.sizes or default).split(","))
    sizes = (events, conversations, citizens)
    figures: dict[str, Any] = {
        "database": "postgresql" if args.server else "sqlite",
        "sizes": {"events": events, "conversations": conversations, "citizens": citizens},
        "cores": os.cpu_count(),
    }
    for latency in (int(n) for n in args.latency_ms.split(",")):
        mode = f"registries {latency} ms"
        figures[mode] = measure(args.server, counts, sizes, latency)
        if args.server and args.sqlite:
            figures[f"{mode}, sqlite"] = measure(None, [1], sizes, latency)
    sys.stdout.write(json.dumps(figures) + "\n")


if __name__ == "__main__":
    main()
