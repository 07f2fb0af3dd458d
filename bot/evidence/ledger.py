"""The consent ledger's chain: its one canonical form and hash, and the checks that find tampering.

Row n's hash is sha256(prev_hash + canonical(n)), where canonical(n) is the JSON of the row's
seq, its entry (`at` as UTC ISO-8601) and the sha256 of its exact text; row 1 chains to "0"*64.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from bot.instants import utc_text
from bot.records import ConsentEntry, ConsentRow

GENESIS = "0" * 64  # the prev_hash of the first row


def text_hash(text: str) -> str:
    """The sha256 hex of a text's exact UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical(seq: int, entry: ConsentEntry, text_digest: str) -> str:
    """The one canonical JSON a row's hash covers: sorted keys, UTF-8 as is, no spaces."""
    fields: dict[str, object] = dict(entry.__dict__)  # JSON writes enums as their values and
    fields["at"] = utc_text(entry.at)  # tuples as lists: the same text as model_dump's JSON mode
    document = {"seq": seq, "entry": fields, "text_hash": text_digest}
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def row_hash(prev_hash: str, seq: int, entry: ConsentEntry, text_digest: str) -> str:
    """A row's hash: sha256 hex of the previous row's hash followed by the canonical form."""
    payload = prev_hash + canonical(seq, entry, text_digest)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def seal(entry: ConsentEntry, seq: int, prev_hash: str) -> ConsentRow:
    """An entry chained as row `seq` after the row whose hash is `prev_hash`."""
    digest = text_hash(entry.text)
    return ConsentRow(
        seq=seq,
        entry=entry,
        text_hash=digest,
        prev_hash=prev_hash,
        hash=row_hash(prev_hash, seq, entry, digest),
    )


def verify_chain(rows: Sequence[ConsentRow]) -> list[str]:
    """Problems of a whole ledger given in stored order; empty when the chain is intact.

    Finds edited rows (content no longer matches the hash), deleted rows (a seq gap, a broken
    link), reordered rows (seq not increasing, a broken link) and an edited row whose hash was
    recomputed (the next row no longer links to it). Known limits: deleting the LAST rows, or
    rewriting the whole chain with fresh hashes, leaves a valid chain; only a copy of the head
    hash kept elsewhere (an anchor) can show those.
    """
    problems: list[str] = []
    previous: ConsentRow | None = None
    for row in rows:
        problems += _content_problems(row) + _link_problems(previous, row)
        previous = row
    return problems


def _content_problems(row: ConsentRow) -> list[str]:
    """Whether a row's text and content still match its hashes."""
    problems = []
    if text_hash(row.entry.text) != row.text_hash:
        problems.append(f"row {row.seq}: text does not match its text hash (edited)")
    if row_hash(row.prev_hash, row.seq, row.entry, row.text_hash) != row.hash:
        problems.append(f"row {row.seq}: content does not match its hash (edited)")
    return problems


def _link_problems(previous: ConsentRow | None, row: ConsentRow) -> list[str]:
    """Whether a row follows the one before it: the next seq, chained to its hash."""
    seq = row.seq
    if previous is None:
        problems = []
        if seq != 1:
            problems.append(f"row {seq}: the chain starts at row {seq}, not 1 (rows deleted)")
        if row.prev_hash != GENESIS:
            problems.append(f"row {seq}: the first row does not chain to the start (deleted?)")
        return problems
    problems = []
    if seq <= previous.seq:
        problems.append(f"row {seq}: comes after row {previous.seq} (reordered)")
    elif seq != previous.seq + 1:
        problems.append(f"row {seq}: follows row {previous.seq}, rows between missing (deleted)")
    if row.prev_hash != previous.hash:
        problems.append(
            f"row {seq}: prev_hash does not match the hash of row {previous.seq}"
            " (a row deleted, reordered, or edited and re-hashed)"
        )
    return problems
