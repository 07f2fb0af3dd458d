"""Fault injection per registry and operation, deterministic by seed: latency, latency spikes,
errors, outages.

The feed can also deliver events twice or out of order. Rules live in the registries' file,
so testers change them with the CLI while a server runs.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from bot.registries.errors import RegistryUnavailable
from bot.registries.facts import Event
from fake_registries.db import transaction

REGISTRIES = (
    "population",
    "disability",
    "civil",
    "pensions",
    "education",
    "payments",
    "accounts",
    "feed",
)
ANY = "*"


class FaultRule(BaseModel):
    """Faults of one registry's operation (`*`: every operation of that registry)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    registry: str
    operation: str = ANY
    latency_ms: int = Field(default=0, ge=0, le=60_000)  # each call: 0.5 to 1.5 times this
    error_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    spike_rate: float = Field(default=0.0, ge=0.0, le=1.0)  # the share of calls that spike
    spike_ms: int = Field(default=0, ge=0, le=60_000)  # what a spike adds to the latency
    outage_from: datetime | None = None
    outage_to: datetime | None = None

    def in_outage(self, now: datetime) -> bool:
        """True while the simulated clock is inside the outage window."""
        if self.outage_from is None or self.outage_to is None:
            return False
        return self.outage_from <= now < self.outage_to


class FaultSettings(BaseModel):
    """The seed of every random fault, and the feed's delivery faults."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = 0
    duplicate_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    reorder_rate: float = Field(default=0.0, ge=0.0, le=1.0)


def set_rule(conn: sqlite3.Connection, rule: FaultRule) -> None:
    """Add or replace the rule for a registry and operation."""
    if rule.registry not in REGISTRIES:
        raise ValueError(f"unknown registry {rule.registry!r}; one of {', '.join(REGISTRIES)}")
    with transaction(conn):
        conn.execute(
            "INSERT OR REPLACE INTO fault (registry, operation, latency_ms, error_rate,"
            " spike_rate, spike_ms, outage_from, outage_to) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                rule.registry,
                rule.operation,
                rule.latency_ms,
                rule.error_rate,
                rule.spike_rate,
                rule.spike_ms,
                rule.outage_from.isoformat() if rule.outage_from else None,
                rule.outage_to.isoformat() if rule.outage_to else None,
            ),
        )


def rules(conn: sqlite3.Connection) -> list[FaultRule]:
    """Every rule, by registry and operation."""
    rows = conn.execute("SELECT * FROM fault ORDER BY registry, operation").fetchall()
    return [FaultRule.model_validate(dict(r)) for r in rows]


def settings(conn: sqlite3.Connection) -> FaultSettings:
    """The seed and the feed's faults."""
    row = conn.execute(
        "SELECT seed, duplicate_rate, reorder_rate FROM fault_settings WHERE id = 1"
    ).fetchone()
    return FaultSettings() if row is None else FaultSettings.model_validate(dict(row))


def set_settings(conn: sqlite3.Connection, value: FaultSettings) -> None:
    """Replace the seed and the feed's faults."""
    with transaction(conn):
        conn.execute(
            "INSERT OR REPLACE INTO fault_settings (id, seed, duplicate_rate, reorder_rate)"
            " VALUES (1, ?, ?, ?)",
            (value.seed, value.duplicate_rate, value.reorder_rate),
        )


def clear(conn: sqlite3.Connection) -> None:
    """Remove every fault; the seed stays."""
    seed = settings(conn).seed
    with transaction(conn):
        conn.execute("DELETE FROM fault")
    set_settings(conn, FaultSettings(seed=seed))


SPIKE, OUTAGE, ERROR = "spike", "outage", "error"  # what `FaultInjector.tally` counts


class FaultInjector:
    """Applies the rules before each operation; each (registry, operation) draws its own
    seeded random sequence, so the same calls meet the same faults in every run. Every
    fault it injects is counted in `tally` (given, it runs on across injectors); `sleep` is
    injectable so tests need not wait."""

    def __init__(
        self,
        rules: list[FaultRule],
        settings: FaultSettings,
        tally: Counter[str] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._rules = {(r.registry, r.operation): r for r in rules}
        self._settings = settings
        self._streams: dict[tuple[str, str], random.Random] = {}
        self.tally: Counter[str] = Counter() if tally is None else tally
        self._sleep = sleep

    def _stream(self, registry: str, operation: str) -> random.Random:
        key = (registry, operation)
        if key not in self._streams:
            self._streams[key] = random.Random(f"{self._settings.seed}:{registry}:{operation}")
        return self._streams[key]

    def rule_for(self, registry: str, operation: str) -> FaultRule | None:
        """The rule of the operation, else of the whole registry, else None."""
        return self._rules.get((registry, operation)) or self._rules.get((registry, ANY))

    async def before(self, registry: str, operation: str, now: datetime) -> None:
        """Wait the added latency (and a spike's, when one is drawn), then fail if an outage
        or the error rate says so."""
        rule = self.rule_for(registry, operation)
        if rule is None:
            return
        draw = self._stream(registry, operation)
        wait_ms = rule.latency_ms * draw.uniform(0.5, 1.5) if rule.latency_ms else 0.0
        if rule.spike_rate and draw.random() < rule.spike_rate:  # no draw without spikes
            self.tally[SPIKE] += 1
            wait_ms += rule.spike_ms
        if wait_ms:
            await self._sleep(wait_ms / 1000)
        if rule.in_outage(now):
            self.tally[OUTAGE] += 1
            raise RegistryUnavailable(f"{registry} is in an outage until {rule.outage_to}")
        if draw.random() < rule.error_rate:
            self.tally[ERROR] += 1
            raise RegistryUnavailable(f"{registry}.{operation} failed (injected error)")

    def deliver(self, events: list[Event], cursor: int) -> list[Event]:
        """The page as the faulty feed delivers it: some events twice, some pairs swapped."""
        s = self._settings
        if not events or (s.duplicate_rate == 0 and s.reorder_rate == 0):
            return events
        draw = random.Random(f"{s.seed}:feed:{cursor}")
        page: list[Event] = []
        for event in events:
            page.append(event)
            if draw.random() < s.duplicate_rate:
                page.append(event)
        for i in range(len(page) - 1):
            if draw.random() < s.reorder_rate:
                page[i], page[i + 1] = page[i + 1], page[i]
        return page
