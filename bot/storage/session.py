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

    # Each statement is one trip to aiosqlite's thread: a query fetches all its rows in the
    # same trip (`execute_fetchall`), and a write's cursor is read for its counts without the
    # extra trip of closing it (a DML statement is finished and reset when `execute` returns;
    # the cursor object is dropped with the last reference).

    async def rows(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Every row a query gives."""
        return list(await self._open_connection().execute_fetchall(sql, params))

    async def row(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """The first row a query gives, or None (queries here name one row by its key)."""
        found = await self._open_connection().execute_fetchall(sql, params)
        return next(iter(found), None)

    async def run(self, sql: str, params: Params = ()) -> int:
        """Run a statement; how many rows it changed."""
        cursor = await self._open_connection().execute(sql, params)
        return cursor.rowcount

    async def insert(self, sql: str, params: Params = ()) -> int | None:
        """Run an INSERT; the new row's id, or None when nothing was inserted."""
        cursor = await self._open_connection().execute(sql, params)
        return cursor.lastrowid if cursor.rowcount == 1 else None
