"""`python -m fake_registries burial …` and `[[burial_filing]]`: a deceased's burial history."""

from __future__ import annotations

import json
import subprocess
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest

from bot.registries.facts import BurialFiling, BurialFilingKind
from fake_registries import db
from fake_registries.service import RegistryService
from tests.e2e.test_registries_cli import (
    DAUGHTER,
    EXAMPLE,
    PENSIONER,
    WIDOW,
    Run,
    ok,
    refused,
    run_in,
    snapshot,
)

APPLICATION, ASSIGNMENT = BurialFilingKind.APPLICATION, BurialFilingKind.ASSIGNMENT
TODAY = date(2026, 1, 12)  # the example scenario's clock
DIED = date(2026, 1, 9)  # the pensioner's death in the example scenario


@pytest.fixture
def family(tmp_path: Path) -> Run:
    """The CLI on a data directory holding the example scenario."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return run_in(tmp_path, *args)

    ok(run("scenario", "load", str(EXAMPLE)))
    return run


def burial(run: Run, action: str, applicant: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """`burial apply|pay` for the example's pensioner."""
    return run("burial", action, "--deceased", PENSIONER, "--applicant", applicant, *extra)


def filing(applicant: str, kind: BurialFilingKind, on: date) -> BurialFiling:
    """A burial filing for the example's pensioner."""
    return BurialFiling(deceased_iin=PENSIONER, applicant_iin=applicant, kind=kind, on=on)


async def served(data_dir: Path, deceased: str = PENSIONER) -> list[BurialFiling]:
    """What the bot reads: `RegistryService.burial_filings` over the data directory's file."""
    with closing(db.connect(db.path_in(data_dir))) as conn:
        return await RegistryService(conn).burial_filings(deceased)


@pytest.mark.parametrize("action", ["apply", "pay", "show"])
def test_every_burial_command_has_its_own_help_with_an_example(family: Run, action: str) -> None:
    out = ok(family("burial", action, "--help"))
    assert f"example:\n  python -m fake_registries burial {action}" in out


async def test_an_earlier_application_is_what_the_bot_reads_for_the_deceased(
    family: Run, tmp_path: Path
) -> None:
    out = ok(burial(family, "apply", WIDOW, "--on", "2026-01-10"))
    assert out == (
        f"recorded burial application of 2026-01-10: deceased {PENSIONER}, applicant {WIDOW}\n"
    )
    assert await served(tmp_path) == [filing(WIDOW, APPLICATION, date(2026, 1, 10))]


async def test_a_payment_without_an_earlier_application_records_the_application_too(
    family: Run, tmp_path: Path
) -> None:
    out = ok(burial(family, "pay", WIDOW, "--on", "2026-01-11"))
    assert [line.split(":")[0] for line in out.splitlines()] == [
        "recorded burial application of 2026-01-11",
        "recorded burial assignment of 2026-01-11",
    ]
    day = date(2026, 1, 11)
    assert await served(tmp_path) == [
        filing(WIDOW, APPLICATION, day),
        filing(WIDOW, ASSIGNMENT, day),
    ]


async def test_a_payment_on_an_earlier_application_records_only_the_assignment(
    family: Run, tmp_path: Path
) -> None:
    ok(burial(family, "apply", WIDOW, "--on", "2026-01-09"))
    assert "assignment" in ok(burial(family, "pay", WIDOW))
    assert await served(tmp_path) == [
        filing(WIDOW, APPLICATION, DIED),
        filing(WIDOW, ASSIGNMENT, TODAY),
    ]


def test_the_filings_are_listed_with_applicants_masked_unless_revealed(family: Run) -> None:
    assert "burial filings for 500314345180 (died 2026-01-09):\n  none" in ok(
        family("burial", "show", "--deceased", PENSIONER)
    )
    ok(burial(family, "apply", WIDOW, "--on", "2026-01-10"))
    ok(burial(family, "pay", DAUGHTER))
    shown = ok(family("burial", "show", "--deceased", PENSIONER))
    assert shown.splitlines()[1:] == [
        "  2026-01-10  application  by ********7345",
        "  2026-01-12  application  by ********6255",
        "  2026-01-12  assignment   by ********6255",
    ]
    assert WIDOW in ok(family("burial", "show", "--deceased", PENSIONER, "--reveal"))
    lines = ok(family("burial", "show", "--deceased", PENSIONER, "--json")).splitlines()
    assert json.loads(lines[0]) == {
        "deceased_iin": PENSIONER,
        "applicant_iin": "********7345",
        "kind": "application",
        "on": "2026-01-10",
    }


def test_person_show_lists_a_deceased_s_burial_filings_in_full(family: Run) -> None:
    assert "burial filings" not in ok(family("person", "show", PENSIONER))
    ok(burial(family, "pay", WIDOW, "--on", "2026-01-10"))
    shown = ok(family("person", "show", PENSIONER))
    assert shown.endswith(
        "burial filings:\n"
        f"  2026-01-10  application  by {WIDOW}\n"
        f"  2026-01-10  assignment   by {WIDOW}\n"
    )


@pytest.mark.parametrize(
    ("action", "args", "words"),
    [
        ("apply", ("500314345181", WIDOW), ("invalid deceased IIN '500314345181'", "check")),
        ("pay", (PENSIONER, "520702427346"), ("invalid applicant IIN", "check digit")),
        ("apply", (PENSIONER, "990101300122"), ("unknown applicant", "990101300122")),
        ("pay", ("990101300122", WIDOW), ("unknown deceased", "990101300122")),
        ("apply", (PENSIONER, WIDOW, "--on", "2026-01-13"), ("after the simulated clock",)),
        ("pay", (PENSIONER, WIDOW, "--on", "2026-01-08"), ("before the death", "2026-01-09")),
        ("apply", (PENSIONER, PENSIONER), ("their own burial payment",)),
        ("apply", (PENSIONER, WIDOW, "--on", "10.01.2026"), ("not a date",)),
    ],
)
def test_bad_burial_input_is_refused_in_one_line_and_nothing_written(
    family: Run, tmp_path: Path, action: str, args: tuple[str, ...], words: tuple[str, ...]
) -> None:
    before = snapshot(family, tmp_path, PENSIONER)
    deceased, applicant, *extra = args
    result = family("burial", action, "--deceased", deceased, "--applicant", applicant, *extra)
    refused(result, *words)
    assert snapshot(family, tmp_path, PENSIONER) == before


def test_a_second_payment_for_the_same_deceased_is_refused(family: Run, tmp_path: Path) -> None:
    ok(burial(family, "pay", WIDOW, "--on", "2026-01-10"))
    before = snapshot(family, tmp_path, PENSIONER)
    refused(burial(family, "pay", DAUGHTER), "already assigned on 2026-01-10", "one per deceased")
    assert snapshot(family, tmp_path, PENSIONER) == before


def test_a_payment_before_the_applicant_s_application_is_refused(family: Run) -> None:
    ok(burial(family, "apply", WIDOW, "--on", "2026-01-11"))
    refused(burial(family, "pay", WIDOW, "--on", "2026-01-10"), "applied on 2026-01-11")


# ---------------------------------------------------------------- scenario

PEOPLE = f"""\
[clock]
now = 2026-01-12T10:00:00+05:00

[[person]]
iin = "{PENSIONER}"
surname = "Жұмабаев"
name = "Сейіт"
region = "Almaty"

[[person]]
iin = "{WIDOW}"
surname = "Жұмабаева"
name = "Бақыт"
region = "Almaty"
"""

# Written before the death it follows: sections apply in their order, not the file's.
FILINGS = f"""\
[[burial_filing]]
deceased_iin = "{PENSIONER}"
applicant_iin = "{WIDOW}"
kind = "assignment"
on = 2026-01-10

[[burial_filing]]
deceased_iin = "{PENSIONER}"
applicant_iin = "{WIDOW}"
kind = "application"
"""

DEATH = f"""\
[[event]]
kind = "death"
iin = "{PENSIONER}"
died = 2026-01-09
declarant = "{WIDOW}"
"""


def scenario(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    """Load a scenario written to a file, on a fresh data directory."""
    path = tmp_path / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    return run_in(tmp_path / "data", "scenario", "load", str(path))


async def test_scenario_burial_filings_apply_after_the_death_and_reach_the_bot(
    tmp_path: Path,
) -> None:
    out = ok(scenario(tmp_path, PEOPLE + FILINGS + DEATH))
    assert "event 1, burial_filing 2" in out
    assert await served(tmp_path / "data") == [
        filing(WIDOW, APPLICATION, date(2026, 1, 10)),
        filing(WIDOW, ASSIGNMENT, date(2026, 1, 10)),
        filing(WIDOW, APPLICATION, TODAY),
    ]


def test_a_bad_scenario_burial_filing_is_named_and_nothing_is_written(tmp_path: Path) -> None:
    early = FILINGS.replace("on = 2026-01-10", "on = 2026-01-08")
    refused(scenario(tmp_path, PEOPLE + early + DEATH), "burial_filing[1]: filing date 2026-01-08")
    refused(run_in(tmp_path / "data", "person", "show", WIDOW), "unknown person")
    bad_kind = FILINGS.replace('kind = "application"', 'kind = "refund"')
    refused(scenario(tmp_path, PEOPLE + DEATH + bad_kind), "burial_filing[2]: kind")


async def test_the_example_s_commented_burial_filing_loads_when_uncommented(
    tmp_path: Path,
) -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    start = lines.index("# [[burial_filing]]")
    lines[start : start + 5] = [line.removeprefix("# ") for line in lines[start : start + 5]]
    ok(scenario(tmp_path, "\n".join(lines)))
    assert await served(tmp_path / "data") == [filing(WIDOW, APPLICATION, date(2026, 1, 10))]
