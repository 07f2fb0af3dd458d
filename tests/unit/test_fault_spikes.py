"""Latency spikes of the fake registries: a seeded share of calls waits much longer.

The injector runs with a recorded sleep (tests/fakes/monotonic.py), so no test waits.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from bot.registries.errors import RegistryUnavailable
from domain.calendar import ALMATY
from fake_registries.faults import ERROR, OUTAGE, SPIKE, FaultInjector, FaultRule, FaultSettings
from tests.fakes.monotonic import FakeTime

NOW = datetime(2026, 1, 12, 10, 0, tzinfo=ALMATY)
CALLS = 1_000
SPIKES = FaultRule(registry="civil", spike_rate=0.2, spike_ms=5_000)


async def waits(rule: FaultRule, seed: int = 7, calls: int = CALLS) -> list[float]:
    """What each of `calls` calls of the rule's registry waited, in seconds (0: not at all)."""
    time = FakeTime()
    injector = FaultInjector([rule], FaultSettings(seed=seed), sleep=time.sleep)
    waited = []
    for _ in range(calls):
        before = len(time.sleeps)
        await injector.before(rule.registry, "death", NOW)
        waited.append(sum(time.sleeps[before:]))
    return waited


async def test_a_spike_rate_makes_that_share_of_calls_wait_the_spike() -> None:
    waited = await waits(SPIKES)
    spiked = [w for w in waited if w]
    assert set(spiked) == {5.0}
    assert 0.16 <= len(spiked) / CALLS <= 0.24


async def test_a_spike_comes_on_top_of_the_calls_latency() -> None:
    rule = SPIKES.model_copy(update={"latency_ms": 100})
    waited = await waits(rule)
    assert all(0.05 <= w <= 0.15 or 5.05 <= w <= 5.15 for w in waited)
    assert any(w > 5 for w in waited)
    assert any(w < 1 for w in waited)


async def test_the_same_seed_spikes_the_same_calls_and_another_seed_others() -> None:
    first = await waits(SPIKES, seed=7)
    assert await waits(SPIKES, seed=7) == first
    assert await waits(SPIKES, seed=8) != first


async def test_a_rule_without_spikes_meets_the_same_errors_as_before_spikes_existed() -> None:
    injector = FaultInjector([FaultRule(registry="civil", error_rate=0.3)], FaultSettings(seed=7))
    pattern = []
    for _ in range(200):
        try:
            await injector.before("civil", "death", NOW)
            pattern.append(True)
        except RegistryUnavailable:
            pattern.append(False)
    stream = random.Random("7:civil:death")  # one draw a call, as runs before spikes drew
    assert pattern == [stream.random() >= 0.3 for _ in range(200)]


async def test_every_injected_fault_is_counted_by_kind() -> None:
    rule = SPIKES.model_copy(
        update={"error_rate": 0.3, "outage_from": NOW, "outage_to": NOW + timedelta(hours=1)}
    )
    time = FakeTime()
    injector = FaultInjector([rule], FaultSettings(seed=7), sleep=time.sleep)
    failed = 0
    for now in (NOW - timedelta(hours=1), NOW):  # before the outage, then inside it
        for _ in range(100):
            try:
                await injector.before("civil", "death", now)
            except RegistryUnavailable:
                failed += 1
    assert injector.tally[SPIKE] == len(time.sleeps)
    assert injector.tally[OUTAGE] == 100
    assert 15 <= injector.tally[ERROR] <= 45
    assert failed == injector.tally[OUTAGE] + injector.tally[ERROR]


@pytest.mark.parametrize(
    "fields", [{"spike_rate": 1.5}, {"spike_rate": -0.1}, {"spike_ms": -1}, {"spike_ms": 60_001}]
)
def test_a_spike_out_of_range_is_no_rule(fields: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="spike"):
        FaultRule.model_validate({"registry": "civil", **fields})
