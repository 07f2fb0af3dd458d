"""The simulator's in-process transport of the bot's registry port (`bot.registries.port`).

It calls the service directly with the same timeout semantics as the HTTP transport
(`bot.registries.http`), so the bot cannot tell the two apart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from datetime import date, datetime
from typing import TypeVar

from bot.registries.errors import RegistryTimeout
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
from bot.registries.port import DEFAULT_TIMEOUT, OPERATIONS
from fake_registries.service import RegistryService

T = TypeVar("T")


class DirectClient:
    """In-process transport: calls the service directly, with the same timeout semantics."""

    def __init__(self, service: RegistryService, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._service = service
        self._timeout = timeout

    async def _call(self, operation: str, call: Awaitable[T]) -> T:
        """Await one lookup of the port within the timeout; the error names its registry."""
        what = OPERATIONS[operation].registry
        try:
            async with asyncio.timeout(self._timeout):  # in this task: no task per call
                return await call
        except TimeoutError as error:
            raise RegistryTimeout(f"{what} did not answer in {self._timeout} s") from error

    async def now(self) -> datetime:
        """The registries' clock."""
        return await self._call("now", self._service.now())

    async def person(self, iin: str) -> Person:
        """A person by IIN."""
        return await self._call("person", self._service.person(iin))

    async def people(self, iins: Sequence[str]) -> dict[str, Person]:
        """People by IIN, in one call."""
        return await self._call("people", self._service.people(iins))

    async def disabilities(self, iins: Sequence[str]) -> dict[str, Disability]:
        """The latest disabilities, in one call."""
        return await self._call("disabilities", self._service.disabilities(iins))

    async def deaths(self, iins: Sequence[str]) -> dict[str, Death]:
        """Registered deaths, in one call."""
        return await self._call("deaths", self._service.deaths(iins))

    async def accounts(self, iins: Sequence[str]) -> dict[str, Account]:
        """Accounts on file, in one call."""
        return await self._call("accounts", self._service.accounts(iins))

    async def person_by_phone(self, phone: str) -> Person:
        """A person by e-government phone."""
        return await self._call("person_by_phone", self._service.person_by_phone(phone))

    async def disability(self, iin: str) -> Disability:
        """The latest disability of a person."""
        return await self._call("disability", self._service.disability(iin))

    async def death(self, iin: str) -> Death:
        """The registered death of a person."""
        return await self._call("death", self._service.death(iin))

    async def kin(self, iin: str) -> list[Kin]:
        """Children, parents and spouses."""
        return await self._call("kin", self._service.kin(iin))

    async def payments_on(self, iin: str, on: date) -> list[Payment]:
        """Payments received on a date."""
        return await self._call("payments_on", self._service.payments_on(iin, on))

    async def burial_filings(self, deceased_iin: str) -> list[BurialFiling]:
        """Burial applications and assignments."""
        return await self._call("burial_filings", self._service.burial_filings(deceased_iin))

    async def account(self, iin: str) -> Account:
        """The account on file."""
        return await self._call("account", self._service.account(iin))

    async def education(self, iin: str, on: date) -> StudyStatus:
        """Full-time study on a date."""
        return await self._call("education", self._service.education(iin, on))

    async def events_after(self, cursor: int, limit: int = 100) -> list[Event]:
        """Feed events after the cursor."""
        return await self._call("events_after", self._service.events_after(cursor, limit))

    async def close(self) -> None:
        """Nothing to release in process."""
