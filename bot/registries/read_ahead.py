"""Registry lookups read ahead in bulk for a page of feed events.

Screening an event asks the registries for a handful of records one by one (the disability,
the person, whether they died, the account on file). For a page of events `ReadAhead` asks
for each kind of record once, for every IIN the page names, and then answers those lookups
from memory: a record the bulk answer did not hold is NotFound, exactly as the single lookup
would say. Everything else (kin, study, payments, filings, the feed) goes to the registries.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Generic, TypeVar

from bot.registries.errors import NotFound
from bot.registries.facts import (
    Account,
    BurialFiling,
    Death,
    Disability,
    Event,
    EventKind,
    Kin,
    Payment,
    Person,
    StudyStatus,
)
from bot.registries.port import MAX_KEYS, RegistryClient

T = TypeVar("T")
_Lookup = Callable[[Sequence[str]], Awaitable[dict[str, T]]]


class _Known(Generic[T]):
    """Records of one kind read in bulk: the IINs asked for, and those found."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.asked: set[str] = set()
        self.found: dict[str, T] = {}

    def missing(self, iins: Iterable[str]) -> list[str]:
        """The IINs not asked for yet, each once, in order."""
        return sorted(set(iins) - self.asked)

    def take(self, iins: Sequence[str], found: dict[str, T]) -> None:
        """A bulk answer for `iins`."""
        self.asked.update(iins)
        self.found.update(found)

    async def get(self, iin: str, single: Callable[[str], Awaitable[T]]) -> T:
        """The record read ahead (NotFound when the registry holds none), or the single
        lookup's answer for an IIN that was not asked for."""
        if iin not in self.asked:
            return await single(iin)
        if iin not in self.found:
            raise NotFound(f"no {self.what} for IIN {iin}")
        return self.found[iin]


def _chunks(iins: Sequence[str]) -> list[Sequence[str]]:
    return [iins[n : n + MAX_KEYS] for n in range(0, len(iins), MAX_KEYS)]


class ReadAhead:
    """A `RegistryClient` over another one, answering from records read ahead in bulk."""

    def __init__(self, registries: RegistryClient) -> None:
        self._registries = registries
        self._people: _Known[Person] = _Known("person")
        self._disabilities: _Known[Disability] = _Known("disability")
        self._deaths: _Known[Death] = _Known("death registered")
        self._accounts: _Known[Account] = _Known("account on file")

    async def read(self, events: Sequence[Event]) -> None:
        """Read ahead what screening these events asks: the disabilities and deaths they
        name, the people concerned (a child's representative, a declarant, the deceased too),
        whether they died, and the accounts on file of those the offers go to."""
        disabled = [e.payload["iin"] for e in events if e.kind is EventKind.DISABILITY_ESTABLISHED]
        deceased = [
            e.payload["deceased_iin"] for e in events if e.kind is EventKind.DEATH_REGISTERED
        ]
        await self._fill(self._disabilities, disabled, self._registries.disabilities)
        found = [d for d in map(self._disabilities.found.get, disabled) if d is not None]
        representatives = [d.representative_iin for d in found if d.representative_iin]
        await self._fill(self._deaths, disabled + deceased, self._registries.deaths)
        declarants = [d.declarant_iin for d in self._deaths.found.values()]
        concerned = disabled + representatives + declarants
        await self._fill(self._people, concerned + deceased, self._registries.people)
        await self._fill(self._accounts, concerned, self._registries.accounts)

    async def _fill(self, known: _Known[T], iins: Iterable[str], lookup: _Lookup[T]) -> None:
        for chunk in _chunks(known.missing(iins)):
            known.take(chunk, await lookup(chunk))

    # ---------------------------------------------------------------- RegistryClient

    async def now(self) -> datetime:
        """The registries' clock."""
        return await self._registries.now()

    async def person(self, iin: str) -> Person:
        """A person by IIN."""
        return await self._people.get(iin, self._registries.person)

    async def people(self, iins: Sequence[str]) -> dict[str, Person]:
        """People by IIN."""
        return await self._registries.people(iins)

    async def disability(self, iin: str) -> Disability:
        """The latest disability of a person."""
        return await self._disabilities.get(iin, self._registries.disability)

    async def disabilities(self, iins: Sequence[str]) -> dict[str, Disability]:
        """The latest disabilities."""
        return await self._registries.disabilities(iins)

    async def death(self, iin: str) -> Death:
        """The registered death of a person."""
        return await self._deaths.get(iin, self._registries.death)

    async def deaths(self, iins: Sequence[str]) -> dict[str, Death]:
        """Registered deaths."""
        return await self._registries.deaths(iins)

    async def account(self, iin: str) -> Account:
        """The account on file."""
        return await self._accounts.get(iin, self._registries.account)

    async def accounts(self, iins: Sequence[str]) -> dict[str, Account]:
        """Accounts on file."""
        return await self._registries.accounts(iins)

    async def person_by_phone(self, phone: str) -> Person:
        """A person by e-government phone."""
        return await self._registries.person_by_phone(phone)

    async def kin(self, iin: str) -> list[Kin]:
        """Children, parents and spouses."""
        return await self._registries.kin(iin)

    async def payments_on(self, iin: str, on: date) -> list[Payment]:
        """Payments received on a date."""
        return await self._registries.payments_on(iin, on)

    async def burial_filings(self, deceased_iin: str) -> list[BurialFiling]:
        """Burial applications and assignments."""
        return await self._registries.burial_filings(deceased_iin)

    async def education(self, iin: str, on: date) -> StudyStatus:
        """Full-time study on a date."""
        return await self._registries.education(iin, on)

    async def events_after(self, cursor: int, limit: int = 100) -> list[Event]:
        """Feed events after the cursor."""
        return await self._registries.events_after(cursor, limit)

    async def close(self) -> None:
        """The registries' client stays open: its owner closes it."""
