"""Sessions, CSRF and the gate every request passes: signed in, allowed, form token right.

The session cookie holds a random token (HttpOnly, SameSite=Strict, Secure when configured);
the store keeps only its sha256. Each session has its own CSRF token, which every POST form
carries. A login is counted as a failure before its password is checked, in one step with
the count it is held to, and taken back when the password was right: logins sent at once
cannot pass the limit together. The limit is per name from one address, and per name from
all addresses; never per address alone, which everyone behind one proxy shares. The address
is the browser's: behind a trusted proxy (`BOT_CONSOLE_TRUSTED_PROXIES`), the one its
X-Forwarded-For names. Passwords are hashed off the event loop. Responses carry a strict
Content-Security-Policy: the console loads nothing from elsewhere.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from urllib.parse import quote, unquote, urlsplit

from aiohttp import web

from bot.ports import Storage
from bot.records import LoginLimits, Operator, WebSession
from bot.web.access import may
from bot.web.passwords import DUMMY_HASH, verify_password
from bot.web.routing import Handler, declared

log = logging.getLogger(__name__)
COOKIE = "console_session"
SESSION_TTL = timedelta(hours=8)
LOGIN_WINDOW = timedelta(minutes=15)
LOGIN_LIMIT = 5  # failed logins of one name from one address within the window
NAME_LIMIT = 20  # failed logins of one name from any address within the window
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
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()  # whose X-Forwarded-For counts


CONFIG: web.AppKey[ConsoleConfig] = web.AppKey("console_config", ConsoleConfig)
SIGNED: web.RequestKey[Signed] = web.RequestKey("signed", Signed)


_URL_DROPS = str.maketrans("", "", "\t\n\r")  # a URL parser removes these anywhere (WHATWG)
_URL_TRIMS = "".join(map(chr, range(0x21)))  # ... and these at either end (C0 controls, space)
_PATH_SAFE = "/-._~!$&'()*+,;=:@"  # RFC 3986 pchar and "/": kept as they are in a path
_QUERY_SAFE = _PATH_SAFE + "?%"  # ... and in a query, whose escapes stay escaped


def local_target(target: str, default: str = "/") -> str:
    """Where to send the browser next: `target` parsed and rebuilt as a path (and query) of
    this console, or `default`. What a browser would read as another site never comes back:
    a scheme, a host ("//host", "/\\host"), tabs or line breaks hiding one ("/\t/host")."""
    text = target.translate(_URL_DROPS).strip(_URL_TRIMS)
    if "\\" in text:
        return default
    parts = urlsplit(text)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return default
    path = quote("/" + unquote(parts.path).lstrip("/"), safe=_PATH_SAFE)
    query = quote(parts.query, safe=_QUERY_SAFE)  # its escapes kept: "%26" is not "&"
    rebuilt = f"{path}?{query}" if query else path
    again = urlsplit(rebuilt)
    if again.scheme or again.netloc or not rebuilt.startswith("/") or rebuilt.startswith("//"):
        return default
    return rebuilt


def now() -> datetime:
    """Real time: sessions and the audit record what people did, not the simulation."""
    return datetime.now(UTC)


def token_hash(token: str) -> str:
    """The stored form of a session token."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def _ip(text: str) -> IPv4Address | IPv6Address | None:
    """The address `text` names, or None when it names none."""
    try:
        return ip_address(text)
    except ValueError:
        return None


def _trusted(text: str, proxies: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    ip = _ip(text)
    return ip is not None and any(ip in network for network in proxies)


def address(request: web.Request) -> str:
    """The browser's address. Straight from the peer, unless the peer is a trusted proxy:
    then X-Forwarded-For is read from the right, past every trusted proxy, and the first
    address that is not one is the browser's (nginx's realip rule with real_ip_recursive). A
    header from anyone else is ignored: it could say anything."""
    peer = request.remote or "unknown"
    proxies = request.app[CONFIG].trusted_proxies
    if not _trusted(peer, proxies):
        return peer
    hops = [hop.strip() for value in request.headers.getall("X-Forwarded-For", ())
            for hop in value.split(",")]  # fmt: skip
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            return hop if _ip(hop) is not None else peer
    return hops[0] if hops and _ip(hops[0]) is not None else peer


LIMITS = LoginLimits(window=LOGIN_WINDOW, per_address=LOGIN_LIMIT, per_name=NAME_LIMIT)


async def sign_in(request: web.Request, name: str, password: str) -> tuple[Operator, str] | str:
    """Check a login; (account, session token) or why not: "limited" or "wrong".

    The attempt is counted before the password is checked (in one transaction with the
    count it is held to) and taken back only when the password was right."""
    storage = request.app[CONFIG].storage
    moment = now()
    async with storage.unit_of_work() as uow:
        attempt = await uow.sessions.attempt(name, address(request), moment, LIMITS)
        account = await uow.operators.get(name)
        await uow.commit()
    stored = account.password_hash if account else DUMMY_HASH
    # off the event loop: scrypt takes tens of milliseconds and every page would wait
    good = await asyncio.to_thread(verify_password, password, stored)
    if attempt is None:
        return "limited"  # after the same work as any other answer
    if not good or account is None or account.disabled_at is not None:
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
        await uow.sessions.take_back(attempt)
        await uow.sessions.add(session)
        await uow.commit()
    return account, token


def small_cookie(
    request: web.Request, response: web.StreamResponse, name: str, value: str, path: str = "/"
) -> None:
    """A cookie of the console's other than the session (the login form's token, the
    interface language): HttpOnly, SameSite=Strict, Secure behind HTTPS, as the session's."""
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="Strict",
        secure=request.app[CONFIG].secure_cookies,
        path=path,
    )


def same_token(sent: str, kept: str) -> bool:
    """Whether a form's token is the one kept, in constant time; any text may be sent (a
    token with letters outside ASCII is simply wrong)."""
    return hmac.compare_digest(sent.encode("utf-8"), kept.encode("utf-8"))


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
    """Security headers on every response, the raised ones (redirects, refusals) too, and a
    page that failed (logged, its details kept from the browser)."""
    try:
        response = await handler(request)
    except web.HTTPException as raised:
        _secure(raised)
        raise
    except Exception:
        log.exception("the console failed on %s %s", request.method, request.path)
        response = web.Response(status=500, text="the console failed; the log says why")
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
        if not same_token(sent, who.session.csrf):
            raise web.HTTPForbidden(text="the form's CSRF token is missing or wrong")
    request[SIGNED] = who
    return await handler(request)
