"""`python -m bot retries` as operators use it: help, an empty outbox, bad input in one line.

What it lists after faults is the fault test's (tests/e2e/test_faults.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_bot_cli import bot, ok, refused


def test_its_help_says_what_it_lists() -> None:
    out = ok(bot(None, "retries", "--help"))
    assert out.startswith("usage: python -m bot retries")
    assert "--limit N" in out and "--json" in out and "masked" in out


def test_a_bot_whose_messages_all_went_through_lists_none(tmp_path: Path) -> None:
    out = ok(bot(tmp_path, "retries"))
    assert out == (
        "0 messages met a failure on their way: 0 delivered, 0 sent, "
        "0 waiting for another attempt, 0 given up\n"
    )
    assert ok(bot(tmp_path, "retries", "--json")) == ""


@pytest.mark.parametrize(
    ("limit", "words"),
    [("0", ("--limit", "from 1 to 10000")), ("many", ("--limit", "'many'"))],
)
def test_a_bad_limit_is_one_line_and_exit_code_2(
    tmp_path: Path, limit: str, words: tuple[str, ...]
) -> None:
    refused(bot(tmp_path / "fresh", "retries", "--limit", limit), *words)
    assert not (tmp_path / "fresh").exists()
