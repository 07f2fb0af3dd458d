"""`python -m bot sms faults` as testers use it: the simulated gateway's temporary failures,
set, kept in the gateway's file and shown; bad input in one line with exit code 2."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.channels.sms_faults import GatewayFaults
from bot.channels.sms_gateway import SimulatedSmsGateway, path_in
from tests.e2e.test_bot_cli import ENV, INVALID, bot, ok, refused
from tests.integration.test_sms_gateway import FakeClock

NONE = "sms gateway: temporary failure rate 0, seed 0"


async def stored(data_dir: Path) -> GatewayFaults:
    """The faults in the gateway's file, as the bot reads them."""
    gateway = SimulatedSmsGateway(path_in(data_dir), FakeClock(datetime(2026, 3, 2, tzinfo=UTC)))
    try:
        return await gateway.faults()
    finally:
        gateway.close()


def test_without_options_it_shows_that_a_fresh_gateway_fails_nothing(tmp_path: Path) -> None:
    assert ok(bot(tmp_path, "sms", "faults")) == NONE + "\n"


async def test_a_rate_and_a_seed_are_kept_in_the_gateways_file_and_what_is_not_given_stays(
    tmp_path: Path,
) -> None:
    set_both = ok(bot(tmp_path, "sms", "faults", "--temporary-rate", "0.2", "--seed", "7"))
    assert set_both == "set sms gateway: temporary failure rate 0.2, seed 7\n"
    assert ok(bot(tmp_path, "sms", "faults", "--seed", "9")).endswith("rate 0.2, seed 9\n")
    assert await stored(tmp_path) == GatewayFaults(temporary_rate=0.2, seed=9)
    ok(bot(tmp_path, "sms", "faults", "--temporary-rate", "0"))
    assert ok(bot(tmp_path, "sms", "faults")) == "sms gateway: temporary failure rate 0, seed 9\n"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--temporary-rate", "1.5"), ("--temporary-rate", "between 0 and 1")),
        (("--temporary-rate", "-0.1"), ("--temporary-rate", "between 0 and 1")),
        (("--temporary-rate", "often"), ("--temporary-rate", "'often'")),
        (("--seed", "seven"), ("--seed", "'seven'")),
        (("--rate", "0.2"), ("unrecognized arguments",)),
    ],
)
def test_bad_input_is_one_line_exit_code_2_and_nothing_written(
    tmp_path: Path, args: tuple[str, ...], words: tuple[str, ...]
) -> None:
    data_dir = tmp_path / "fresh"
    refused(bot(data_dir, "sms", "faults", *args), *words)
    assert not data_dir.exists() or list(data_dir.iterdir()) == []


def test_its_help_says_what_it_does_and_shows_an_example() -> None:
    out = ok(bot(None, "sms", "faults", "--help"))
    assert out.startswith("usage: python -m bot sms faults")
    assert "--temporary-rate X" in out and "--seed S" in out
    assert "python -m bot sms faults --temporary-rate 0.2 --seed 7" in out


def test_it_is_refused_when_the_bot_talks_smpp(tmp_path: Path) -> None:
    result = bot(tmp_path, "sms", "faults", env={**ENV, "SMS_GATEWAY": "smpp"})
    assert result.returncode == INVALID and result.stderr.count("\n") == 1, result.stderr
    assert "simulated gateway only" in result.stderr
    assert not path_in(tmp_path).exists()
