"""The connection of one unit of work, open to the repositories only while the work is."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Literal

import aiosqlite

Params = Mapping[str, object] | Sequence[object]
State = Literal["new", "open", "committed", "closed"]


class Session:
    """Statements run inside a unit of work's transaction; refused outside it."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self.state: State = "new"  # new → open → committed | closed

    def _open_connection(self) -> aiosqlite.Connection:
        """The connection, if the unit of work is open."""
        if self.state == "open":
            return self._conn
        if self.state == "committed":
            raise RuntimeError("this unit of work is committed: open a new one")
        raise RuntimeError("a unit of work is used outside `async with`")

    async def rows(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Every row a query gives."""
        async with self._open_connection().execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def row(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """The first row a query gives, or None."""
        async with self._open_connection().execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def run(self, sql: str, params: Params = ()) -> int:
        """Run a statement; how many rows it changed."""
        async with self._open_connection().execute(sql, params) as cursor:
            return cursor.rowcount

    async def insert(self, sql: str, params: Params = ()) -> int | None:
        """Run an INSERT; the new row's id, or None when nothing was inserted."""
        async with self._open_connection().execute(sql, params) as cursor:
            return cursor.lastrowid if cursor.rowcount == 1 else None
