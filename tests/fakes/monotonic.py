"""Monotonic time for tests of real-time waits: it moves only when slept through or advanced,
and records each sleep, so a test checks what would have been waited without waiting."""

from __future__ import annotations


class FakeTime:
    """`monotonic` and `sleep` to inject where code takes `time.monotonic` and `asyncio.sleep`."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds
