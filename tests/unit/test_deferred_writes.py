"""How a unit of work's deferred writes are grouped into trips: parents first, each table's
writes in order, consecutive writes of one statement merged into one `executemany`."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.storage.session import PARENT_TABLE, Deferred, runs


def write(table: str, sql: str, n: int, expect: int | None = None) -> Deferred:
    return Deferred(table, sql, (n,), expect)


def test_consecutive_writes_of_one_statement_go_as_one_run() -> None:
    writes = [write("outbox", "INSERT o", n) for n in range(3)]
    assert runs(writes) == [("INSERT o", None, [(0,), (1,), (2,)])]


def test_writes_to_other_tables_are_grouped_by_table_in_first_written_order() -> None:
    writes = [
        write("outbox", "INSERT o", 1),
        write("consents", "INSERT c", 1),
        write("outbox", "INSERT o", 2),
        write("consents", "INSERT c", 2),
    ]
    assert runs(writes) == [
        ("INSERT o", None, [(1,), (2,)]),
        ("INSERT c", None, [(1,), (2,)]),
    ]


def test_the_parent_tables_writes_go_first_whenever_they_were_made() -> None:
    writes = [write("outbox", "INSERT o", 1), write(PARENT_TABLE, "INSERT k", 1)]
    assert [sql for sql, _, _ in runs(writes)] == ["INSERT k", "INSERT o"]


def test_within_a_table_the_order_of_different_statements_is_kept() -> None:
    writes = [
        write("outbox", "INSERT o", 1),
        write("outbox", "UPDATE o", 1),
        write("outbox", "INSERT o", 2),
    ]
    assert [(sql, len(batch)) for sql, _, batch in runs(writes)] == [
        ("INSERT o", 1),
        ("UPDATE o", 1),
        ("INSERT o", 1),
    ]


def test_writes_that_must_change_rows_are_not_merged_with_those_that_need_not() -> None:
    writes = [write("cases", "UPDATE k", 1, expect=1), write("cases", "UPDATE k", 2)]
    assert [(expect, len(batch)) for _, expect, batch in runs(writes)] == [(1, 1), (None, 1)]


def position(params: object) -> int:
    """The write's position in the list, which its parameters carry."""
    assert isinstance(params, tuple)
    return int(params[0])


WRITES = st.lists(
    st.tuples(
        st.sampled_from([PARENT_TABLE, "outbox", "consents", "timers"]),
        st.sampled_from(["A", "B"]),
        st.sampled_from([None, 1]),
    ),
    max_size=30,
).map(lambda made: [Deferred(t, f"{t}:{sql}", (n,), e) for n, (t, sql, e) in enumerate(made)])


@given(WRITES)
def test_every_write_goes_once_parents_first_each_tables_writes_in_order(
    writes: list[Deferred],
) -> None:
    grouped = runs(writes)
    sent = [(sql.split(":")[0], position(params)) for sql, _, batch in grouped for params in batch]
    assert sorted(n for _, n in sent) == list(range(len(writes)))  # each once
    tables = [table for table, _ in sent]
    parents = tables.count(PARENT_TABLE)
    assert tables[:parents] == [PARENT_TABLE] * parents
    for table in set(tables):
        assert [n for t, n in sent if t == table] == [
            n for n, w in enumerate(writes) if w.table == table
        ]
