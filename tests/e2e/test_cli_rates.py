"""`python -m bot` as an operator runs it: rates in both languages, help, and bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NBSP = "\u00a0"
SUBSISTENCE_MINIMUM_2026 = Decimal("50851")
MRP_2026 = Decimal("4325")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot` from the repository root, as a fresh process."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "80"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


def tenge(value: Decimal) -> str:
    """An amount as kk_KZ and ru_KZ write it: "111 872,20 ₸" with no-break spaces."""
    whole, tiyn = f"{value:.2f}".split(".")
    return f"{int(whole):,}".replace(",", NBSP) + f",{tiyn}{NBSP}₸"


def assert_one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    for word in words:
        assert word in result.stderr


@pytest.mark.parametrize(
    ("lang", "labels"),
    [
        ("ru", ["Размеры выплат на 15 января 2026", "I группа", "1 иждивенец", "5 иждивенцев"]),
        ("kk", ["Қолданыстағы мөлшерлер: 2026", "I топ", "1 асырауындағы адам"]),
    ],
)
def test_rates_show_the_disability_amount_for_group_one_in_either_language(
    lang: str, labels: list[str]
) -> None:
    result = run("rates", "--on", "2026-01-15", "--lang", lang)
    assert result.returncode == 0, result.stderr
    assert tenge(Decimal("2.2") * SUBSISTENCE_MINIMUM_2026) in result.stdout  # 111 872,20 ₸
    for label in labels:
        assert label in result.stdout


def test_rates_show_the_parameters_in_force_with_their_mark() -> None:
    result = run("rates", "--on", "2026-01-15", "--lang", "ru")
    assert tenge(MRP_2026) in result.stdout
    assert tenge(SUBSISTENCE_MINIMUM_2026) in result.stdout
    assert "проверено" in result.stdout


def test_rates_mark_the_unverified_burial_amount() -> None:
    result = run("rates", "--on", "2026-01-15", "--lang", "kk")
    assert f"{tenge(52 * MRP_2026)} *" in result.stdout  # 52 MRP is not verified
    assert "* тексерілмеген" in result.stdout


def test_rates_mark_work_injury_amounts_unverified_and_general_illness_not() -> None:
    lines = run("rates", "--on", "2026-01-15", "--lang", "ru").stdout.splitlines()
    amount = tenge(Decimal("1.76") * SUBSISTENCE_MINIMUM_2026)
    (general,) = [line for line in lines if "Общее" in line]
    (injury,) = [line for line in lines if "Трудовое" in line]
    assert f"{amount} *" not in general
    assert f"{amount} *" in injury


def test_rates_show_the_survivor_benefit_for_six_dependents() -> None:
    result = run("rates", "--on", "2026-01-15", "--lang", "ru")
    assert tenge(3 * SUBSISTENCE_MINIMUM_2026) in result.stdout
    assert "6 и более иждивенцев" in result.stdout


def test_rates_default_to_today() -> None:
    result = run("rates", "--lang", "kk")
    assert result.returncode == 0, result.stderr


def test_an_impossible_date_is_a_one_line_error() -> None:
    assert_one_line_error(run("rates", "--on", "2026-02-30"), "2026-02-30", "not a valid date")


def test_a_date_in_another_format_is_a_one_line_error() -> None:
    assert_one_line_error(run("rates", "--on", "15.01.2026"), "YYYY-MM-DD")


def test_a_date_before_any_parameter_is_a_one_line_error_in_the_chosen_language() -> None:
    result = run("rates", "--on", "2020-01-01", "--lang", "ru")
    assert_one_line_error(result, "1 января 2020", "действующих параметров нет", "2024")


def test_an_unknown_language_is_a_one_line_error() -> None:
    assert_one_line_error(run("rates", "--lang", "en"), "invalid choice: 'en'")


def test_no_command_is_a_one_line_error() -> None:
    assert_one_line_error(run(), "command")


def test_help_says_what_the_product_does_and_how_to_run_it_for_real() -> None:
    result = run("--help")
    assert result.returncode == 0
    assert "proactive-service bot" in result.stdout
    assert "rates" in result.stdout
    assert "demo" in result.stdout
    assert "BOT_TOKEN=" in result.stdout and " serve " in result.stdout


def test_serve_help_names_its_configuration() -> None:
    result = run("serve", "--help")
    assert result.returncode == 0
    for name in ("BOT_TOKEN", "TELEGRAM_API_BASE", "BOT_WEBHOOK_URL"):
        assert name in result.stdout


def test_version_prints_the_project_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("python -m bot 0.")
