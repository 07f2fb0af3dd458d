"""A registry client that asks again: each call's retriable failure is retried with backoff.

A decision or a review reads a dozen records; when each call fails now and then, the whole
read almost never succeeds unless each call is retried where it failed. Over either
transport, a call that meets `Retriable` (an error answer, an outage, a timeout) is made again
after a short wait, up to `attempts` times; NotFound (a fact) and BadRequest pass at once,
and the last failure is raised as it came.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from bot.registries.errors import NotFound, Retriable
from bot.registries.facts import (
    Account,
    BurialFiling,
    Death,
    Disability,
    Event,
    Kin,
    Payment,
    Person,
    StudyStatus,
)
from bot.registries.port import OPERATIONS, RegistryClient

log = logging.getLogger(__name__)
T = TypeVar("T")
ATTEMPTS = 3
BACKOFF = (0.0, 0.05)  # seconds before the second and the third attempt


LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)  # seconds


@dataclass
class CallStats:
    """One operation's calls as this client made them: how many, how many failed (after
    their retries), and how long each took (retries included), counted into buckets."""

    calls: int = 0
    errors: int = 0
    seconds: float = 0.0
    buckets: list[int] = field(default_factory=lambda: [0] * len(LATENCY_BUCKETS))

    def observe(self, took: float, *, failed: bool) -> None:
        """One call that took `took` seconds."""
        self.calls += 1
        self.errors += failed
        self.seconds += took
        for n, bound in enumerate(LATENCY_BUCKETS):
            if took <= bound:
                self.buckets[n] += 1


class RetryingClient:
    """A `RegistryClient` over another that retries each call's retriable failures; how many
    it retried is `retried`. `sleep` is injectable so tests need not wait."""

    def __init__(
        self,
        inner: RegistryClient,
        attempts: int = ATTEMPTS,
        backoff: Sequence[float] = BACKOFF,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if attempts < 1 or not backoff or min(backoff) < 0:
            raise ValueError("a retrying client makes one attempt or more, waiting 0 s or more")
        self._inner, self._attempts, self._backoff, self._sleep = inner, attempts, backoff, sleep
        self.retried = 0
        self.stats: dict[str, CallStats] = {}  # by operation (its registry: OPERATIONS)

    async def _ask(self, operation: str, call: Callable[[], Awaitable[T]]) -> T:
        started = time.monotonic()
        failed = True
        try:
            found = await self._retried(operation, call)
            failed = False
            return found
        except NotFound:
            failed = False  # an answer: the registry holds no such record
            raise
        finally:
            stats = self.stats.setdefault(operation, CallStats())
            stats.observe(time.monotonic() - started, failed=failed)

    async def _retried(self, operation: str, call: Callable[[], Awaitable[T]]) -> T:
        what = OPERATIONS[operation].registry  # named in the log
        for attempt in range(1, self._attempts + 1):
            try:
                return await call()
            except Retriable as error:
                if attempt == self._attempts:
                    raise
                self.retried += 1
                log.info("%s did not answer (attempt %d), asking again: %s", what, attempt, error)
                await self._sleep(self._backoff[min(attempt, len(self._backoff)) - 1])
        raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover

    async def now(self) -> datetime:
        """The registries' clock."""
        return await self._ask("now", self._inner.now)

    async def person(self, iin: str) -> Person:
        """A person by IIN."""
        return await self._ask("person", lambda: self._inner.person(iin))

    async def people(self, iins: Sequence[str]) -> dict[str, Person]:
        """People by IIN, in one call."""
        return await self._ask("people", lambda: self._inner.people(iins))

    async def disabilities(self, iins: Sequence[str]) -> dict[str, Disability]:
        """The latest disabilities, in one call."""
        return await self._ask("disabilities", lambda: self._inner.disabilities(iins))

    async def deaths(self, iins: Sequence[str]) -> dict[str, Death]:
        """Registered deaths, in one call."""
        return await self._ask("deaths", lambda: self._inner.deaths(iins))

    async def accounts(self, iins: Sequence[str]) -> dict[str, Account]:
        """Accounts on file, in one call."""
        return await self._ask("accounts", lambda: self._inner.accounts(iins))

    async def person_by_phone(self, phone: str) -> Person:
        """A person by e-government phone."""
        return await self._ask("person_by_phone", lambda: self._inner.person_by_phone(phone))

    async def disability(self, iin: str) -> Disability:
        """The latest disability of a person."""
        return await self._ask("disability", lambda: self._inner.disability(iin))

    async def death(self, iin: str) -> Death:
        """The registered death of a person."""
        return await self._ask("death", lambda: self._inner.death(iin))

    async def kin(self, iin: str) -> list[Kin]:
        """Children, parents and spouses."""
        return await self._ask("kin", lambda: self._inner.kin(iin))

    async def payments_on(self, iin: str, on: date) -> list[Payment]:
        """Payments received on a date."""
        return await self._ask("payments_on", lambda: self._inner.payments_on(iin, on))

    async def burial_filings(self, deceased_iin: str) -> list[BurialFiling]:
        """Burial applications and assignments."""
        return await self._ask("burial_filings", lambda: self._inner.burial_filings(deceased_iin))

    async def account(self, iin: str) -> Account:
        """The account on file."""
        return await self._ask("account", lambda: self._inner.account(iin))

    async def education(self, iin: str, on: date) -> StudyStatus:
        """Full-time study on a date."""
        return await self._ask("education", lambda: self._inner.education(iin, on))

    async def events_after(self, cursor: int, limit: int = 100) -> list[Event]:
        """Feed events after the cursor."""
        return await self._ask("events_after", lambda: self._inner.events_after(cursor, limit))

    async def close(self) -> None:
        """Release the transport underneath."""
        await self._inner.close()
