"""The bot's database as the settings choose it: a SQLite file, or a PostgreSQL server."""

from __future__ import annotations

from bot.ports import Storage
from bot.settings import Settings
from bot.storage.sqlite import SqliteStorage


async def open_storage(settings: Settings) -> Storage:
    """Open (creating and migrating if needed) the database `DATABASE_URL` names: a SQLite
    file by default, PostgreSQL for a postgresql:// URL (asyncpg is imported only then)."""
    url = settings.postgres_url
    if url is None:
        return await SqliteStorage.open(settings.database)
    from bot.storage.postgres import PostgresStorage  # noqa: PLC0415 (only for PostgreSQL)

    return await PostgresStorage.open(url)
