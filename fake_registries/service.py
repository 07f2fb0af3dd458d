"""The registries as a service: the operations the bot may call, with faults applied.

Both transports serve exactly this: the in-process client calls it directly, the HTTP
server exposes it as JSON. A missing record raises NotFound; an injected fault raises
RegistryUnavailable.
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from typing import TypeVar

from bot.registries.errors import BadRequest, NotFound
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
from bot.registries.port import MAX_KEYS
from fake_registries import (
    accounts,
    civil,
    clock,
    disability,
    education,
    faults,
    feed,
    payments,
    pensions,
    population,
)

FAULTS_REFRESH_SECONDS = 1.0
T = TypeVar("T")


def _found(record: T | None, what: str) -> T:
    if record is None:
        raise NotFound(what)
    return record


class RegistryService:
    """Every read the bot makes of the state, over one registries file."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._injector: faults.FaultInjector | None = None
        self._loaded: tuple[list[faults.FaultRule], faults.FaultSettings] | None = None
        self._loaded_at = float("-inf")
        self.injected: Counter[str] = Counter()  # the faults injected so far, by kind

    def _faults(self) -> faults.FaultInjector:
        """The current rules, re-read at most once a second so testers can change them live.

        Unchanged rules keep their injector, so its seeded streams run on instead of restarting.
        """
        if time.monotonic() - self._loaded_at > FAULTS_REFRESH_SECONDS or self._injector is None:
            loaded = (faults.rules(self._conn), faults.settings(self._conn))
            if self._injector is None or loaded != self._loaded:
                self._injector = faults.FaultInjector(*loaded, tally=self.injected)
                self._loaded = loaded
            self._loaded_at = time.monotonic()
        return self._injector

    async def _enter(self, registry: str, operation: str) -> None:
        await self._faults().before(registry, operation, clock.now(self._conn))

    async def now(self) -> datetime:
        """The simulated clock of the registries."""
        return clock.now(self._conn)

    async def person(self, iin: str) -> Person:
        """A person by IIN."""
        await self._enter("population", "person")
        return _found(population.get(self._conn, iin), f"no person with IIN {iin}")

    async def _enter_many(self, registry: str, operation: str, iins: Sequence[str]) -> None:
        """A bulk lookup is one call of its operation: its faults apply once."""
        if len(iins) > MAX_KEYS:
            raise BadRequest(f"a bulk lookup takes at most {MAX_KEYS} IINs, not {len(iins)}")
        await self._enter(registry, operation)

    async def people(self, iins: Sequence[str]) -> dict[str, Person]:
        """The people of these IINs the registry holds (the others are absent)."""
        await self._enter_many("population", "person", iins)
        return population.get_many(self._conn, iins)

    async def disabilities(self, iins: Sequence[str]) -> dict[str, Disability]:
        """The latest disability of each of these people who has one."""
        await self._enter_many("disability", "disability", iins)
        return disability.latest_many(self._conn, iins)

    async def deaths(self, iins: Sequence[str]) -> dict[str, Death]:
        """The registered deaths among these people."""
        await self._enter_many("civil", "death", iins)
        return civil.deaths_of(self._conn, iins)

    async def accounts(self, iins: Sequence[str]) -> dict[str, Account]:
        """The accounts on file of these people who have one."""
        await self._enter_many("accounts", "account", iins)
        return accounts.of_many(self._conn, iins)

    async def person_by_phone(self, phone: str) -> Person:
        """A person by the phone registered for e-government (E.164)."""
        await self._enter("population", "person_by_phone")
        return _found(population.by_phone(self._conn, phone), "no person with this phone")

    async def disability(self, iin: str) -> Disability:
        """The latest disability established for a person."""
        await self._enter("disability", "disability")
        return _found(disability.latest(self._conn, iin), f"no disability for IIN {iin}")

    async def death(self, iin: str) -> Death:
        """The registered death of a person."""
        await self._enter("civil", "death")
        return _found(civil.death_of(self._conn, iin), f"no death registered for IIN {iin}")

    async def kin(self, iin: str) -> list[Kin]:
        """Children, parents and spouses of a person (empty when none are registered)."""
        await self._enter("civil", "kin")
        return civil.kin_of(self._conn, iin)

    async def payments_on(self, iin: str, on: date) -> list[Payment]:
        """Pensions and benefits a person received on a date (empty when none)."""
        await self._enter("pensions", "payments_on")
        return pensions.on(self._conn, iin, on)

    async def burial_filings(self, deceased_iin: str) -> list[BurialFiling]:
        """Burial applications and assignments for a deceased (empty when none)."""
        await self._enter("payments", "burial_filings")
        return payments.burial_filings(self._conn, deceased_iin)

    async def account(self, iin: str) -> Account:
        """The account on file for a person."""
        await self._enter("accounts", "account")
        return _found(accounts.of(self._conn, iin), f"no account on file for IIN {iin}")

    async def education(self, iin: str, on: date) -> StudyStatus:
        """Whether a person studies full time on a date."""
        await self._enter("education", "education")
        return education.status(self._conn, iin, on)

    async def events_after(self, cursor: int, limit: int = 100) -> list[Event]:
        """Events after the cursor, as the (possibly faulty) feed delivers them."""
        await self._enter("feed", "events_after")
        try:
            events = feed.after(self._conn, cursor, limit)
        except (ValueError, OverflowError) as error:  # OverflowError: a cursor beyond 64 bits
            raise BadRequest(str(error)) from error
        return self._faults().deliver(events, cursor)
