"""Signing in and out, and the interface language."""

from __future__ import annotations

import secrets

from aiohttp import web

from bot.records import AuditEntry
from bot.web import security
from bot.web.access import Permission
from bot.web.render import LANG_COOKIE, LANGUAGES, page
from bot.web.routing import PUBLIC, Route

LOGIN_CSRF = "login_csrf"  # before a session exists, the login form's token is a cookie


async def login_form(request: web.Request) -> web.StreamResponse:
    """The login page, with a fresh form token."""
    token = secrets.token_urlsafe(24)
    chosen = request.query.get("lang")
    if chosen in LANGUAGES:  # a preference, not an act: the page is shown in it at once
        request = request.clone(headers={**request.headers, "Cookie": f"{LANG_COOKIE}={chosen}"})
    response = page(request, "login.html", login_csrf=token, error=None,
                    next=security.local_target(request.query.get("next", "/")))  # fmt: skip
    security.small_cookie(request, response, LOGIN_CSRF, token, path="/login")
    if chosen in LANGUAGES:
        security.small_cookie(request, response, LANG_COOKIE, chosen)
    return response


async def login(request: web.Request) -> web.StreamResponse:
    """Check the form token and the password; on success a session cookie."""
    form = await request.post()
    cookie = request.cookies.get(LOGIN_CSRF, "")
    sent = str(form.get("csrf", ""))
    if not cookie or not security.same_token(sent, cookie):
        raise web.HTTPForbidden(text="the form's CSRF token is missing or wrong")
    name, password = str(form.get("name", "")).strip(), str(form.get("password", ""))
    outcome = await security.sign_in(request, name, password)
    target = security.local_target(str(form.get("next", "/")))
    if isinstance(outcome, str):
        token = secrets.token_urlsafe(24)
        status = 429 if outcome == "limited" else 401
        response = page(request, "login.html", status=status, login_csrf=token,
                        error=outcome, next=target)  # fmt: skip
        security.small_cookie(request, response, LOGIN_CSRF, token, path="/login")
        return response
    account, session_token = outcome
    async with request.app[security.CONFIG].storage.unit_of_work() as uow:
        await uow.audit.add(
            AuditEntry(
                at=security.now(),
                operator=account.name,
                action="sign_in",
                what="signed in",
                address=security.address(request),
            )  # fmt: skip
        )
        await uow.commit()
    response = web.HTTPSeeOther(target)
    security.set_cookie(request, response, session_token)
    response.del_cookie(LOGIN_CSRF, path="/login")
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    """End the session."""
    await security.sign_out(request)
    response = web.HTTPSeeOther("/login")
    response.del_cookie(security.COOKIE, path="/")
    raise response


async def language(request: web.Request) -> web.StreamResponse:
    """Choose the interface language (kk, ru, en)."""
    form = await request.post()
    chosen = str(form.get("lang", ""))
    back = security.local_target(str(form.get("back", "/")))
    response = web.HTTPSeeOther(back)
    if chosen in LANGUAGES:
        security.small_cookie(request, response, LANG_COOKIE, chosen)
    raise response


ROUTES = [
    Route("GET", "/login", login_form, PUBLIC, "login_form"),
    Route("POST", "/login", login, PUBLIC, "login"),
    Route("POST", "/logout", logout, Permission.OVERVIEW, "logout"),
    Route("POST", "/language", language, Permission.OVERVIEW, "language"),
]
