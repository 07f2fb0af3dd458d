"""The connection of one unit of work, open to the repositories only while the work is.

The repositories speak one SQL (SQLite's, with `?` and `:name` parameters) to a `Session`;
the session hands each statement to its database's `Driver` (`SqliteDriver` here,
`bot.storage.postgres.PostgresDriver` for PostgreSQL, which rewrites what differs).

Every statement is a trip to the database (aiosqlite's thread: about 90 µs here, against 1 µs
for the statement itself; a PostgreSQL server: a round trip), so a unit of work that takes many
items at once must not make a trip per write. Writes whose outcome nobody reads at once are
*deferred*: kept in order and sent at the next read or at commit, each run of the same
statement as one batch. A deferred write is single-table DML that reads no other table (no
subquery, trigger or cascade touches another table), so writes to different tables may go in
any order but one: `cases` first, since every other table's rows point at a case. Within a
table the order is kept. A read sees every write before it: it sends the deferred ones first.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import aiosqlite

from bot.ports import StaleWrite

Params = Mapping[str, object] | Sequence[object]
State = Literal["new", "open", "committed", "closed"]
Dialect = Literal["sqlite", "postgresql"]
PARENT_TABLE = "cases"  # the table every other table's rows point at: its writes go first


@dataclass(frozen=True, slots=True)
class Deferred:
    """A write sent later: its table, statement, parameters and the rows it must change."""

    table: str
    sql: str
    params: Params
    expect: int | None  # rows the statement must change; None: any number


def runs(writes: Sequence[Deferred]) -> list[tuple[str, int | None, list[Params]]]:
    """The deferred writes as (statement, rows each must change, parameters) runs: the
    parent table's first, then each table's in the order it was first written, each table's
    writes in their own order, consecutive writes of one statement merged."""
    tables: dict[str, list[Deferred]] = {PARENT_TABLE: []}
    for write in writes:
        tables.setdefault(write.table, []).append(write)
    merged: list[tuple[str, int | None, list[Params]]] = []
    for table_writes in tables.values():
        for write in table_writes:
            last = merged[-1] if merged else None
            if last is not None and last[0] == write.sql and last[1] == write.expect:
                last[2].append(write.params)
            else:
                merged.append((write.sql, write.expect, [write.params]))
    return merged


class Row(Protocol):
    """A result row: by column name or position (sqlite3.Row, asyncpg.Record)."""

    def keys(self) -> Iterable[str]:
        """The column names, in order."""

    def __getitem__(self, key: int | str) -> Any:
        """One column's value."""

    def __iter__(self) -> Iterator[Any]:
        """The values, in order."""

    def __len__(self) -> int:
        """How many columns."""


class Driver(Protocol):
    """One database connection's statements, as the session sends them."""

    dialect: Dialect

    async def fetch(self, sql: str, params: Params) -> Sequence[Row]:
        """Every row of a query."""

    async def execute(self, sql: str, params: Params) -> int:
        """Run a statement; how many rows it changed."""

    async def execute_many(self, sql: str, batch: Sequence[Params], *, counted: bool) -> int:
        """Run a statement once per parameter set in one trip; with `counted`, how many rows
        they changed in all (else any number: the driver may not know)."""

    async def insert(self, sql: str, params: Params) -> int | None:
        """Run an INSERT into a table with an `id` key; the new row's id, or None when
        nothing was inserted."""


class SqliteDriver:
    """aiosqlite's connection (a thread: each call one trip)."""

    dialect: Dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    # A query fetches all its rows in the same trip (`execute_fetchall`), and a write's cursor
    # is read for its counts without the extra trip of closing it (a DML statement is finished
    # and reset when `execute` returns; the cursor object is dropped with the last reference).

    async def fetch(self, sql: str, params: Params) -> Sequence[Row]:
        """Every row of a query, in the same trip."""
        return list(await self._conn.execute_fetchall(sql, params))

    async def execute(self, sql: str, params: Params) -> int:
        """Run a statement; how many rows it changed."""
        cursor = await self._conn.execute(sql, params)
        return int(cursor.rowcount)

    async def execute_many(self, sql: str, batch: Sequence[Params], *, counted: bool) -> int:
        """`executemany`: one trip, and SQLite counts the rows changed by all."""
        if len(batch) == 1:
            return await self.execute(sql, batch[0])
        return int((await self._conn.executemany(sql, batch)).rowcount)

    async def insert(self, sql: str, params: Params) -> int | None:
        """Run an INSERT; `lastrowid` when it inserted a row."""
        cursor = await self._conn.execute(sql, params)
        return cursor.lastrowid if cursor.rowcount == 1 else None


class Session:
    """Statements run inside a unit of work's transaction; refused outside it."""

    def __init__(self, driver: Driver) -> None:
        self._driver = driver
        self.dialect: Dialect = driver.dialect
        self.state: State = "new"  # new → open → committed | closed
        self._deferred: list[Deferred] = []
        self.trips = 0  # statements sent to the database thread (runs of deferred writes: one)

    def _open_connection(self) -> Driver:
        """The connection, if the unit of work is open."""
        if self.state == "open":
            return self._driver
        if self.state == "committed":
            raise RuntimeError("this unit of work is committed: open a new one")
        raise RuntimeError("a unit of work is used outside `async with`")

    async def rows(self, sql: str, params: Params = ()) -> list[Row]:
        """Every row a query gives, after the deferred writes."""
        await self.flush()
        self.trips += 1
        return list(await self._open_connection().fetch(sql, params))

    async def row(self, sql: str, params: Params = ()) -> Row | None:
        """The first row a query gives, or None (queries here name one row by its key)."""
        return next(iter(await self.rows(sql, params)), None)

    async def run(self, sql: str, params: Params = ()) -> int:
        """Run a statement now, after the deferred writes; how many rows it changed."""
        await self.flush()
        self.trips += 1
        return await self._open_connection().execute(sql, params)

    async def run_many(self, sql: str, batch: Sequence[Params]) -> int:
        """Run a statement now for each parameter set, in one trip; rows changed in all."""
        await self.flush()
        if not batch:
            return 0
        self.trips += 1
        return await self._open_connection().execute_many(sql, batch, counted=True)

    async def insert(self, sql: str, params: Params = ()) -> int | None:
        """Run an INSERT now; the new row's id, or None when nothing was inserted."""
        await self.flush()
        self.trips += 1
        return await self._open_connection().insert(sql, params)

    def defer(self, table: str, sql: str, params: Params, *, expect: int | None = None) -> None:
        """Send a write to `table` with the next read or the commit. With `expect`, the
        statement must change that many rows, else the flush raises `StaleWrite`."""
        self._open_connection()
        self._deferred.append(Deferred(table, sql, params, expect))

    async def flush(self) -> None:
        """Send the deferred writes: one trip per run of the same statement."""
        if not self._deferred:
            return
        writes, self._deferred = self._deferred, []
        driver = self._open_connection()
        for sql, expect, batch in runs(writes):
            self.trips += 1
            changed = await driver.execute_many(sql, batch, counted=expect is not None)
            if expect is not None and changed != expect * len(batch):
                raise StaleWrite(
                    f"{len(batch)} deferred write(s) changed {changed} row(s),"
                    f" not {expect * len(batch)}: {sql.split(' (', 1)[0]}"
                )
