"""The arithmetic behind the benchmarks' figures (the benchmarks themselves run in CI as
`python -m benchmarks --quick`, which fails only when one crashes)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.__main__ import targets
from benchmarks.common import latency_ms, percentile, rate


def test_the_percentile_is_the_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 0.50) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile(values, 1.0) == 100.0
    assert percentile([], 0.5) == 0.0


@given(st.lists(st.floats(0, 10, allow_nan=False), min_size=1), st.floats(0, 1))
def test_a_percentile_is_one_of_the_values_and_grows_with_the_fraction(
    values: list[float], fraction: float
) -> None:
    found = percentile(values, fraction)
    assert found in values
    assert percentile(values, 0.0) <= found <= percentile(values, 1.0) == max(values)


def test_latencies_are_reported_in_milliseconds() -> None:
    assert latency_ms([0.001, 0.002, 0.003]) == {
        "p50_ms": 2.0,
        "p99_ms": 3.0,
        "max_ms": 3.0,
        "mean_ms": 2.0,
    }


def test_a_rate_over_no_time_is_zero_not_a_crash() -> None:
    assert rate(10, 0.0) == 0.0
    assert rate(10, 4.0) == 2.5


def test_each_target_is_judged_from_its_figure_and_a_crash_leaves_it_unknown() -> None:
    found = {
        "P1": {"events_per_s": 12_000.0},
        "P2": {"error": "exit 1"},
        "P5": {
            "sms_simulated": {"percent": 99.0},
            "telegram": {"percent": 100.0, "http_429": 1},
        },
        "P6": {"peak_rss_mb": 301.0},
    }
    met = targets(found)
    assert met["P1 >= 10000 events/s"] is True
    assert met["P2 >= 2000 replies/s"] is None  # crashed: no figure
    assert met["P5 SMS 95-100 %"] is True and met["P5 zero 429"] is False
    assert met["P6 <= 300 MB"] is False
    assert met["P3 <= 120 s"] is None  # not run


@pytest.mark.parametrize("percent", [94.9, 100.1])
def test_a_rate_outside_95_to_100_percent_misses_its_target(percent: float) -> None:
    met = targets({"P5": {"sms_simulated": {"percent": percent}}})
    assert met["P5 SMS 95-100 %"] is False
