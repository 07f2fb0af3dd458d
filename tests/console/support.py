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

    def __init__(self, client: TestClient[Any, Any]) -> None:
        self.client = client
        self.csrf = ""

    async def sign_in(self, name: str, password: str = PASSWORD) -> ClientResponse:
        form = await self.client.get("/login")
        token = CSRF.search(await form.text())
        assert token is not None
        response = await self.client.post(
            "/login",
            data={"csrf": token.group(1), "name": name, "password": password, "next": "/"},
            allow_redirects=False,
        )
        if response.status == 303:
            home = await self.client.get("/")
            found = CSRF.search(await home.text())
            self.csrf = found.group(1) if found else ""
        return response

    async def get(self, path: str, **kwargs: Any) -> ClientResponse:
        return await self.client.get(path, allow_redirects=False, **kwargs)

    async def post(self, path: str, data: dict[str, str] | None = None) -> ClientResponse:
        return await self.client.post(
            path, data={"csrf": self.csrf, **(data or {})}, allow_redirects=False
        )


@asynccontextmanager
async def browser(server: TestServer) -> AsyncIterator[Browser]:
    client: TestClient[Any, Any] = TestClient(server)
    await client.start_server()
    try:
        yield Browser(client)
    finally:
        await client.close()
