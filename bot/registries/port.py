"""The registry port the bot depends on: the operations it may call, what they answer.

The bot reads the state registries only through this port, with a timeout on every call, as
it would read real ones. Its implementations: the HTTP transport (`bot.registries.http`), the
retrying wrapper (`bot.registries.retrying`), the bulk read-ahead of a page of events
(`bot.registries.read_ahead`), and the simulator's in-process client
(`fake_registries.client.DirectClient`) and HTTP server. `OPERATIONS` names each lookup once;
the contract test holds every implementation to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol

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

DEFAULT_TIMEOUT = 2.0  # seconds a registry call may take
MAX_KEYS = 1000  # IINs one bulk lookup takes


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


@dataclass(frozen=True)
class Operation:
    """One lookup of the port: the registry that answers it (named in errors and logs) and
    its form over HTTP: GET, or POST with the body `{"iins": [...]}` for a bulk lookup; in
    `path`, `{iin}` is the person's IIN; `query` names the query parameters."""

    registry: str
    method: Literal["GET", "POST"]
    path: str
    query: tuple[str, ...] = ()


# Every lookup of the port, once: the HTTP client and server take their paths from here, and
# the contract test holds every implementation of `RegistryClient` to these names.
OPERATIONS: dict[str, Operation] = {
    "now": Operation("clock", "GET", "/now"),
    "person": Operation("population", "GET", "/persons/{iin}"),
    "people": Operation("population", "POST", "/batch/persons"),
    "person_by_phone": Operation("population", "GET", "/persons", ("phone",)),
    "disability": Operation("disability", "GET", "/disability/{iin}"),
    "disabilities": Operation("disability", "POST", "/batch/disability"),
    "death": Operation("civil", "GET", "/deaths/{iin}"),
    "deaths": Operation("civil", "POST", "/batch/deaths"),
    "kin": Operation("civil", "GET", "/kin/{iin}"),
    "payments_on": Operation("pensions", "GET", "/payments/{iin}", ("on",)),
    "burial_filings": Operation("payments", "GET", "/burial-filings/{iin}"),
    "account": Operation("accounts", "GET", "/accounts/{iin}"),
    "accounts": Operation("accounts", "POST", "/batch/accounts"),
    "education": Operation("education", "GET", "/education/{iin}", ("on",)),
    "events_after": Operation("feed", "GET", "/events", ("after", "limit")),
}
