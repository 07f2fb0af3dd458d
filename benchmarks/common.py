"""What every benchmark shares: its command line, timing, percentiles and peak memory."""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import resource
import statistics
import sys
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

Measure = Callable[[bool], Coroutine[Any, Any, dict[str, Any]]]


def main(measure: Measure, argv: Sequence[str] | None = None) -> None:
    """`python -m benchmarks.NAME [--quick]`: run one benchmark, print its figures as JSON."""
    parser = argparse.ArgumentParser(description=(sys.modules["__main__"].__doc__ or "").strip())
    parser.add_argument("--quick", action="store_true", help="smaller N, same code path")
    args = parser.parse_args(argv)
    figures: dict[str, Any] = asyncio.run(measure(args.quick))
    figures["peak_rss_mb"] = peak_rss_mb()
    sys.stdout.write(json.dumps(figures, ensure_ascii=False) + "\n")


class Stopwatch:
    """Wall time of a block: `with Stopwatch() as watch: ...; watch.seconds`."""

    def __enter__(self) -> Stopwatch:
        self.started = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *_: object) -> None:
        self.seconds = time.perf_counter() - self.started


def rate(count: int, seconds: float) -> float:
    """Per second, rounded; 0 for no time."""
    return round(count / seconds, 1) if seconds > 0 else 0.0


def percentile(values: Sequence[float], fraction: float) -> float:
    """The value below which `fraction` of `values` fall (nearest rank)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


def latency_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p99 and max of latencies given in seconds, in milliseconds."""
    return {
        "p50_ms": round(percentile(seconds, 0.50) * 1000, 2),
        "p99_ms": round(percentile(seconds, 0.99) * 1000, 2),
        "max_ms": round(max(seconds, default=0.0) * 1000, 2),
        "mean_ms": round(statistics.fmean(seconds) * 1000, 2) if seconds else 0.0,
    }


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
