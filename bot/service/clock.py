"""Clocks the bot acts by: the system's, or the simulation's (the registries' world clock)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.registries.port import RegistryClient


class SystemClock:
    """Real time, in UTC."""

    async def now(self) -> datetime:
        """The current instant."""
        return datetime.now(UTC)


class RegistryClock:
    """Simulation mode: the world clock testers set and move, read through the registries."""

    def __init__(self, registries: RegistryClient) -> None:
        self._registries = registries

    async def now(self) -> datetime:
        """The simulated instant."""
        return await self._registries.now()


class FixedClock:
    """A clock that says what it is told: for tests and for one tick at a fixed instant."""

    def __init__(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("a clock's time must be timezone-aware")
        self.moment = moment

    async def now(self) -> datetime:
        """The instant it was set to."""
        return self.moment
