"""The console's gate: no session, no page; a wrong form token, no change; each role its own."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from bot.records import Role
from bot.simulation.pages import simulation_pages
from bot.web.access import PERMISSIONS, Permission
from bot.web.app import build_console
from bot.web.routing import DECLARED
from tests.console.support import CSRF, PASSWORD, browser, console_world
from tests.e2e.world import World

PUBLIC_PATHS = {("GET", "/login"), ("POST", "/login")}


def sample(path: str) -> str:
    """A concrete path for a route pattern: every {variable} filled in."""
    out, depth = "", 0
    for ch in path:
        if ch == "{":
            depth += 1
            out += "x1" if depth == 1 else ""
        elif ch == "}":
            depth -= 1
        elif depth == 0:
            out += ch
    return out


async def test_every_route_is_declared_and_refused_without_a_session(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    app = server.app
    declared = app[DECLARED]
    seen = 0
    async with browser(server) as anonymous:
        for resource in app.router.resources():
            if resource.canonical.startswith("/static"):
                continue
            for route in resource:
                if route.method == "HEAD":
                    continue
                key = (route.method, resource.canonical)
                assert key in declared, f"{key} was added without a declaration"
                if key in PUBLIC_PATHS:
                    assert declared[key].permission is None
                    continue
                assert declared[key].permission is not None, f"{key} must need a permission"
                path = sample(resource.canonical)
                if route.method == "GET":
                    response = await anonymous.get(path)
                    assert response.status == 303, key
                    assert response.headers["Location"].startswith("/login")
                else:
                    response = await anonymous.client.post(path, allow_redirects=False)
                    assert response.status == 401, key
                seen += 1
    assert seen >= 3


async def test_a_form_without_its_csrf_token_is_refused(served: tuple[World, TestServer]) -> None:
    _, server = served
    async with browser(server) as you:
        assert (await you.sign_in("operator")).status == 303
        refused = await you.client.post("/logout", data={}, allow_redirects=False)
        assert refused.status == 403
        wrong = await you.client.post("/logout", data={"csrf": "x" * 43}, allow_redirects=False)
        assert wrong.status == 403
        still = await you.get("/")
        assert still.status == 200  # still signed in: nothing changed
        done = await you.post("/logout")
        assert done.status == 303
        assert (await you.get("/")).status == 303  # signed out


async def test_login_itself_needs_its_form_token(served: tuple[World, TestServer]) -> None:
    _, server = served
    async with browser(server) as you:
        response = await you.client.post(
            "/login", data={"name": "operator", "password": "x"}, allow_redirects=False
        )
        assert response.status == 403


async def test_failed_logins_are_limited_then_even_the_right_password_waits(
    served: tuple[World, TestServer],
) -> None:
    _, server = served
    async with browser(server) as you:
        for _ in range(5):
            assert (await you.sign_in("reviewer", "wrong password!")).status == 401
        assert (await you.sign_in("reviewer")).status == 429


async def test_the_session_cookie_is_httponly_and_strict(served: tuple[World, TestServer]) -> None:
    _, server = served
    async with browser(server) as you:
        response = await you.sign_in("operator")
        cookie = response.cookies["console_session"]
        assert cookie["httponly"] and cookie["samesite"] == "Strict"
        page = await you.get("/")
        assert "default-src 'self'" in page.headers["Content-Security-Policy"]


@pytest.mark.parametrize("role", list(Role))
async def test_each_role_reaches_exactly_the_routes_its_permissions_allow(
    served: tuple[World, TestServer], role: Role
) -> None:
    _, server = served
    declared = server.app[DECLARED]
    async with browser(server) as you:
        assert (await you.sign_in(role.value)).status == 303
        for (method, path), route in declared.items():
            if method != "GET" or route.permission is None or "{" in path:
                continue
            response = await you.get(path)
            allowed = route.permission in PERMISSIONS[role]
            assert (response.status == 200) is allowed, (role, path, response.status)
            if not allowed:
                assert response.status == 403


async def test_simulation_pages_do_not_exist_outside_simulation_mode(tmp_path: Path) -> None:
    async with console_world(tmp_path, simulation=False) as (world, _server):
        app = build_console(world.bot, extra=simulation_pages(world.bot))
        paths = {path for _method, path in app[DECLARED]}
        assert not [p for p in paths if p.startswith("/sim")]
        simulated = {
            (r.method, r.path)
            for r in __import__("bot.web.pages", fromlist=["all_routes"]).all_routes()
            if r.simulation_only
        }
        assert all(key not in app[DECLARED] for key in simulated)


def test_admin_may_not_decide_or_reveal_and_a_reviewer_may_not_administer() -> None:
    assert Permission.DECIDE not in PERMISSIONS[Role.ADMIN]
    assert Permission.REVEAL not in PERMISSIONS[Role.ADMIN]
    assert Permission.ADMIN not in PERMISSIONS[Role.REVIEWER]
    assert Permission.SIMULATE not in PERMISSIONS[Role.OPERATOR]


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "https://evil.example"])
async def test_after_login_the_browser_never_leaves_the_console(
    served: tuple[World, TestServer], target: str
) -> None:
    _, server = served
    async with browser(server) as you:
        form = await you.client.get("/login")
        token = CSRF.search(await form.text())
        assert token is not None
        response = await you.client.post(
            "/login",
            data={"csrf": token.group(1), "name": "operator", "password": PASSWORD,
                  "next": target},
            allow_redirects=False,
        )  # fmt: skip
        assert response.status == 303
        assert response.headers["Location"] == "/"


async def test_refusals_and_redirects_carry_the_security_headers(
    served: tuple[World, TestServer],
) -> None:
    _, server = served
    async with browser(server) as anonymous:
        redirect = await anonymous.get("/ledger")
        assert redirect.status == 303
        assert "default-src 'self'" in redirect.headers["Content-Security-Policy"]
        refused = await anonymous.client.post("/logout", allow_redirects=False)
        assert refused.status == 401
        assert refused.headers["X-Content-Type-Options"] == "nosniff"
