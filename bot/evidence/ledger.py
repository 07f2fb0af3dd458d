"""The consent ledger: its rows' canonical forms and hashes, its checkpoints, and the checks
that find tampering.

The ledger is many short chains sealed into one log, so that no transaction waits on one
chain head (several instances write it at once):

- **A case's chain.** Each row is link k of its chain: the case's (`chain` = the case id), or
  the citizen's for an act tied to no case. Its hash is sha256(prev_hash + canonical form),
  the form being the JSON of its chain, link, entry (`at` as UTC ISO-8601) and the sha256 of
  its exact text; link 1 chains to "0"*64, link k to link k-1. Appending needs only the
  case's own head, which the case's transaction holds anyway.
- **Checkpoints.** Now and then the rows not yet sealed are sealed in one checkpoint: the
  RFC 6962 Merkle tree hash of their hashes in `seq` order (the tree head of Certificate
  Transparency and Trillian), chained checkpoint to checkpoint. A row deleted, inserted,
  edited or moved after its checkpoint changes the tree; a checkpoint edited breaks the
  chain of checkpoints.
- **The ledger before per-case chains** (rows with no `chain`) stays as it was written: one
  chain in `seq` order, row n's hash over its seq, entry and text hash, row 1 chained to
  "0"*64 (`seal`, `verify_chain`). Checkpoint 1 chains to that chain's last hash, so the old
  rows are sealed into the log as they are, never re-hashed.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from bot.instants import utc_text
from bot.records import Checkpoint, ConsentEntry, ConsentRow

GENESIS = "0" * 64  # the prev_hash of the first row of a chain, and of checkpoint 1 alone
CITIZEN_CHAIN = "iin:"  # the chain of a citizen's acts tied to no case: this and the IIN


def text_hash(text: str) -> str:
    """The sha256 hex of a text's exact UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _canonical_json(document: dict[str, object]) -> str:
    """A document as the one canonical JSON the ledger hashes: sorted keys, UTF-8 as is, no
    spaces; an entry in it as `_entry_fields` gives it."""
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _entry_fields(entry: ConsentEntry) -> dict[str, object]:
    """An entry's fields as both row formats hash them: `at` as UTC ISO-8601 text."""
    fields: dict[str, object] = dict(entry.__dict__)  # JSON writes enums as their values and
    fields["at"] = utc_text(entry.at)  # tuples as lists: the same text as model_dump's JSON mode
    return fields


def canonical(seq: int, entry: ConsentEntry, text_digest: str) -> str:
    """The one canonical JSON a row's hash covers: sorted keys, UTF-8 as is, no spaces."""
    return _canonical_json({"seq": seq, "entry": _entry_fields(entry), "text_hash": text_digest})


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


# ---------------------------------------------------------------- a case's chain


def chain_of(entry: ConsentEntry) -> str:
    """The chain an act belongs to: its case's, or its citizen's when it has no case."""
    return entry.case_id if entry.case_id is not None else CITIZEN_CHAIN + entry.iin


def chain_label(chain: str) -> str:
    """A chain as problems name it: the case, or the citizen with the IIN masked."""
    if chain.startswith(CITIZEN_CHAIN):
        return f"citizen ****{chain[-4:]}"
    return f"case {chain}"


def canonical_link(chain: str, link: int, entry: ConsentEntry, text_digest: str) -> str:
    """The canonical JSON a per-case row's hash covers: its chain, its link, its entry and
    the hash of its text (sorted keys, UTF-8 as is, no spaces)."""
    fields = _entry_fields(entry)
    return _canonical_json(
        {"chain": chain, "link": link, "entry": fields, "text_hash": text_digest}
    )


def link_hash(prev_hash: str, chain: str, link: int, entry: ConsentEntry, digest: str) -> str:
    """A per-case row's hash: sha256 hex of the previous link's hash and the canonical form."""
    payload = prev_hash + canonical_link(chain, link, entry, digest)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def append_link(entry: ConsentEntry, seq: int, link: int, prev_hash: str) -> ConsentRow:
    """An entry as link `link` of its chain, after the link whose hash is `prev_hash`
    (GENESIS for link 1); `seq` is its place in the ledger's order of writing."""
    chain = chain_of(entry)
    digest = text_hash(entry.text)
    return ConsentRow(
        seq=seq,
        entry=entry,
        text_hash=digest,
        prev_hash=prev_hash,
        hash=link_hash(prev_hash, chain, link, entry, digest),
        chain=chain,
        link=link,
    )


# ---------------------------------------------------------------- checkpoints


def _leaf(row_hash_hex: str) -> bytes:
    return hashlib.sha256(b"\x00" + bytes.fromhex(row_hash_hex)).digest()


def _tree(leaves: Sequence[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaves[0]
    split = 1 << (len(leaves) - 1).bit_length() - 1  # the largest power of 2 below the size
    return hashlib.sha256(b"\x01" + _tree(leaves[:split]) + _tree(leaves[split:])).digest()


def merkle_root(row_hashes: Sequence[str]) -> str:
    """The RFC 6962 (section 2.1) Merkle tree hash of the rows' hashes, in order: leaves
    sha256(0x00 || hash), nodes sha256(0x01 || left || right); sha256("") for none."""
    if not row_hashes:
        return hashlib.sha256(b"").hexdigest()
    return _tree([_leaf(each) for each in row_hashes]).hex()


def checkpoint_hash(prev_hash: str, number: int, at: datetime, size: int, root: str) -> str:
    """A checkpoint's hash: sha256 hex of the previous one's hash and its canonical form."""
    document = {"number": number, "at": utc_text(at), "size": size, "root": root}
    form = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + form).encode("utf-8")).hexdigest()


def make_checkpoint(
    number: int, at: datetime, row_hashes: Sequence[str], prev_hash: str
) -> Checkpoint:
    """Checkpoint `number`, sealing rows whose hashes are given in `seq` order."""
    root = merkle_root(row_hashes)
    size = len(row_hashes)
    return Checkpoint(
        number=number,
        at=at,
        size=size,
        root=root,
        prev_hash=prev_hash,
        hash=checkpoint_hash(prev_hash, number, at, size, root),
    )


# ---------------------------------------------------------------- the whole ledger


def verify_ledger(rows: Sequence[ConsentRow], checkpoints: Sequence[Checkpoint]) -> list[str]:
    """Problems of a whole ledger, its rows and its checkpoints given in stored order; empty
    when it is intact.

    The old rows (no chain) are checked as one chain (`verify_chain`); each case's chain link
    by link; each checkpoint against the one before it and the Merkle tree of the rows it
    sealed. Known limit, as for any hash chain: a row appended after the last checkpoint, or
    removed from the end of its chain before one sealed it, shows only once compared with a
    copy of the ledger's last checkpoint kept elsewhere (an anchor)."""
    old = [row for row in rows if row.chain is None]
    problems = verify_chain(old)
    chains: dict[str, list[ConsentRow]] = defaultdict(list)
    for row in rows:
        if row.chain is not None:
            chains[row.chain].append(row)
    for chain, links in chains.items():
        problems += _chain_problems(chain, links)
    head = old[-1].hash if old else GENESIS
    return problems + _checkpoint_problems(rows, checkpoints, head)


def _chain_problems(chain: str, links: list[ConsentRow]) -> list[str]:
    """Whether one case's rows form its chain: links 1, 2, … each on the one before it,
    written in that order, each matching its hash."""
    problems: list[str] = []
    label = chain_label(chain)
    previous: ConsentRow | None = None
    for row in sorted(links, key=lambda each: (each.link or 0, each.seq)):
        where = f"row {row.seq} ({label}, link {row.link})"
        if text_hash(row.entry.text) != row.text_hash:
            problems.append(f"{where}: text does not match its text hash (edited)")
        link = row.link or 0
        if (
            chain_of(row.entry) != chain
            or link_hash(row.prev_hash, chain, link, row.entry, row.text_hash) != row.hash
        ):
            problems.append(f"{where}: content does not match its hash (edited)")
        expected = 1 if previous is None else (previous.link or 0) + 1
        if link < expected:
            problems.append(f"{where}: a second link {link} in the chain (inserted)")
        elif link > expected:
            problems.append(f"{where}: links {expected}-{link - 1} missing (deleted)")
        if previous is not None and row.seq <= previous.seq:
            problems.append(f"{where}: written before link {previous.link} (reordered)")
        expected_prev = GENESIS if previous is None else previous.hash
        if link >= expected and row.prev_hash != expected_prev:
            problems.append(
                f"{where}: prev_hash does not match the link before it"
                " (a row deleted, reordered, or edited and re-hashed)"
            )
        previous = row
    return problems


def _checkpoint_problems(
    rows: Sequence[ConsentRow], checkpoints: Sequence[Checkpoint], head: str
) -> list[str]:
    """Whether the checkpoints chain from the old chain's head, and each seals exactly the
    rows that name it, in `seq` order."""
    problems: list[str] = []
    sealed: dict[int, list[ConsentRow]] = defaultdict(list)
    for row in rows:
        if row.checkpoint is not None:
            sealed[row.checkpoint].append(row)
    numbers = {each.number for each in checkpoints}
    problems += [
        f"checkpoint {number}: sealed rows name it, but it is missing (deleted)"
        for number in sorted(set(sealed) - numbers)
    ]
    prev_hash = head
    for index, each in enumerate(checkpoints, start=1):
        where = f"checkpoint {each.number}"
        if each.number != index:
            problems.append(f"{where}: comes in place {index} (a checkpoint deleted or moved)")
        if each.prev_hash != prev_hash:
            problems.append(
                f"{where}: prev_hash does not match the "
                + ("checkpoint before it" if index > 1 else "last row of the old chain")
                + " (deleted, reordered or re-hashed)"
            )
        if (
            checkpoint_hash(each.prev_hash, each.number, each.at, each.size, each.root)
            != each.hash
        ):
            problems.append(f"{where}: content does not match its hash (edited)")
        mine = sorted(sealed.get(each.number, []), key=lambda row: row.seq)
        if len(mine) != each.size:
            problems.append(
                f"{where}: seals {each.size} rows, {len(mine)} name it (rows deleted or inserted)"
            )
        if merkle_root([row.hash for row in mine]) != each.root:
            problems.append(
                f"{where}: the rows it sealed no longer make its tree"
                " (rows edited, moved, deleted or inserted)"
            )
        prev_hash = each.hash
    return problems
