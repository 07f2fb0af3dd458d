"""The simulated SMS provider's injected temporary failures, on a real file: a seeded share of
submissions ends `temporary`, drawn from the seed and the reference with its attempt."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.channels.sms_faults import GatewayFaults
from bot.channels.sms_gateway import SimulatedSmsGateway, path_in
from tests.integration.test_sms_gateway import DEAD, FLAKY, FakeClock

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PHONE = "+77011234567"
TWENTY = GatewayFaults(temporary_rate=0.2, seed=7)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


def open_on(directory: Path, clock: FakeClock) -> SimulatedSmsGateway:
    return SimulatedSmsGateway(path_in(directory), clock)


async def outcomes(gateway: SimulatedSmsGateway, clock: FakeClock, refs: list[str]) -> list[str]:
    """Submit a text under each reference; the outcome each receipt reports, in order."""
    ids = [await gateway.submit(ref, PHONE, f"text of {ref}") for ref in refs]
    clock.advance(60)
    by_id = dict(await gateway.receipts())
    return [by_id[provider_id] for provider_id in ids]


async def test_a_fresh_gateway_injects_no_failures(tmp_path: Path, clock: FakeClock) -> None:
    gateway = open_on(tmp_path, clock)
    try:
        assert await gateway.faults() == GatewayFaults()
        seen = await outcomes(gateway, clock, [f"offer:{n}#0" for n in range(200)])
    finally:
        gateway.close()
    assert set(seen) == {"delivered"}


async def test_a_temporary_rate_fails_that_share_of_submissions(
    tmp_path: Path, clock: FakeClock
) -> None:
    gateway = open_on(tmp_path, clock)
    try:
        await gateway.set_faults(TWENTY)
        seen = await outcomes(gateway, clock, [f"offer:{n}#0" for n in range(1_000)])
    finally:
        gateway.close()
    assert set(seen) == {"delivered", "temporary"}
    assert 0.16 <= seen.count("temporary") / len(seen) <= 0.24


async def test_the_same_seed_fails_the_same_submissions_and_another_seed_others(
    tmp_path: Path, clock: FakeClock
) -> None:
    refs = [f"offer:{n}#0" for n in range(300)]
    runs = []
    for name, seed in (("first", 7), ("again", 7), ("other", 8)):
        gateway = open_on(tmp_path / name, clock)
        try:
            await gateway.set_faults(TWENTY.model_copy(update={"seed": seed}))
            runs.append(await outcomes(gateway, clock, refs))
        finally:
            gateway.close()
    assert runs[0] == runs[1]
    assert runs[2] != runs[0]


async def test_each_attempt_of_a_message_draws_afresh(tmp_path: Path, clock: FakeClock) -> None:
    gateway = open_on(tmp_path, clock)
    try:
        await gateway.set_faults(TWENTY)
        first = await outcomes(gateway, clock, [f"offer:{n}#0" for n in range(300)])
        failed = [n for n, seen in enumerate(first) if seen == "temporary"]
        second = await outcomes(gateway, clock, [f"offer:{n}#1" for n in failed])
    finally:
        gateway.close()
    assert failed
    assert second.count("delivered") > len(failed) / 2  # 20 %, not the first attempt's fate


async def test_faults_set_through_one_opening_of_the_file_hold_for_another(
    tmp_path: Path, clock: FakeClock
) -> None:
    tester, bot = open_on(tmp_path, clock), open_on(tmp_path, clock)
    try:
        await tester.set_faults(GatewayFaults(temporary_rate=1.0, seed=3))
        assert await bot.faults() == GatewayFaults(temporary_rate=1.0, seed=3)
        assert set(await outcomes(bot, clock, [f"decided:{n}#2" for n in range(20)])) == {
            "temporary"
        }
    finally:
        tester.close()
        bot.close()


async def test_the_test_numbers_keep_their_scripts_under_injected_faults(
    tmp_path: Path, clock: FakeClock
) -> None:
    gateway = open_on(tmp_path, clock)
    try:
        await gateway.set_faults(GatewayFaults(temporary_rate=1.0))
        dead = await gateway.submit("offer:1#0", DEAD, "hello")
        flaky = [await gateway.submit(f"offer:2#{n}", FLAKY, "hello") for n in range(3)]
        clock.advance(60)
        seen = dict(await gateway.receipts())
    finally:
        gateway.close()
    assert seen[dead] == "permanent"
    assert [seen[provider_id] for provider_id in flaky] == ["temporary", "temporary", "delivered"]


def test_a_rate_out_of_range_is_no_fault_setting() -> None:
    with pytest.raises(ValueError, match="temporary_rate"):
        GatewayFaults(temporary_rate=1.5)
