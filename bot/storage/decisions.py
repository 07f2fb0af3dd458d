"""The journal of applications, signed decisions and the payments queue, in SQLite."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime
from decimal import Decimal

from bot.records import DecisionRecord, PaymentOrder
from bot.storage.codec import from_utc_text, utc_text
from bot.storage.session import Session


class SqliteJournal:
    """The electronic journal: one application number per registered case, numbered yearly."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def number_of(self, case_id: str) -> str | None:
        """A case's application number, once registered."""
        row = await self._session.row("SELECT number FROM journal WHERE case_id = ?", (case_id,))
        return None if row is None else str(row["number"])

    async def register(self, case_id: str, at: datetime) -> str:
        """Enter an application; its number (the same number again for the same case)."""
        known = await self.number_of(case_id)
        if known is not None:
            return known
        year = at.year
        row = await self._session.row(
            "SELECT count(*) AS n FROM journal WHERE number LIKE ?", (f"{year}-%",)
        )
        number = f"{year}-{(row['n'] if row else 0) + 1:06d}"
        await self._session.run(
            "INSERT INTO journal (number, case_id, registered_at) VALUES (?, ?, ?)",
            (number, case_id, utc_text(at)),
        )
        return number

    async def certify(self, case_id: str, signature: dict[str, object]) -> None:
        """Keep the authorised body's signature of the acceptance notice."""
        await self._session.run(
            "UPDATE journal SET notice_signature = ? WHERE case_id = ?",
            (json.dumps(signature, sort_keys=True), case_id),
        )


def _decision(row: sqlite3.Row) -> DecisionRecord:
    return DecisionRecord(
        case_id=row["case_id"],
        outcome=row["outcome"],
        signed=json.loads(row["signed"]),
        case_file=json.loads(row["case_file"]),
        case_file_sha256=row["case_file_sha256"],
        decided_at=from_utc_text(row["decided_at"]),
        decided_by=row["decided_by"],
    )


class SqliteDecisions:
    """Signed decisions with their case files: one per case."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def save(self, record: DecisionRecord) -> bool:
        """Keep a case's decision; False when the case was decided before."""
        inserted = await self._session.run(
            "INSERT INTO decisions (case_id, outcome, signed, case_file, case_file_sha256,"
            " decided_at, decided_by) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (case_id) DO NOTHING",
            (
                record.case_id,
                record.outcome,
                json.dumps(record.signed, sort_keys=True, ensure_ascii=False),
                json.dumps(record.case_file, sort_keys=True, ensure_ascii=False),
                record.case_file_sha256,
                utc_text(record.decided_at),
                record.decided_by,
            ),
        )
        return inserted == 1

    async def get(self, case_id: str) -> DecisionRecord | None:
        """A case's decision."""
        row = await self._session.row("SELECT * FROM decisions WHERE case_id = ?", (case_id,))
        return None if row is None else _decision(row)

    async def all(self) -> list[DecisionRecord]:
        """Every decision, oldest first."""
        rows = await self._session.rows("SELECT * FROM decisions ORDER BY decided_at, case_id")
        return [_decision(r) for r in rows]


def _order(row: sqlite3.Row) -> PaymentOrder:
    return PaymentOrder(
        id=row["id"],
        case_id=row["case_id"],
        service=row["service"],
        subject_iin=row["subject_iin"],
        amount=Decimal(row["amount"]),
        iban=row["iban"],
        start=date.fromisoformat(row["start"]),
        periodicity=row["periodicity"],
        created_at=from_utc_text(row["created_at"]),
    )


class SqlitePayments:
    """The payments queue: one order per case, one burial payment per deceased."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def place(self, order: PaymentOrder) -> bool:
        """Place an order; False when the case, or for burial the deceased, already has one."""
        inserted = await self._session.run(
            "INSERT INTO payments (case_id, service, subject_iin, amount, iban, start,"
            " periodicity, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (
                order.case_id,
                order.service,
                order.subject_iin,
                str(order.amount),
                order.iban,
                order.start.isoformat(),
                order.periodicity,
                utc_text(order.created_at),
            ),
        )
        return inserted == 1

    async def for_case(self, case_id: str) -> list[PaymentOrder]:
        """A case's orders (at most one)."""
        rows = await self._session.rows("SELECT * FROM payments WHERE case_id = ?", (case_id,))
        return [_order(r) for r in rows]

    async def burial_for(self, subject_iin: str) -> PaymentOrder | None:
        """The burial payment order for a deceased, if any."""
        row = await self._session.row(
            "SELECT * FROM payments WHERE service = 'burial' AND subject_iin = ?", (subject_iin,)
        )
        return None if row is None else _order(row)

    async def all(self) -> list[PaymentOrder]:
        """Every order, oldest first."""
        rows = await self._session.rows("SELECT * FROM payments ORDER BY id")
        return [_order(r) for r in rows]
