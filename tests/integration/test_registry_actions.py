"""Testers' actions on a real registries file: checked first, written whole or not at all."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.registries.facts import Birth, Disability, EventKind, Marriage, Person
from domain.identity import make_iin
from fake_registries import actions, civil, clock, db, disability, feed, population
from fake_registries.actions import Rejected

NOW = datetime(2026, 1, 12, 10, 0, tzinfo=UTC)


def iin(born: date, sex: str, serial: int) -> str:
    """A valid IIN for a birth date, sex and serial."""
    made = make_iin(born, "M" if sex == "M" else "F", serial)
    assert made is not None
    return made.value


FATHER = iin(date(1950, 4, 2), "M", 11)
DAUGHTER = iin(date(1980, 7, 9), "F", 12)
GRANDSON = iin(date(2016, 2, 29), "M", 13)
STRANGER = iin(date(1990, 1, 1), "M", 14)


def person(number: str, born: date, sex: str, phone: str | None = None) -> Person:
    """A person of the population registry."""
    return Person.model_validate(
        {
            "iin": number,
            "surname": "Сейітов" if sex == "M" else "Сейітова",
            "name": "Ерлан" if sex == "M" else "Айгүл",
            "birth_date": born,
            "sex": sex,
            "region": "Алматы қ.",
            "phone": phone,
            "language": "kk",
        }
    )


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """A registries file with a family of three and the clock at NOW."""
    connection = db.connect(db.path_in(tmp_path))
    clock.set_to(connection, NOW)
    actions.add_person(connection, person(FATHER, date(1950, 4, 2), "M", "+77011112233"))
    actions.add_person(connection, person(DAUGHTER, date(1980, 7, 9), "F", "8 707 444 55 66"))
    actions.add_person(connection, person(GRANDSON, date(2016, 2, 29), "M"))
    yield connection
    connection.close()


def events(conn: sqlite3.Connection) -> list[str]:
    """The source ids of the feed, in order."""
    return [e.source_event_id for e in feed.after(conn, 0, 1000)]


def test_a_phone_is_kept_in_e164(conn: sqlite3.Connection) -> None:
    stored = population.get(conn, DAUGHTER)
    assert stored is not None
    assert stored.phone == "+77074445566"


def test_a_person_whose_iin_disagrees_with_the_birth_date_is_refused(
    conn: sqlite3.Connection,
) -> None:
    with pytest.raises(Rejected, match="encodes"):
        actions.add_person(conn, person(STRANGER, date(1991, 1, 1), "M"))
    assert population.get(conn, STRANGER) is None


def test_a_landline_is_refused_as_an_e_government_phone(conn: sqlite3.Connection) -> None:
    with pytest.raises(Rejected, match="invalid phone"):
        actions.add_person(conn, person(STRANGER, date(1990, 1, 1), "M", "+7 7172 55 66 77"))


def test_the_same_person_cannot_be_registered_twice(conn: sqlite3.Connection) -> None:
    with pytest.raises(Rejected, match="already registered"):
        actions.add_person(conn, person(FATHER, date(1950, 4, 2), "M"))


def test_a_death_is_registered_with_its_event_in_one_step(conn: sqlite3.Connection) -> None:
    emitted = actions.emit_death(conn, FATHER, date(2026, 1, 10), DAUGHTER)
    assert emitted.created
    assert emitted.event.kind is EventKind.DEATH_REGISTERED
    assert emitted.event.payload["declarant_iin"] == DAUGHTER
    death = civil.death_of(conn, FATHER)
    assert death is not None
    assert (death.died_on, death.registered_at) == (date(2026, 1, 10), NOW)
    assert events(conn) == [f"death:{FATHER}"]


def test_emitting_the_same_death_twice_writes_it_once_and_says_so(
    conn: sqlite3.Connection,
) -> None:
    first = actions.emit_death(conn, FATHER, date(2026, 1, 10), DAUGHTER)
    again = actions.emit_death(conn, FATHER, date(2026, 1, 10), DAUGHTER)
    assert (first.created, again.created) == (True, False)
    assert again.event == first.event
    assert events(conn) == [f"death:{FATHER}"]


def test_a_second_death_of_the_same_person_under_another_source_is_refused(
    conn: sqlite3.Connection,
) -> None:
    actions.emit_death(conn, FATHER, date(2026, 1, 10), DAUGHTER)
    with pytest.raises(Rejected, match="died on 2026-01-10"):
        actions.emit_death(conn, FATHER, date(2026, 1, 11), DAUGHTER, source_event_id="other")
    assert events(conn) == [f"death:{FATHER}"]


@pytest.mark.parametrize(
    ("deceased", "died_on", "declarant", "message"),
    [
        ("123", date(2026, 1, 10), DAUGHTER, "invalid deceased IIN '123'"),
        (STRANGER, date(2026, 1, 10), DAUGHTER, "unknown person"),
        (FATHER, date(2026, 1, 10), STRANGER, "unknown declarant"),
        (FATHER, date(2026, 1, 10), FATHER, "own death"),
        (FATHER, date(2026, 1, 13), DAUGHTER, "after the simulated clock"),
        (FATHER, date(1949, 1, 1), DAUGHTER, "before the birth"),
    ],
)
def test_a_death_with_bad_input_is_refused_and_nothing_is_written(
    conn: sqlite3.Connection, deceased: str, died_on: date, declarant: str, message: str
) -> None:
    with pytest.raises(Rejected, match=message):
        actions.emit_death(conn, deceased, died_on, declarant)
    assert events(conn) == []
    assert civil.death_of(conn, FATHER) is None


def disability_of(number: str, **changes: object) -> Disability:
    """A disability record, general illness group 2 established on 5 Jan 2026 by default."""
    fields: dict[str, object] = {
        "iin": number,
        "group": 2,
        "cause": "general_illness",
        "established_on": date(2026, 1, 5),
    }
    fields.update(changes)
    return Disability.model_validate(fields)


def test_a_disability_is_recorded_with_its_event(conn: sqlite3.Connection) -> None:
    emitted = actions.emit_disability(conn, disability_of(DAUGHTER))
    assert emitted.created
    assert emitted.event.payload["cause"] == "general_illness"
    assert disability.latest(conn, DAUGHTER) == disability_of(DAUGHTER)


def test_a_childs_disability_names_the_representative(conn: sqlite3.Connection) -> None:
    child = disability_of(GRANDSON, group=None, cause="child_under_7", representative_iin=None)
    with pytest.raises(Rejected, match="cause child_under_7 but the person is 9"):
        actions.emit_disability(conn, child)
    record = disability_of(GRANDSON, group=1, cause="child_7_to_18")
    with pytest.raises(Rejected, match="needs --representative"):
        actions.emit_disability(conn, record)
    with_parent = record.model_copy(update={"representative_iin": DAUGHTER})
    assert actions.emit_disability(conn, with_parent).created


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"group": None}, "group 'none' goes with cause child_under_7 only"),
        ({"established_on": date(2026, 1, 13)}, "after the simulated clock"),
        ({"established_on": date(1979, 1, 1)}, "before the person was born"),
        ({"cause": "child_7_to_18"}, "cause child_7_to_18 but the person is 45"),
    ],
)
def test_a_disability_with_bad_input_is_refused_and_nothing_is_written(
    conn: sqlite3.Connection, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(Rejected, match=message):
        actions.emit_disability(conn, disability_of(DAUGHTER, **changes))
    assert disability.latest(conn, DAUGHTER) is None
    assert events(conn) == []


def test_nothing_is_established_for_the_dead(conn: sqlite3.Connection) -> None:
    actions.emit_death(conn, FATHER, date(2026, 1, 10), DAUGHTER)
    with pytest.raises(Rejected, match="died on"):
        actions.emit_disability(conn, disability_of(FATHER))


def test_births_and_marriages_reach_the_feed_and_kinship(conn: sqlite3.Connection) -> None:
    birth = Birth(
        child_iin=GRANDSON, mother_iin=DAUGHTER, born_on=date(2016, 2, 29), act_number="B-1"
    )
    assert actions.record_birth(conn, birth).created
    assert not actions.record_birth(conn, birth).created
    actions.add_person(conn, person(STRANGER, date(1990, 1, 1), "M"))
    marriage = Marriage(
        spouse_a_iin=DAUGHTER, spouse_b_iin=STRANGER, married_on=date(2020, 5, 5), act_number="M-1"
    )
    assert actions.record_marriage(conn, marriage).created
    kin = {(k.relation, k.person.iin) for k in civil.kin_of(conn, DAUGHTER)}
    assert kin == {("child", GRANDSON), ("spouse", STRANGER)}
    assert events(conn) == [f"birth:{GRANDSON}", "marriage:M-1"]


def test_the_feed_reads_in_pages_after_a_cursor(conn: sqlite3.Connection) -> None:
    actions.emit_disability(conn, disability_of(DAUGHTER))
    actions.emit_death(conn, FATHER, date(2026, 1, 10), DAUGHTER)
    first = feed.after(conn, 0, 1)
    rest = feed.after(conn, first[-1].id, 10)
    assert [e.kind for e in first + rest] == [
        EventKind.DISABILITY_ESTABLISHED,
        EventKind.DEATH_REGISTERED,
    ]
    assert feed.after(conn, rest[-1].id, 10) == []
    assert feed.last_id(conn) == rest[-1].id
    with pytest.raises(ValueError, match="a page holds"):
        feed.after(conn, 0, 0)


def test_the_simulated_clock_moves_forward_only(conn: sqlite3.Connection) -> None:
    assert clock.advance(conn, timedelta(hours=48)) == NOW + timedelta(hours=48)
    with pytest.raises(ValueError, match="cannot go back"):
        clock.set_to(conn, NOW)
    with pytest.raises(ValueError, match="forward"):
        clock.advance(conn, timedelta(0))
    with pytest.raises(ValueError, match="time zone"):
        clock.set_to(conn, datetime(2027, 1, 1))  # noqa: DTZ001


def test_an_unset_clock_follows_real_time(tmp_path: Path) -> None:
    connection = db.connect(db.path_in(tmp_path / "fresh"))
    before = datetime.now(UTC)
    assert not clock.is_set(connection)
    assert before <= clock.now(connection) <= datetime.now(UTC)
    connection.close()


def test_a_failed_write_leaves_no_trace(conn: sqlite3.Connection) -> None:
    with pytest.raises(sqlite3.IntegrityError), db.transaction(conn):
        population.add_many(conn, [person(STRANGER, date(1990, 1, 1), "M")])
        population.add_many(conn, [person(STRANGER, date(1990, 1, 1), "M")])
    assert population.get(conn, STRANGER) is None


def test_reopening_the_file_keeps_the_data_and_runs_no_migration_twice(
    conn: sqlite3.Connection, tmp_path: Path
) -> None:
    again = db.connect(db.path_in(tmp_path))
    assert again.execute("PRAGMA user_version").fetchone()[0] == len(db.MIGRATIONS)
    assert population.count(again) == 3
    again.close()
