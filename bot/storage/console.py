"""The console's accounts, sessions, audit and failed logins, in SQLite."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from bot.instants import utc_text
from bot.records import AuditEntry, LoginLimits, Operator, WebSession
from bot.storage.codec import column, row_fields
from bot.storage.session import Session

LOGIN_LOCKS = 0x6C6F67  # PostgreSQL: the advisory locks' class of login names ("log")


def _params(record: Operator | WebSession | AuditEntry) -> dict[str, Any]:
    return {name: column(value) for name, value in record}


class SqlOperators:
    """Console accounts."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def get(self, name: str) -> Operator | None:
        """An account by name."""
        row = await self._session.row("SELECT * FROM operators WHERE name = ?", (name,))
        return None if row is None else Operator(**row_fields(row, ("created_at", "disabled_at")))

    async def add(self, operator: Operator) -> bool:
        """Create an account; False when the name is taken."""
        inserted = await self._session.run(
            "INSERT INTO operators (name, role, password_hash, created_at, disabled_at)"
            " VALUES (:name, :role, :password_hash, :created_at, :disabled_at)"
            " ON CONFLICT (name) DO NOTHING",
            _params(operator),
        )
        return inserted == 1

    async def save(self, operator: Operator) -> None:
        """Replace an account (role, password, disabled)."""
        await self._session.run(
            "UPDATE operators SET role = :role, password_hash = :password_hash,"
            " disabled_at = :disabled_at WHERE name = :name",
            _params(operator),
        )

    async def all(self) -> list[Operator]:
        """Every account, by name."""
        rows = await self._session.rows("SELECT * FROM operators ORDER BY name")
        return [Operator(**row_fields(row, ("created_at", "disabled_at"))) for row in rows]


class SqlWebSessions:
    """Signed-in browsers and failed logins."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def add(self, session: WebSession) -> None:
        """Keep a new session."""
        await self._session.run(
            "INSERT INTO web_sessions (token_hash, operator, csrf, created_at, expires_at)"
            " VALUES (:token_hash, :operator, :csrf, :created_at, :expires_at)",
            _params(session),
        )

    async def get(self, token_hash: str) -> WebSession | None:
        """A session by its token's hash."""
        row = await self._session.row(
            "SELECT * FROM web_sessions WHERE token_hash = ?", (token_hash,)
        )
        return None if row is None else WebSession(**row_fields(row, ("created_at", "expires_at")))

    async def delete(self, token_hash: str) -> None:
        """End a session."""
        await self._session.run("DELETE FROM web_sessions WHERE token_hash = ?", (token_hash,))

    async def delete_for(self, operator: str) -> int:
        """End every session of an account; how many."""
        return await self._session.run("DELETE FROM web_sessions WHERE operator = ?", (operator,))

    async def attempt(
        self, name: str, address: str, at: datetime, limits: LoginLimits
    ) -> str | None:
        """Count a login as failed unless the name is at a limit already (see the port).
        SQLite: the unit of work is the file's only writer from its first statement, so the
        count and the insert are one step; PostgreSQL: the name's advisory lock, held to the
        end of the transaction, makes every other attempt on that name wait for this one."""
        if self._session.dialect == "postgresql":
            await self._session.rows("SELECT pg_advisory_xact_lock(?, hashtext(?))",
                                     (LOGIN_LOCKS, name))  # fmt: skip
        row = await self._session.row(
            "SELECT COUNT(*) AS by_name,"
            " COALESCE(SUM(CASE WHEN address = ? THEN 1 ELSE 0 END), 0) AS by_address"
            " FROM login_failures WHERE name = ? AND at >= ?",
            (address, name, utc_text(at - limits.window)),
        )
        by_name, by_address = (0, 0) if row is None else (int(row[0]), int(row[1]))
        if by_address >= limits.per_address or by_name >= limits.per_name:
            return None
        attempt = secrets.token_hex(16)
        await self._session.run(
            "INSERT INTO login_failures (name, address, at, attempt) VALUES (?, ?, ?, ?)",
            (name, address, utc_text(at), attempt),
        )
        return attempt

    async def take_back(self, attempt: str) -> None:
        """The attempt's password was right: it is no failure."""
        await self._session.run("DELETE FROM login_failures WHERE attempt = ?", (attempt,))


class SqlAudit:
    """The audit, append-only."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def add(self, entry: AuditEntry) -> None:
        """Record one view or act."""
        params = _params(entry)
        params.pop("id")
        await self._session.run(
            "INSERT INTO audit (at, operator, action, subject, what, reason, address)"
            " VALUES (:at, :operator, :action, :subject, :what, :reason, :address)",
            params,
        )

    async def page(
        self, offset: int, limit: int, operator: str | None = None
    ) -> tuple[list[AuditEntry], int]:
        """Entries newest first, and how many there are in all."""
        where, params = ("WHERE operator = ?", (operator,)) if operator else ("", ())
        total_row = await self._session.row(f"SELECT COUNT(*) FROM audit {where}", params)
        rows = await self._session.rows(
            f"SELECT * FROM audit {where} ORDER BY at DESC, id DESC LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        total = 0 if total_row is None else int(total_row[0])
        return [AuditEntry(**row_fields(row, ("at",))) for row in rows], total
