"""A feed that delivers badly, and a feed replayed from its first event: nothing extra.

The demo's world (a generated population, simulated citizens, a reviewer) runs to the end
twice on the same seed: once with a clean feed, once with a feed that delivers every event
twice and swaps half of its neighbours. Then, with every case final, the whole feed is
taken again from its first event. Both runs end with the same cases in the same states and
the same messages; the replay adds no case, message, submission, ledger row or payment.
1,000 citizens in the suite, 10,000 in the soak (`make soak`).
"""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.channels.sms_gateway import SimulatedSmsGateway
from bot.channels.sms_gateway import path_in as gateway_path
from bot.composition import build_app
from bot.service.decide import final_states
from bot.service.intake import take_events
from bot.settings import Settings
from bot.simulation.demo import SimulatedHandsets, prepare, simulate
from bot.storage.verify import verify_file
from fake_registries import db as registries_db
from fake_registries import faults, service
from fake_registries.faults import FaultSettings
from tests.soak import report, size

pytestmark = pytest.mark.sqlite_only  # reads the bot's SQLite file to check it

CITIZENS, SEED = size(1_000, 10_000), 1  # about 140 cases in the suite, every behaviour
PAGE = 500
BAD_FEED = FaultSettings(duplicate_rate=1.0, reorder_rate=0.5, seed=7)

Snapshot = dict[str, Any]


def snapshot(data_dir: Path) -> Snapshot:
    """What the run left, read from outside: cases and their states, messages by reference,
    the gateway's submissions by reference, ledger rows, payment orders."""
    with closing(sqlite3.connect(data_dir / "bot.sqlite3")) as conn:
        cases = sorted(conn.execute("SELECT id, state FROM cases").fetchall())
        outbox = sorted(conn.execute("SELECT client_ref, template_id FROM outbox").fetchall())
        ledger = conn.execute("SELECT COUNT(*) FROM consents").fetchone()[0]
        payments = sorted(r[0] for r in conn.execute("SELECT case_id FROM payments"))
    with closing(sqlite3.connect(gateway_path(data_dir))) as conn:
        refs = [r[0] for r in conn.execute("SELECT client_ref FROM submission")]
    return {
        "cases": cases,
        "outbox": outbox,
        "submissions": sorted(refs),
        "ledger_rows": ledger,
        "payments": payments,
    }


async def replay(app: App) -> int:
    """Take the whole feed again from its first event, a page per transaction; how many."""
    taken, cursor = 0, 0
    while page := await app.registries.events_after(cursor, PAGE):
        taken += len(page)
        await take_events(app.storage, app.registries, page, await app.clock.now())
        cursor = page[-1].id
    return taken


async def run(data_dir: Path, feed: FaultSettings | None) -> tuple[Snapshot, Snapshot, int]:
    """The world to its end, then a replay of the feed and a tick: both snapshots, and how
    many events the replay took."""
    prepare(data_dir, CITIZENS, SEED)
    if feed is not None:
        with closing(registries_db.connect(registries_db.path_in(data_dir))) as conn:
            faults.set_settings(conn, feed)
    app = await build_app(Settings(data_dir=data_dir, simulation=True, sms_rate=1_000_000.0))
    try:
        assert isinstance(app.sms, SimulatedSmsGateway)
        await simulate(app, SEED, SimulatedHandsets(app.sms))
        ended = snapshot(data_dir)
        taken = await replay(app)
        await app.tick()
        assert await verify_file(data_dir / "bot.sqlite3") == []
    finally:
        await app.close()
    return ended, snapshot(data_dir), taken


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Snapshot, Snapshot, int]]:
    """The clean run and the bad-feed run, each ended and replayed (once for the module,
    each in an event loop of its own)."""
    patch = pytest.MonkeyPatch()
    patch.setattr(service, "FAULTS_REFRESH_SECONDS", 0.0)  # the feed faults apply at once
    try:
        clean = asyncio.run(run(tmp_path_factory.mktemp("clean"), None))
        bad = asyncio.run(run(tmp_path_factory.mktemp("bad-feed"), BAD_FEED))
    finally:
        patch.undo()
    return {"clean": clean, "bad": bad}


def test_every_case_of_the_world_ends_final(runs: dict[str, Any]) -> None:
    final = {state.value for state in final_states()}
    for ended, _, _ in runs.values():
        assert ended["cases"], "the world gives cases"
        assert {state for _, state in ended["cases"]} <= final


def test_a_feed_with_duplicates_and_swaps_ends_as_a_clean_one(runs: dict[str, Any]) -> None:
    clean, _, _ = runs["clean"]
    bad, _, _ = runs["bad"]
    assert bad == clean


@pytest.mark.parametrize("name", ["clean", "bad"])
def test_replaying_the_whole_feed_adds_nothing(runs: dict[str, Any], name: str) -> None:
    ended, replayed, taken = runs[name]
    assert taken > 0
    assert replayed == ended


def test_the_bad_feed_did_deliver_events_twice(runs: dict[str, Any]) -> None:
    assert runs["bad"][2] > runs["clean"][2]


def test_each_message_reference_reaches_the_gateway_once(runs: dict[str, Any]) -> None:
    for _, replayed, _ in runs.values():
        refs = replayed["submissions"]
        assert len(refs) == len(set(refs))
        assert len(replayed["payments"]) == len(set(replayed["payments"]))
    clean, bad = runs["clean"], runs["bad"]
    report(
        "feed_replay",
        citizens=CITIZENS,
        cases=len(clean[0]["cases"]),
        replayed_events_clean_feed=clean[2],
        replayed_events_bad_feed=bad[2],
        extra_cases=len(bad[1]["cases"]) - len(clean[0]["cases"]),
        extra_messages=len(bad[1]["outbox"]) - len(clean[0]["outbox"]),
    )
