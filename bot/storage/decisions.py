"""The journal of applications, signed decisions and the payments queue, in SQLite."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from bot.instants import from_utc_text, utc_text
from bot.records import DecisionRecord, PaymentOrder
from bot.storage.codec import keys
from bot.storage.session import Row, Session


class SqlJournal:
    """The electronic journal: one application number per registered case, numbered yearly.
    Within its unit of work it remembers the numbers it read or gave."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._numbers: dict[str, str | None] = {}

    async def prefetch(self, case_ids: Sequence[str]) -> None:
        """Read ahead these cases' application numbers, in one query."""
        wanted = [c for c in case_ids if c not in self._numbers]
        if not wanted:
            return
        rows = await self._session.rows(
            "SELECT case_id, number FROM journal"
            " WHERE case_id IN (SELECT value FROM json_each(?))",
            (keys(wanted),),
        )
        self._numbers.update(dict.fromkeys(wanted))
        self._numbers.update((row["case_id"], str(row["number"])) for row in rows)

    async def number_of(self, case_id: str) -> str | None:
        """A case's application number, once registered."""
        await self.prefetch([case_id])
        return self._numbers[case_id]

    async def register(self, case_id: str, at: datetime) -> str:
        """Enter an application; its number (the same number again for the same case)."""
        known = await self.number_of(case_id)
        if known is not None:
            return known
        year = at.year
        # The year's counter taken and raised in one statement: on PostgreSQL a second
        # instance registering now waits for this transaction, then takes the next number.
        row = await self._session.row(
            "INSERT INTO journal_years (year, last) VALUES (?, 1)"
            " ON CONFLICT (year) DO UPDATE SET last = journal_years.last + 1 RETURNING last",
            (year,),
        )
        assert row is not None
        number = f"{year}-{int(row['last']):06d}"
        self._session.defer(
            "journal",
            "INSERT INTO journal (number, case_id, registered_at) VALUES (?, ?, ?)",
            (number, case_id, utc_text(at)),
            expect=1,
        )
        self._numbers[case_id] = number
        return number

    async def certify(self, case_id: str, signature: dict[str, object]) -> None:
        """Keep the authorised body's signature of the acceptance notice."""
        self._session.defer(
            "journal",
            "UPDATE journal SET notice_signature = ? WHERE case_id = ?",
            (json.dumps(signature, sort_keys=True), case_id),
        )


def _decision(row: Row) -> DecisionRecord:
    return DecisionRecord(
        case_id=row["case_id"],
        outcome=row["outcome"],
        signed=json.loads(row["signed"]),
        case_file=json.loads(row["case_file"]),
        case_file_sha256=row["case_file_sha256"],
        decided_at=from_utc_text(row["decided_at"]),
        decided_by=row["decided_by"],
    )


_INSERT_DECISION = (
    "INSERT INTO decisions (case_id, outcome, signed, case_file, case_file_sha256,"
    " decided_at, decided_by) VALUES (?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (case_id) DO NOTHING"
)


class SqlDecisions:
    """Signed decisions with their case files: one per case. Within its unit of work it
    remembers which cases it knows to be decided or not."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._decided: dict[str, bool] = {}

    async def prefetch(self, case_ids: Sequence[str]) -> None:
        """Read ahead which of these cases were decided, in one query."""
        wanted = [c for c in case_ids if c not in self._decided]
        if not wanted:
            return
        rows = await self._session.rows(
            "SELECT case_id FROM decisions WHERE case_id IN (SELECT value FROM json_each(?))",
            (keys(wanted),),
        )
        self._decided.update(dict.fromkeys(wanted, False))
        self._decided.update((row["case_id"], True) for row in rows)

    async def save(self, record: DecisionRecord) -> bool:
        """Keep a case's decision; False when the case was decided before."""
        params = (
            record.case_id,
            record.outcome,
            json.dumps(record.signed, sort_keys=True, ensure_ascii=False),
            json.dumps(record.case_file, sort_keys=True, ensure_ascii=False),
            record.case_file_sha256,
            utc_text(record.decided_at),
            record.decided_by,
        )
        known = self._decided.get(record.case_id)
        if known is None:
            inserted = await self._session.run(_INSERT_DECISION, params) == 1
        elif known:
            inserted = False
        else:
            self._session.defer("decisions", _INSERT_DECISION, params, expect=1)
            inserted = True
        self._decided[record.case_id] = True
        return inserted

    async def get(self, case_id: str) -> DecisionRecord | None:
        """A case's decision."""
        row = await self._session.row("SELECT * FROM decisions WHERE case_id = ?", (case_id,))
        return None if row is None else _decision(row)

    async def of_cases(self, case_ids: Sequence[str]) -> dict[str, DecisionRecord]:
        """The decisions of these cases, by case id (undecided ones absent)."""
        if not case_ids:
            return {}
        rows = await self._session.rows(
            "SELECT * FROM decisions WHERE case_id IN (SELECT value FROM json_each(?))",
            (keys(case_ids),),
        )
        return {row["case_id"]: _decision(row) for row in rows}

    async def all(self) -> list[DecisionRecord]:
        """Every decision, oldest first."""
        rows = await self._session.rows("SELECT * FROM decisions ORDER BY decided_at, case_id")
        return [_decision(r) for r in rows]


def _order(row: Row) -> PaymentOrder:
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


_INSERT_PAYMENT = (
    "INSERT INTO payments (case_id, service, subject_iin, amount, iban, start,"
    " periodicity, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)


_NEW_FAMILY = (
    "INSERT INTO survivor_families (deceased_iin, family_tiyn) VALUES (?, ?)"
    " ON CONFLICT (deceased_iin) DO NOTHING"
)
_RAISE_FAMILY = (
    "UPDATE survivor_families SET family_tiyn = ? WHERE deceased_iin = ? AND family_tiyn < ?"
)
_ADD_SHARE = (
    "UPDATE survivor_families SET paid_tiyn = paid_tiyn + ?"
    " WHERE deceased_iin = ? AND paid_tiyn + ? <= family_tiyn"
)


def _tiyn(amount: Decimal) -> int:
    """An amount in tenge with at most two decimals, in tiyn."""
    tiyn = amount * 100
    if tiyn != tiyn.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of tiyn")
    return int(tiyn)


class SqlPayments:
    """The payments queue: one order per case, one burial payment per deceased. Within its
    unit of work it remembers which cases, and which deceased's burial, it knows paid or not."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._case_paid: dict[str, bool] = {}
        self._burial_paid: dict[str, bool] = {}  # by the deceased's IIN

    async def prefetch(
        self, *, case_ids: Sequence[str] = (), burials_of: Sequence[str] = ()
    ) -> None:
        """Read ahead the orders of these cases and the burial orders of these deceased."""
        cases = [c for c in case_ids if c not in self._case_paid]
        deceased = [d for d in burials_of if d not in self._burial_paid]
        if not cases and not deceased:
            return
        rows = await self._session.rows(
            "SELECT case_id, service, subject_iin FROM payments"
            " WHERE case_id IN (SELECT value FROM json_each(?))"
            " OR (service = 'burial' AND subject_iin IN (SELECT value FROM json_each(?)))",
            (keys(cases), keys(deceased)),
        )
        self._case_paid.update(dict.fromkeys(cases, False))
        self._burial_paid.update(dict.fromkeys(deceased, False))
        for row in rows:
            self._paid(row["case_id"], row["service"], row["subject_iin"])

    def _paid(self, case_id: str, service: str, subject_iin: str) -> None:
        self._case_paid[case_id] = True
        if service == "burial":
            self._burial_paid[subject_iin] = True

    async def place(self, order: PaymentOrder) -> bool:
        """Place an order; False when the case, or for burial the deceased, already has one."""
        params = (
            order.case_id,
            order.service,
            order.subject_iin,
            str(order.amount),
            order.iban,
            order.start.isoformat(),
            order.periodicity,
            utc_text(order.created_at),
        )
        case_paid = self._case_paid.get(order.case_id)
        burial_paid = (
            self._burial_paid.get(order.subject_iin) if order.service == "burial" else False
        )
        if order.family_amount is not None:
            inserted = not case_paid and await self._within_family(order, params)
        elif case_paid is None or burial_paid is None:
            inserted = await self._session.run(_INSERT_PAYMENT, params) == 1
        elif case_paid or burial_paid:
            inserted = False
        else:
            self._session.defer("payments", _INSERT_PAYMENT, params, expect=1)
            inserted = True
        if inserted:
            self._paid(order.case_id, order.service, order.subject_iin)
        return inserted

    async def _within_family(self, order: PaymentOrder, params: tuple[object, ...]) -> bool:
        """Place a survivor order only if the deceased's orders stay within the family amount.

        The family's row is raised to the largest family amount of its orders, then the
        share is added only where it fits (and the table's CHECK refuses any sum over it);
        the order goes in with it, in this unit of work, or neither does.
        """
        assert order.family_amount is not None
        family, share = _tiyn(order.family_amount), _tiyn(order.amount)
        deceased = order.subject_iin
        await self._session.run(_NEW_FAMILY, (deceased, family))
        await self._session.run(_RAISE_FAMILY, (family, deceased, family))
        if await self._session.run(_ADD_SHARE, (share, deceased, share)) != 1:
            return False
        if await self._session.run(_INSERT_PAYMENT, params) == 1:
            return True
        await self._session.run(_ADD_SHARE, (-share, deceased, -share))  # the case had one
        return False

    async def family_paid(self, deceased_iin: str) -> tuple[Decimal, Decimal] | None:
        """(family amount, paid so far) of a deceased's survivor orders; None before any."""
        row = await self._session.row(
            "SELECT family_tiyn, paid_tiyn FROM survivor_families WHERE deceased_iin = ?",
            (deceased_iin,),
        )
        if row is None:
            return None
        return Decimal(row["family_tiyn"]) / 100, Decimal(row["paid_tiyn"]) / 100

    async def of_subjects(self, service: str, iins: Sequence[str]) -> list[PaymentOrder]:
        """The orders of one service about these people (the deceased, the disabled)."""
        if not iins:
            return []
        rows = await self._session.rows(
            "SELECT * FROM payments WHERE service = ?"
            " AND subject_iin IN (SELECT value FROM json_each(?)) ORDER BY id",
            (service, keys(iins)),
        )
        return [_order(r) for r in rows]

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
