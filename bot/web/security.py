"""Sessions, CSRF and the gate every request passes: signed in, allowed, form token right.

The session cookie holds a random token (HttpOnly, SameSite=Strict, Secure when configured);
the store keeps only its sha256. Each session has its own CSRF token, which every POST form
carries. Failed logins are counted per name and per address: past the limit, logging in
waits. Responses carry a strict Content-Security-Policy: the console loads nothing from
elsewhere.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from aiohttp import web

from bot.ports import Storage
from bot.records import Operator, WebSession
from bot.web.access import may
from bot.web.passwords import DUMMY_HASH, verify_password
from bot.web.routing import Handler, declared

log = logging.getLogger(__name__)
COOKIE = "console_session"
SESSION_TTL = timedelta(hours=8)
LOGIN_WINDOW = timedelta(minutes=15)
LOGIN_LIMIT = 5  # failed attempts per name or address within the window
CSRF_FIELD = "csrf"
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


@dataclass(frozen=True)
class Signed:
    """The account and session of a signed-in request."""

    operator: Operator
    session: WebSession


@dataclass(frozen=True)
class ConsoleConfig:
    """What the gate needs to know."""

    storage: Storage
    secure_cookies: bool = False  # True behind HTTPS


CONFIG: web.AppKey[ConsoleConfig] = web.AppKey("console_config", ConsoleConfig)
SIGNED: web.RequestKey[Signed] = web.RequestKey("signed", Signed)


def now() -> datetime:
    """Real time: sessions and the audit record what people did, not the simulation."""
    return datetime.now(UTC)


def token_hash(token: str) -> str:
    """The stored form of a session token."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def address(request: web.Request) -> str:
    """The browser's address (the console listens on loopback or behind a proxy)."""
    return request.remote or "unknown"


async def sign_in(request: web.Request, name: str, password: str) -> tuple[Operator, str] | str:
    """Check a login; (account, session token) or why not: "limited" or "wrong"."""
    storage = request.app[CONFIG].storage
    moment = now()
    async with storage.unit_of_work() as uow:
        tried = await uow.sessions.failures_since(name, address(request), moment - LOGIN_WINDOW)
        account = await uow.operators.get(name)
    if tried >= LOGIN_LIMIT:
        verify_password(password, DUMMY_HASH)  # the same work either way
        return "limited"
    stored = account.password_hash if account else DUMMY_HASH
    good = verify_password(password, stored) and account is not None
    if not good or account is None or account.disabled_at is not None:
        async with storage.unit_of_work() as uow:
            await uow.sessions.record_failure(name, address(request), moment)
            await uow.commit()
        return "wrong"
    token = secrets.token_urlsafe(32)
    session = WebSession(
        token_hash=token_hash(token),
        operator=account.name,
        csrf=secrets.token_urlsafe(32),
        created_at=moment,
        expires_at=moment + SESSION_TTL,
    )
    async with storage.unit_of_work() as uow:
        await uow.sessions.add(session)
        await uow.commit()
    return account, token


def set_cookie(request: web.Request, response: web.StreamResponse, token: str) -> None:
    """The session cookie: HttpOnly, SameSite=Strict, Secure behind HTTPS."""
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="Strict",
        secure=request.app[CONFIG].secure_cookies,
        path="/",
    )


async def signed(request: web.Request) -> Signed | None:
    """The request's live session and its enabled account, if any."""
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    storage = request.app[CONFIG].storage
    async with storage.unit_of_work() as uow:
        session = await uow.sessions.get(token_hash(token))
        if session is None or session.expires_at <= now():
            return None
        account = await uow.operators.get(session.operator)
    if account is None or account.disabled_at is not None:
        return None
    return Signed(account, session)


async def sign_out(request: web.Request) -> None:
    """End the request's session."""
    token = request.cookies.get(COOKIE)
    if token:
        async with request.app[CONFIG].storage.unit_of_work() as uow:
            await uow.sessions.delete(token_hash(token))
            await uow.commit()


def current(request: web.Request) -> Signed:
    """The signed-in account of a request that passed the gate."""
    return request[SIGNED]


def _secure(response: web.StreamResponse) -> None:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Cache-Control", "no-store")


@web.middleware
async def headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Security headers on every response, the raised ones (redirects, refusals) too."""
    try:
        response = await handler(request)
    except web.HTTPException as raised:
        _secure(raised)
        raise
    _secure(response)
    return response


@web.middleware
async def gate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse what the route does not allow: no session, no permission, no CSRF token."""
    route = declared(request)
    if route is None:  # aiohttp's own 404 / 405
        return await handler(request)
    if route.permission is None:
        return await handler(request)
    who = await signed(request)
    if who is None:
        if request.method == "GET":
            raise web.HTTPSeeOther(f"/login?next={quote(request.rel_url.path, safe='/')}")
        raise web.HTTPUnauthorized(text="sign in first")
    if not may(who.operator.role, route.permission):
        raise web.HTTPForbidden(text=f"the role {who.operator.role.value} may not do this")
    if request.method == "POST":
        form = await request.post()
        sent = str(form.get(CSRF_FIELD, ""))
        if not hmac.compare_digest(sent, who.session.csrf):
            raise web.HTTPForbidden(text="the form's CSRF token is missing or wrong")
    request[SIGNED] = who
    return await handler(request)
