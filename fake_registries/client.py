"""The registry client port the bot depends on, and its in-process transport.

The bot watches the registries only through this port, with a timeout on every call, as it
would watch real ones; the HTTP transport (`fake_registries.http_client`) has the same shape.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from datetime import date, datetime
from typing import Protocol, TypeVar

from fake_registries.errors import RegistryTimeout
from fake_registries.models import (
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
from fake_registries.service import RegistryService

T = TypeVar("T")
DEFAULT_TIMEOUT = 2.0


class RegistryClient(Protocol):
    """Reads of the state registries; NotFound is a fact, Retriable errors may pass."""

    async def now(self) -> datetime:
        """The registries' (simulated) clock."""

    async def person(self, iin: str) -> Person:
        """A person by IIN."""

    async def people(self, iins: Sequence[str]) -> dict[str, Person]:
        """The people of these IINs (at most `MAX_KEYS`) the registry holds, by IIN."""

    async def disabilities(self, iins: Sequence[str]) -> dict[str, Disability]:
        """The latest disability of each of these people who has one, by IIN."""

    async def deaths(self, iins: Sequence[str]) -> dict[str, Death]:
        """The registered deaths among these people, by the deceased's IIN."""

    async def accounts(self, iins: Sequence[str]) -> dict[str, Account]:
        """The accounts on file of these people who have one, by IIN."""

    async def person_by_phone(self, phone: str) -> Person:
        """A person by e-government phone (E.164)."""

    async def disability(self, iin: str) -> Disability:
        """The latest disability established for a person."""

    async def death(self, iin: str) -> Death:
        """The registered death of a person."""

    async def kin(self, iin: str) -> list[Kin]:
        """Children, parents and spouses of a person."""

    async def payments_on(self, iin: str, on: date) -> list[Payment]:
        """Pensions and benefits a person received on a date."""

    async def burial_filings(self, deceased_iin: str) -> list[BurialFiling]:
        """Burial applications and assignments for a deceased."""

    async def account(self, iin: str) -> Account:
        """The account on file for a person."""

    async def education(self, iin: str, on: date) -> StudyStatus:
        """Whether a person studies full time on a date."""

    async def events_after(self, cursor: int, limit: int = 100) -> list[Event]:
        """Feed events after the cursor, in delivery order."""

    async def close(self) -> None:
        """Release the transport."""


class DirectClient:
    """In-process transport: calls the service directly, with the same timeout semantics."""

    def __init__(self, service: RegistryService, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._service = service
        self._timeout = timeout

    async def _call(self, what: str, call: Awaitable[T]) -> T:
        try:
            async with asyncio.timeout(self._timeout):  # in this task: no task per call
                return await call
        except TimeoutError as error:
            raise RegistryTimeout(f"{what} did not answer in {self._timeout} s") from error

    async def now(self) -> datetime:
        """The registries' clock."""
        return await self._call("clock", self._service.now())

    async def person(self, iin: str) -> Person:
        """A person by IIN."""
        return await self._call("population", self._service.person(iin))

    async def people(self, iins: Sequence[str]) -> dict[str, Person]:
        """People by IIN, in one call."""
        return await self._call("population", self._service.people(iins))

    async def disabilities(self, iins: Sequence[str]) -> dict[str, Disability]:
        """The latest disabilities, in one call."""
        return await self._call("disability", self._service.disabilities(iins))

    async def deaths(self, iins: Sequence[str]) -> dict[str, Death]:
        """Registered deaths, in one call."""
        return await self._call("civil", self._service.deaths(iins))

    async def accounts(self, iins: Sequence[str]) -> dict[str, Account]:
        """Accounts on file, in one call."""
        return await self._call("accounts", self._service.accounts(iins))

    async def person_by_phone(self, phone: str) -> Person:
        """A person by e-government phone."""
        return await self._call("population", self._service.person_by_phone(phone))

    async def disability(self, iin: str) -> Disability:
        """The latest disability of a person."""
        return await self._call("disability", self._service.disability(iin))

    async def death(self, iin: str) -> Death:
        """The registered death of a person."""
        return await self._call("civil", self._service.death(iin))

    async def kin(self, iin: str) -> list[Kin]:
        """Children, parents and spouses."""
        return await self._call("civil", self._service.kin(iin))

    async def payments_on(self, iin: str, on: date) -> list[Payment]:
        """Payments received on a date."""
        return await self._call("pensions", self._service.payments_on(iin, on))

    async def burial_filings(self, deceased_iin: str) -> list[BurialFiling]:
        """Burial applications and assignments."""
        return await self._call("payments", self._service.burial_filings(deceased_iin))

    async def account(self, iin: str) -> Account:
        """The account on file."""
        return await self._call("accounts", self._service.account(iin))

    async def education(self, iin: str, on: date) -> StudyStatus:
        """Full-time study on a date."""
        return await self._call("education", self._service.education(iin, on))

    async def events_after(self, cursor: int, limit: int = 100) -> list[Event]:
        """Feed events after the cursor."""
        return await self._call("feed", self._service.events_after(cursor, limit))

    async def close(self) -> None:
        """Nothing to release in process."""
