"""The bot's PostgreSQL database: the same repositories, migrations and units of work as the
SQLite file, for several bot instances at once.

The repositories' SQL is SQLite's; `translate` rewrites its parameters (`?` and `:name`) as
PostgreSQL's `$1, $2, …`, and the PostgreSQL migrations (`migrations/postgresql`, numbered as
SQLite's) give the schema what the SQL expects of it (an explicit `rowid` on `cases` and
`citizens`, a `json_each(text)`). The few statements that must differ ask the session's
`dialect`.

Many instances, one database, no global lock. A unit of work is a READ COMMITTED transaction
that locks only what it touches, so instances work side by side on different cases:

- **A case** is locked (`SELECT … FOR UPDATE`) whenever a unit of work reads it, before it
  touches the case's timers, messages or ledger rows; two units of work on one case take
  turns, on different cases they never wait.
- **Due work is claimed by key**, never by role: the reminders, expiries and decisions due
  are taken with their cases `FOR UPDATE SKIP LOCKED`, the replies with their sender's
  advisory lock tried without waiting (a sender's replies are handled in order, by one
  instance at a time). Each instance takes a batch no other holds; a claim dies with the
  transaction, so an instance killed mid-batch leaves its work to the others.
- **The ledger**: an append locks its case's chain alone (`bot.storage.consents`); the
  checkpoints that seal the chains into one log are made by one instance at a time.
- **Payments**: the one burial order per deceased is a unique index, and a survivor order is
  added to its family's total by one conditional UPDATE of the family's row, which a second
  instance's UPDATE waits for and re-checks: the family amount holds across instances.
- **Work between transactions** that one instance does at a time is claimed by role (`claim`,
  a session-level advisory lock tried without waiting): reading the registries' feed
  (intake), each channel's sending, and the ledger's checkpoints. If the holder dies its
  session ends and the next instance takes the role at its next round.

Two transactions that each wait for the other (a reply and a decision meeting on two cases
of one family) are ended by the server's deadlock detection; the one ended raises `Conflict`
and its work is run again.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from bot.ports import Conflict, StorageUnavailable
from bot.storage.session import Dialect, Params, Row
from bot.storage.sqlite import migrations
from bot.storage.unit import CrashAtCommit, Gate, SqlUnitOfWork

LOCKS = 0x626F74  # the advisory locks' class ("bot"): (LOCKS, n) names one lock
MIGRATE_LOCK = 1  # the instance migrating holds (LOCKS, MIGRATE_LOCK): one migrates at a time
POOL_SIZE = 8  # the due work and each channel's sender: a role lock and a unit of work each
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|(\?)|(?<!:):([A-Za-z_]\w*)")
_STATUS_COUNT = re.compile(r"(\d+)$")
Connection = asyncpg.Connection | PoolConnectionProxy  # a connection, or one lent by the pool
# what the server raises when it ended a transaction for another's sake: run the work again
_CONFLICTS = (
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.SerializationError,
)


@asynccontextmanager
async def conflicts_raised() -> AsyncIterator[None]:
    """The server's deadlock or serialization failure as `Conflict`."""
    try:
        yield
    except _CONFLICTS as error:
        raise Conflict(str(error)) from error


@lru_cache(maxsize=1024)
def translate(sql: str) -> tuple[str, tuple[str, ...] | int]:
    """SQLite's statement with PostgreSQL's parameters: `?` becomes `$1, $2, …` in order, and
    each `:name` one `$n` however often it appears. Quoted text is left alone. Returns the
    statement and the names of its parameters in order (for a mapping) or their number."""
    names: list[str] = []
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        if match.group(1):
            count += 1
            return f"${count}"
        name = match.group(2)
        if name is None:
            return match.group(0)  # a quoted string or identifier
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    rewritten = _TOKENS.sub(number, sql)
    if names and count:
        raise ValueError(f"a statement mixes ? and :name parameters: {sql[:60]!r}")
    return rewritten, tuple(names) if names else count


def arguments(shape: tuple[str, ...] | int, params: Params) -> Sequence[object]:
    """The parameters in `$n` order."""
    if isinstance(shape, tuple):
        if not isinstance(params, Mapping):
            raise TypeError("a statement with :name parameters takes a mapping")
        return [params[name] for name in shape]
    if isinstance(params, Mapping):
        if shape == 0:
            return []  # no parameters: an empty mapping (or one nobody names) is none
        raise TypeError("a statement with ? parameters takes a sequence")
    if len(params) != shape:
        raise ValueError(f"the statement takes {shape} parameters, not {len(params)}")
    return params


def changed(status: str) -> int:
    """The rows a command changed, from its status ("UPDATE 3", "INSERT 0 1", …)."""
    found = _STATUS_COUNT.search(status)
    return int(found.group(1)) if found else 0


class PostgresDriver:
    """An asyncpg connection, speaking the repositories' SQL; a unit of work binds it to the
    connection it takes from the pool when it begins (`conn`), and unbinds it at the end."""

    dialect: Dialect = "postgresql"

    def __init__(self, conn: Connection | None = None) -> None:
        self.conn = conn

    @property
    def connection(self) -> Connection:
        """The bound connection."""
        if self.conn is None:
            raise RuntimeError("the unit of work has not begun")
        return self.conn

    async def fetch(self, sql: str, params: Params) -> Sequence[Row]:
        """Every row of a query."""
        statement, shape = translate(sql)
        async with conflicts_raised():
            rows: Sequence[Row] = await self.connection.fetch(statement, *arguments(shape, params))
        return rows

    async def execute(self, sql: str, params: Params) -> int:
        """Run a statement; how many rows it changed (from the command's status)."""
        statement, shape = translate(sql)
        async with conflicts_raised():
            return changed(await self.connection.execute(statement, *arguments(shape, params)))

    async def execute_many(self, sql: str, batch: Sequence[Params], *, counted: bool) -> int:
        """asyncpg's `executemany` (one pipelined trip) when nobody counts the rows; each
        statement on its own otherwise, since `executemany` reports no counts."""
        statement, shape = translate(sql)
        async with conflicts_raised():
            if counted or len(batch) == 1:
                total = 0
                for params in batch:
                    total += changed(
                        await self.connection.execute(statement, *arguments(shape, params))
                    )
                return total
            await self.connection.executemany(
                statement, [arguments(shape, params) for params in batch]
            )
        return 0

    async def insert(self, sql: str, params: Params) -> int | None:
        """Run an INSERT, returning the new row's `id`; None when nothing was inserted."""
        statement, shape = translate(sql + " RETURNING id")
        async with conflicts_raised():
            new_id = await self.connection.fetchval(statement, *arguments(shape, params))
        return None if new_id is None else int(new_id)


class PostgresUnitOfWork(SqlUnitOfWork):
    """One READ COMMITTED transaction over every store, locking what it touches."""

    def __init__(self, pool: asyncpg.Pool, gate: Gate, crash: CrashAtCommit | None = None) -> None:
        self._pool = pool
        self._driver = PostgresDriver()
        super().__init__(self._driver, gate, crash)

    async def _begin(self) -> None:
        self._driver.conn = conn = await self._pool.acquire()
        await conn.execute("BEGIN")

    async def _commit(self) -> None:
        async with conflicts_raised():
            await self._driver.connection.execute("COMMIT")

    async def _rollback(self) -> None:
        conn = self._driver.conn
        if conn is not None and not conn.is_closed():
            with suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                await conn.execute("ROLLBACK")

    async def _release(self) -> None:
        conn, self._driver.conn = self._driver.conn, None
        if conn is not None:
            assert isinstance(conn, PoolConnectionProxy)  # what `_begin` took from the pool
            await self._pool.release(conn)


def role_lock(role: str) -> int:
    """The advisory lock of a role: a stable 31-bit number from its name (never MIGRATE_LOCK)."""
    return 2 + zlib.crc32(role.encode()) % (2**31 - 2)


async def migrate(conn: Connection) -> None:
    """Run the migrations the database has not seen, each once, in its own transaction; one
    instance at a time (the others wait, then find nothing to do)."""
    scripts = migrations("migrations/postgresql")
    async with conn.transaction():
        await conn.execute(f"SELECT pg_advisory_xact_lock({LOCKS}, {MIGRATE_LOCK})")
        await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
        version = await conn.fetchval("SELECT max(version) FROM schema_version") or 0
        if version > len(scripts):
            raise RuntimeError(f"the database is at version {version}, newer than this code")
        for number, script in enumerate(scripts, start=1):
            if version < number:
                await conn.execute(script)
                await conn.execute("INSERT INTO schema_version (version) VALUES ($1)", number)


async def version(conn: Connection) -> int:
    """The last migration the database has seen (0: none)."""
    if await conn.fetchval("SELECT to_regclass('schema_version')") is None:
        return 0
    found: Any = await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_version")
    return int(found)


async def ledger_rows(url: str) -> tuple[list[Row], list[Row]]:
    """Every consent-ledger row of the database at `url` in seq order, and every checkpoint
    in order, read in one read-only transaction of its own (as `verify-ledger` reads a SQLite
    file read-only). A database that cannot be read raises OSError, as a missing or locked
    file does."""
    try:
        conn = await asyncpg.connect(url)
        try:
            async with conn.transaction(readonly=True):
                if await version(conn) == 0:
                    raise FileNotFoundError(
                        "no bot database in the PostgreSQL database DATABASE_URL names"
                        " (no migrations ran there): start the bot once to create it"
                    )
                rows: list[Row] = list(await conn.fetch("SELECT * FROM consents ORDER BY seq"))
                checkpoints: list[Row] = []
                if await conn.fetchval("SELECT to_regclass('ledger_checkpoints')") is not None:
                    checkpoints = list(
                        await conn.fetch("SELECT * FROM ledger_checkpoints ORDER BY number")
                    )
                return rows, checkpoints
        finally:
            await conn.close()
    except asyncpg.PostgresError as error:
        raise OSError(f"the PostgreSQL database could not be read: {error}") from error


class PostgresStorage:
    """The bot's database on a PostgreSQL server, shared by any number of instances."""

    def __init__(self, pool: asyncpg.Pool, crash: CrashAtCommit | None = None) -> None:
        self._pool = pool
        self._gate = Gate()
        self._crash = crash or CrashAtCommit()

    @classmethod
    async def open(cls, url: str) -> PostgresStorage:
        """Connect to `url` (postgresql://user@host:port/database, with server settings such
        as `?search_path=…` as query parameters) and migrate.

        Reads the crash-test failpoint (`BOT_CRASH_AT_COMMIT`, `BOT_CRASH_WHEN`) here, once.
        """
        crash = CrashAtCommit.from_environment()
        try:
            pool = await asyncpg.create_pool(url, min_size=1, max_size=POOL_SIZE)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            where = urlsplit(url)
            raise StorageUnavailable(
                f"the PostgreSQL database at {where.hostname}:{where.port or 5432}"
                f"{where.path} (DATABASE_URL) could not be opened: {error}"
            ) from error
        try:
            async with pool.acquire() as conn:
                await migrate(conn)
        except BaseException:
            await pool.close()
            raise
        return cls(pool, crash)

    def unit_of_work(self) -> PostgresUnitOfWork:
        """A new unit of work (use with `async with`); it waits for the one before it in this
        process, and for another instance's only where both touch the same rows."""
        return PostgresUnitOfWork(self._pool, self._gate, self._crash)

    @asynccontextmanager
    async def claim(self, role: str) -> AsyncIterator[bool]:
        """Hold `role` while the `async with` lasts, if no other instance holds it now."""
        lock = role_lock(role)
        async with self._pool.acquire() as conn:
            held = bool(await conn.fetchval("SELECT pg_try_advisory_lock($1, $2)", LOCKS, lock))
            try:
                yield held
            finally:
                if held:
                    await conn.execute("SELECT pg_advisory_unlock($1, $2)", LOCKS, lock)

    async def close(self) -> None:
        """Close the connections once the unit of work in progress, if any, has ended."""
        await self._gate.enter()
        try:
            await self._pool.close()
        finally:
            self._gate.leave()
