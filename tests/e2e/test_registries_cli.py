"""`python -m fake_registries` as testers use it: every command and its bad input, as processes."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "fake_registries" / "scenarios" / "example.toml"
PROGRAM = [sys.executable, "-m", "fake_registries"]
ENV = {**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "100"}

# People of the example scenario (fake_registries/scenarios/example.toml).
PENSIONER = "500314345180"  # dies on 2026-01-09, declared by DAUGHTER
WIDOW = "520702427345"
DAUGHTER = "760520416255"  # the declarant, with a Kaspi account; her daughter's representative
SON_IN_LAW = "741103338717"
DISABLED_SON = "880909354022"  # group 2, general illness
GRANDDAUGHTER = "210415662900"  # a child with a disability under 7
GRANDSON = "120601571539"  # at school, 13
EXAMPLE_EVENTS = 9  # 4 births, 2 marriages, 2 disabilities, 1 death
CLOCK = "2026-01-12T10:00:00+05:00"

OK, INVALID, DUPLICATE = 0, 2, 3
Run = Callable[..., subprocess.CompletedProcess[str]]


def run_in(
    data_dir: Path | None, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the CLI on a data directory (None: the default one), as a fresh process."""
    where = [] if data_dir is None else ["--data-dir", str(data_dir)]
    return subprocess.run(
        [*PROGRAM, *where, *args],
        cwd=ROOT,
        env=env or ENV,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


@pytest.fixture
def cli(tmp_path: Path) -> Run:
    """The CLI on a fresh data directory."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return run_in(tmp_path, *args)

    return run


@pytest.fixture
def family(cli: Run) -> Run:
    """The CLI on a data directory holding the example scenario."""
    ok(cli("scenario", "load", str(EXAMPLE)))
    return cli


def ok(result: subprocess.CompletedProcess[str]) -> str:
    """The output of a command that must succeed."""
    assert result.returncode == OK, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def refused(result: subprocess.CompletedProcess[str], *words: str, code: int = INVALID) -> str:
    """The one stderr line of a command that must fail with `code`, naming `words`."""
    assert result.returncode == code, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    for word in words:
        assert word in result.stderr
    return result.stderr


def events(run: Run, *args: str) -> list[dict[str, Any]]:
    """The feed as `events --json` gives it."""
    lines = ok(run("events", "--json", "--limit", "1000", *args)).splitlines()
    return [json.loads(line) for line in lines]


def snapshot(run: Run, data_dir: Path, iin: str) -> tuple[str, str, list[str]]:
    """What a tester sees (the feed, one person), and every row of the registries' file."""
    with closing(sqlite3.connect(data_dir / "registries.sqlite3")) as db:
        rows = list(db.iterdump())
    person = run("person", "show", iin, "--reveal").stdout
    return ok(run("events", "--json", "--reveal", "--limit", "1000")), person, rows


def add_person(run: Run, iin: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """`person add` with placeholder names."""
    names = ("--surname", "Сәрсенов", "--name", "Арман", "--region", "Astana")
    return run("person", "add", "--iin", iin, *names, *extra)


def emit_disability(
    run: Run, iin: str, group: str, cause: str, established: str, *extra: str
) -> subprocess.CompletedProcess[str]:
    """`emit disability` of a person."""
    args = ("--iin", iin, "--group", group, "--cause", cause, "--established", established)
    return run("emit", "disability", *args, *extra)


def emit_death(
    run: Run, iin: str, died: str, declarant: str, *extra: str
) -> subprocess.CompletedProcess[str]:
    """`emit death` of a person."""
    return run("emit", "death", "--iin", iin, "--died", died, "--declarant", declarant, *extra)


# ---------------------------------------------------------------- help


def test_help_says_what_testers_do_and_documents_the_exit_codes() -> None:
    out = ok(run_in(None, "--help"))
    assert "Testers stand in for the state" in out
    for line in ("0  done", "2  invalid input", "3  duplicate event"):
        assert line in out
    assert "REGISTRIES_DATA_DIR" in out


@pytest.mark.parametrize(
    "command",
    [
        "population generate",
        "person add",
        "person show",
        "emit disability",
        "emit death",
        "events",
        "clock show",
        "clock set",
        "clock advance",
        "faults set",
        "faults feed",
        "faults show",
        "faults clear",
        "scenario load",
        "serve",
    ],
)
def test_every_command_has_its_own_help_with_an_example(cli: Run, command: str) -> None:
    out = ok(cli(*command.split(), "--help"))
    assert f"example:\n  python -m fake_registries {command}" in out


def test_no_command_is_a_one_line_usage_error(cli: Run) -> None:
    refused(cli(), "command")


def test_the_data_directory_comes_from_the_environment_when_not_given(tmp_path: Path) -> None:
    env = {**ENV, "REGISTRIES_DATA_DIR": str(tmp_path / "from-env")}
    ok(run_in(None, "clock", "set", "2026-01-12", env=env))
    assert (tmp_path / "from-env" / "registries.sqlite3").exists()


# ---------------------------------------------------------------- population generate


def test_a_generated_population_feeds_as_many_events_as_it_reports(cli: Run) -> None:
    out = ok(cli("population", "generate", "--size", "250", "--seed", "7", "--events", "0.1"))
    report = dict(line.split(": ", 1) for line in out.splitlines())
    assert report["people"] == "250"
    assert float(report["seconds"]) >= 0
    total, _, parts = report["events"].partition(" ")
    by_kind = dict(part.split() for part in parts.strip("()").split(", "))
    feed = events(cli)
    assert len(feed) == int(total) > 0
    assert Counter(e["kind"] for e in feed) == {k: int(n) for k, n in by_kind.items() if n != "0"}
    assert int(by_kind["death_registered"]) == int(report["deaths"])


def test_a_population_is_generated_only_into_empty_registries(cli: Run) -> None:
    ok(cli("population", "generate", "--size", "20", "--seed", "1"))
    refused(cli("population", "generate", "--size", "20"), "already hold people")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--size", "0"), ("size must be at least 1",)),
        (("--size", "10", "--from", "2025-06-01", "--to", "2025-05-01"), ("after end",)),
        (("--size", "10", "--events", "2"), ("between 0 and 1",)),
        (("--size", "10", "--from", "2025-13-01"), ("not a valid date",)),
    ],
)
def test_a_bad_generation_is_refused(
    cli: Run, args: tuple[str, ...], words: tuple[str, ...]
) -> None:
    refused(cli("population", "generate", *args), *words)
    assert events(cli) == []


# ---------------------------------------------------------------- person


def test_a_person_added_is_shown_in_full_with_birth_date_and_sex_from_the_iin(cli: Run) -> None:
    out = ok(add_person(cli, "990101300122", "--phone", "8 701 111 22 33", "--language", "ru"))
    assert "990101300122" in out
    shown = ok(cli("person", "show", "990101300122"))
    assert "990101300122" in shown
    assert "1999-01-01 (M)" in shown
    assert "+77011112233" in shown


def test_an_invalid_iin_is_refused_saying_what_is_wrong_with_it(cli: Run) -> None:
    refused(add_person(cli, "990101300121"), "'990101300121'", "check digit", "expected 2")
    refused(add_person(cli, "123"), "12 digits")
    refused(cli("person", "show", "99010130012x"), "digits")


def test_a_landline_phone_is_refused_and_the_person_not_added(cli: Run) -> None:
    refused(add_person(cli, "990101300122", "--phone", "+7 727 250 12 34"), "landline")
    refused(cli("person", "show", "990101300122"), "unknown person")


def test_a_person_registered_twice_is_refused(cli: Run) -> None:
    ok(add_person(cli, "990101300122"))
    refused(add_person(cli, "990101300122"), "already registered")


def test_a_sex_that_disagrees_with_the_iin_is_refused(cli: Run) -> None:
    refused(add_person(cli, "990101300122", "--sex", "F"), "encodes 1999-01-01 M")


# ---------------------------------------------------------------- emit disability


def test_a_disability_recorded_goes_on_the_feed_and_on_the_person(family: Run) -> None:
    out = ok(emit_disability(family, SON_IN_LAW, "3", "work_injury", "2026-01-11"))
    assert SON_IN_LAW in out
    last = events(family)[-1]
    assert last["kind"] == "disability_established"
    assert last["payload"]["iin"] == "********" + SON_IN_LAW[-4:]
    assert "group 3, work_injury, established 2026-01-11" in ok(
        family("person", "show", SON_IN_LAW)
    )


def test_a_child_without_a_representative_is_refused(family: Run) -> None:
    result = emit_disability(family, GRANDSON, "2", "child_7_to_18", "2026-01-10")
    refused(result, "the person is 13", "--representative")


def test_group_none_with_an_adult_cause_is_refused(family: Run) -> None:
    result = emit_disability(family, SON_IN_LAW, "none", "general_illness", "2026-01-10")
    refused(result, "group 'none' goes with cause child_under_7")


def test_a_disability_established_after_the_simulated_clock_is_refused(
    family: Run, tmp_path: Path
) -> None:
    before = snapshot(family, tmp_path, SON_IN_LAW)
    result = emit_disability(family, SON_IN_LAW, "1", "general_illness", "2026-01-13")
    refused(result, "2026-01-13 is after the simulated clock")
    assert snapshot(family, tmp_path, SON_IN_LAW) == before


# ---------------------------------------------------------------- emit death


def test_a_death_recorded_goes_on_the_feed_and_on_the_person(family: Run) -> None:
    out = ok(emit_death(family, WIDOW, "2026-01-11", DAUGHTER))
    assert f"death:{WIDOW}" in out
    assert events(family)[-1]["kind"] == "death_registered"
    assert f"died 2026-01-11, act D-2026-0000002, registered {CLOCK[:16]}" in ok(
        family("person", "show", WIDOW)
    )


def test_the_death_of_an_unknown_person_is_refused(family: Run) -> None:
    result = emit_death(family, "990101300122", "2026-01-10", DAUGHTER)
    refused(result, "unknown person", "990101300122")


def test_a_second_death_of_someone_already_dead_is_refused(family: Run) -> None:
    result = emit_death(family, PENSIONER, "2026-01-10", DAUGHTER, "--source-id", "zags-other")
    refused(result, f"the person {PENSIONER} died on 2026-01-09")


def test_a_death_declared_by_a_dead_person_is_refused(family: Run) -> None:
    result = emit_death(family, WIDOW, "2026-01-10", PENSIONER)
    refused(result, f"the declarant {PENSIONER} died on 2026-01-09")


def test_the_same_source_event_twice_is_written_once_and_says_so(family: Run) -> None:
    ok(emit_death(family, WIDOW, "2026-01-11", DAUGHTER, "--source-id", "zags-2026-000901"))
    again = emit_death(family, WIDOW, "2026-01-11", DAUGHTER, "--source-id", "zags-2026-000901")
    refused(again, code=DUPLICATE)
    assert f"already recorded as event {EXAMPLE_EVENTS + 1} (zags-2026-000901)" in again.stderr
    assert "nothing written" in again.stderr
    deaths = [e for e in events(family) if e["source_event_id"] == "zags-2026-000901"]
    assert len(deaths) == 1


def test_an_example_event_emitted_again_is_a_duplicate(family: Run) -> None:
    again = emit_disability(
        family,
        DISABLED_SON,
        "2",
        "general_illness",
        "2026-01-05",
        "--source-id",
        "cbdi-2026-000101",
    )
    refused(again, "already recorded as event 7 (cbdi-2026-000101)", code=DUPLICATE)


# ---------------------------------------------------------------- events


def test_events_page_after_a_cursor(family: Run) -> None:
    first = events(family, "--limit", "4")
    rest = events(family, "--after", "4")
    assert [e["id"] for e in first] == [1, 2, 3, 4]
    assert [e["id"] for e in rest] == list(range(5, EXAMPLE_EVENTS + 1))
    table = ok(family("events", "--after", "2", "--limit", "3"))
    assert table.splitlines()[1].startswith("3 ")
    assert table.splitlines()[-1] == "more: --after 5"
    assert "no events after 9" in ok(family("events", "--after", "9"))


def test_events_mask_iins_unless_revealed(family: Run) -> None:
    table = ok(family("events"))
    assert PENSIONER not in table
    assert "********" + PENSIONER[-4:] in table
    revealed = events(family, "--reveal")[-1]
    assert revealed["payload"]["deceased_iin"] == PENSIONER


def test_a_page_of_no_events_is_refused(cli: Run) -> None:
    refused(cli("events", "--limit", "0"), "1 to 1000")


# ---------------------------------------------------------------- clock


def test_the_clock_follows_real_time_until_set_then_advances(cli: Run) -> None:
    assert "not set: follows real time" in ok(cli("clock", "show"))
    assert "2026-01-12T09:00:00+05:00" in ok(cli("clock", "set", "2026-01-12"))
    assert "2026-01-15T09:00:00+05:00" in ok(cli("clock", "advance", "3d"))
    assert "2026-01-16T21:00:00+05:00" in ok(cli("clock", "advance", "1d12h"))
    assert "2026-01-16T22:30:00+05:00" in ok(cli("clock", "advance", "90m"))
    assert "simulated clock: 2026-01-16T22:30:00+05:00" in ok(cli("clock", "show"))


def test_the_clock_is_refused_to_go_back(cli: Run) -> None:
    ok(cli("clock", "set", "2026-01-12T10:00+05:00"))
    refused(cli("clock", "set", "2026-01-12T04:59Z"), "cannot go back")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("set", "2026-01-12T10:00"), ("no UTC offset",)),
        (("set", "12.01.2026"), ("not a date-time",)),
        (("set", "2026-02-30"), ("not a valid date",)),
        (("advance", "3 weeks"), ("not a duration", "3d")),
        (("advance", "0h"), ("zero",)),
    ],
)
def test_a_bad_moment_or_duration_is_refused(
    cli: Run, args: tuple[str, ...], words: tuple[str, ...]
) -> None:
    refused(cli("clock", *args), *words)
    assert "not set" in ok(cli("clock", "show"))


# ---------------------------------------------------------------- faults


def test_faults_are_set_shown_and_cleared(cli: Run) -> None:
    outage = ("--outage-from", "2026-01-20", "--outage-to", "2026-01-21T12:00+05:00")
    rule = ("--registry", "civil", "--operation", "death", "--latency-ms", "250")
    out = ok(cli("faults", "set", *rule, "--error-rate", "0.25", *outage))
    assert "civil.death: latency 250 ms, error rate 0.25" in out
    ok(cli("faults", "feed", "--duplicate-rate", "0.2", "--seed", "11"))
    shown = ok(cli("faults", "show"))
    assert "outage 2026-01-20T09:00:00+05:00 to 2026-01-21T12:00:00+05:00" in shown
    assert "feed: duplicate rate 0.2, reorder rate 0, seed 11" in shown
    cleared = ok(cli("faults", "clear"))
    assert "no registry faults" in cleared
    assert "feed: duplicate rate 0, reorder rate 0, seed 11" in cleared


def test_latency_spikes_are_set_and_shown(cli: Run) -> None:
    spikes = ("--spike-rate", "0.05", "--spike-ms", "4000")
    out = ok(cli("faults", "set", "--registry", "pensions", "--latency-ms", "200", *spikes))
    assert "pensions.*: latency 200 ms, error rate 0, spikes 0.05 of calls +4000 ms" in out
    assert "spikes 0.05 of calls +4000 ms" in ok(cli("faults", "show"))


def test_a_scenario_fault_takes_latency_spikes(cli: Run, tmp_path: Path) -> None:
    scenario = tmp_path / "spikes.toml"
    scenario.write_text(
        '[[fault]]\nregistry = "civil"\nspike_rate = 0.1\nspike_ms = 2500\n', encoding="utf-8"
    )
    ok(cli("scenario", "load", str(scenario)))
    assert "civil.*: latency 0 ms, error rate 0, spikes 0.1 of calls +2500 ms" in ok(
        cli("faults", "show")
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("set", "--registry", "tax"), ("unknown registry 'tax'", "pensions")),
        (("set", "--registry", "civil", "--error-rate", "1.5"), ("1.5", "between 0 and 1")),
        (("set", "--registry", "civil", "--outage-from", "2026-01-20"), ("--outage-to",)),
        (("feed", "--reorder-rate", "-0.1"), ("between 0 and 1",)),
        (("set", "--registry", "civil", "--spike-rate", "0.1"), ("--spike-ms",)),
        (("set", "--registry", "civil", "--spike-ms", "900"), ("--spike-rate",)),
        (("set", "--registry", "civil", "--spike-rate", "2", "--spike-ms", "9"), ("0 and 1",)),
        (("set", "--registry", "civil", "--spike-rate", "0.1", "--spike-ms", "x"), ("'x'",)),
        (("set", "--registry", "civil", "--spike-rate", "0.1", "--spike-ms", "60001"), ("60000",)),
    ],
)
def test_a_bad_fault_is_refused_and_nothing_set(
    cli: Run, args: tuple[str, ...], words: tuple[str, ...]
) -> None:
    refused(cli("faults", *args), *words)
    assert ok(cli("faults", "show")).startswith("no registry faults\nfeed: duplicate rate 0,")


# ---------------------------------------------------------------- scenario


def test_the_example_scenario_sets_up_the_family(family: Run) -> None:
    feed = events(family, "--reveal")
    assert len(feed) == EXAMPLE_EVENTS
    assert feed[-1]["payload"]["deceased_iin"] == PENSIONER
    assert feed[-1]["source_event_id"] == "zags-2026-000777"
    daughter = ok(family("person", "show", DAUGHTER))
    assert "KZ** **** **** **** 2345 (bank 722)" in daughter
    assert f"parent  {PENSIONER}" in daughter
    assert f"child   {GRANDDAUGHTER}" in daughter
    assert "KZ29 7220 0000 0001 2345" in ok(family("person", "show", DAUGHTER, "--reveal"))
    granddaughter = ok(family("person", "show", GRANDDAUGHTER))
    assert "no group, child_under_7, established 2026-01-08" in granddaughter
    assert f"representative {DAUGHTER}" in granddaughter
    assert "age_pension" in ok(family("person", "show", PENSIONER))
    assert "pensions.*: latency 300 ms, error rate 0.5" in ok(family("faults", "show"))
    assert CLOCK in ok(family("clock", "show"))


def test_a_scenario_with_a_bad_entry_writes_nothing(family: Run, tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text(
        "[clock]\nnow = 2026-02-01T10:00:00+05:00\n"
        '[[person]]\niin = "990101300122"\nsurname = "Сәрсенов"\nname = "Арман"\n'
        'region = "Astana"\n'
        '[[person]]\niin = "123"\nsurname = "Қайсар"\nname = "Ерік"\nregion = "Astana"\n'
        f'[[event]]\nkind = "death"\niin = "{WIDOW}"\ndied = 2026-01-30\n'
        f'declarant = "{DAUGHTER}"\n'
        '[[fault]]\nregistry = "civil"\nerror_rate = 1.0\n',
        encoding="utf-8",
    )
    before = snapshot(family, tmp_path, WIDOW)
    refused(family("scenario", "load", str(broken)), "person[2]: invalid IIN '123'", "12 digits")
    assert snapshot(family, tmp_path, WIDOW) == before
    refused(family("person", "show", "990101300122"), "unknown person")


def test_a_scenario_entry_that_breaks_a_rule_is_named_by_section_and_number(
    cli: Run, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.toml"
    text = EXAMPLE.read_text(encoding="utf-8").replace("died = 2026-01-09", "died = 2026-01-20")
    broken.write_text(text, encoding="utf-8")
    refused(cli("scenario", "load", str(broken)), "event[3]: date of death 2026-01-20")
    assert events(cli) == []
    refused(cli("person", "show", DAUGHTER), "unknown person")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[[person]\n", ("not valid TOML", "line 1")),
        ("[people]\n", ("unknown section 'people'",)),
        ('[[fault]]\nregistry = "civil"\nerror_rate = 1.5\n', ("fault[1]: error_rate",)),
        ('[[person]]\niin = "990101300122"\nnme = "x"\n', ("person[1]:", "nme: unknown field")),
        ('[[event]]\nkind = "birth"\n', ("event[1]: kind: 'birth' is not one of",)),
        ("[clock]\nnow = 2026-01-12T10:00:00\n", ("clock[1]: now:", "no UTC offset")),
    ],
)
def test_a_bad_scenario_file_is_refused_in_one_line(
    cli: Run, tmp_path: Path, text: str, words: tuple[str, ...]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    refused(cli("scenario", "load", str(bad)), *words)
    assert "not set" in ok(cli("clock", "show"))


def test_a_missing_scenario_file_is_refused(cli: Run, tmp_path: Path) -> None:
    refused(cli("scenario", "load", str(tmp_path / "none.toml")), "cannot read", "none.toml")


# ---------------------------------------------------------------- serve


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def get_json(url: str) -> Any:
    """GET a URL and read its JSON."""
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


def wait_for_health(base: str, server: subprocess.Popen[bytes]) -> None:
    """Poll /health until the server answers (or fail if it exits)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server exited"
        try:
            if get_json(f"{base}/health") == {"status": "ok"}:
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail("the server never answered /health")


def test_serve_answers_over_http_and_stops_cleanly_on_ctrl_c(family: Run, tmp_path: Path) -> None:
    port = free_port()
    log = (tmp_path / "serve.out").open("w+", encoding="utf-8")
    command = [*PROGRAM, "--data-dir", str(tmp_path), "serve", "--port", str(port)]
    with (
        log,
        subprocess.Popen(
            command, cwd=ROOT, env=ENV, stdout=log, stderr=subprocess.STDOUT
        ) as server,
    ):
        try:
            wait_for_health(f"http://127.0.0.1:{port}", server)
            person = get_json(f"http://127.0.0.1:{port}/persons/{DAUGHTER}")
            server.send_signal(signal.SIGINT)
            assert server.wait(timeout=15) == OK
        finally:
            if server.poll() is None:
                server.kill()
        log.seek(0)
        output = log.read()
    assert person["name"] == "Айгүл"
    assert "stopped" in output
    assert "Traceback" not in output
    assert DAUGHTER not in output  # the access log masks the IIN in the path
