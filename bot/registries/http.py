"""The registry client port over HTTP (aiohttp), with the in-process client's semantics.

A registry's answer becomes the record or a typed error: 404 `not_found` is NotFound (a
fact), 400 BadRequest; a timeout is RegistryTimeout; a 5xx, a refused or broken connection,
a 404 that is no registry's answer, or a body that is no record is RegistryUnavailable. A
retriable failure never surfaces as NotFound or as an aiohttp exception.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from types import TracebackType
from typing import Self, TypeVar
from urllib.parse import quote, urlencode

import aiohttp
from pydantic import BaseModel, TypeAdapter, ValidationError
from yarl import URL

from bot.registries.errors import (
    BadRequest,
    NotFound,
    RegistryError,
    RegistryTimeout,
    RegistryUnavailable,
)
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

T = TypeVar("T")
_RETRY_LATER = frozenset({408, 425, 429})


class _Clock(BaseModel):
    now: datetime


_CLOCK = TypeAdapter(_Clock)
_PERSON = TypeAdapter(Person)
_DISABILITY = TypeAdapter(Disability)
_DEATH = TypeAdapter(Death)
_KIN = TypeAdapter(list[Kin])
_PAYMENTS = TypeAdapter(list[Payment])
_FILINGS = TypeAdapter(list[BurialFiling])
_ACCOUNT = TypeAdapter(Account)
_STUDY = TypeAdapter(StudyStatus)
_EVENTS = TypeAdapter(list[Event])
_PEOPLE = TypeAdapter(dict[str, Person])
_DISABILITIES = TypeAdapter(dict[str, Disability])
_DEATHS = TypeAdapter(dict[str, Death])
_ACCOUNTS = TypeAdapter(dict[str, Account])


def _error_body(body: bytes) -> tuple[str | None, str]:
    """The `error` code and message of a JSON error answer; (None, excerpt) for any other."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return data["error"], str(data.get("message", ""))
    return None, body[:200].decode("utf-8", "replace")


def _failure(what: str, status: int, body: bytes) -> RegistryError:
    """The typed error for a non-2xx answer; only the registry's own 404 is NotFound."""
    code, message = _error_body(body)
    if status == 404 and code == "not_found":
        return NotFound(message)
    if 400 <= status < 500 and status != 404 and status not in _RETRY_LATER:
        return BadRequest(f"{what} answered {status}: {message}")
    return RegistryUnavailable(f"{what} answered {status}: {message}")


def _segment(value: str) -> str:
    return quote(value, safe="")


class HttpClient:
    """Reads the registries over HTTP; every call is bounded by `timeout` seconds."""

    def __init__(
        self,
        base_url: str,
        timeout: float = DEFAULT_TIMEOUT,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        url = URL(base_url)
        if url.scheme not in {"http", "https"} or not url.host:
            raise ValueError(f"the registries' base URL must be http(s)://host..., not {base_url}")
        if timeout <= 0:
            raise ValueError(f"the timeout must be positive, not {timeout}")
        self._base = str(url).rstrip("/")
        self._timeout = timeout
        self._client_timeout = aiohttp.ClientTimeout(total=timeout)
        self._session = session
        self._owns_session = session is None
        self._closed = False

    def _http(self) -> aiohttp.ClientSession:
        if self._closed:
            raise RuntimeError("the registry client is closed")
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def _get(
        self, name: str, adapter: TypeAdapter[T], iin: str = "", query: tuple[str, ...] = ()
    ) -> T:
        """A GET lookup of `OPERATIONS[name]`; `query` gives its parameters' values, in order."""
        operation = OPERATIONS[name]
        path = operation.path.format(iin=_segment(iin))
        params = dict(zip(operation.query, query, strict=True))
        url = self._base + path + (f"?{urlencode(params, quote_via=quote)}" if params else "")
        return await self._request(operation.registry, adapter, "GET", url)

    async def _bulk(self, name: str, adapter: TypeAdapter[T], iins: Sequence[str]) -> T:
        """A bulk lookup of `OPERATIONS[name]`: POST `{"iins": [...]}`."""
        operation = OPERATIONS[name]
        url = self._base + operation.path
        return await self._request(operation.registry, adapter, "POST", url, list(iins))

    async def _request(
        self, what: str, adapter: TypeAdapter[T], method: str, url: str, iins: object = None
    ) -> T:
        payload = None if iins is None else {"iins": iins}
        try:
            async with self._http().request(
                method,
                URL(url, encoded=True),
                json=payload,
                timeout=self._client_timeout,
                allow_redirects=False,
            ) as response:
                status, body = response.status, await response.read()
        except TimeoutError as error:  # before OSError: aiohttp's timeouts are both
            raise RegistryTimeout(f"{what} did not answer in {self._timeout} s") from error
        except (aiohttp.ClientError, OSError) as error:
            raise RegistryUnavailable(f"{what} unreachable: {error!r}") from error
        if not 200 <= status < 300:
            raise _failure(what, status, body)
        try:
            return adapter.validate_json(body)
        except ValidationError as error:
            # the error's text would quote the body, personal data included: count, not quote
            problems = error.error_count()
            raise RegistryUnavailable(
                f"{what} answered what is no record ({problems} problems)"
            ) from error

    async def now(self) -> datetime:
        """The registries' clock."""
        return (await self._get("now", _CLOCK)).now

    async def person(self, iin: str) -> Person:
        """A person by IIN."""
        return await self._get("person", _PERSON, iin)

    async def people(self, iins: Sequence[str]) -> dict[str, Person]:
        """People by IIN, in one request."""
        return await self._bulk("people", _PEOPLE, iins)

    async def disabilities(self, iins: Sequence[str]) -> dict[str, Disability]:
        """The latest disabilities, in one request."""
        return await self._bulk("disabilities", _DISABILITIES, iins)

    async def deaths(self, iins: Sequence[str]) -> dict[str, Death]:
        """Registered deaths, in one request."""
        return await self._bulk("deaths", _DEATHS, iins)

    async def accounts(self, iins: Sequence[str]) -> dict[str, Account]:
        """Accounts on file, in one request."""
        return await self._bulk("accounts", _ACCOUNTS, iins)

    async def person_by_phone(self, phone: str) -> Person:
        """A person by e-government phone (the `+` travels as %2B)."""
        return await self._get("person_by_phone", _PERSON, query=(phone,))

    async def disability(self, iin: str) -> Disability:
        """The latest disability of a person."""
        return await self._get("disability", _DISABILITY, iin)

    async def death(self, iin: str) -> Death:
        """The registered death of a person."""
        return await self._get("death", _DEATH, iin)

    async def kin(self, iin: str) -> list[Kin]:
        """Children, parents and spouses."""
        return await self._get("kin", _KIN, iin)

    async def payments_on(self, iin: str, on: date) -> list[Payment]:
        """Payments received on a date."""
        return await self._get("payments_on", _PAYMENTS, iin, (on.isoformat(),))

    async def burial_filings(self, deceased_iin: str) -> list[BurialFiling]:
        """Burial applications and assignments."""
        return await self._get("burial_filings", _FILINGS, deceased_iin)

    async def account(self, iin: str) -> Account:
        """The account on file."""
        return await self._get("account", _ACCOUNT, iin)

    async def education(self, iin: str, on: date) -> StudyStatus:
        """Full-time study on a date."""
        return await self._get("education", _STUDY, iin, (on.isoformat(),))

    async def events_after(self, cursor: int, limit: int = 100) -> list[Event]:
        """Feed events after the cursor, in delivery order."""
        return await self._get("events_after", _EVENTS, query=(str(cursor), str(limit)))

    async def close(self) -> None:
        """Close the session if this client opened it; a caller's session stays open."""
        self._closed = True
        if self._owns_session and self._session is not None:
            await self._session.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()
