"""A simulated SMS provider (SMSC) in its own SQLite file: submissions, receipts and replies.

It stands for an external provider, so it keeps its own state, shared by the bot process and
the testers' CLI. Outcomes are scripted by the destination's last digits: "...0001" fails
temporarily twice per text before one submission is delivered, "...0002" fails permanently.
Testers may also make a seeded share of every other submission fail temporarily
(`bot.channels.sms_faults`, `python -m bot sms faults`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from bot.channels import sms_faults
from bot.channels.sms_faults import GatewayFaults
from bot.channels.sqlite_file import connect, to_text, transaction, utc_now
from bot.ports import Clock, SendPermanentError
from bot.records import Channel, InboundMessage
from domain.phone import InvalidPhone, normalize_phone
from domain.sms import Encoding, encoding, segments

FILE_NAME = "sms_gateway.sqlite3"
DEFAULT_RECEIPT_DELAY = timedelta(seconds=2)
MO_MAX_CHARS = 1000  # a citizen's reply longer than this is refused, as a real SMSC limits it
TEMPORARY_SUFFIX = "0001"  # test numbers whose first submissions of a text fail temporarily
PERMANENT_SUFFIX = "0002"  # test numbers that never receive anything
TEMPORARY_FAILURES = 2  # submissions of one text to a "...0001" number failing before delivery

Outcome = Literal["delivered", "temporary", "permanent"]
Status = Literal["accepted", "delivered", "temporary", "permanent"]

# Numbered migrations (bot.channels.sqlite_file runs each once, in order).
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE submission (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        client_ref TEXT NOT NULL UNIQUE,
        to_phone TEXT NOT NULL,
        text TEXT NOT NULL,
        encoding TEXT NOT NULL CHECK (encoding IN ('GSM-7', 'UCS-2')),
        segments INTEGER NOT NULL CHECK (segments >= 1),
        submitted_at TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('delivered', 'temporary', 'permanent')),
        final_at TEXT NOT NULL,
        reported_at TEXT
    );
    CREATE INDEX submission_destination ON submission (to_phone, text);
    CREATE INDEX submission_unreported ON submission (final_at) WHERE reported_at IS NULL;
    CREATE TABLE mobile_originated (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        phone TEXT NOT NULL,
        text TEXT NOT NULL,
        received_at TEXT NOT NULL,
        taken_at TEXT
    );
    CREATE INDEX mobile_originated_untaken ON mobile_originated (id) WHERE taken_at IS NULL;
    """,
    """
    CREATE TABLE handset_memory (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    sms_faults.MIGRATION,
)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class InboxMessage(_Model):
    """A message a phone received."""

    provider_id: str
    client_ref: str
    text: str
    encoding: Encoding
    segments: int
    submitted_at: datetime
    delivered_at: datetime


class Submission(_Model):
    """A submitted message as the provider's console shows it."""

    provider_id: str
    client_ref: str
    to: str
    text: str
    encoding: Encoding
    segments: int
    submitted_at: datetime
    status: Status  # "accepted" until its outcome is due, then the outcome
    receipt_reported: bool


def path_in(data_dir: Path) -> Path:
    """The gateway's SQLite file inside a data directory."""
    return data_dir / FILE_NAME


# Provider ids, formatted by SQLite from the row id: "sim-000123" sent, "mo-000045" received.
_SIM_ID = "printf('sim-%06d', id)"
_MO_ID = "printf('mo-%06d', id)"


def check_submission(client_ref: str, to: str, text: str) -> None:
    """Refuse, permanently, what no provider would accept: the message is stored nowhere."""
    if not client_ref:
        raise SendPermanentError("a client reference is required")
    if not text:
        raise SendPermanentError("empty message text")
    try:
        normal = normalize_phone(to)
    except InvalidPhone as error:
        raise SendPermanentError(f"unknown or invalid destination: {error}") from error
    if normal != to:
        raise SendPermanentError("destination must be E.164, e.g. +77012345678")


def _inbound(row: sqlite3.Row) -> InboundMessage:
    """A stored mobile-originated message as the bot logs it."""
    fields = {key: row[key] for key in ("provider_id", "address", "text", "received_at")}
    return InboundMessage.model_validate({"channel": Channel.SMS, **fields})


def _store_reply(conn: sqlite3.Connection, address: str, text: str, now: str) -> InboundMessage:
    """Store a checked mobile-originated message (inside the caller's transaction)."""
    row = conn.execute(
        "INSERT INTO mobile_originated (phone, text, received_at) VALUES (?, ?, ?)"
        f" RETURNING id, {_MO_ID} AS provider_id, phone AS address, text, received_at",
        (address, text, now),
    ).fetchone()
    return _inbound(row)


def _check_mo_text(text: str) -> None:
    """Refuse an empty or over-long mobile-originated text."""
    if not text.strip():
        raise ValueError("an SMS from the phone needs some text")
    if len(text) > MO_MAX_CHARS:
        raise ValueError(f"an SMS from the phone is limited to {MO_MAX_CHARS} characters")


def _outcome(conn: sqlite3.Connection, client_ref: str, to: str, text: str) -> Outcome:
    """What becomes of a new submission: by the destination's test-number suffix, else by
    the injected faults."""
    if to.endswith(PERMANENT_SUFFIX):
        return "permanent"
    if to.endswith(TEMPORARY_SUFFIX):
        query = "SELECT COUNT(*) FROM submission WHERE to_phone = ? AND text = ?"
        earlier: int = conn.execute(query, (to, text)).fetchone()[0]
        return "temporary" if earlier < TEMPORARY_FAILURES else "delivered"
    if sms_faults.fails_temporarily(sms_faults.read(conn), client_ref):
        return "temporary"
    return "delivered"


class SimulatedSmsGateway:
    """The `SmsGateway` port over a simulated provider's SQLite file; `close()` when done."""

    def __init__(
        self, path: Path, clock: Clock, receipt_delay: timedelta = DEFAULT_RECEIPT_DELAY
    ) -> None:
        self._conn = connect(path, MIGRATIONS)
        self._clock = clock
        self._receipt_delay = receipt_delay

    def close(self) -> None:
        """Close the file."""
        self._conn.close()

    async def _now(self) -> datetime:
        return await utc_now(self._clock)

    async def submit(self, client_ref: str, to: str, text: str) -> str:
        """Submit a message; the same reference gives the same id and sends nothing new."""
        check_submission(client_ref, to, text)
        now = await self._now()
        with transaction(self._conn) as conn:
            query = f"SELECT {_SIM_ID} FROM submission WHERE client_ref = ?"
            row = conn.execute(query, (client_ref,)).fetchone()
            if row is not None:
                return str(row[0])
            row = conn.execute(
                "INSERT INTO submission (client_ref, to_phone, text, encoding, segments,"
                " submitted_at, outcome, final_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                f" RETURNING {_SIM_ID}",
                (client_ref, to, text, encoding(text), segments(text), to_text(now),
                 _outcome(conn, client_ref, to, text), to_text(now + self._receipt_delay)),
            ).fetchone()  # fmt: skip
        return str(row[0])

    async def faults(self) -> GatewayFaults:
        """The injected faults in force."""
        return sms_faults.read(self._conn)

    async def set_faults(self, value: GatewayFaults) -> None:
        """Replace the injected faults; submissions from now on meet them."""
        with transaction(self._conn) as conn:
            sms_faults.write(conn, value)

    async def receipts(self) -> list[tuple[str, str]]:
        """Receipts due by now and not acknowledged: (provider id, outcome), again until acked."""
        now = to_text(await self._now())
        rows = self._conn.execute(
            f"SELECT {_SIM_ID} AS provider_id, outcome FROM submission"
            " WHERE reported_at IS NULL AND final_at <= ? ORDER BY final_at, id",
            (now,),
        ).fetchall()
        return [(row["provider_id"], row["outcome"]) for row in rows]

    async def ack_receipts(self, provider_ids: Sequence[str]) -> None:
        """The bot applied these receipts: they are not handed over again."""
        await self._ack("submission", "reported_at", "sim-", provider_ids)

    async def replies(self) -> list[InboundMessage]:
        """Mobile-originated messages not acknowledged, oldest first, again until acked."""
        rows = self._conn.execute(
            f"SELECT {_MO_ID} AS provider_id, phone AS address, text, received_at"
            " FROM mobile_originated WHERE taken_at IS NULL ORDER BY id"
        ).fetchall()
        return [_inbound(row) for row in rows]

    async def ack_replies(self, provider_ids: Sequence[str]) -> None:
        """The bot logged these replies: they are not handed over again."""
        await self._ack("mobile_originated", "taken_at", "mo-", provider_ids)

    async def _ack(
        self, table: str, column: str, prefix: str, provider_ids: Sequence[str]
    ) -> None:
        now = to_text(await self._now())
        ids = [(now, int(pid.removeprefix(prefix))) for pid in provider_ids]
        with transaction(self._conn) as conn:
            conn.executemany(
                f"UPDATE {table} SET {column} = ? WHERE id = ? AND {column} IS NULL", ids
            )

    async def send_from(self, phone: str, text: str) -> InboundMessage:
        """A tester plays the citizen's phone: queue a mobile-originated message for the bot."""
        address = normalize_phone(phone)
        _check_mo_text(text)
        now = to_text(await self._now())
        with transaction(self._conn) as conn:
            return _store_reply(conn, address, text, now)

    async def send_from_many(
        self, replies: Sequence[tuple[str, str]], memory: Mapping[str, str]
    ) -> list[InboundMessage]:
        """Simulated phones reply, and what they remember of it is kept, in one transaction:
        a process that dies here leaves both or neither. `replies` are (phone, text), sent in
        order; `memory` replaces the values of its keys (see `memory`)."""
        rows = [(normalize_phone(phone), text) for phone, text in replies]
        for _, text in rows:
            _check_mo_text(text)
        now = to_text(await self._now())
        with transaction(self._conn) as conn:
            sent = [_store_reply(conn, address, text, now) for address, text in rows]
            conn.executemany(
                "INSERT INTO handset_memory (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                sorted(memory.items()),
            )
        return sent

    async def memory(self) -> dict[str, str]:
        """What the simulated phones remember (the demo's citizens: what each read and will
        answer), by key, as `send_from_many` last kept it; empty on a fresh gateway."""
        rows = self._conn.execute("SELECT key, value FROM handset_memory ORDER BY key")
        return {row["key"]: row["value"] for row in rows}

    async def inbox(self, phone: str) -> list[InboxMessage]:
        """What the phone has received by now, oldest first (delivered messages only)."""
        now = to_text(await self._now())
        rows = self._conn.execute(
            f"SELECT {_SIM_ID} AS provider_id, client_ref, text, encoding, segments,"
            " submitted_at, final_at AS delivered_at FROM submission"
            " WHERE to_phone = ? AND outcome = 'delivered' AND final_at <= ?"
            " ORDER BY final_at, id",
            (normalize_phone(phone), now),
        ).fetchall()
        return [InboxMessage.model_validate(dict(row)) for row in rows]

    async def inbox_texts(self, since: Mapping[str, int]) -> dict[str, list[str]]:
        """The texts each phone has received by now after its first `since[phone]`, oldest
        first, in one read (the order of `inbox`; a phone with nothing new: empty)."""
        now = to_text(await self._now())
        wanted = {normalize_phone(phone): phone for phone in since}
        skips = json.dumps([[normal, since[phone]] for normal, phone in wanted.items()])
        texts: dict[str, list[str]] = {phone: [] for phone in since}
        rows = self._conn.execute(
            "WITH wanted (phone, skip) AS (SELECT json_extract(value, '$[0]'),"
            " json_extract(value, '$[1]') FROM json_each(?)),"
            " delivered AS (SELECT to_phone, text, final_at, id, row_number() OVER"
            " (PARTITION BY to_phone ORDER BY final_at, id) AS n FROM submission"
            " WHERE to_phone IN (SELECT phone FROM wanted)"
            " AND outcome = 'delivered' AND final_at <= ?)"
            " SELECT to_phone, text FROM delivered JOIN wanted ON wanted.phone = to_phone"
            " WHERE n > wanted.skip ORDER BY final_at, id",
            (skips, now),
        ).fetchall()
        for row in rows:
            texts[wanted[row["to_phone"]]].append(row["text"])
        return texts

    async def sent_by(self, phone: str) -> list[InboundMessage]:
        """What a phone sent (the tester's replies), oldest first, taken by the bot or not."""
        rows = self._conn.execute(
            f"SELECT {_MO_ID} AS provider_id, phone AS address, text, received_at"
            " FROM mobile_originated WHERE phone = ? ORDER BY id",
            (normalize_phone(phone),),
        ).fetchall()
        return [_inbound(row) for row in rows]

    async def messages(self, limit: int = 100) -> list[Submission]:
        """Submitted messages for the console, newest first."""
        now = to_text(await self._now())
        rows = self._conn.execute(
            f"SELECT {_SIM_ID} AS provider_id, client_ref, to_phone AS 'to', text, encoding,"
            " segments, submitted_at, CASE WHEN final_at <= ? THEN outcome ELSE 'accepted' END"
            " AS status, reported_at IS NOT NULL AS receipt_reported"
            " FROM submission ORDER BY id DESC LIMIT ?",
            (now, limit),
        ).fetchall()
        return [Submission.model_validate(dict(row)) for row in rows]
