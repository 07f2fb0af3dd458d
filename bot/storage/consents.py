"""The consent ledger in the database: append-only, each row a link of its case's chain, the
rows sealed now and then into checkpoints (`bot.evidence.ledger`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from bot.evidence.ledger import CITIZEN_CHAIN, GENESIS, append_link, chain_of, make_checkpoint
from bot.instants import as_utc
from bot.records import Checkpoint, ConsentEntry, ConsentRow
from bot.storage.codec import (
    checkpoint_from_row,
    checkpoint_params,
    consent_from_row,
    consent_params,
    keys,
)
from bot.storage.session import Session

CHAIN_LOCKS = 0x636861  # PostgreSQL: the advisory locks' class of the citizens' chains ("cha")
SEQ_BLOCK = 256  # seqs taken at most at once
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


class SqlConsentLog:
    """The ledger. An append extends its case's chain alone, from the chain's head read
    ahead (`prefetch`) or read once: a case's chain is appended to only by transactions that
    hold the case (its row locked on PostgreSQL, or inserted by them), so on PostgreSQL two
    instances take turns on one case and never wait for each other on different ones; a
    citizen's chain (acts tied to no case) is locked by its advisory lock first. The unique
    (chain, link) index refuses a fork whatever happens."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._heads: dict[str, tuple[int, str]] = {}  # chain → its last link and hash, once read
        self._seqs: list[int] = []  # seqs taken from the database and not yet used
        self._block = 1  # PostgreSQL: how many seqs to take next (doubling, up to SEQ_BLOCK)

    async def prefetch(self, chains: Sequence[str]) -> None:
        """Read ahead the heads of these chains (a case's chain is its case id), in one query:
        appends to them then send nothing until the commit."""
        wanted = [c for c in chains if c not in self._heads]
        if not wanted:
            return
        await self._lock_citizens(wanted)
        rows = await self._session.rows(
            "SELECT c.chain, c.link, c.hash FROM consents c JOIN"
            " (SELECT chain, max(link) AS link FROM consents"
            " WHERE chain IN (SELECT value FROM json_each(?)) GROUP BY chain) AS head"
            " ON c.chain = head.chain AND c.link = head.link",
            (keys(wanted),),
        )
        self._heads.update(dict.fromkeys(wanted, (0, GENESIS)))
        self._heads.update((row["chain"], (int(row["link"]), row["hash"])) for row in rows)

    async def _lock_citizens(self, chains: Sequence[str]) -> None:
        """PostgreSQL: lock the citizens' chains among these until the transaction ends (a
        case's chain is held through its case)."""
        citizens = [c for c in chains if c.startswith(CITIZEN_CHAIN)]
        if citizens and self._session.dialect == "postgresql":
            await self._session.rows(
                "SELECT pg_advisory_xact_lock(?, hashtext(value))"
                " FROM json_each(?) ORDER BY value",
                (CHAIN_LOCKS, keys(citizens)),
            )

    async def append(self, entry: ConsentEntry) -> ConsentRow:
        """Append one act as the next link of its chain; `at` is kept in UTC. The row goes
        with the unit of work's other writes."""
        at = as_utc(entry.at)
        if at is not entry.at:
            entry = entry.model_copy(update={"at": at})
        chain = chain_of(entry)
        if chain not in self._heads:
            await self.prefetch([chain])
        link, prev_hash = self._heads[chain]
        row = append_link(entry, seq=await self._next_seq(), link=link + 1, prev_hash=prev_hash)
        self._session.defer("consents", _INSERT, consent_params(row), expect=1)
        self._heads[chain] = (link + 1, row.hash)
        return row

    async def _next_seq(self) -> int:
        """The new row's seq: SQLite (one writer), the last seq plus one; PostgreSQL, the
        sequence's next, taken a block at a time (1, 2, 4, … SEQ_BLOCK for this unit of
        work): the seqs a transaction leaves unused are gaps, as a sequence's always are."""
        if not self._seqs:
            if self._session.dialect == "postgresql":
                found = await self._session.rows(
                    "SELECT nextval('consents_seq') AS seq FROM generate_series(1, ?)",
                    (self._block,),
                )
                self._seqs = sorted(int(row["seq"]) for row in found)
                self._block = min(self._block * 2, SEQ_BLOCK)
            else:
                last = await self._session.row("SELECT max(seq) AS seq FROM consents")
                after = int(last["seq"] or 0) if last is not None else 0
                self._seqs = list(range(after + 1, after + 1 + SEQ_BLOCK))
        seq = self._seqs.pop(0)
        if self._session.dialect != "postgresql" and not self._seqs:
            self._seqs = list(range(seq + 1, seq + 1 + SEQ_BLOCK))  # one writer: all ours
        return seq

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
