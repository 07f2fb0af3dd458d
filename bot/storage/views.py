"""Read models of the console in SQLite: the ledger and cases filtered and paged, and the
messages that met a failure on their way.

Filters are parameters, never pasted SQL; pages are newest first with a total count.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.instants import utc_text
from bot.records import (
    CaseFilter,
    CaseRecord,
    ConsentRow,
    InboundMessage,
    LedgerFilter,
    OutboxCount,
    OutboxMessage,
    OutboxStatus,
    SystemCounts,
)
from bot.storage.codec import (
    case_from_row,
    consent_from_row,
    inbound_from_row,
    keys,
    optional_from_utc_text,
    outbox_from_row,
)
from bot.storage.session import Session


def _ledger_where(f: LedgerFilter) -> tuple[str, dict[str, Any]]:
    clauses, params = [], {}
    if f.since is not None:
        clauses.append("c.at >= :since")
        params["since"] = utc_text(f.since)
    if f.until is not None:
        clauses.append("c.at < :until")
        params["until"] = utc_text(f.until)
    if f.service is not None:
        clauses.append("k.service = :service")
        params["service"] = f.service
    if f.channel is not None:
        clauses.append("c.channel = :channel")
        params["channel"] = f.channel
    if f.act is not None:
        clauses.append("c.act = :act")
        params["act"] = f.act
    if f.iin is not None:
        clauses.append("c.iin = :iin")
        params["iin"] = f.iin
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    return where, params


def _case_where(f: CaseFilter) -> tuple[str, dict[str, Any]]:
    clauses, params = [], {}
    if f.state is not None:
        clauses.append("state = :state")
        params["state"] = f.state
    if f.service is not None:
        clauses.append("service = :service")
        params["service"] = f.service
    if f.search:
        clauses.append(
            "(id LIKE :prefix OR addressee_iin = :term OR subject_iin = :term OR phone = :term"
            " OR code = :term)"
        )
        params["prefix"] = f.search.replace("%", "").replace("_", "") + "%"
        params["term"] = f.search
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    return where, params


class SqlViews:
    """The console's filtered, paged reads."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def ledger(
        self, f: LedgerFilter, offset: int = 0, limit: int | None = 50
    ) -> tuple[list[ConsentRow], int]:
        """Ledger rows matching the filter, newest first (all of them with no limit), and
        how many match."""
        where, params = _ledger_where(f)
        joined = "FROM consents c LEFT JOIN cases k ON k.id = c.case_id" + where
        total = await self._session.row(f"SELECT COUNT(*) {joined}", params)
        page = "" if limit is None else " LIMIT :limit OFFSET :offset"
        rows = await self._session.rows(
            f"SELECT c.* {joined} ORDER BY c.seq DESC{page}",
            {**params, "limit": limit, "offset": offset},
        )
        return [consent_from_row(row) for row in rows], 0 if total is None else int(total[0])

    async def cases(
        self, f: CaseFilter, offset: int = 0, limit: int = 50
    ) -> tuple[list[CaseRecord], int]:
        """Cases matching the filter, newest first, and how many match."""
        where, params = _case_where(f)
        total = await self._session.row(f"SELECT COUNT(*) FROM cases{where}", params)
        rows = await self._session.rows(
            f"SELECT * FROM cases{where} ORDER BY created_at DESC, id LIMIT :limit OFFSET :offset",
            {**params, "limit": limit, "offset": offset},
        )
        return [case_from_row(row) for row in rows], 0 if total is None else int(total[0])

    async def inbound_for_case(self, case_id: str) -> list[InboundMessage]:
        """The citizen's messages a case was answered by, in order."""
        rows = await self._session.rows(
            "SELECT * FROM inbound WHERE case_id = ? ORDER BY received_at, id", (case_id,)
        )
        return [inbound_from_row(row) for row in rows]

    async def retried_messages(
        self, limit: int = 100
    ) -> tuple[list[OutboxMessage], dict[OutboxStatus, int]]:
        """Messages that met a failure on their way (retried, postponed by the channel, or
        given up), newest first, and how many of them are in each status now."""
        where = " WHERE attempts > 0 OR last_error IS NOT NULL"
        counted = await self._session.rows(
            f"SELECT status, COUNT(*) AS n FROM outbox{where} GROUP BY status"
        )
        rows = await self._session.rows(
            f"SELECT * FROM outbox{where} ORDER BY id DESC LIMIT :limit", {"limit": limit}
        )
        states = dict.fromkeys(OutboxStatus, 0)
        states.update({OutboxStatus(row["status"]): int(row["n"]) for row in counted})
        return [outbox_from_row(row) for row in rows], states

    async def system(self) -> SystemCounts:
        """Cases by service and state, the outbox by channel and status, the ledger's rows and
        the decisions by outcome, in four grouped counts."""
        cases = await self._session.rows(
            "SELECT service, state, COUNT(*) AS n FROM cases GROUP BY service, state"
        )
        outbox = await self._session.rows(
            "SELECT channel, status, COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox"
            " GROUP BY channel, status"
        )
        ledger = await self._session.row("SELECT COUNT(*) AS n FROM consents")
        decisions = await self._session.rows(
            "SELECT outcome, COUNT(*) AS n FROM decisions GROUP BY outcome"
        )
        return SystemCounts(
            cases={(row["service"], row["state"]): int(row["n"]) for row in cases},
            outbox=[
                OutboxCount(
                    channel=row["channel"],
                    status=row["status"],
                    count=int(row["n"]),
                    oldest=optional_from_utc_text(row["oldest"]),
                )
                for row in outbox
            ],
            ledger_rows=0 if ledger is None else int(ledger["n"]),
            decisions={row["outcome"]: int(row["n"]) for row in decisions},
        )

    async def due_work(self, now: datetime, channels: Sequence[str]) -> int:
        """What is due at `now` and not yet done by any instance: replies not handled,
        timers due, and messages of these channels queued and due (committed state: work an
        instance holds in an open transaction still counts)."""
        at = utc_text(now)
        row = await self._session.row(
            "SELECT (SELECT count(*) FROM inbound WHERE handled_at IS NULL)"
            " + (SELECT count(*) FROM timers WHERE due_at <= ?)"
            " + (SELECT count(*) FROM outbox WHERE status = 'queued' AND next_attempt_at <= ?"
            " AND channel IN (SELECT value FROM json_each(?))) AS n",
            (at, at, keys(channels)),
        )
        return 0 if row is None else int(row["n"])
