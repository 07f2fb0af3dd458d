"""`python -m bot demo` as a fresh process: a small population, seed 1, the summary as JSON.

The demo runs once per module into a temporary directory (and once more into another for the
same-seed check); the commands that read a data directory then run on the same one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import closing
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.channels.sms_gateway import SimulatedSmsGateway
from bot.composition import build_app
from bot.service.decide import final_states
from bot.settings import Settings
from bot.simulation.demo import (
    START,
    Behaviour,
    Phone,
    SimulatedHandsets,
    all_cases,
    message_code,
    prepare,
    refusal_reason,
    simulate,
    spoilt,
)
from domain.model import Language, ReasonCode
from fake_registries import db as registries_db
from fake_registries import faults, service
from fake_registries.faults import FaultRule
from tests.postgres import data_dir_in, database_env

ROOT = Path(__file__).resolve().parents[2]
ENV = {  # the caller's own BOT_* settings (and SMS_GATEWAY) must not leak in
    **{k: v for k, v in os.environ.items() if not k.startswith("BOT_") and k != "SMS_GATEWAY"},
    "PYTHONIOENCODING": "utf-8",
    "COLUMNS": "120",
}
CITIZENS, SEED = "200", "1"
OK, INVALID = 0, 2
SERVICES = ("burial", "disability", "survivor")
WAITING = ("under_review", "awaiting_decision", "awaiting_reply")
UNSTABLE = ("seconds", "data_dir")  # differ between two runs of the same seed

Result = subprocess.CompletedProcess[str]


def bot(*args: str) -> Result:
    """`python -m bot ARGS` from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env={**ENV, **database_env(data_dir_in(args))},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


def ok(result: Result) -> str:
    """The output of a command that must succeed."""
    assert result.returncode == OK, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stdout


def demo_json(
    data_dir: Path, citizens: str = CITIZENS, seed: str = SEED, more: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Run the demo into `data_dir` (with `more` arguments); its summary."""
    args = ("--citizens", citizens, "--seed", seed, "--data-dir", str(data_dir), "--json")
    out = ok(bot("demo", *args, *more))
    assert out.count("\n") == 1, "one JSON object, alone on standard output"
    summary: dict[str, Any] = json.loads(out)
    return summary


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """One demo run: its data directory and its summary."""
    data_dir = tmp_path_factory.mktemp("demo") / "world"
    return data_dir, demo_json(data_dir)


def test_the_summary_describes_the_run(run: tuple[Path, dict[str, Any]]) -> None:
    data_dir, summary = run
    assert summary["citizens"] == int(CITIZENS)
    assert summary["seed"] == int(SEED)
    assert Path(summary["data_dir"]) == data_dir
    assert summary["cases"] == summary["services"]["all"]["screened"] > 0
    assert summary["ended_at"] > summary["started_at"]
    reached = summary["services"]["all"]["offered"] - no_contact(summary)
    assert summary["sms"]["all"]["messages"] >= reached


def no_contact(summary: dict[str, Any]) -> int:
    """Cases without a phone."""
    count: int = summary["services"]["all"]["end"]["no_contact"]
    return count


def test_every_screened_case_ends_in_exactly_one_bucket(run: tuple[Path, dict[str, Any]]) -> None:
    services = run[1]["services"]
    for name in (*SERVICES, "all"):
        funnel = services[name]
        assert sum(funnel["end"].values()) == funnel["screened"], name
        assert funnel["screened"] - funnel["end"]["not_offered"] == funnel["offered"], name
        assert funnel["offered"] >= funnel["consented"] >= funnel["registered"], name
    for key in ("screened", "offered", "consented", "registered", "payments"):
        assert services["all"][key] == sum(services[s][key] for s in SERVICES), key


def test_the_summary_counts_the_cases_not_offered_by_reason(
    run: tuple[Path, dict[str, Any]],
) -> None:
    summary = run[1]
    by_reason = summary["not_offered"]
    for name in (*SERVICES, "all"):
        # a case not offered for two reasons counts under each of them
        assert sum(by_reason[name].values()) >= summary["services"][name]["end"]["not_offered"]
    assert by_reason["all"], "the demo's world screens some deaths out"
    assert set(by_reason["all"]) <= {code.value for code in ReasonCode}


def test_almost_no_consented_application_is_then_not_accepted(
    run: tuple[Path, dict[str, Any]],
) -> None:
    summary = run[1]
    registered = summary["services"]["all"]["registered"]
    not_accepted = summary["services"]["all"]["end"]["not_accepted"]
    assert summary["not_accepted_pct"] == round(100 * not_accepted / registered, 2)
    assert summary["not_accepted_pct"] <= 1.0


def test_sms_by_language_add_up(run: tuple[Path, dict[str, Any]]) -> None:
    sms = run[1]["sms"]
    languages = [lang for lang in sms if lang != "all"]
    assert set(languages) <= {"kk", "ru", "kk+ru"}
    for key in ("messages", "segments"):
        assert sms["all"][key] == sum(sms[lang][key] for lang in languages)


def test_the_ledger_verifies_on_the_same_directory(run: tuple[Path, dict[str, Any]]) -> None:
    data_dir, summary = run
    assert summary["ledger_verified"] is True
    assert "verifies" in ok(bot("--data-dir", str(data_dir), "verify-ledger"))
    rows = ok(bot("--data-dir", str(data_dir), "consents", "--json")).splitlines()
    assert len(rows) == summary["ledger_rows"] > 0
    cases = ok(bot("--data-dir", str(data_dir), "cases", "--json", "--limit", "100000"))
    assert len(cases.splitlines()) == summary["cases"]


def test_every_case_is_decided_in_time_and_paid_once(run: tuple[Path, dict[str, Any]]) -> None:
    summary = run[1]
    assert summary["left_open"] == 0
    for name in SERVICES:
        funnel = summary["services"][name]
        assert all(funnel["end"][bucket] == 0 for bucket in WAITING), (name, funnel)
        assert funnel["payments"] == funnel["end"]["assigned"], name
    assert summary["deadline_breaches"] == summary["overdue_undecided"] == 0
    assert summary["payment_mismatches"] == 0
    assert summary["payments"] == summary["services"]["all"]["end"]["assigned"] > 0
    assert summary["median_consent_to_decision_hours"] is not None


def test_the_same_seed_gives_the_same_summary(
    run: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    again = demo_json(tmp_path / "again")
    first = {k: v for k, v in run[1].items() if k not in UNSTABLE}
    assert {k: v for k, v in again.items() if k not in UNSTABLE} == first


def test_a_directory_holding_data_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("someone's data\n", encoding="utf-8")
    result = bot("demo", "--citizens", "10", "--data-dir", str(tmp_path))
    assert result.returncode == INVALID, (result.stdout, result.stderr)
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "already holds data" in result.stderr
    assert result.stdout == ""
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_resuming_a_finished_demo_ends_it_again_with_the_same_outcome(
    run: tuple[Path, dict[str, Any]],
) -> None:
    data_dir, first = run
    again = json.loads(ok(bot("demo", "--resume", "--data-dir", str(data_dir), "--json")))
    unchanged = ("cases", "services", "payments", "ledger_rows", "behaviours", "citizens")
    assert {k: again[k] for k in unchanged} == {k: first[k] for k in unchanged}


@pytest.mark.parametrize(
    ("more", "says"),
    [
        ((), "--resume needs --data-dir"),
        (("--data-dir", "{missing}"), "holds no demo to resume"),
        (("--data-dir", "{foreign}"), "holds no demo to resume"),
        (("--data-dir", "{world}", "--seed", "2"), "holds a demo with --seed 1, not 2"),
        (("--data-dir", "{world}", "--sms", "smpp"), "simulated SMS gateway only"),
    ],
)
def test_a_demo_that_cannot_be_resumed_is_refused_in_one_line(
    run: tuple[Path, dict[str, Any]], tmp_path: Path, more: tuple[str, ...], says: str
) -> None:
    (tmp_path / "notes.txt").write_text("someone's data\n", encoding="utf-8")
    places = {
        "{missing}": str(tmp_path / "nowhere"),
        "{foreign}": str(tmp_path),
        "{world}": str(run[0]),
    }
    result = bot("demo", "--resume", *(places.get(arg, arg) for arg in more))
    assert result.returncode == INVALID, (result.stdout, result.stderr)
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert says in result.stderr and result.stdout == ""


def test_resuming_a_demo_killed_before_its_world_was_recorded_starts_it(tmp_path: Path) -> None:
    # what `prepare` leaves when killed before it records the world: the registries' file
    registries_db.connect(registries_db.path_in(tmp_path)).close()
    (tmp_path / "demo.json.partial").write_text("{", encoding="utf-8")
    result = bot("demo", "--resume", "--data-dir", str(tmp_path), "--citizens", "30", "--json")
    summary = json.loads(ok(result))
    assert summary["citizens"] == 30 and summary["ledger_verified"] is True
    assert f"no demo had started in {tmp_path}: starting it" in result.stderr
    again = json.loads(ok(bot("demo", "--resume", "--data-dir", str(tmp_path), "--json")))
    assert again["cases"] == summary["cases"]  # now it resumes as any other


def test_the_human_summary_names_the_data_directory(tmp_path: Path) -> None:
    data_dir = tmp_path / "human"
    out = ok(bot("--data-dir", str(data_dir), "demo", "--citizens", "60"))
    assert f"data directory: {data_dir}" in out
    assert "offered" in out and "no contact" in out and "SMS sent" in out


def test_citizens_read_the_code_and_answer_in_their_language() -> None:
    assert message_code("1 — иә, 2 — жоқ. Код 417. Анықтама: 1414") == "417"
    assert message_code("Заявление не принято (код 845): ...") == "845"
    assert message_code("По коду 312 ответ не требуется.") == "312"
    assert message_code("Справки: 1414") is None
    phone = Phone("+77011234567", Behaviour.WRONG_IBAN, Language.RU, "KZ517223692764448278")
    assert phone.answer("417", "offer") == "да"
    assert phone.answer("417", "ask_account_confirm") == "нет"
    assert phone.answer("417", "ask_iban") == spoilt(phone.iban) != phone.iban
    phone.codes.update({"417", "512"})  # several offers: the code is quoted
    assert phone.answer("417", "invalid_iban") == f"{phone.iban} 417"
    assert phone.answer("417", "invalid_iban") is None  # each answer once
    refused = "the case file supports no assignment: no_eligible_dependents"
    assert refusal_reason(refused) is ReasonCode.NO_ELIGIBLE_DEPENDENTS


async def world_cases(data_dir: Path, outage: timedelta | None) -> dict[str, str]:
    """A small demo world to its end, the feed in an outage for its first `outage`; the
    cases it ended with and their states."""
    prepare(data_dir, 200, 3)
    if outage is not None:
        with closing(registries_db.connect(registries_db.path_in(data_dir))) as conn:
            rule = FaultRule(registry="feed", outage_from=START, outage_to=START + outage)
            faults.set_rule(conn, rule)
    settings = Settings(data_dir=data_dir, simulation=True, sms_rate=1_000_000.0)
    app = await build_app(settings)
    try:
        assert isinstance(app.sms, SimulatedSmsGateway)
        await simulate(app, 3, SimulatedHandsets(app.sms))
        records = await all_cases(app)
    finally:
        await app.close()
    return {r.case.id: r.case.state.value for r in records}


async def test_a_feed_down_when_the_demo_starts_delays_the_world_and_loses_no_case(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "FAULTS_REFRESH_SECONDS", 0.0)  # the rule applies at once
    clean = await world_cases(tmp_path / "clean", None)
    late = await world_cases(tmp_path / "late", timedelta(hours=3))
    assert clean and set(late) == set(clean)
    assert set(late.values()) <= {s.value for s in final_states()}
