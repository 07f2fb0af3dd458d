"""Migration 0007 (pre-screening, one survivor benefit a family) on a file at version 6.

A file built by hand with sqlite3 from the first six migration scripts holds a survivor case
opened before cases kept their offer's terms; opening it through the storage runs migration
7. The case reads as it was, with no terms and nobody received for (the decider then groups
the family as screening does), and the family's bound applies to its orders from then on.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from bot.instants import utc_text
from bot.records import PaymentOrder
from bot.storage.codec import case_to_json
from bot.storage.sqlite import SqliteStorage, migrations, statements
from domain.cases import Case, CaseState
from domain.model import Service

NOW = datetime(2026, 1, 12, 10, tzinfo=UTC)
DECEASED, MOTHER = "500101300123", "800202400456"


def build_version_6(path: Path) -> None:
    """A file at schema version 6 holding one survivor case under review."""
    case = Case(
        id="c1",
        service=Service.SURVIVOR,
        state=CaseState.UNDER_REVIEW,
        automatic=False,
        term_working_days=7,
        offered_at=NOW,
    )
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        for script in migrations()[:6]:
            for statement in statements(script):
                conn.execute(statement)
        conn.execute("PRAGMA user_version = 6")
        conn.execute(
            "INSERT INTO cases (id, event_id, service, subject_iin, addressee_iin, phone, code,"
            " state, created_at, amount, monthly, body)"
            " VALUES ('c1', 1, 'survivor', ?, ?, NULL, '101', 'under_review', ?, '86446.70', 1,"
            " ?)",
            (DECEASED, MOTHER, utc_text(NOW), case_to_json(case)),
        )


async def test_a_case_from_before_screening_reads_with_no_terms_and_nobody_received_for(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.sqlite3"
    build_version_6(path)
    storage = await SqliteStorage.open(path)
    try:
        async with storage.unit_of_work() as uow:
            record = await uow.cases.get("c1")
        assert record is not None
        assert (record.offered_amount, record.terms, record.received_for) == (
            Decimal("86446.70"),
            None,
            (),
        )
        assert record.subject_name is None
        order = PaymentOrder(
            case_id="c1",
            service="survivor",
            subject_iin=DECEASED,
            amount=Decimal("86446.71"),  # a tiyn over the family amount of two dependents
            iban="KZ86125KZT5004100100",
            start=date(2026, 1, 9),
            periodicity="monthly",
            created_at=NOW,
            family_amount=Decimal("86446.70"),
        )
        async with storage.unit_of_work() as uow:
            assert not await uow.payments.place(order)
            assert await uow.payments.place(
                order.model_copy(update={"amount": order.family_amount})
            )
            await uow.commit()
    finally:
        await storage.close()
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(migrations()) == 12
