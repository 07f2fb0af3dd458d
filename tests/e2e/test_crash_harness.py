"""Crash harness: the demo's process killed at seeded random moments and resumed until done.

`python -m bot demo` runs the whole product on a generated population (registries, bot,
simulated SMS gateway, citizens answering by their behaviour, a reviewer). Here it runs as
a process of its own and dies by SIGKILL at KILLS moments drawn from a seeded random
generator; after each death `demo --resume` goes on from what the files hold, until a run
ends by itself. Then, read from the files alone:

- every case is final and the consent ledger verifies;
- every reply the gateway accepted reached the bot's inbound log and was handled, once;
- every consent reply a citizen sent (yes, no or STOP to an offer, STOP to an account
  question) is in the ledger, on its case, with the citizen's words;
- no payment twice (per case, and per person and service), and an assigned case has one;
- no message twice in any phone's inbox (by its client reference, whatever the attempt),
  and nothing sent that the bot does not know.

The moments are commits of the bot's store (the failpoint of `bot.storage.sqlite`), before or
after the COMMIT: the store changes only there. Between two commits the bot reads the
registries and submits to the gateway, whose submissions are idempotent by reference, so a
kill there differs from one just before the next commit only in how many of those went out;
the next life submits each again under the same reference. They are drawn as positions in
the run's sequence of commits, below the count of an uninterrupted run (COMMITS), so every
kill lands before the end; a process killed at its N-th commit made N - 1 of them (before)
or N (after), which tells where the next life starts counting.

Sizes: 1,000 citizens and 10 kills in the suite; in the soak 10,000 citizens and 20 kills,
three times over with other seeds for the moments (a given kind of commit, say a log of
replies, is a small share of them: more runs, more chances to hit each kind).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest

from bot.channels.sms_gateway import path_in as gateway_path
from bot.simulation.demo import RANDOM_KEY, RECORD_FILE
from bot.storage.unit import CRASH_AT_COMMIT, CRASH_WHEN
from tests.soak import full, report, size

pytestmark = pytest.mark.sqlite_only  # reads the bot's SQLite file to check it

ROOT = Path(__file__).resolve().parents[2]
CITIZENS = size(1_000, 10_000)
KILLS = size(10, 20)
SEED = 1  # the world's
# The kills' seeds: one run in the suite; in the soak three, each of KILLS kills.
MOMENT_SEEDS = [20261207, 7, 1914] if full() else [20261207]
# Commits of an uninterrupted demo of that size (seed 1), measured 2026-12-07: 63 for 1,000
# citizens, 255 for 10,000. Kills are drawn below 80 % of it.
COMMITS = {1_000: 63, 10_000: 255}[CITIZENS]
LIFE_TIMEOUT = 600 if full() else 180  # seconds one process may take
KILLED = -signal.SIGKILL
FINAL = {
    "assigned", "refused", "not_accepted", "declined", "withdrawn", "expired", "no_contact",
    "not_offered",
}  # fmt: skip
# What a citizen's move to a message means for consent, when it is one (the demo's SCRIPTS).
CONSENT_ACTS: dict[tuple[str, str], str] = {
    ("offer", "yes"): "given",
    ("reminder", "yes"): "given",
    ("home_visit_requested", "yes"): "given",
    ("offer", "no"): "refused",
    ("offer", "stop"): "refused",
    ("ask_account_confirm", "stop"): "withdrawn",
    ("ask_iban", "stop"): "withdrawn",
}

When = Literal["before", "after"]


@dataclass(frozen=True)
class Moment:
    """A kill: at the `at`-th commit of one process, before or after it executes."""

    at: int
    when: When

    @property
    def committed(self) -> int:
        """The commits the killed process made."""
        return self.at if self.when == "after" else self.at - 1


def moments(seed: int, kills: int, commits: int) -> list[Moment]:
    """`kills` moments at distinct positions of a run's commit sequence below 80 % of
    `commits`, each relative to the commits made before it."""
    rng = random.Random(seed)
    positions = sorted(rng.sample(range(1, int(commits * 0.8)), kills))
    found: list[Moment] = []
    done = 0
    for position in positions:
        moment = Moment(at=max(1, position - done), when=rng.choice(("before", "after")))
        found.append(moment)
        done += moment.committed
    return found


@dataclass
class Run:
    """What the harness saw: the lives' exit codes and the last one's summary."""

    data_dir: Path
    moments_seed: int
    codes: list[int]
    summary: dict[str, Any]
    seconds: float


def life(data_dir: Path, moment: Moment | None, resume: bool) -> subprocess.CompletedProcess[str]:
    """One process of the demo; with a moment, it must die there."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env["PYTHONIOENCODING"] = "utf-8"
    if moment is not None:
        env |= {CRASH_AT_COMMIT: str(moment.at), CRASH_WHEN: moment.when}
    start = ["--resume"] if resume else ["--citizens", str(CITIZENS), "--seed", str(SEED)]
    return subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--data-dir", str(data_dir), "--json", *start],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=LIFE_TIMEOUT,
        check=False,
    )


def crash_and_resume(data_dir: Path, seed: int) -> Run:
    """Kill the demo at every moment drawn by `seed`, then let one life run to the end."""
    began = time.perf_counter()
    codes: list[int] = []
    for number, moment in enumerate(moments(seed, KILLS, COMMITS)):
        done = life(data_dir, moment, resume=number > 0)
        codes.append(done.returncode)
        assert done.returncode == KILLED, (number, moment, done.returncode, done.stderr[-2000:])
        assert done.stdout == ""  # killed before it could report
    last = life(data_dir, None, resume=True)
    codes.append(last.returncode)
    assert last.returncode == 0, last.stderr[-4000:]
    return Run(data_dir, seed, codes, json.loads(last.stdout), time.perf_counter() - began)


@pytest.fixture(scope="module", params=MOMENT_SEEDS, ids=lambda seed: f"moments-{seed}")
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The world, killed KILLS times and resumed to its end (once per seed of moments)."""
    seed: int = request.param
    return crash_and_resume(tmp_path_factory.mktemp(f"crash-harness-{seed}"), seed)


def rows(path: Path, query: str) -> list[tuple[Any, ...]]:
    """The rows of a query on one of the run's files."""
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(query).fetchall()


def bot_rows(run: Run, query: str) -> list[tuple[Any, ...]]:
    """The rows of a query on the bot's store."""
    return rows(run.data_dir / "bot.sqlite3", query)


def gateway_rows(run: Run, query: str) -> list[tuple[Any, ...]]:
    """The rows of a query on the simulated gateway's file."""
    return rows(gateway_path(run.data_dir), query)


def phones(run: Run) -> dict[str, dict[str, Any]]:
    """The citizens' memory as the gateway's file kept it, by phone."""
    memory = gateway_rows(run, "SELECT key, value FROM handset_memory")
    return {key: json.loads(value) for key, value in memory if key != RANDOM_KEY}


def test_every_moment_killed_the_demo_and_the_last_life_ended_it(run: Run) -> None:
    assert run.codes == [KILLED] * KILLS + [0]
    assert (run.data_dir / RECORD_FILE).exists()
    assert run.summary["citizens"] == CITIZENS and run.summary["cases"] > 0
    report(
        "crash_harness",
        citizens=CITIZENS,
        moments_seed=run.moments_seed,
        kills=KILLS,
        lives=len(run.codes),
        cases=run.summary["cases"],
        ledger_rows=run.summary["ledger_rows"],
        payments=run.summary["payments"],
        seconds=round(run.seconds, 1),
    )


def test_every_case_is_final_and_the_ledger_verifies(run: Run) -> None:
    states = Counter(state for (state,) in bot_rows(run, "SELECT state FROM cases"))
    assert set(states) <= FINAL, states
    assert run.summary["left_open"] == 0
    assert run.summary["ledger_verified"] is True
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--data-dir", str(run.data_dir), "verify-ledger"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_reply_the_gateway_accepted_was_logged_and_handled_once(run: Run) -> None:
    accepted = gateway_rows(
        run, "SELECT printf('mo-%06d', id), taken_at IS NOT NULL FROM mobile_originated"
    )
    logged = Counter(
        provider_id
        for provider_id, handled in bot_rows(
            run,
            "SELECT provider_id, handled_at IS NOT NULL FROM inbound WHERE channel = 'sms'",
        )
        if handled
    )
    assert accepted, "the citizens replied"
    assert all(taken for _, taken in accepted)
    assert {pid for pid, _ in accepted} == set(logged)
    assert set(logged.values()) == {1}


def test_every_consent_reply_a_citizen_sent_is_in_the_ledger_on_its_case(run: Run) -> None:
    cases = {(phone, code): case_id for case_id, phone, code in bot_rows(
        run, "SELECT id, phone, code FROM cases WHERE phone IS NOT NULL"
    )}  # fmt: skip
    ledger = Counter(
        (case_id, act, reply)
        for case_id, act, reply in bot_rows(
            run, "SELECT case_id, act, raw_reply FROM consents WHERE raw_reply IS NOT NULL"
        )
    )
    expected = Counter(
        (cases[number, sent["code"]], CONSENT_ACTS[sent["kind"], sent["move"]], sent["text"])
        for number, phone in phones(run).items()
        for sent in phone["sent"]
        if (sent["kind"], sent["move"]) in CONSENT_ACTS
    )
    assert expected, "the citizens gave and refused consent"
    missing = expected - ledger
    assert not missing, missing
    report(
        "crash_harness_consent_replies", moments_seed=run.moments_seed, checked=expected.total()
    )


def test_no_payment_twice_and_one_for_each_assigned_case(run: Run) -> None:
    paid = Counter(case_id for (case_id,) in bot_rows(run, "SELECT case_id FROM payments"))
    assigned = {cid for (cid,) in bot_rows(run, "SELECT id FROM cases WHERE state = 'assigned'")}
    assert set(paid) == assigned and set(paid.values()) <= {1}
    per_person = Counter(
        bot_rows(
            run,
            "SELECT p.service, c.subject_iin, c.addressee_iin FROM payments p"
            " JOIN cases c ON c.id = p.case_id",
        )
    )
    assert set(per_person.values()) <= {1}
    assert run.summary["payment_mismatches"] == 0


def test_no_phone_received_a_message_twice_or_one_the_bot_does_not_know(run: Run) -> None:
    # A message's submissions are `client_ref#attempt` (bot.service.dispatcher): a retry is a new
    # submission, and a message must reach its phone by at most one of them.
    delivered = Counter(
        (phone, ref.rpartition("#")[0])
        for phone, ref in gateway_rows(
            run, "SELECT to_phone, client_ref FROM submission WHERE outcome = 'delivered'"
        )
    )
    assert delivered and set(delivered.values()) == {1}, delivered.most_common(3)
    submitted = Counter(
        ref.rpartition("#")[0] for (ref,) in gateway_rows(run, "SELECT client_ref FROM submission")
    )
    known = dict(bot_rows(run, "SELECT client_ref, status FROM outbox WHERE channel = 'sms'"))
    assert set(submitted) <= set(known)
    unsent = {ref: status for ref, status in known.items() if ref not in submitted}
    assert set(unsent.values()) <= {"failed"}, unsent  # refused before any provider saw it
