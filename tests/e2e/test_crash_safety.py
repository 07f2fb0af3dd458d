"""Crash safety: a bot killed at any commit, then restarted, sends nothing twice and loses nothing.

The failpoint in `bot.storage.sqlite` (`BOT_CRASH_AT_COMMIT=N`, `BOT_CRASH_WHEN=before|after`)
makes a `python -m bot tick` process SIGKILL itself at its N-th commit. Each flow below runs
two citizens from their registry events to an assigned benefit and crashes `tick` at a
chosen commit of some of its phases; after each crash a `tick` without the failpoint picks up
where it died. At the end: every case assigned with exactly one payment order and one signed
decision, every message delivered exactly once, every reply handled once, one `offered` and
one `given` per case, and a ledger that verifies.

Crash points are named by the kind of work and the number of its commit in that tick
(`BOT_CRASH_AT_COMMIT=WORK:N`), not by the tick's overall commit count: the dispatch writes the
gateway's answers by group commit, so it makes one to as many commits as it sends messages,
by timing (a loaded machine writes more of them together): only its first commit is sure
to exist. Two cases, two phones; due work is taken a batch per transaction, so both cases
share each commit but the dispatch's; a round with no reply to log opens no transaction for
it:
  offers     intake:1 (both events), dispatch:1.. (the offers)
  reminders  timers:1 (both reminders), dispatch:1.. (one reminder per phone: it names the
             benefit and what to reply, so the offer is not sent again), receipts:1 (of the
             offers)
  consent    replies:1 inbound log of the two "1"s, replies:2 handling them, dispatch:1..
             (account?)
  account    replies:1 inbound log of the two "1"s, replies:2 handling them (registered),
             decisions:1 the acceptance checks, decisions:2 the decisions (signed, payments
             placed), dispatch:1.. (the acceptance and result notices), receipts:1

Only `tick` runs as a process of its own (it is what gets killed); the other commands run
in-process through the same `python -m bot` entry point, to keep the file fast.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from contextlib import closing, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest

from bot.__main__ import main as bot_main
from bot.channels.sms_gateway import SimulatedSmsGateway, Submission, path_in
from bot.service.clock import FixedClock
from bot.storage.unit import CRASH_AT_COMMIT, CRASH_WHEN
from fake_registries import clock as world_clock
from fake_registries import db as registries_db

pytestmark = pytest.mark.sqlite_only  # reads the bot's SQLite file to check it

ROOT = Path(__file__).resolve().parents[2]
ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith("BOT_")},
    "PYTHONIOENCODING": "utf-8",
}
KILLED = -signal.SIGKILL  # subprocess's return code of a process killed by SIGKILL

# Two citizens, each with a phone, a language, an account on file and a disability
# established: two cases, offered, reminded, consented and registered on the account on file.
PHONES = {"760520416255": "+77011234567", "880909354022": "+77051234567"}
WORLD = """
[clock]
now = 2026-01-12T10:00:00+05:00

[[person]]
iin = "760520416255"
surname = "Жұмабаева"
name = "Айгүл"
region = "Almaty"
phone = "+77011234567"
language = "kk"

[[person]]
iin = "880909354022"
surname = "Жұмабаев"
name = "Ерлан"
region = "Almaty"
phone = "+77051234567"
language = "ru"

[[account]]
iin = "760520416255"
iban = "KZ29 7220 0000 0001 2345"
source = "bank"

[[account]]
iin = "880909354022"
iban = "KZ516010000000067890"
source = "bank"

[[event]]
kind = "disability"
iin = "760520416255"
group = 3
cause = "general_illness"
established = 2026-01-06

[[event]]
kind = "disability"
iin = "880909354022"
group = 2
cause = "general_illness"
established = 2026-01-05
"""
# the offer, the reminder (the benefit and what to reply), "this account?", accepted, assigned
MESSAGES_PER_PHONE = 5
ACTS_PER_CASE = {"offered": 1, "reminded": 1, "given": 1}

Phase = Literal["offers", "reminders", "consent", "account"]
When = Literal["before", "after"]


@dataclass(frozen=True)
class Flow:
    """Where a flow crashes: per phase, the commit ("WORK:N") at which `tick` dies."""

    name: str
    crashes: dict[Phase, str] = field(default_factory=dict)


FLOWS = [
    Flow(
        "intake-timers-handling-checks",
        {
            "offers": "intake:1",
            "reminders": "timers:1",
            "consent": "replies:2",
            "account": "decisions:1",
        },
    ),
    Flow(
        "dispatch-dispatch-dispatch-decisions",
        {
            "offers": "dispatch:1",
            "reminders": "dispatch:1",
            "consent": "dispatch:1",
            "account": "decisions:2",
        },
    ),
    Flow("dispatch-handling", {"consent": "dispatch:1", "account": "replies:2"}),
    Flow("dispatch", {"account": "dispatch:1"}),
    Flow("inbound-log", {"consent": "replies:1", "account": "replies:1"}),
    Flow("receipts", {"reminders": "receipts:1", "account": "receipts:1"}),
]


def cases_to_run() -> list[Any]:
    """Every flow crashing before and after its commits."""
    return [
        pytest.param(flow, when, id=f"{flow.name}-{when}")
        for flow in FLOWS
        for when in ("before", "after")
    ]


# ---------------------------------------------------------------- driving the bot


def tick(data_dir: Path, crash_at: int | str | None = None, when: When = "after") -> str:
    """`python -m bot tick` as a process; with `crash_at`, it must die by the failpoint."""
    env = dict(ENV)
    if crash_at is not None:
        env |= {CRASH_AT_COMMIT: str(crash_at), CRASH_WHEN: when}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--data-dir", str(data_dir), "tick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    if crash_at is None:
        assert result.returncode == 0, result.stderr
        assert "now idle" in result.stdout
    else:
        assert result.returncode == KILLED, (
            f"tick did not die at commit {crash_at} ({when}): exit {result.returncode}",
            result.stdout,
            result.stderr,
        )
        assert result.stdout == ""  # killed before it could report
    return result.stdout


def bot(data_dir: Path, *args: str) -> str:
    """A `python -m bot` command run in-process; its output (it must succeed)."""
    out = io.StringIO()
    with redirect_stdout(out):
        code = bot_main(["--data-dir", str(data_dir), *args])
    assert code == 0, (args, out.getvalue())
    return out.getvalue()


def json_lines(text: str) -> list[dict[str, Any]]:
    """One JSON object per line."""
    return [json.loads(line) for line in text.splitlines()]


def step(data_dir: Path, flow: Flow, phase: Phase, when: When) -> None:
    """Run a phase's due work; crash it first if the flow says so, then restart without."""
    crash_at = flow.crashes.get(phase)
    if crash_at is not None:
        tick(data_dir, crash_at, when)
    tick(data_dir)


def replies(data_dir: Path, text: str) -> None:
    """Every citizen answers by SMS."""
    for phone in PHONES.values():
        bot(data_dir, "sms", "send", "--from", phone, text)


def run_flow(data_dir: Path, flow: Flow, when: When) -> None:
    """Offer, remind, consent, confirm the account on file; crash where the flow says."""
    step(data_dir, flow, "offers", when)  # events → cases, offers sent
    bot(data_dir, "clock", "advance", "48h")  # offers delivered; reminders due
    step(data_dir, flow, "reminders", when)
    replies(data_dir, "1")  # yes to the offer
    step(data_dir, flow, "consent", when)
    bot(data_dir, "clock", "advance", "1m")  # "transfer to this account?" delivered
    replies(data_dir, "1")  # yes, this account: registered, decided, paid
    step(data_dir, flow, "account", when)
    bot(data_dir, "clock", "advance", "1m")  # the acceptance and the result delivered
    tick(data_dir)


# ---------------------------------------------------------------- what the phones and files say


def submissions(data_dir: Path) -> list[Submission]:
    """Everything the SMS gateway was ever given, as its console shows it."""
    import asyncio  # noqa: PLC0415 (only here: the gateway's API is async)

    with closing(registries_db.connect(registries_db.path_in(data_dir))) as conn:
        now = world_clock.now(conn)
    gateway = SimulatedSmsGateway(path_in(data_dir), FixedClock(now))
    try:
        return asyncio.run(gateway.messages(limit=1000))
    finally:
        gateway.close()


def bot_rows(data_dir: Path, sql: str) -> list[sqlite3.Row]:
    """Rows of the bot's own file, read-only."""
    uri = f"{(data_dir / 'bot.sqlite3').resolve().as_uri()}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as conn:
        conn.row_factory = sqlite3.Row
        return list(conn.execute(sql))


def outbox_ref(client_ref: str) -> str:
    """The outbox reference a gateway submission carries ("REF#attempt")."""
    return client_ref.rpartition("#")[0]


def assert_completed(data_dir: Path) -> None:
    """Assigned and paid once, each message delivered once, each reply handled once, the
    ledger sound."""
    inbound = bot_rows(data_dir, "SELECT provider_id, intent, handled_at FROM inbound")
    assert len(inbound) == 2 * len(PHONES), [dict(r) for r in inbound]  # no reply lost
    assert all(r["handled_at"] is not None for r in inbound)

    cases = json_lines(bot(data_dir, "cases", "--json"))
    assert sorted(c["addressee_iin"] for c in cases) == sorted(PHONES)
    assert {c["case"]["state"] for c in cases} == {"assigned"}, cases
    orders = bot_rows(data_dir, "SELECT case_id FROM payments")
    assert sorted(r["case_id"] for r in orders) == sorted(c["case"]["id"] for c in cases)
    decided = bot_rows(data_dir, "SELECT case_id FROM decisions")
    assert len(decided) == len(cases)

    acts = json_lines(bot(data_dir, "consents", "--json"))
    for case_id in (c["case"]["id"] for c in cases):
        mine = Counter(a["entry"]["act"] for a in acts if a["entry"]["case_id"] == case_id)
        assert mine == ACTS_PER_CASE, (case_id, mine)

    outbox = bot_rows(data_dir, "SELECT client_ref, address, text, status FROM outbox")
    assert {r["status"] for r in outbox} == {"delivered"}, [dict(r) for r in outbox]
    sent = submissions(data_dir)
    refs = Counter(outbox_ref(s.client_ref) for s in sent)
    assert max(refs.values()) == 1, refs  # each outbox message given to the gateway once
    for phone in PHONES.values():
        received = json_lines(bot(data_dir, "sms", "inbox", phone, "--json"))
        assert len(received) == MESSAGES_PER_PHONE, [m["text"] for m in received]
        got = sorted((outbox_ref(m["client_ref"]), m["text"]) for m in received)
        queued = sorted((r["client_ref"], r["text"]) for r in outbox if r["address"] == phone)
        assert got == queued  # exactly what the bot queued for the phone, each once
        offers = Counter(m["text"] for m in received if m["client_ref"].startswith("offer:"))
        assert list(offers.values()) == [1]  # one offer, not two identical ones

    assert "verifies" in bot(data_dir, "verify-ledger")  # exit code 0


# ---------------------------------------------------------------- the tests


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with the two citizens and their events in the registries."""
    data_dir = tmp_path_factory.mktemp("world")
    scenario = data_dir.parent / "crash-world.toml"
    scenario.write_text(WORLD, encoding="utf-8")
    loaded = subprocess.run(
        [sys.executable, "-m", "fake_registries", "--data-dir", str(data_dir)]
        + ["scenario", "load", str(scenario)],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    assert loaded.returncode == 0, loaded.stderr
    return data_dir


def test_without_a_crash_the_flow_completes_and_each_message_is_delivered_once(
    world: Path, tmp_path: Path
) -> None:
    data_dir = Path(shutil.copytree(world, tmp_path / "data"))
    run_flow(data_dir, Flow("none"), "after")
    assert_completed(data_dir)


@pytest.mark.parametrize(("flow", "when"), cases_to_run())
def test_a_bot_killed_at_a_commit_and_restarted_completes_the_flow_sending_nothing_twice(
    world: Path, tmp_path: Path, flow: Flow, when: When
) -> None:
    data_dir = Path(shutil.copytree(world, tmp_path / "data"))
    run_flow(data_dir, flow, when)
    assert_completed(data_dir)


def test_the_failpoint_kills_tick_at_the_chosen_commit_and_not_before(
    world: Path, tmp_path: Path
) -> None:
    data_dir = Path(shutil.copytree(world, tmp_path / "data"))
    tick(data_dir, crash_at=1, when="before")  # intake's page never committed
    assert bot(data_dir, "cases", "--json") == ""
    tick(data_dir, crash_at=1, when="after")  # intake's page, both events, committed
    assert len(json_lines(bot(data_dir, "cases", "--json"))) == len(PHONES)
    statuses = bot_rows(data_dir, "SELECT status FROM outbox")
    assert [r["status"] for r in statuses] == ["queued"] * len(PHONES)  # none sent yet
    assert submissions(data_dir) == []


def test_a_named_failpoint_counts_only_the_commits_of_its_kind_of_work(
    world: Path, tmp_path: Path
) -> None:
    data_dir = Path(shutil.copytree(world, tmp_path / "data"))
    tick(data_dir, crash_at="dispatch:1", when="after")  # intake's commit did not count
    assert len(json_lines(bot(data_dir, "cases", "--json"))) == len(PHONES)
    statuses = [r["status"] for r in bot_rows(data_dir, "SELECT status FROM outbox")]
    assert "sent" in statuses  # the first answer (or the first few together) written
    assert set(statuses) <= {"queued", "sent"}  # and nothing delivered yet
