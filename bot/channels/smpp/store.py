"""The SMPP channel's own SQLite file: what was submitted, and what the SMSC sent back.

Nothing the SMSC hands over is acknowledged before it is here: a deliver_sm is answered only
after its receipt or reply part is committed, and a submission's parts are planned (text cut,
UDH reference chosen) before the first one goes, so a submission taken up again after a
crash or a dropped line sends the same parts, with the same reference, and only those the
SMSC has not accepted yet.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.channels.smpp.inbound import MoPart, Outcome, Receipt, combined, outcome
from bot.channels.smpp.text import encode_message
from bot.channels.sqlite_file import connect, to_text, transaction
from bot.records import Channel, InboundMessage

FILE_NAME = "smpp_gateway.sqlite3"

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE submission (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        client_ref TEXT NOT NULL UNIQUE,
        to_phone TEXT NOT NULL,
        text TEXT NOT NULL,
        data_coding INTEGER NOT NULL,
        parts INTEGER NOT NULL CHECK (parts >= 1),
        created_at TEXT NOT NULL,
        reported_at TEXT
    );
    CREATE INDEX submission_unreported ON submission (id) WHERE reported_at IS NULL;
    CREATE TABLE part (
        submission_id INTEGER NOT NULL REFERENCES submission (id),
        seqnum INTEGER NOT NULL CHECK (seqnum >= 1),
        short_message BLOB NOT NULL,
        esm_class INTEGER NOT NULL,
        message_id TEXT,
        accepted_at TEXT,
        PRIMARY KEY (submission_id, seqnum)
    );
    CREATE INDEX part_message_id ON part (message_id) WHERE message_id IS NOT NULL;
    CREATE TABLE receipt (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        message_id TEXT NOT NULL,
        state TEXT NOT NULL,
        error TEXT NOT NULL,
        received_at TEXT NOT NULL
    );
    CREATE INDEX receipt_message_id ON receipt (message_id);
    CREATE TABLE mo_part (
        source TEXT NOT NULL,
        reference INTEGER NOT NULL,
        total INTEGER NOT NULL,
        seqnum INTEGER NOT NULL,
        text TEXT NOT NULL,
        received_at TEXT NOT NULL,
        PRIMARY KEY (source, reference, total, seqnum)
    );
    CREATE TABLE mobile_originated (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        phone TEXT NOT NULL,
        text TEXT NOT NULL,
        received_at TEXT NOT NULL,
        taken_at TEXT
    );
    CREATE INDEX mobile_originated_untaken ON mobile_originated (id) WHERE taken_at IS NULL;
    """,
)


def _provider_id(column: str, prefix: str = "smpp-") -> str:
    """SQL giving a row's provider id: "smpp-000123" submitted, "smpp-mo-000045" received."""
    return f"printf('{prefix}%06d', {column})"


def path_in(data_dir: Path) -> Path:
    """The SMPP channel's SQLite file inside a data directory."""
    return data_dir / FILE_NAME


@dataclass(frozen=True)
class Part:
    """One submit_sm of a submission; `message_id` once the SMSC accepted it."""

    seqnum: int
    short_message: bytes
    esm_class: int
    message_id: str | None


@dataclass(frozen=True)
class Planned:
    """A submission as stored: its provider id, coding and parts."""

    id: int
    provider_id: str
    to: str
    data_coding: int
    parts: tuple[Part, ...]

    @property
    def waiting(self) -> tuple[Part, ...]:
        """The parts the SMSC has not accepted yet."""
        return tuple(part for part in self.parts if part.message_id is None)


class SmppStore:
    """The file, opened migrated; `close()` when done. Every write is one short transaction."""

    def __init__(self, path: Path) -> None:
        self._conn = connect(path, MIGRATIONS)

    def close(self) -> None:
        """Close the file."""
        self._conn.close()

    def plan(self, client_ref: str, to: str, text: str, now: datetime) -> Planned:
        """The submission for this reference: stored with its parts the first time, read back
        after (the reference's first text and parts stand; a new text needs a new reference).
        The UDH reference is the submission's number modulo 256."""
        with transaction(self._conn) as conn:
            row = conn.execute(
                "SELECT id FROM submission WHERE client_ref = ?", (client_ref,)
            ).fetchone()
            if row is None:
                submission_id = self._insert(conn, client_ref, to, text, now)
            else:
                submission_id = row["id"]
        return self._planned(submission_id)

    @staticmethod
    def _insert(
        conn: sqlite3.Connection, client_ref: str, to: str, text: str, now: datetime
    ) -> int:
        submission_id: int = conn.execute(
            "INSERT INTO submission (client_ref, to_phone, text, data_coding, parts, created_at)"
            " VALUES (?, ?, ?, 0, 1, ?) RETURNING id",
            (client_ref, to, text, to_text(now)),
        ).fetchone()[0]
        encoded = encode_message(text, submission_id % 256)
        conn.execute(
            "UPDATE submission SET data_coding = ?, parts = ? WHERE id = ?",
            (encoded.data_coding, len(encoded.parts), submission_id),
        )
        conn.executemany(
            "INSERT INTO part (submission_id, seqnum, short_message, esm_class)"
            " VALUES (?, ?, ?, ?)",
            [
                (submission_id, seqnum, data, encoded.esm_class)
                for seqnum, data in enumerate(encoded.parts, start=1)
            ],
        )
        return submission_id

    def _planned(self, submission_id: int) -> Planned:
        head = self._conn.execute(
            f"SELECT {_provider_id('id')} AS provider_id, to_phone, data_coding FROM submission"
            " WHERE id = ?",
            (submission_id,),
        ).fetchone()
        parts = self._conn.execute(
            "SELECT seqnum, short_message, esm_class, message_id FROM part"
            " WHERE submission_id = ? ORDER BY seqnum",
            (submission_id,),
        ).fetchall()
        return Planned(
            submission_id,
            head["provider_id"],
            head["to_phone"],
            head["data_coding"],
            tuple(Part(*(p[key] for key in Part.__dataclass_fields__)) for p in parts),
        )

    def accepted(self, submission_id: int, seqnum: int, message_id: str, now: datetime) -> None:
        """The SMSC took this part under `message_id`."""
        with transaction(self._conn) as conn:
            conn.execute(
                "UPDATE part SET message_id = ?, accepted_at = ?"
                " WHERE submission_id = ? AND seqnum = ?",
                (message_id, to_text(now), submission_id, seqnum),
            )

    def add_receipt(self, receipt: Receipt, now: datetime) -> None:
        """Keep a receipt (it may come before the part's submit_sm_resp is stored)."""
        with transaction(self._conn) as conn:
            conn.execute(
                "INSERT INTO receipt (message_id, state, error, received_at) VALUES (?, ?, ?, ?)",
                (receipt.message_id, receipt.state, receipt.error, to_text(now)),
            )

    def outcomes(self) -> list[tuple[str, Outcome]]:
        """Submissions whose outcome is known and not yet acknowledged, oldest first."""
        rows = self._conn.execute(
            f"SELECT s.id, {_provider_id('s.id')} AS provider_id,"
            " (SELECT r.state FROM receipt r WHERE r.message_id = p.message_id"
            "  ORDER BY r.id DESC LIMIT 1) AS state"
            " FROM submission s JOIN part p ON p.submission_id = s.id"
            " WHERE s.reported_at IS NULL AND EXISTS ("  # from the unreported: not all history
            "  SELECT 1 FROM part q JOIN receipt r ON r.message_id = q.message_id"
            "  WHERE q.submission_id = s.id)"
            " ORDER BY s.id, p.seqnum"
        ).fetchall()
        states: defaultdict[str, list[Outcome | None]] = defaultdict(list)
        for row in rows:
            state = row["state"]
            states[row["provider_id"]].append(None if state is None else outcome(state))
        found = [(provider_id, combined(parts)) for provider_id, parts in states.items()]
        return [(provider_id, result) for provider_id, result in found if result is not None]

    def ack_outcomes(self, provider_ids: Sequence[str], now: datetime) -> None:
        """These outcomes are applied by the bot: not handed over again."""
        self._ack("submission", "reported_at", "smpp-", provider_ids, now)

    def add_reply_part(self, part: MoPart, phone: str, now: datetime) -> None:
        """Keep a reply, or a part of one; a reply whose parts are all here becomes whole
        (a part the SMSC sends twice is kept once)."""
        with transaction(self._conn) as conn:
            if part.concat is None or part.concat.total == 1:
                self._reply(conn, phone, part.text, now)
                return
            concat = part.concat
            conn.execute(
                "INSERT OR IGNORE INTO mo_part (source, reference, total, seqnum, text,"
                " received_at) VALUES (?, ?, ?, ?, ?, ?)",
                (phone, concat.reference, concat.total, concat.seqnum, part.text, to_text(now)),
            )
            key = (phone, concat.reference, concat.total)
            texts = conn.execute(
                "SELECT text FROM mo_part WHERE source = ? AND reference = ? AND total = ?"
                " ORDER BY seqnum",
                key,
            ).fetchall()
            if len(texts) == concat.total:
                self._reply(conn, phone, "".join(row["text"] for row in texts), now)
                conn.execute(
                    "DELETE FROM mo_part WHERE source = ? AND reference = ? AND total = ?", key
                )

    @staticmethod
    def _reply(conn: sqlite3.Connection, phone: str, text: str, now: datetime) -> None:
        conn.execute(
            "INSERT INTO mobile_originated (phone, text, received_at) VALUES (?, ?, ?)",
            (phone, text, to_text(now)),
        )

    def flush_stale_parts(self, received_before: datetime) -> int:
        """Replies whose first part came before `received_before` and whose other parts never
        came: joined as they are (in order, gaps left out), so the bot reads and answers what
        the citizen wrote instead of it being lost; how many."""
        with transaction(self._conn) as conn:
            groups = conn.execute(
                "SELECT source, reference, total FROM mo_part GROUP BY source, reference, total"
                " HAVING MIN(received_at) < ?",
                (to_text(received_before),),
            ).fetchall()
            for source, reference, total in groups:
                key = (source, reference, total)
                rows = conn.execute(
                    "SELECT text, received_at FROM mo_part WHERE source = ? AND reference = ?"
                    " AND total = ? ORDER BY seqnum",
                    key,
                ).fetchall()
                text = "".join(row["text"] for row in rows)
                conn.execute(
                    "INSERT INTO mobile_originated (phone, text, received_at) VALUES (?, ?, ?)",
                    (source, text, rows[-1]["received_at"]),
                )
                conn.execute(
                    "DELETE FROM mo_part WHERE source = ? AND reference = ? AND total = ?", key
                )
        return len(groups)

    def replies(self) -> list[InboundMessage]:
        """Whole replies not yet acknowledged, oldest first."""
        rows = self._conn.execute(
            f"SELECT {_provider_id('id', 'smpp-mo-')} AS provider_id, phone AS address, text,"
            " received_at FROM mobile_originated WHERE taken_at IS NULL ORDER BY id"
        ).fetchall()
        return [
            InboundMessage.model_validate({"channel": Channel.SMS, **dict(row)}) for row in rows
        ]

    def ack_replies(self, provider_ids: Sequence[str], now: datetime) -> None:
        """These replies are logged by the bot: not handed over again."""
        self._ack("mobile_originated", "taken_at", "smpp-mo-", provider_ids, now)

    def _ack(
        self, table: str, column: str, prefix: str, provider_ids: Sequence[str], now: datetime
    ) -> None:
        ids = [(to_text(now), int(pid.removeprefix(prefix))) for pid in provider_ids]
        with transaction(self._conn) as conn:
            conn.executemany(
                f"UPDATE {table} SET {column} = ? WHERE id = ? AND {column} IS NULL", ids
            )
