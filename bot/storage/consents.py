"""The consent ledger in the database: append-only, each row a link of its case's chain, the
rows sealed now and then into checkpoints (`bot.evidence.ledger`)."""

from __future__ import annotations

import json
import zlib
from datetime import datetime

from bot.evidence.ledger import GENESIS, append_link, chain_of, make_checkpoint
from bot.instants import as_utc
from bot.records import Checkpoint, ConsentEntry, ConsentRow
from bot.storage.codec import (
    checkpoint_from_row,
    checkpoint_params,
    consent_from_row,
    consent_params,
)
from bot.storage.session import Session

CHAIN_LOCKS = 0x636861  # PostgreSQL: the advisory locks' class of the chains ("cha")
_COLUMNS = (
    "seq",
    "case_id",
    "iin",
    "act",
    "text",
    "template_id",
    "template_version",
    "language",
    "channel",
    "message_ids",
    "raw_reply",
    "intent",
    "actor",
    "at",
    "text_hash",
    "prev_hash",
    "hash",
    "chain",
    "link",
)
_INSERT = (
    f"INSERT INTO consents ({', '.join(_COLUMNS)})"
    f" VALUES ({', '.join(':' + name for name in _COLUMNS)})"
)
_CHECKPOINT_COLUMNS = ("number", "at", "size", "root", "prev_hash", "hash")
_INSERT_CHECKPOINT = (
    f"INSERT INTO ledger_checkpoints ({', '.join(_CHECKPOINT_COLUMNS)})"
    f" VALUES ({', '.join(':' + name for name in _CHECKPOINT_COLUMNS)})"
)


def chain_lock(chain: str) -> int:
    """A chain's advisory lock number (PostgreSQL's int4): chains that share one only wait
    for each other."""
    return zlib.crc32(chain.encode()) - 2**31


class SqlConsentLog:
    """The ledger. An append reads and extends its case's chain alone: on PostgreSQL it first
    locks that chain for the rest of the transaction, so two instances appending to one case
    take turns and different cases never wait for each other."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._heads: dict[str, tuple[int, str]] = {}  # chain → its last link and hash, once read
        self._seq: int | None = None  # SQLite: the last seq written, once read

    async def append(self, entry: ConsentEntry) -> ConsentRow:
        """Append one act as the next link of its chain; `at` is kept in UTC. The row goes
        with the unit of work's other writes."""
        at = as_utc(entry.at)
        if at is not entry.at:
            entry = entry.model_copy(update={"at": at})
        chain = chain_of(entry)
        seq = await self._next_seq(chain)
        head = self._heads.get(chain)
        if head is None:
            last = await self._session.row(
                "SELECT link, hash FROM consents WHERE chain = ? ORDER BY link DESC LIMIT 1",
                (chain,),
            )
            head = (0, GENESIS) if last is None else (int(last["link"]), last["hash"])
        row = append_link(entry, seq=seq, link=head[0] + 1, prev_hash=head[1])
        self._session.defer("consents", _INSERT, consent_params(row), expect=1)
        self._heads[chain] = (head[0] + 1, row.hash)
        return row

    async def _next_seq(self, chain: str) -> int:
        """The new row's seq. PostgreSQL: the sequence's next, the chain locked first if this
        unit of work has not yet read it. SQLite (one writer): the last seq plus one."""
        if self._session.dialect == "postgresql":
            if chain in self._heads:
                found = await self._session.row("SELECT nextval('consents_seq') AS seq")
            else:
                found = await self._session.row(
                    "SELECT pg_advisory_xact_lock(?, ?)::text AS locked,"
                    " nextval('consents_seq') AS seq",
                    (CHAIN_LOCKS, chain_lock(chain)),
                )
            assert found is not None
            return int(found["seq"])
        if self._seq is None:
            last = await self._session.row("SELECT max(seq) AS seq FROM consents")
            self._seq = int(last["seq"] or 0) if last is not None else 0
        self._seq += 1
        return self._seq

    async def rows(self, iin: str | None = None) -> list[ConsentRow]:
        """Rows in order, all or one citizen's."""
        if iin is None:
            found = await self._session.rows("SELECT * FROM consents ORDER BY seq")
        else:
            found = await self._session.rows(
                "SELECT * FROM consents WHERE iin = ? ORDER BY seq", (iin,)
            )
        return [consent_from_row(row) for row in found]

    async def checkpoint(self, at: datetime, limit: int) -> Checkpoint | None:
        """Seal up to `limit` rows no checkpoint has sealed yet, the oldest first, into the
        next checkpoint; None when every row is sealed. One sealer at a time: a second
        checkpoint of the same number, or a row sealed twice, fails the transaction."""
        rows = await self._session.rows(
            "SELECT id, hash FROM consents WHERE chain IS NOT NULL AND checkpoint IS NULL"
            " ORDER BY seq LIMIT ?",
            (limit,),
        )
        if not rows:
            return None
        last = await self._session.row(
            "SELECT number, hash FROM ledger_checkpoints ORDER BY number DESC LIMIT 1"
        )
        if last is None:  # the first: on the last row of the chain kept from before 0010
            old = await self._session.row(
                "SELECT hash FROM consents WHERE chain IS NULL ORDER BY seq DESC LIMIT 1"
            )
            number, prev_hash = 1, GENESIS if old is None else old["hash"]
        else:
            number, prev_hash = int(last["number"]) + 1, last["hash"]
        made = make_checkpoint(number, as_utc(at), [row["hash"] for row in rows], prev_hash)
        await self._session.run(_INSERT_CHECKPOINT, checkpoint_params(made))
        ids = json.dumps([int(row["id"]) for row in rows])
        sealed = await self._session.run(
            "UPDATE consents SET checkpoint = ? WHERE checkpoint IS NULL"
            " AND id IN (SELECT CAST(value AS BIGINT) FROM json_each(?))",
            (number, ids),
        )
        if sealed != len(rows):
            raise RuntimeError(f"checkpoint {number}: {sealed} of {len(rows)} rows sealed")
        return made

    async def checkpoints(self) -> list[Checkpoint]:
        """Every checkpoint, in order."""
        found = await self._session.rows("SELECT * FROM ledger_checkpoints ORDER BY number")
        return [checkpoint_from_row(row) for row in found]
