"""The registries over HTTP: every RegistryService operation as JSON (aiohttp.web).

Single lookups are GETs; bulk lookups are POSTs to `/batch/{persons,disability,deaths,accounts}`
of `{"iins": [...]}`, answered `{iin: record}` for the records the registry holds.

Answers: 200 with the record or list; 404 `{"error": "not_found"}` when the registry holds no
such record; 400 `{"error": "bad_request"}` for an argument it cannot read; 503
`{"error": "unavailable"}` for an injected fault or outage; 500 `{"error": "internal"}` for a
bug. A path that is no route answers 404 `{"error": "no_route"}`, which is not "no such
record". Query values are only percent-decoded: a literal `+` stays a plus, as in E.164.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager, suppress
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import BaseModel, TypeAdapter

from bot.registries.errors import BadRequest, NotFound, Retriable
from bot.registries.port import OPERATIONS
from fake_registries import db
from fake_registries.service import RegistryService

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"  # loopback: the fake state is not for the network
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
DEFAULT_PORT = 8765
SHUTDOWN_TIMEOUT = 5.0  # seconds in-flight requests get when the server stops
DEFAULT_PAGE = 100
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INT = re.compile(r"-?[0-9]{1,19}")
_INT64 = range(-(2**63), 2**63)  # SQLite's integers
_DATETIME = TypeAdapter(datetime)
_dumps = partial(json.dumps, ensure_ascii=False)

Route = Callable[[web.Request], Awaitable[Any]]


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": code, "message": message}, status=status, dumps=_dumps)


def _jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    return value


def _query(request: web.Request) -> dict[str, str]:
    """The query's parameters, percent-decoded only (`+` is a plus); the first of repeats."""
    params: dict[str, str] = {}
    for part in request.rel_url.raw_query_string.split("&"):
        if part:
            name, _, value = part.partition("=")
            params.setdefault(unquote(name), unquote(value))
    return params


def _required(params: Mapping[str, str], name: str, form: str) -> str:
    if name not in params:
        raise BadRequest(f"missing query parameter {name}={form}")
    return params[name]


def _date(params: Mapping[str, str], name: str) -> date:
    text = _required(params, name, "YYYY-MM-DD")
    if _DATE.fullmatch(text):
        with suppress(ValueError):  # 2026-02-30 has the form but is no date
            return date.fromisoformat(text)
    raise BadRequest(f"{name}={text!r} is not a date YYYY-MM-DD")


def _int(params: Mapping[str, str], name: str, default: int | None = None) -> int:
    if default is not None and name not in params:
        return default
    text = _required(params, name, "N")
    if not _INT.fullmatch(text) or int(text) not in _INT64:
        raise BadRequest(f"{name}={text!r} is not a 64-bit integer")
    return int(text)


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Registry errors and aiohttp's own as JSON; an unexpected one logged, answered 500."""
    try:
        return await handler(request)
    except NotFound as error:
        return _error(404, "not_found", str(error))
    except BadRequest as error:
        return _error(400, "bad_request", str(error))
    except Retriable as error:
        return _error(503, "unavailable", str(error))
    except web.HTTPException as error:
        code = "no_route" if error.status == 404 else "http_error"
        response = _error(error.status, code, f"{request.method} {request.path}: {error.reason}")
        if "Allow" in error.headers:
            response.headers["Allow"] = error.headers["Allow"]
        return response
    except Exception:
        log.exception("registries: %s %s failed", request.method, request.rel_url)
        return _error(500, "internal", "the registries failed; see the server's log")


def _routes(service: RegistryService) -> dict[str, Route]:
    """Each GET lookup of the port (`OPERATIONS`) and the service call it answers with."""

    async def now(_: web.Request) -> Any:
        return {"now": _DATETIME.dump_python(await service.now(), mode="json")}

    async def person_by_phone(request: web.Request) -> Any:
        return await service.person_by_phone(_required(_query(request), "phone", "+7..."))

    async def payments_on(request: web.Request) -> Any:
        iin = request.match_info["iin"]
        return await service.payments_on(iin, _date(_query(request), "on"))

    async def education(request: web.Request) -> Any:
        return await service.education(request.match_info["iin"], _date(_query(request), "on"))

    async def events(request: web.Request) -> Any:
        params = _query(request)
        cursor = _int(params, "after")
        return await service.events_after(cursor, _int(params, "limit", DEFAULT_PAGE))

    def by_iin(call: Callable[[str], Awaitable[Any]]) -> Route:
        async def route(request: web.Request) -> Any:
            return await call(request.match_info["iin"])

        return route

    return {
        "now": now,
        "person": by_iin(service.person),
        "person_by_phone": person_by_phone,
        "disability": by_iin(service.disability),
        "death": by_iin(service.death),
        "kin": by_iin(service.kin),
        "payments_on": payments_on,
        "burial_filings": by_iin(service.burial_filings),
        "account": by_iin(service.account),
        "education": education,
        "events_after": events,
    }


async def _iins(request: web.Request) -> list[str]:
    """The `iins` of a bulk lookup's JSON body: a list of strings."""
    try:
        body = await request.json()
    except ValueError as error:
        raise BadRequest('a bulk lookup\'s body is JSON: {"iins": [...]}') from error
    iins = body.get("iins") if isinstance(body, dict) else None
    if not isinstance(iins, list) or not all(isinstance(iin, str) for iin in iins):
        raise BadRequest('a bulk lookup\'s body is {"iins": ["...", ...]}')
    return iins


def _bulk_routes(service: RegistryService) -> dict[str, Route]:
    """Each bulk lookup of the port (`OPERATIONS`, POST) and the service call it answers with."""

    def bulk(call: Callable[[list[str]], Awaitable[dict[str, Any]]]) -> Route:
        async def route(request: web.Request) -> Any:
            return await call(await _iins(request))

        return route

    return {
        "people": bulk(service.people),
        "disabilities": bulk(service.disabilities),
        "deaths": bulk(service.deaths),
        "accounts": bulk(service.accounts),
    }


def _json_handler(route: Route) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.json_response(_jsonable(await route(request)), dumps=_dumps)

    return handler


async def _health(_: web.Request) -> web.StreamResponse:
    return web.json_response({"status": "ok"})


def build_app(service: RegistryService) -> web.Application:
    """The registries' HTTP API over one service; faults apply as in process."""
    app = web.Application(middlewares=[_errors])
    app.router.add_get("/health", _health)
    routes = _routes(service) | _bulk_routes(service)
    if routes.keys() != OPERATIONS.keys():  # the port's lookups, each served, none more
        raise RuntimeError(
            f"routes differ from the port's lookups: {routes.keys() ^ OPERATIONS.keys()}"
        )
    for name, operation in OPERATIONS.items():
        # an empty IIN is a lookup that finds nothing, as in process
        path = operation.path.replace("{iin}", "{iin:[^/]*}")
        app.router.add_route(operation.method, path, _json_handler(routes[name]))
    return app


def _url(address: Any) -> str:
    host, port = address[0], address[1]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@asynccontextmanager
async def running(
    app: web.Application, host: str = DEFAULT_HOST, port: int = 0
) -> AsyncIterator[str]:
    """Serve the app on host:port (0: a free port) while the block runs; yields the base URL."""
    runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=SHUTDOWN_TIMEOUT)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        yield _url(runner.addresses[0])
    finally:
        await runner.cleanup()


async def serve(data_dir: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Serve the registries' file in data_dir over HTTP until cancelled."""
    if host not in LOOPBACK:
        log.warning("fake registries bound to %s: reachable beyond this machine", host)
    path = db.path_in(data_dir)
    conn = db.connect(path)
    try:
        async with running(build_app(RegistryService(conn)), host, port) as url:
            log.info("fake registries (%s) listening on %s", path, url)
            await asyncio.Event().wait()
    finally:
        conn.close()
