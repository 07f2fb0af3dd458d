"""The consent ledger's chain: intact chains verify, every kind of tampering is named."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.evidence.ledger import GENESIS, canonical, seal, text_hash, verify_chain
from bot.instants import utc_text
from bot.records import Channel, ConsentAct, ConsentEntry, ConsentRow
from domain.calendar import ALMATY

NOW = datetime(2026, 1, 12, 10, tzinfo=UTC)
ENTRY_FIELDS = tuple(ConsentEntry.model_fields)
ROW_FIELDS = ("seq", "text_hash", "prev_hash", "hash")


def entry(n: int = 1, text: str = "Келісесіз бе? Согласны?", at: datetime = NOW) -> ConsentEntry:
    """The n-th act of a conversation."""
    return ConsentEntry(
        case_id="c1",
        iin="800202400456",
        act=ConsentAct.OFFERED if n == 1 else ConsentAct.REMINDED,
        text=f"{text} ({n})",
        template_id="offer.burial",
        template_version="1",
        language="kk+ru",
        channel=Channel.SMS,
        message_ids=(f"m-{n}",),
        actor="system",
        at=at + timedelta(minutes=n),
    )


def chained(entries: list[ConsentEntry]) -> list[ConsentRow]:
    """The entries sealed into a chain from row 1."""
    rows: list[ConsentRow] = []
    for seq, each in enumerate(entries, start=1):
        rows.append(seal(each, seq, rows[-1].hash if rows else GENESIS))
    return rows


def chain(count: int = 5) -> list[ConsentRow]:
    """An intact chain of `count` rows."""
    return chained([entry(n) for n in range(1, count + 1)])


def changed(value: object) -> object:
    """A value surely different from `value`, of the same kind."""
    if isinstance(value, ConsentAct | Channel):
        members = list(type(value))
        return members[(members.index(value) + 1) % len(members)]
    if isinstance(value, datetime):
        return value + timedelta(microseconds=1)
    if isinstance(value, tuple):
        return (*value, "m-forged")
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str) and len(value) == 64:  # a hash: one hex digit flipped
        return ("1" if value[0] == "0" else "0") + value[1:]
    return f"{value or ''}·"


def edited(row: ConsentRow, field: str) -> ConsentRow:
    """The row with one field, of the entry or of the chain, changed."""
    if field in ROW_FIELDS:
        return row.model_copy(update={field: changed(getattr(row, field))})
    new_entry = row.entry.model_copy(update={field: changed(getattr(row.entry, field))})
    return row.model_copy(update={"entry": new_entry})


def test_an_intact_chain_has_no_problems() -> None:
    assert verify_chain(chain()) == []
    assert verify_chain([]) == []


@pytest.mark.parametrize("field", ENTRY_FIELDS + ROW_FIELDS)
@pytest.mark.parametrize("index", [0, 2, 4])
def test_editing_any_field_of_any_row_is_caught(field: str, index: int) -> None:
    rows = chain()
    rows[index] = edited(rows[index], field)
    problems = verify_chain(rows)
    assert problems
    assert any(problem.startswith(f"row {rows[index].seq}:") for problem in problems)


def test_an_edited_row_is_named_by_its_seq() -> None:
    rows = chain()
    rows[2] = edited(rows[2], "act")
    assert verify_chain(rows) == ["row 3: content does not match its hash (edited)"]


def test_an_edited_text_is_caught_by_its_text_hash_too() -> None:
    rows = chain()
    rows[1] = edited(rows[1], "text")
    assert verify_chain(rows) == [
        "row 2: text does not match its text hash (edited)",
        "row 2: content does not match its hash (edited)",
    ]


@pytest.mark.parametrize("index", [0, 2, 3], ids=["first", "middle", "last-but-one"])
def test_deleting_a_row_is_caught(index: int) -> None:
    rows = chain()
    del rows[index]
    problems = verify_chain(rows)
    assert problems
    assert all(problem.startswith(f"row {index + 2}:") for problem in problems)


def test_deleting_only_the_last_row_goes_unseen_a_known_limit() -> None:
    """A chain alone cannot tell a truncated ledger: the head hash must be anchored elsewhere."""
    assert verify_chain(chain()[:-1]) == []


def test_swapping_two_rows_is_caught() -> None:
    rows = chain()
    rows[1], rows[2] = rows[2], rows[1]
    problems = verify_chain(rows)
    assert "row 2: comes after row 3 (reordered)" in problems
    assert any(problem.startswith("row 3:") for problem in problems)


def test_an_edited_row_whose_hash_was_recomputed_is_caught_by_the_next_row() -> None:
    rows = chain()
    forged_entry = rows[2].entry.model_copy(update={"act": ConsentAct.GIVEN})
    rows[2] = seal(forged_entry, rows[2].seq, rows[2].prev_hash)
    assert verify_chain(rows) == [
        "row 4: prev_hash does not match the hash of row 3"
        " (a row deleted, reordered, or edited and re-hashed)"
    ]


# hypothesis takes naive bounds and adds the timezone itself
EARLIEST = datetime(2000, 1, 1)  # noqa: DTZ001
LATEST = datetime(2100, 1, 1)  # noqa: DTZ001
ENTRIES = st.builds(
    entry,
    n=st.integers(1, 1000),
    text=st.text(max_size=40),
    at=st.datetimes(min_value=EARLIEST, max_value=LATEST, timezones=st.just(UTC)),
)


@given(
    entries=st.lists(ENTRIES, min_size=1, max_size=20),
    where=st.floats(0, 1, exclude_max=True),
    field=st.sampled_from(ENTRY_FIELDS + ROW_FIELDS),
)
def test_any_single_edit_of_a_random_chain_is_caught(
    entries: list[ConsentEntry], where: float, field: str
) -> None:
    rows = chained(entries)
    assert verify_chain(rows) == []
    index = int(where * len(rows))
    rows[index] = edited(rows[index], field)
    assert verify_chain(rows)


def model_dump_canonical(seq: int, each: ConsentEntry, digest: str) -> str:
    """The canonical form as first written, through pydantic's JSON mode: the form every
    stored ledger row was hashed over."""
    fields = each.model_dump(mode="json")
    fields["at"] = utc_text(each.at)
    document = {"seq": seq, "entry": fields, "text_hash": digest}
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


ANY_ENTRY = st.builds(
    ConsentEntry,
    case_id=st.none() | st.text(max_size=20),
    iin=st.text(max_size=12),
    act=st.sampled_from(ConsentAct),
    text=st.text(max_size=60),
    template_id=st.text(max_size=20),
    template_version=st.text(max_size=12),
    language=st.sampled_from(["kk", "ru", "kk+ru", ""]),
    channel=st.sampled_from(Channel),
    message_ids=st.lists(st.text(max_size=20), max_size=3).map(tuple),
    raw_reply=st.none() | st.text(max_size=40),
    intent=st.none() | st.text(max_size=12),
    actor=st.text(max_size=12),
    # any instant a ledger can hold: its UTC time within years 1-9999 (storage refuses others)
    at=st.datetimes(
        min_value=datetime(1, 1, 2),  # noqa: DTZ001 (hypothesis adds the timezone)
        max_value=datetime(9999, 12, 30),  # noqa: DTZ001
        timezones=st.sampled_from([UTC, ALMATY]),
    ),
)


@given(each=ANY_ENTRY, seq=st.integers(1, 10**9))
def test_the_canonical_form_is_the_one_every_stored_row_was_hashed_over(
    each: ConsentEntry, seq: int
) -> None:
    digest = text_hash(each.text)
    assert canonical(seq, each, digest) == model_dump_canonical(seq, each, digest)


def test_an_instant_whose_utc_time_falls_before_year_one_is_refused_with_a_clear_error() -> None:
    first_morning = datetime(1, 1, 1, 3, 0, tzinfo=ALMATY)  # 1 Jan of year 1 at 03:00 +05
    with pytest.raises(ValueError, match="outside the years 1-9999 in UTC"):
        utc_text(first_morning)
