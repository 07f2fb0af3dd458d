"""Three bot instances on one PostgreSQL database, on a 10,000-citizen simulation.

`python -m bot demo` builds the world and drives it (the simulated clock, the citizens on the
simulated gateway's handsets, the reviewer) and is the first instance; two `python -m bot
serve` processes share its data directory (the registries' file, the gateway's file, the
signing key) and its database, ticking every 50 ms, so all three take the same due work at
once and only the claims (`bot.storage.postgres`) keep them apart. Once the demo has ended,
the clock is moved on until nothing is in flight, and the instances are stopped. Then, from
the database and the gateway's file alone: every case is final; every offer and every result
SMS reached its phone exactly once (by client reference, whatever the attempt), each case has
the offers a single SQLite instance's intake gives the same world and one result when decided,
every reply was handled once; at most
one payment per case (one per assigned case, one burial per deceased), no family's survivor
orders over its family amount; the ledger verifies; every instance did part of the work; and
the world ends as one SQLite instance ends it (funnel, payments, SMS).

The whole run is made three times: with every instance alive; with one serve killed by
SIGKILL in the middle (once replies are being handled): its claims die with its transactions
and session, and the other two finish its work; and with faults injected once every case is
open (as `tests/e2e/test_faults.py` does for one instance): 30 % of every registry's calls fail
and 20 % of SMS submissions fail temporarily, set from outside with the testers' commands
while the instances run. Each run ends as the clean single SQLite instance ends the world.

Runs in the PostgreSQL pass (`BOT_TEST_DATABASE=postgresql`, scripts/check.py).
"""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, closing
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, get_args

import asyncpg
import pytest

from bot.channels.sms_gateway import path_in as gateway_path
from bot.composition import build_app
from bot.settings import Settings
from bot.simulation.demo import RECORD_FILE
from bot.storage.unit import CRASH_AT_COMMIT, CRASH_WHEN
from fake_registries import db as registries_db
from fake_registries import faults, feed
from tests.e2e.test_bot_cli import ENV, ROOT
from tests.e2e.test_feed_replay import BAD_FEED, replay
from tests.postgres import fresh_database_sync, on_postgresql
from tests.soak import report

pytestmark = pytest.mark.skipif(
    not on_postgresql(), reason="runs in the PostgreSQL pass (BOT_TEST_DATABASE=postgresql)"
)

CITIZENS = 10_000
SEED = 20261207
SERVES = 2  # with the demo: three instances
FINAL = {
    "assigned", "refused", "not_accepted", "declined", "withdrawn", "expired", "no_contact",
    "not_offered",
}  # fmt: skip
RESULTS = ("assigned", "refused")  # the decision's SMS (bot.wording.notice_texts)
SETTLE_STEPS = 48  # clock moves, after the demo, until nothing is in flight...
SETTLE_STEP = {False: "5m", True: "1h"}  # ... of five minutes; of an hour with SMS failing
KILL_AFTER_REPLIES = 300  # "one killed": SIGKILL a serve once this many replies were handled
Variant = Literal["all alive", "one killed", "failing", "demo crashing"]
Moment = tuple[int, Literal["before", "after"]]  # a commit of the demo's own life, and when
DEMO_MOMENTS: list[Moment] = [(40, "after"), (60, "before"), (80, "after")]  # "demo crashing"
Popen = subprocess.Popen[str]
REGISTRY_ERROR_RATE, SMS_TEMPORARY_RATE = "0.3", "0.2"  # "failing": the faults injected


@dataclass
class Run:
    """What the three instances left: the data directory, the database and their outputs."""

    data_dir: Path
    url: str
    summary: dict[str, Any]
    serve_outputs: list[str]  # the serves that were not killed
    seconds: float
    variant: Variant
    demo_kills: int  # "demo crashing": the demo's lives that were killed

    @property
    def killed(self) -> bool:
        """Whether a serve was killed (its output is not kept)."""
        return self.variant == "one killed"


def bot(data_dir: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`python -m bot --data-dir D ARGS`, checked."""
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--data-dir", str(data_dir), *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def wait_for(path: Path, process: subprocess.Popen[str], timeout: float = 300) -> None:
    """Wait until `path` exists (the demo has prepared its world and opened the bot)."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, "the demo ended before its world was ready"
        assert time.monotonic() < deadline, f"no {path.name} after {timeout} s"
        time.sleep(0.1)


async def fetch(url: str, query: str) -> list[asyncpg.Record]:
    """The rows of a query on the bot's PostgreSQL database."""
    conn = await asyncpg.connect(url)
    try:
        return list(await conn.fetch(query))
    finally:
        await conn.close()


def in_flight(url: str) -> int:
    """SMS queued or sent without a receipt yet."""
    query = "SELECT count(*) FROM outbox WHERE channel = 'sms' AND status IN ('queued', 'sent')"
    return int(asyncio.run(fetch(url, query))[0][0])


def gateway_rows(data_dir: Path, query: str) -> list[tuple[Any, ...]]:
    """The rows of a query on the simulated gateway's file."""
    with closing(sqlite3.connect(gateway_path(data_dir))) as conn:
        return conn.execute(query).fetchall()


def handled_replies(url: str) -> int:
    """Replies handled so far."""
    query = "SELECT count(*) FROM inbound WHERE handled_at IS NOT NULL"
    return int(asyncio.run(fetch(url, query))[0][0])


def kill_one_in_the_middle(
    serve: subprocess.Popen[str], demo: subprocess.Popen[str], url: str
) -> None:
    """SIGKILL `serve` once the instances are handling replies (the demo still running)."""
    deadline = time.monotonic() + 600
    while handled_replies(url) < KILL_AFTER_REPLIES:
        assert demo.poll() is None, "the demo ended before a serve could be killed"
        assert time.monotonic() < deadline, "no replies handled in 600 s"
        time.sleep(0.05)
    serve.kill()  # SIGKILL: no cleanup, its transactions cut off
    serve.wait(timeout=60)


def feed_taken(data_dir: Path, url: str) -> bool:
    """Whether the instances have taken the registries' whole feed (every case is open)."""
    with closing(sqlite3.connect(registries_db.path_in(data_dir))) as conn:
        last = feed.last_id(conn)
    taken = asyncio.run(fetch(url, "SELECT last_event_id FROM feed_cursor"))[0][0]
    return last > 0 and int(taken) >= last


def inject_faults(data_dir: Path, url: str, demo: subprocess.Popen[str]) -> None:
    """Once every case is open, make every registry fail 30 % of its calls and the SMS
    gateway 20 % of its submissions, with the testers' commands, the instances running."""
    deadline = time.monotonic() + 300
    while not feed_taken(data_dir, url):
        assert demo.poll() is None, "the demo ended before its feed was taken"
        assert time.monotonic() < deadline, "the feed was not taken in 300 s"
        time.sleep(0.05)
    env = {k: v for k, v in ENV.items() if k != "DATABASE_URL"}
    for registry in faults.REGISTRIES:
        done = subprocess.run(
            [sys.executable, "-m", "fake_registries", "--data-dir", str(data_dir), "faults",
             "set", "--registry", registry, "--error-rate", REGISTRY_ERROR_RATE],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
    bot(data_dir, "sms", "faults", "--temporary-rate", SMS_TEMPORARY_RATE, "--seed", "7", env=env)


def demo_life(data_dir: Path, env: dict[str, str], moment: Moment | None) -> Popen:
    """A life of the demo: the first, or one resumed from what the files and the database
    hold; with a moment, it dies by SIGKILL at that commit of its own."""
    start = ["--resume"] if (data_dir / RECORD_FILE).exists() else [
        "--citizens", str(CITIZENS), "--seed", str(SEED)]  # fmt: skip
    if moment is not None:
        env = {**env, CRASH_AT_COMMIT: str(moment[0]), CRASH_WHEN: moment[1]}
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "demo", "--data-dir", str(data_dir), "--json", *start],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def crash_and_resume(data_dir: Path, env: dict[str, str], demo: Popen) -> tuple[Popen, int]:
    """Let the demo die at each of its moments and resume it; the life that will run to the
    end, and how many lives were killed (a world that ended before a moment ends there)."""
    kills = 0
    for moment in DEMO_MOMENTS[1:] + [None]:
        _, err = demo.communicate(timeout=1200)
        if demo.returncode == 0:
            return demo, kills  # it ended before its moment: nothing to resume
        assert demo.returncode == -signal.SIGKILL, err[-3000:]
        kills += 1
        demo = demo_life(data_dir, env, moment)
    return demo, kills


def three_instances(data_dir: Path, url: str, variant: Variant = "all alive") -> Run:
    """The demo and two serve processes on one database, until the world is settled, in a
    variant: every instance alive; one serve killed with SIGKILL in the middle; the
    registries and the SMS gateway failing a share of their calls once every case is open;
    the demo's process killed at moments of its own commits and resumed."""
    kill_one, failing = variant == "one killed", variant == "failing"
    env = {**ENV, "DATABASE_URL": url}
    # as the demo's own instance: simulated hours pass in seconds, so no real-time SMS rate
    serve_env = {
        **env,
        "BOT_CONSOLE": "false",
        "BOT_TICK_INTERVAL": "0.05",
        "BOT_SMS_RATE": "1000000",
    }
    started = time.monotonic()
    demo = demo_life(data_dir, env, DEMO_MOMENTS[0] if variant == "demo crashing" else None)
    kills = 0
    serves: list[subprocess.Popen[str]] = []
    files = ExitStack()  # the serves' output files, closed once they stopped
    try:
        wait_for(data_dir / "authorised_person.key", demo)
        # Their output goes to files: the scheduler logs every tick, and a pipe nobody reads
        # while the demo runs would fill and stop the serve in the middle of its work.
        logs = [
            (data_dir.parent / f"serve-{n}.out", data_dir.parent / f"serve-{n}.err")
            for n in range(SERVES)
        ]
        serves = [
            subprocess.Popen(
                [sys.executable, "-m", "bot", "--data-dir", str(data_dir), "serve"],
                cwd=ROOT,
                env=serve_env,
                stdout=files.enter_context(out_path.open("w")),
                stderr=files.enter_context(err_path.open("w")),
                text=True,
            )
            for out_path, err_path in logs
        ]
        if failing:
            inject_faults(data_dir, url, demo)
        if kill_one:
            kill_one_in_the_middle(serves[0], demo, url)
        if variant == "demo crashing":
            demo, kills = crash_and_resume(data_dir, env, demo)
        out, err = demo.communicate(timeout=1200)
        assert demo.returncode == 0, err[-3000:]
        for _ in range(SETTLE_STEPS):  # the last messages are sent and their receipts come
            if not in_flight(url):
                break
            bot(data_dir, "clock", "advance", SETTLE_STEP[failing], env=env)
            time.sleep(1.0)
        assert in_flight(url) == 0
        outputs = []
        live = list(zip(serves, logs, strict=True))[1 if kill_one else 0 :]
        for serve, (out_path, err_path) in live:
            serve.send_signal(signal.SIGTERM)
            serve.wait(timeout=60)
            serve_out, serve_err = out_path.read_text(), err_path.read_text()
            assert serve.returncode == 0, serve_err[-3000:]
            assert "Traceback" not in serve_err, serve_err[-3000:]
            outputs.append(serve_out)
    finally:
        for process in (demo, *serves):
            if process.poll() is None:
                process.kill()
                process.communicate()  # the demo's pipes; a serve's files
        files.close()
    return Run(data_dir, url, json.loads(out), outputs, time.monotonic() - started, variant,
               kills)  # fmt: skip


@dataclass
class Reference:
    """The same world run by one instance on SQLite: its summary and intake's offer messages
    per case (`offer:<case>:<n>`; an offer sent again to answer "help" is the answer to that
    reply)."""

    summary: dict[str, Any]
    offers: Counter[str]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    """The world of the run, run once by one instance on SQLite."""
    data_dir = tmp_path_factory.mktemp("reference") / "data"
    env = {k: v for k, v in ENV.items() if k != "DATABASE_URL"}
    done = bot(
        data_dir, "demo", "--citizens", str(CITIZENS), "--seed", str(SEED), "--json", env=env
    )
    with closing(sqlite3.connect(data_dir / "bot.sqlite3")) as conn:
        found = conn.execute(
            "SELECT case_id, count(*) FROM outbox WHERE client_ref LIKE 'offer:%' GROUP BY 1"
        ).fetchall()
    return Reference(json.loads(done.stdout), Counter(dict(found)))


@pytest.fixture(scope="module", params=list(get_args(Variant)))
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """The three instances' run, once for the module's checks, in each variant."""
    with fresh_database_sync() as url:
        data_dir = tmp_path_factory.mktemp("instances") / "data"
        yield three_instances(data_dir, url, request.param)


def test_the_demo_was_killed_and_resumed_where_it_was_meant_to_be(run: Run) -> None:
    if run.variant != "demo crashing":
        pytest.skip("the demo runs one life in this variant")
    assert run.demo_kills >= 2, run.demo_kills


def test_the_faults_were_met_where_they_were_injected(run: Run) -> None:
    if run.variant != "failing":
        pytest.skip("no faults injected in this run")
    temporary = gateway_rows(
        run.data_dir, "SELECT count(*) FROM submission WHERE outcome = 'temporary'"
    )[0][0]
    retried = rows(run, "SELECT count(*) FROM outbox WHERE attempts > 0")[0][0]
    assert temporary > 100 and retried > 100, (temporary, retried)


def rows(run: Run, query: str) -> list[asyncpg.Record]:
    """The rows of a query on the run's database."""
    return asyncio.run(fetch(run.url, query))


def test_every_case_is_final_and_the_ledger_verifies(run: Run) -> None:
    states = Counter(row["state"] for row in rows(run, "SELECT state FROM cases"))
    assert sum(states.values()) == run.summary["cases"] > 1000
    assert set(states) <= FINAL, states
    assert run.summary["left_open"] == 0 and run.summary["ledger_verified"] is True
    done = bot(run.data_dir, "verify-ledger", env={**ENV, "DATABASE_URL": run.url})
    assert "verifies" in done.stdout


def test_every_instance_did_part_of_the_work(run: Run) -> None:
    for output in run.serve_outputs:
        (line,) = [x for x in output.splitlines() if x.startswith("work done by this instance")]
        assert line != "work done by this instance: nothing", output
        assert "dispatch" in line or "replies" in line or "decisions" in line, line


def test_every_sms_reached_its_phone_exactly_once(run: Run) -> None:
    # A message's submissions are `client_ref#attempt` (bot.service.dispatcher): a retry is a new
    # submission, and a message must reach its phone by exactly one of them.
    delivered = Counter(
        ref.rpartition("#")[0]
        for (ref,) in gateway_rows(
            run.data_dir, "SELECT client_ref FROM submission WHERE outcome = 'delivered'"
        )
    )
    assert delivered and set(delivered.values()) == {1}, delivered.most_common(3)
    outbox = rows(run, "SELECT client_ref, status FROM outbox WHERE channel = 'sms'")
    assert {row["client_ref"] for row in outbox if row["status"] == "delivered"} == set(delivered)
    assert {row["status"] for row in outbox} <= {"delivered", "failed"}


def test_each_case_has_the_offers_one_instance_gives_and_one_result_when_decided(
    run: Run, reference: Reference
) -> None:
    offers = Counter(
        {
            row["case_id"]: row["n"]
            for row in rows(
                run,
                "SELECT case_id, count(*) AS n FROM outbox WHERE client_ref LIKE 'offer:%'"
                " GROUP BY 1",
            )
        }
    )
    assert offers == reference.offers
    results = Counter(
        row["case_id"]
        for row in rows(
            run, f"SELECT case_id FROM outbox WHERE template_id IN {RESULTS} AND channel = 'sms'"
        )
    )
    decided = {row["id"] for row in rows(run, f"SELECT id FROM cases WHERE state IN {RESULTS}")}
    with_phone = {
        row["id"]
        for row in rows(
            run, f"SELECT id FROM cases WHERE state IN {RESULTS} AND phone IS NOT NULL"
        )
    }
    assert decided and set(results) == with_phone and set(results.values()) == {1}
    report(
        "instances",
        citizens=CITIZENS,
        instances=1 + SERVES,
        killed=run.killed,
        cases=run.summary["cases"],
        offers=offers.total(),
        decided=len(decided),
        results=results.total(),
        payments=run.summary["payments"],
        ledger_rows=run.summary["ledger_rows"],
        seconds=round(run.seconds, 1),
        work=[x.splitlines()[-2] for x in run.serve_outputs],
    )


def test_every_reply_was_logged_once_and_handled(run: Run) -> None:
    accepted = {
        f"mo-{n:06d}" for (n,) in gateway_rows(run.data_dir, "SELECT id FROM mobile_originated")
    }
    logged = Counter(
        (row["provider_id"], row["handled_at"] is not None)
        for row in rows(run, "SELECT provider_id, handled_at FROM inbound WHERE channel = 'sms'")
    )
    assert accepted and {pid for pid, _ in logged} == accepted
    assert set(logged.values()) == {1} and all(handled for _, handled in logged)


def test_at_most_one_payment_per_case_and_one_for_each_assigned_case(run: Run) -> None:
    paid = Counter(row["case_id"] for row in rows(run, "SELECT case_id FROM payments"))
    assigned = {row["id"] for row in rows(run, "SELECT id FROM cases WHERE state = 'assigned'")}
    assert paid and set(paid) == assigned and set(paid.values()) == {1}
    burials = Counter(
        row["subject_iin"]
        for row in rows(run, "SELECT subject_iin FROM payments WHERE service = 'burial'")
    )
    assert set(burials.values()) <= {1}
    assert run.summary["payment_mismatches"] == 0


def test_no_familys_survivor_orders_exceed_its_family_amount(run: Run) -> None:
    families = rows(run, "SELECT deceased_iin, family_tiyn, paid_tiyn FROM survivor_families")
    paid: Counter[str] = Counter()
    for row in rows(run, "SELECT subject_iin, amount FROM payments WHERE service = 'survivor'"):
        paid[row["subject_iin"]] += round(Decimal(row["amount"]) * 100)
    assert families
    for family in families:
        assert paid[family["deceased_iin"]] == family["paid_tiyn"] <= family["family_tiyn"]


SAME_ENDING = ("cases", "services", "payments", "ledger_rows", "sms")  # summary keys compared


def sms_sent(run: Run) -> dict[str, dict[str, int]]:
    """The run's SMS handed to the gateway by language, as the demo's summary counts them,
    read from the database once every message left (the summary is written when the demo
    ends, while a message that met a temporary failure may still wait for its retry)."""
    found = rows(
        run,
        "SELECT language, count(*) AS messages, sum(segments) AS segments FROM outbox"
        " WHERE channel = 'sms' AND status IN ('sent', 'delivered') GROUP BY language",
    )
    counts = {r["language"]: {"messages": r["messages"], "segments": int(r["segments"])}
              for r in found}  # fmt: skip
    counts["all"] = {k: sum(c[k] for c in counts.values()) for k in ("messages", "segments")}
    return counts


def test_the_world_ends_as_one_sqlite_instance_ends_it(run: Run, reference: Reference) -> None:
    """Funnel, payments and SMS: the same world, the same ending, however many instances."""
    ending = {**run.summary, "sms": sms_sent(run)}
    differing = {
        key: (ending.get(key), reference.summary.get(key))
        for key in SAME_ENDING
        if ending.get(key) != reference.summary.get(key)
    }
    assert not differing, json.dumps(differing, ensure_ascii=False, indent=1)[:4000]


def settled_state(run: Run) -> dict[str, Any]:
    """What a replay must not change: cases and their states, messages by reference, ledger
    rows, payment orders, and the gateway's submissions."""
    found = {
        "cases": sorted(tuple(r) for r in rows(run, "SELECT id, state FROM cases")),
        "outbox": sorted(r[0] for r in rows(run, "SELECT client_ref FROM outbox")),
        "ledger_rows": rows(run, "SELECT count(*) FROM consents")[0][0],
        "payments": sorted(r[0] for r in rows(run, "SELECT case_id FROM payments")),
    }
    found["submissions"] = gateway_rows(run.data_dir, "SELECT count(*) FROM submission")[0][0]
    return found


async def replay_at_once(run: Run) -> list[int]:
    """Two more instances take the whole feed again at the same time, the feed delivering
    every event twice and swapping half of its neighbours; then each ticks."""
    with closing(registries_db.connect(registries_db.path_in(run.data_dir))) as conn:
        faults.set_settings(conn, BAD_FEED)
    settings = {"data_dir": run.data_dir, "DATABASE_URL": run.url, "sms_rate": 1_000_000.0}
    apps = [await build_app(Settings.model_validate(settings)) for _ in range(2)]
    try:
        taken = list(await asyncio.gather(*(replay(app) for app in apps)))
        for app in apps:
            await app.tick()
    finally:
        for app in apps:
            await app.close()
    return taken


def test_the_feed_taken_again_badly_by_two_instances_at_once_adds_nothing(run: Run) -> None:
    """As `tests/e2e/test_feed_replay.py` for one instance: a feed that delivers every event
    twice and out of order, taken again from its first event, opens no case and sends,
    records or pays nothing more; here by two instances at the same moment."""
    if run.variant != "all alive":
        pytest.skip("replayed once, after the run with every instance alive")
    before = settled_state(run)
    with closing(sqlite3.connect(registries_db.path_in(run.data_dir))) as conn:
        events = feed.last_id(conn)
    taken = asyncio.run(replay_at_once(run))
    assert all(t > events for t in taken), (taken, events)  # some delivered twice, to each
    assert settled_state(run) == before


def test_three_serves_started_at_the_same_moment_on_a_new_database_all_come_up(
    tmp_path: Path,
) -> None:
    """They migrate one at a time (an advisory lock), then each serves."""
    logs = [tmp_path / f"serve-{n}.err" for n in range(3)]  # a pipe nobody reads would fill
    with fresh_database_sync() as url, ExitStack() as files:
        env = {
            **ENV,
            "DATABASE_URL": url,
            "BOT_CONSOLE": "false",
            "BOT_METRICS": "false",  # three on one host: one port each, or none
            "BOT_TICK_INTERVAL": "0.2",
        }
        serves = [
            subprocess.Popen(
                [sys.executable, "-m", "bot", "--data-dir", str(tmp_path / "data"), "serve"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=files.enter_context(log.open("w")),
                text=True,
            )  # fmt: skip
            for log in logs
        ]
        try:
            for serve, log in zip(serves, logs, strict=True):
                assert serve.stdout is not None
                first = serve.stdout.readline()
                assert first.startswith("serving"), first + log.read_text()
        finally:
            for serve in serves:
                serve.send_signal(signal.SIGTERM)
            for serve, log in zip(serves, logs, strict=True):
                serve.communicate(timeout=60)
                assert serve.returncode == 0, log.read_text()[-2000:]
