"""How records become SQLite columns and back: UTC datetime text, JSON, one decoder a table."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any

from bot.instants import as_utc, from_utc_text, utc_text
from bot.records import (
    CaseRecord,
    Checkpoint,
    Citizen,
    ConsentEntry,
    ConsentRow,
    InboundMessage,
    Keyboard,
    OperatorTask,
    OutboxMessage,
    TelegramChat,
)
from bot.storage.session import Row
from domain.cases import Case
from domain.decisions import Decision

Column = str | int | float | None


def optional_from_utc_text(text: str | None) -> datetime | None:
    """`from_utc_text`, letting None through."""
    return None if text is None else from_utc_text(text)


_ZERO = timedelta(0)
_PLAIN = frozenset({str, int, float, type(None)})


def keys(values: Iterable[object]) -> str:
    """Values as one JSON array parameter, for `IN (SELECT value FROM json_each(?))` (an
    integer column: `SELECT CAST(value AS BIGINT)`, as PostgreSQL's json_each gives text)."""
    return json.dumps(sorted(set(values)), ensure_ascii=False)


def column(value: object) -> Column:
    """One Python value as a SQLite column value."""
    if type(value) in _PLAIN:
        return value  # type: ignore[return-value]
    if isinstance(value, int | float):
        return int(value) if isinstance(value, bool) else value  # a flag: 0 or 1 in either
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, str):
        return value
    if isinstance(value, Keyboard):
        return value.model_dump_json()
    raise TypeError(f"no column form for {type(value).__name__}")


def row_fields(row: Row, times: tuple[str, ...] = ()) -> dict[str, Any]:
    """A row as a dict, its datetime columns (`times`) parsed from stored UTC text."""
    fields = dict(zip(row.keys(), tuple(row), strict=True))
    for name in times:
        fields[name] = optional_from_utc_text(fields[name])
    return fields


def _case_in_utc(case: Case) -> Case:
    """A case with its datetimes checked aware and moved to UTC (itself when they are: UTC
    itself or another zero offset, such as the one pydantic gives "...Z" when it reads)."""
    moved = {
        name: as_utc(value)
        for name, value in case.__dict__.items()
        if isinstance(value, datetime) and value.tzinfo is not UTC and value.utcoffset() != _ZERO
    }
    return case.model_copy(update=moved) if moved else case


def case_to_json(case: Case) -> str:
    """A case as JSON, its datetimes in UTC."""
    return _case_in_utc(case).model_dump_json()


def _case_from_json(body: str) -> Case:
    """A stored case body (its datetimes written in UTC) as a case whose datetimes have UTC
    itself as their zone, not pydantic's zero-offset stand-in: set on the new object before
    anyone holds it, which costs a fraction of a validated copy."""
    case = Case.model_validate_json(body)
    fields = case.__dict__
    for name, value in fields.items():
        if isinstance(value, datetime) and value.tzinfo is not UTC:
            if value.utcoffset() != _ZERO:
                return _case_in_utc(case)  # not written by case_to_json: moved, validated
            fields[name] = value.replace(tzinfo=UTC)
    return case


_CASE_COLUMNS = (
    "body", "code", "subject_iin", "addressee_iin", "phone", "event_id", "created_at", "amount",
    "monthly", "terms", "received_for", "subject_name",
)  # fmt: skip


def case_from_row(row: Row) -> CaseRecord:
    """A `cases` row as a record."""
    return _case_record(tuple(row[name] for name in _CASE_COLUMNS))


# Decoding a case costs about 15 µs; a row read again unchanged (the same columns, the same
# body) is the same immutable record, so the last ones decoded are kept: a unit of work that
# reads the open cases finds most of them as an earlier one left them. About 3.7 KB each.
CASE_CACHE = 1 << 14


Columns = tuple[
    str, str, str, str, str | None, int, str, str | None, int, str | None, str, str | None
]  # _CASE_COLUMNS


@lru_cache(maxsize=CASE_CACHE)
def _case_record(columns: Columns) -> CaseRecord:
    (body, code, subject_iin, addressee_iin, phone, event_id, created_at, amount, monthly) = (
        columns[:9]
    )
    terms, received_for, subject_name = columns[9:]
    return CaseRecord(
        case=_case_from_json(body),
        code=code,
        subject_iin=subject_iin,
        addressee_iin=addressee_iin,
        phone=phone,
        event_id=event_id,
        created_at=from_utc_text(created_at),
        offered_amount=None if amount is None else Decimal(amount),
        monthly=bool(monthly),
        terms=None if terms is None else Decision.model_validate_json(terms),
        received_for=tuple(json.loads(received_for)),
        subject_name=subject_name,
    )


def citizen_from_row(row: Row) -> Citizen:
    """A `citizens` row as a record."""
    return Citizen.model_validate(row_fields(row))


def consent_params(row: ConsentRow) -> dict[str, Column]:
    """A chained ledger row as the `consents` table's named parameters."""
    entry = row.entry
    params = {
        name: column(value) for name, value in entry.__dict__.items() if name != "message_ids"
    }
    params["message_ids"] = json.dumps(list(entry.message_ids), ensure_ascii=False)
    params.update(seq=row.seq, text_hash=row.text_hash, prev_hash=row.prev_hash, hash=row.hash)
    params.update(chain=row.chain, link=row.link)
    return params


_CHAINING = ("seq", "text_hash", "prev_hash", "hash", "chain", "link", "checkpoint")


def consent_from_row(row: Row) -> ConsentRow:
    """A `consents` row as a chained ledger row."""
    fields = row_fields(row, ("at",))
    chain = {name: fields.pop(name) for name in _CHAINING if name in fields}
    fields.pop("id", None)
    fields["message_ids"] = tuple(json.loads(fields["message_ids"]))
    return ConsentRow(entry=ConsentEntry.model_validate(fields), **chain)


def checkpoint_params(checkpoint: Checkpoint) -> dict[str, Column]:
    """A checkpoint as the `ledger_checkpoints` table's named parameters."""
    return {name: column(value) for name, value in checkpoint.__dict__.items()}


def checkpoint_from_row(row: Row) -> Checkpoint:
    """A `ledger_checkpoints` row as a record."""
    return Checkpoint.model_validate(row_fields(row, ("at",)))


def outbox_from_row(row: Row) -> OutboxMessage:
    """An `outbox` row as a record."""
    fields = row_fields(row, ("next_attempt_at", "created_at", "sent_at"))
    if fields["markup"] is not None:
        fields["markup"] = Keyboard.model_validate_json(fields["markup"])
    return OutboxMessage.model_validate(fields)


def inbound_from_row(row: Row) -> InboundMessage:
    """An `inbound` row as a record."""
    return InboundMessage.model_validate(row_fields(row, ("received_at", "handled_at")))


def task_from_row(row: Row) -> OperatorTask:
    """An `operator_tasks` row as a record."""
    return OperatorTask.model_validate(row_fields(row, ("created_at", "done_at")))


def chat_from_row(row: Row) -> TelegramChat:
    """A `telegram_chats` row as a record."""
    return TelegramChat.model_validate(row_fields(row, ("linked_at", "updated_at")))
