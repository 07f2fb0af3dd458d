"""The console under test: a world with the bot, the console app on aiohttp's test server,
accounts of every role, and a browser-like client that signs in and posts forms."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from bot.records import Role
from bot.simulation.pages import simulation_pages
from bot.web.accounts import add_operator
from bot.web.app import build_console
from tests.e2e.world import World, open_world

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@asynccontextmanager
async def console_world(
    tmp_path: Path, **settings: Any
) -> AsyncIterator[tuple[World, TestServer]]:
    """A world with the bot started, accounts for each role, and the console served."""
    world = open_world(tmp_path)
    try:
        app = await world.start(**settings)
        for role in Role:
            await add_operator(app.storage, role.value, role, PASSWORD, datetime.now(UTC))
        server = TestServer(build_console(app, extra=simulation_pages(app)))
        await server.start_server()
        try:
            yield world, server
        finally:
            await server.close()
    finally:
        await world.close()


class Browser:
    """A client that keeps cookies, signs in through the form and posts forms with their token."""

    def __init__(
        self, client: TestClient[Any, Any], headers: dict[str, str] | None = None
    ) -> None:
        self.client = client
        self.csrf = ""
        self.headers = headers or {}  # sent with every request (as a proxy would add them)

    async def login_token(self) -> str:
        """The login form's token (its cookie is kept)."""
        form = await self.client.get("/login", headers=self.headers)
        token = CSRF.search(await form.text())
        assert token is not None
        return token.group(1)

    async def try_login(self, token: str, name: str, password: str) -> ClientResponse:
        """One post of the login form with a token already taken."""
        return await self.client.post(
            "/login",
            data={"csrf": token, "name": name, "password": password, "next": "/"},
            allow_redirects=False,
            headers=self.headers,
        )

    async def sign_in(self, name: str, password: str = PASSWORD) -> ClientResponse:
        response = await self.try_login(await self.login_token(), name, password)
        if response.status == 303:
            home = await self.client.get("/", headers=self.headers)
            found = CSRF.search(await home.text())
            self.csrf = found.group(1) if found else ""
        return response

    async def get(self, path: str, **kwargs: Any) -> ClientResponse:
        return await self.client.get(path, allow_redirects=False, headers=self.headers, **kwargs)

    async def post(self, path: str, data: dict[str, str] | None = None) -> ClientResponse:
        return await self.client.post(
            path,
            data={"csrf": self.csrf, **(data or {})},
            allow_redirects=False,
            headers=self.headers,
        )


@asynccontextmanager
async def browser(
    server: TestServer, headers: dict[str, str] | None = None
) -> AsyncIterator[Browser]:
    client: TestClient[Any, Any] = TestClient(server)
    await client.start_server()
    try:
        yield Browser(client, headers)
    finally:
        await client.close()
