"""The ledger as per-case chains sealed in checkpoints: an intact ledger verifies, and every
kind of tampering with a row or a checkpoint is named; the chain kept from before per-case
chains is sealed into the log as it is."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.evidence.ledger import (
    GENESIS,
    append_link,
    chain_of,
    make_checkpoint,
    merkle_root,
    seal,
    verify_ledger,
)
from bot.records import Channel, Checkpoint, ConsentAct, ConsentEntry, ConsentRow

NOW = datetime(2026, 1, 12, 10, tzinfo=UTC)


def entry(case: str | None, n: int, iin: str = "800202400456") -> ConsentEntry:
    """The n-th act of a case (or of a citizen, with no case)."""
    return ConsentEntry(
        case_id=case,
        iin=iin,
        act=ConsentAct.OFFERED if n == 1 else ConsentAct.REMINDED,
        text=f"Төлем ұсынылады / Предлагается выплата ({case} {n})",
        template_id="offer.burial",
        template_version="1",
        language="kk+ru",
        channel=Channel.SMS,
        message_ids=(f"m-{case}-{n}",),
        actor="system",
        at=NOW + timedelta(minutes=n),
    )


def write(entries: list[ConsentEntry], first_seq: int = 1) -> list[ConsentRow]:
    """The entries appended in order, each as the next link of its chain."""
    heads: dict[str, tuple[int, str]] = {}
    rows = []
    for seq, each in enumerate(entries, start=first_seq):
        link, prev_hash = heads.get(chain_of(each), (0, GENESIS))
        row = append_link(each, seq=seq, link=link + 1, prev_hash=prev_hash)
        heads[chain_of(each)] = (link + 1, row.hash)
        rows.append(row)
    return rows


def sealed(
    rows: list[ConsentRow], every: int, head: str = GENESIS
) -> tuple[list[ConsentRow], list[Checkpoint]]:
    """The rows sealed `every` at a time into checkpoints 1, 2, …, the first on `head`."""
    out: list[ConsentRow] = []
    checkpoints: list[Checkpoint] = []
    for start in range(0, len(rows), every):
        batch = rows[start : start + every]
        made = make_checkpoint(
            len(checkpoints) + 1,
            NOW,
            [r.hash for r in batch],
            checkpoints[-1].hash if checkpoints else head,
        )
        checkpoints.append(made)
        out += [r.model_copy(update={"checkpoint": made.number}) for r in batch]
    return out, checkpoints


def interleaved() -> list[ConsentEntry]:
    """Three cases and a citizen's act with no case, their acts interleaved."""
    return [
        entry("c1", 1),
        entry("c2", 1),
        entry(None, 1),
        entry("c1", 2),
        entry("c3", 1),
        entry("c2", 2),
        entry("c1", 3),
        entry(None, 2),
    ]


def test_an_intact_ledger_of_interleaved_cases_verifies_sealed_or_not() -> None:
    rows = write(interleaved())
    assert verify_ledger(rows, []) == []
    assert verify_ledger(*sealed(rows, 3)) == []


def test_each_case_has_its_own_chain_from_link_one() -> None:
    rows = write(interleaved())
    assert [(r.chain, r.link) for r in rows[:4]] == [
        ("c1", 1),
        ("c2", 1),
        ("iin:800202400456", 1),
        ("c1", 2),
    ]
    assert rows[0].prev_hash == rows[1].prev_hash == GENESIS
    assert rows[3].prev_hash == rows[0].hash


def test_an_edited_row_is_named_with_its_case_and_link() -> None:
    rows = write(interleaved())
    forged = rows[3].entry.model_copy(update={"act": ConsentAct.GIVEN})
    rows[3] = rows[3].model_copy(update={"entry": forged})
    assert verify_ledger(rows, []) == [
        "row 4 (case c1, link 2): content does not match its hash (edited)"
    ]


def test_a_citizens_chain_is_named_with_the_iin_masked() -> None:
    rows = write(interleaved())
    rows[7] = rows[7].model_copy(update={"text_hash": "0" * 64})
    problems = verify_ledger(rows, [])
    assert problems and all("citizen ****0456" in p for p in problems)
    assert not any("800202400456" in p for p in problems)


def test_a_deleted_middle_link_is_caught() -> None:
    rows = write(interleaved())
    del rows[3]  # c1's link 2
    assert "row 7 (case c1, link 3): links 2-2 missing (deleted)" in verify_ledger(rows, [])


def test_an_edited_row_whose_hash_was_recomputed_is_caught_by_the_next_link() -> None:
    rows = write(interleaved())
    original = rows[3]
    forged_entry = original.entry.model_copy(update={"act": ConsentAct.GIVEN})
    assert original.link is not None
    rows[3] = append_link(forged_entry, original.seq, original.link, original.prev_hash)
    assert verify_ledger(rows, []) == [
        "row 7 (case c1, link 3): prev_hash does not match the link before it"
        " (a row deleted, reordered, or edited and re-hashed)"
    ]


def test_a_second_row_with_a_links_number_is_caught() -> None:
    rows = write(interleaved())
    extra = append_link(entry("c1", 9), seq=99, link=2, prev_hash=rows[0].hash)
    problems = verify_ledger([*rows, extra], [])
    assert "row 99 (case c1, link 2): a second link 2 in the chain (inserted)" in problems


def test_two_links_swapped_in_writing_order_are_caught() -> None:
    rows = write(interleaved())
    first, third = rows[0], rows[6]  # c1's links 1 and 3
    rows[0] = first.model_copy(update={"seq": third.seq})
    rows[6] = third.model_copy(update={"seq": first.seq})
    problems = verify_ledger(rows, [])
    assert any("(reordered)" in p for p in problems)


def test_deleting_a_sealed_last_link_is_caught_by_its_checkpoint() -> None:
    rows, checkpoints = sealed(write(interleaved()), 4)
    del rows[6]  # c1's last link, sealed by checkpoint 2
    problems = verify_ledger(rows, checkpoints)
    assert "checkpoint 2: seals 4 rows, 3 name it (rows deleted or inserted)" in problems
    assert any(
        p.startswith("checkpoint 2: the rows it sealed no longer make its tree") for p in problems
    )


def test_deleting_an_unsealed_last_link_goes_unseen_a_known_limit() -> None:
    """Until a checkpoint seals a row, only an anchor kept elsewhere shows a truncated chain."""
    rows = write(interleaved())
    assert verify_ledger(rows[:-1], []) == []


def test_moving_a_row_to_another_checkpoint_is_caught() -> None:
    rows, checkpoints = sealed(write(interleaved()), 4)
    rows[0] = rows[0].model_copy(update={"checkpoint": 2})
    problems = verify_ledger(rows, checkpoints)
    assert any(p.startswith("checkpoint 1:") for p in problems)
    assert any(p.startswith("checkpoint 2:") for p in problems)


def test_an_edited_or_deleted_checkpoint_is_caught() -> None:
    rows, checkpoints = sealed(write(interleaved()), 3)
    edited = [checkpoints[0], checkpoints[1].model_copy(update={"size": 2}), checkpoints[2]]
    assert "checkpoint 2: content does not match its hash (edited)" in verify_ledger(rows, edited)
    problems = verify_ledger(rows, [checkpoints[0], checkpoints[2]])
    assert "checkpoint 2: sealed rows name it, but it is missing (deleted)" in problems
    assert any(p.startswith("checkpoint 3: prev_hash does not match") for p in problems)


def old_chain(count: int) -> list[ConsentRow]:
    """A ledger as written before per-case chains: one chain in seq order."""
    rows: list[ConsentRow] = []
    for seq in range(1, count + 1):
        rows.append(seal(entry("c0", seq), seq, rows[-1].hash if rows else GENESIS))
    return rows


def test_the_old_chain_is_sealed_into_the_log_as_it_is() -> None:
    old = old_chain(4)
    new, checkpoints = sealed(write(interleaved(), first_seq=5), 5, head=old[-1].hash)
    assert verify_ledger(old + new, checkpoints) == []


def test_deleting_the_old_chains_last_row_is_caught_once_a_checkpoint_chains_to_it() -> None:
    old = old_chain(4)
    new, checkpoints = sealed(write(interleaved(), first_seq=5), 5, head=old[-1].hash)
    problems = verify_ledger(old[:-1] + new, checkpoints)
    assert problems == [
        "checkpoint 1: prev_hash does not match the last row of the old chain"
        " (deleted, reordered or re-hashed)"
    ]


def test_the_merkle_root_is_rfc_6962s_tree_hash() -> None:
    """RFC 6962 2.1: leaf = sha256(0x00 || d), node = sha256(0x01 || left || right), the left
    subtree the largest power of two below n; the empty tree is sha256("")."""
    leaves = [hashlib.sha256(bytes([n])).hexdigest() for n in range(3)]

    def leaf(hex_hash: str) -> bytes:
        return hashlib.sha256(b"\x00" + bytes.fromhex(hex_hash)).digest()

    def node(left: bytes, right: bytes) -> bytes:
        return hashlib.sha256(b"\x01" + left + right).digest()

    expected = node(node(leaf(leaves[0]), leaf(leaves[1])), leaf(leaves[2]))
    assert merkle_root(leaves) == expected.hex()
    assert merkle_root(leaves[:1]) == leaf(leaves[0]).hex()
    assert merkle_root([]) == hashlib.sha256(b"").hexdigest()


@given(
    plan=st.lists(st.sampled_from(["c1", "c2", "c3", None]), min_size=1, max_size=30),
    every=st.integers(1, 8),
    victim=st.floats(0, 1, exclude_max=True),
    how=st.sampled_from(["delete", "edit text", "edit hash", "move"]),
)
def test_any_tampering_with_a_sealed_row_is_caught(
    plan: list[str | None], every: int, victim: float, how: str
) -> None:
    counts: dict[str | None, int] = {}
    entries = []
    for case in plan:
        counts[case] = counts.get(case, 0) + 1
        entries.append(entry(case, counts[case]))
    rows, checkpoints = sealed(write(entries), every)
    assert verify_ledger(rows, checkpoints) == []
    index = int(victim * len(rows))
    row = rows[index]
    if how == "delete":
        del rows[index]
    elif how == "edit text":
        rows[index] = row.model_copy(update={"entry": row.entry.model_copy(update={"text": "Иә"})})
    elif how == "edit hash":
        rows[index] = row.model_copy(update={"hash": "0" * 64})
    else:
        rows[index] = row.model_copy(update={"checkpoint": len(checkpoints) + 1})
    assert verify_ledger(rows, checkpoints)
