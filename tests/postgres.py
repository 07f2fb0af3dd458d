"""A PostgreSQL server for the tests that run on both databases.

`BOT_TEST_POSTGRES` names a server the tests may create schemas on (`scripts/postgres.sh
start` prints one: postgresql://postgres@127.0.0.1:54329/postgres). Without it the PostgreSQL
side of those tests is skipped, unless `BOT_TEST_POSTGRES_REQUIRED=1` (as in CI) makes a
missing server a failure. Each test gets a schema of its own, dropped at the end; its URL
carries the schema as `search_path`, so whatever opens it (the bot, a subprocess) sees only it.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg
import pytest

SERVER = "BOT_TEST_POSTGRES"
REQUIRED = "BOT_TEST_POSTGRES_REQUIRED"


def server_url() -> str:
    """The test server's URL; skips the test (fails it, when required) without one."""
    url = os.environ.get(SERVER, "").strip()
    if url:
        return url
    if os.environ.get(REQUIRED, "").strip() == "1":
        pytest.fail(f"{REQUIRED}=1 but {SERVER} names no PostgreSQL server")
    pytest.skip(f"no PostgreSQL server: set {SERVER} (scripts/postgres.sh start prints one)")


def with_search_path(url: str, schema: str) -> str:
    """`url` whose connections see `schema` only (asyncpg takes server settings as query
    parameters)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "search_path"]
    query.append(("search_path", schema))
    return urlunsplit(parts._replace(query=urlencode(query)))


async def _run(sql: str) -> None:
    """Run one statement on the test server."""
    conn = await asyncpg.connect(server_url())
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _in_thread(work: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a coroutine from synchronous code: in a thread with its own event loop, whatever
    loop the caller's test has; its exception is raised here."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(work())
        except BaseException as error:  # noqa: BLE001 - raised below, in the caller
            failure.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def _run_in_thread(sql: str) -> None:
    """`_run` from synchronous code."""
    _in_thread(partial(_run, sql))


def _new_schema() -> str:
    return f"test_{uuid.uuid4().hex[:12]}"


@asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    """A new empty schema on the test server, as a database URL; dropped afterwards."""
    schema = _new_schema()
    await _run(f"CREATE SCHEMA {schema}")
    try:
        yield with_search_path(server_url(), schema)
    finally:
        await _run(f"DROP SCHEMA {schema} CASCADE")


@contextmanager
def fresh_database_sync() -> Iterator[str]:
    """`fresh_database` for a synchronous fixture."""
    schema = _new_schema()
    _run_in_thread(f"CREATE SCHEMA {schema}")
    try:
        yield with_search_path(server_url(), schema)
    finally:
        _run_in_thread(f"DROP SCHEMA {schema} CASCADE")


DATABASE = "BOT_TEST_DATABASE"  # "postgresql": every bot the tests start uses PostgreSQL


def on_postgresql() -> bool:
    """Whether this run puts every bot on PostgreSQL (the second pass of `scripts/check.py`)."""
    return os.environ.get(DATABASE, "").strip() == "postgresql"


def database_env(data_dir: Path | None = None) -> dict[str, str]:
    """On PostgreSQL, the DATABASE_URL of a bot a test starts by hand (a subprocess): the
    schema of its data directory, made when first asked for (a bot's SQLite file lives in its
    data directory; a schema per directory keeps that pairing for fixtures that share one
    directory between tests), or the test's own schema without one. Empty on SQLite."""
    if not on_postgresql():
        return {}
    if data_dir is None:
        return {"DATABASE_URL": os.environ["DATABASE_URL"]}
    schema = schema_of(data_dir)
    _run_in_thread(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    return {"DATABASE_URL": with_search_path(server_url(), schema)}


def data_dir_in(args: Sequence[str]) -> Path | None:
    """The `--data-dir D` of a bot command line, if it has one."""
    found = [args[i + 1] for i, arg in enumerate(args[:-1]) if arg == "--data-dir"]
    return Path(found[-1]) if found else None


def schema_of(data_dir: Path) -> str:
    """The schema standing for a data directory's SQLite file."""
    return "dir_" + hashlib.sha1(str(data_dir.resolve()).encode()).hexdigest()[:16]


async def _copy(source: str, target: str) -> None:
    """Every row of schema `source` into `target`, migrated alike, sequences and identities
    moved on."""
    conn = await asyncpg.connect(server_url())
    try:
        tables = [
            row["table_name"]
            for row in await conn.fetch(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = $1"
                " AND table_name <> 'schema_version'",
                source,
            )
        ]
        identities = await conn.fetch(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = $1 AND is_identity = 'YES'",
            target,
        )
        async with conn.transaction():
            await conn.execute("SET LOCAL session_replication_role = replica")  # no FK order
            names = ", ".join(f"{target}.{table}" for table in tables)
            await conn.execute(f"TRUNCATE {names}")
            for table in tables:
                await conn.execute(
                    f"INSERT INTO {target}.{table} OVERRIDING SYSTEM VALUE"
                    f" SELECT * FROM {source}.{table}"
                )
            for (name,) in await conn.fetch(  # sequences of their own (the ledger's seq)
                "SELECT sequence_name FROM information_schema.sequences"
                " WHERE sequence_schema = $1",
                source,
            ):
                last = await conn.fetchrow(f"SELECT last_value, is_called FROM {source}.{name}")
                assert last is not None
                await conn.execute(f"SELECT setval('{target}.{name}', $1, $2)", last[0], last[1])
            for row in identities:
                table, column = f"{target}.{row['table_name']}", row["column_name"]
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                    f" coalesce(max({column}), 0) + 1, false) FROM {table}"
                )
    finally:
        await conn.close()


def copy_database(source: Path, target: Path) -> None:
    """On PostgreSQL, the bot database of data directory `source` copied to `target`'s (as
    copying the directory copies the SQLite file); nothing on SQLite."""
    if not on_postgresql():
        return
    from bot.storage.postgres import PostgresStorage  # noqa: PLC0415

    url = database_env(target)["DATABASE_URL"]

    async def migrate() -> None:
        await (await PostgresStorage.open(url)).close()

    _in_thread(migrate)
    database_env(source)
    _in_thread(partial(_copy, schema_of(source), schema_of(target)))


def rows_of(sql: str, *args: object) -> list[tuple[Any, ...]]:
    """The rows of a query (`$1` parameters) on the test's PostgreSQL schema, as tuples."""
    found: list[tuple[Any, ...]] = []

    async def work() -> None:
        conn = await asyncpg.connect(os.environ["DATABASE_URL"])
        try:
            found.extend(tuple(row) for row in await conn.fetch(sql, *args))
        finally:
            await conn.close()

    _in_thread(work)
    return found
