"""Behaviour of fake_registries.generator on real SQLite files: a plausible, consistent state."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path

import pytest

from bot.registries.facts import EventKind, Person
from domain.banking import bank_directory, parse_iban
from domain.calendar import ALMATY
from domain.dates import anniversary, full_years
from domain.identity import parse_iin
from domain.phone import normalize_phone
from fake_registries import clock
from fake_registries.db import connect, path_in
from fake_registries.generation.names import (
    kazakh_patronymic,
    patronymic_forms,
    russian_patronymic,
    surname_for,
)
from fake_registries.generator import GenerationReport, generate

SIZE = 1500
SEED = 7
START, END = date(2025, 1, 1), date(2025, 12, 31)
EVENT_SHARE = 0.1
CEILING = datetime.combine(END, time(23, 59), ALMATY)
Rows = list[sqlite3.Row]


def _generated(directory: Path, seed: int = SEED, size: int = SIZE) -> sqlite3.Connection:
    """A registries file in `directory`, freshly generated."""
    conn = connect(path_in(directory))
    generate(conn, size, seed, START, END, EVENT_SHARE)
    return conn


@pytest.fixture(scope="module")
def conn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    """One generated population shared by the read-only tests of this module."""
    connection = _generated(tmp_path_factory.mktemp("registries"))
    yield connection
    connection.close()


def _all(conn: sqlite3.Connection, sql: str) -> Rows:
    """Every row a query returns."""
    return conn.execute(sql).fetchall()


def _people(conn: sqlite3.Connection) -> dict[str, sqlite3.Row]:
    """The population registry by IIN."""
    return {row["iin"]: row for row in _all(conn, "SELECT * FROM person")}


def _deaths(conn: sqlite3.Connection) -> dict[str, date]:
    """The date of death of everyone who died, by IIN."""
    rows = _all(conn, "SELECT deceased_iin, died_on FROM death")
    return {row[0]: date.fromisoformat(row[1]) for row in rows}


def _events(conn: sqlite3.Connection) -> Rows:
    """The feed, in cursor order."""
    return _all(conn, "SELECT * FROM event ORDER BY id")


def _dump(conn: sqlite3.Connection) -> list[str]:
    """Every table's schema and rows as SQL statements."""
    return list(conn.iterdump())


def _born(person: sqlite3.Row) -> date:
    """A person row's birth date."""
    return date.fromisoformat(person["birth_date"])


# ---------------------------------------------------------------- determinism


def test_the_same_seed_produces_identical_registries_and_events(tmp_path: Path) -> None:
    first, second = _generated(tmp_path / "a"), _generated(tmp_path / "b")
    try:
        assert _dump(first) == _dump(second)
        assert len(_events(first)) > 0
    finally:
        first.close()
        second.close()


def test_a_different_seed_gives_a_different_population(tmp_path: Path) -> None:
    first, second = _generated(tmp_path / "a"), _generated(tmp_path / "b", seed=SEED + 1)
    try:
        assert set(_people(first)) != set(_people(second))
    finally:
        first.close()
        second.close()


def test_the_report_counts_what_was_written(tmp_path: Path) -> None:
    connection = connect(path_in(tmp_path))
    try:
        report = generate(connection, 400, SEED, START, END, EVENT_SHARE)
        assert isinstance(report, GenerationReport)
        assert report.people == 400
        phoneless = _all(connection, "SELECT count(*) FROM person WHERE phone IS NULL")[0][0]
        assert report.without_phone == phoneless
        assert report.deaths == _all(connection, "SELECT count(*) FROM death")[0][0]
        assert sum(report.events.values()) == len(_events(connection))
        assert report.seconds >= 0
    finally:
        connection.close()


def test_generation_refuses_a_registry_that_already_holds_people(tmp_path: Path) -> None:
    connection = _generated(tmp_path, size=50)
    try:
        with pytest.raises(ValueError, match="already hold"):
            generate(connection, 50, SEED, START, END)
    finally:
        connection.close()


# ---------------------------------------------------------------- people


def test_every_iin_parses_and_matches_birth_date_and_sex(conn: sqlite3.Connection) -> None:
    people = _people(conn)
    assert len(people) == SIZE
    for iin, person in people.items():
        parsed = parse_iin(iin)
        assert (parsed.birth_date, parsed.sex) == (_born(person), person["sex"])


def test_every_record_loads_as_a_population_registry_person(conn: sqlite3.Connection) -> None:
    for row in _people(conn).values():
        Person.model_validate(dict(row))


def test_ages_spread_from_newborns_to_95(conn: sqlite3.Connection) -> None:
    ages = [full_years(_born(p), END) for p in _people(conn).values()]
    assert min(ages) == 0
    assert 85 <= max(ages) <= 95
    assert 0.25 <= sum(a < 18 for a in ages) / len(ages) <= 0.42


def test_sex_is_split_evenly_and_languages_are_near_their_shares(
    conn: sqlite3.Connection,
) -> None:
    people = list(_people(conn).values())
    share = {v: sum(p["language"] == v for p in people) / len(people) for v in ("kk", "ru", None)}
    assert abs(sum(p["sex"] == "F" for p in people) / len(people) - 0.5) < 0.05
    assert abs(share["kk"] - 0.6) < 0.06
    assert abs(share["ru"] - 0.3) < 0.06
    assert abs(share[None] - 0.1) < 0.04


def test_every_phone_normalises_is_unique_and_is_no_reserved_test_number(
    conn: sqlite3.Connection,
) -> None:
    phones = [row[0] for row in _all(conn, "SELECT phone FROM person WHERE phone IS NOT NULL")]
    assert len(phones) == len(set(phones))
    for phone in phones:
        assert normalize_phone(phone) == phone
        assert not phone.endswith(("0001", "0002"))


def test_about_eight_percent_have_no_phone(conn: sqlite3.Connection) -> None:
    missing = _all(conn, "SELECT count(*) FROM person WHERE phone IS NULL")[0][0]
    assert 0.05 <= missing / SIZE <= 0.11


def test_every_iban_parses_at_a_bank_of_the_directory(conn: sqlite3.Connection) -> None:
    rows = _all(conn, "SELECT iban, bank_code FROM account")
    assert len({row["iban"] for row in rows}) == len(rows)
    for row in rows:
        iban = parse_iban(row["iban"])
        assert iban.compact == row["iban"]
        assert iban.bank_code == row["bank_code"]
        assert row["bank_code"] in bank_directory()


def test_about_85_percent_of_adults_have_an_account(conn: sqlite3.Connection) -> None:
    adults = [p for p in _people(conn).values() if full_years(_born(p), END) >= 18]
    with_account = {row[0] for row in _all(conn, "SELECT iin FROM account")}
    assert with_account <= {p["iin"] for p in adults}
    assert 0.78 <= len(with_account) / len(adults) <= 0.92


# ---------------------------------------------------------------- names and families


def test_patronymics_follow_the_fathers_name() -> None:
    assert russian_patronymic("Сергей", "M") == "Сергеевич"
    assert russian_patronymic("Сергей", "F") == "Сергеевна"
    assert russian_patronymic("Николай", "M") == "Николаевич"
    assert russian_patronymic("Илья", "M") == "Ильич"
    assert russian_patronymic("Илья", "F") == "Ильинична"
    assert russian_patronymic("Иван", "F") == "Ивановна"
    assert russian_patronymic("Василий", "M") == "Васильевич"
    assert russian_patronymic("Игорь", "F") == "Игоревна"
    assert russian_patronymic("Пётр", "M") == "Петрович"
    assert russian_patronymic("Ерлан", "F") == "Ерлановна"
    assert russian_patronymic("Асқар", "M") == "Аскарович"
    assert kazakh_patronymic("Ерлан", "M") == "Ерланұлы"
    assert kazakh_patronymic("Серік", "F") == "Серікқызы"


def test_surnames_take_the_registered_feminine_form() -> None:
    assert surname_for("Ахметов", "F") == "Ахметова"
    assert surname_for("Ахметов", "M") == "Ахметов"
    assert surname_for("Соловьёв", "F") == "Соловьёва"
    assert surname_for("Ковальский", "F") == "Ковальская"
    assert surname_for("Ким", "F") == "Ким"


def test_gendered_surnames_and_patronymics_match_the_persons_sex(
    conn: sqlite3.Connection,
) -> None:
    for person in _people(conn).values():
        surname, patronymic = person["surname"], person["patronymic"] or ""
        if person["sex"] == "M":
            assert not surname.endswith(("ова", "ева", "ёва", "ина", "ская", "қызы"))
            assert patronymic == "" or patronymic.endswith(("ұлы", "ич"))
        else:
            assert not surname.endswith(("ов", "ев", "ёв", "ин", "ский", "ұлы"))
            assert patronymic == "" or patronymic.endswith(("қызы", "вна", "чна"))


def test_the_patronymic_or_uly_surname_comes_from_the_registered_fathers_name(
    conn: sqlite3.Connection,
) -> None:
    people = _people(conn)
    births = _all(conn, "SELECT child_iin, father_iin FROM birth WHERE father_iin IS NOT NULL")
    assert births
    for birth in births:
        child, father = people[birth["child_iin"]], people[birth["father_iin"]]
        if child["patronymic"] is None:
            assert child["surname"] == kazakh_patronymic(father["name"], child["sex"])
        else:
            assert child["patronymic"] in patronymic_forms(father["name"], child["sex"])
        if child["sex"] == "M":  # sons keep the surname they were registered with
            uly = kazakh_patronymic(father["name"], "M")
            assert child["surname"] in (father["surname"], uly)


def test_parents_are_18_to_45_at_the_birth_and_married_before_it(
    conn: sqlite3.Connection,
) -> None:
    people = _people(conn)
    for birth in _all(conn, "SELECT * FROM birth"):
        born = date.fromisoformat(birth["born_on"])
        assert born == _born(people[birth["child_iin"]])
        for role, sex in (("mother_iin", "F"), ("father_iin", "M")):
            if birth[role] is not None:
                parent = people[birth[role]]
                assert parent["sex"] == sex
                assert 18 <= full_years(_born(parent), born) <= 45


def test_spouses_are_a_man_and_a_woman_both_adult_at_the_wedding(
    conn: sqlite3.Connection,
) -> None:
    people = _people(conn)
    married: list[str] = []
    for row in _all(conn, "SELECT * FROM marriage"):
        husband, wife = people[row["spouse_a_iin"]], people[row["spouse_b_iin"]]
        assert (husband["sex"], wife["sex"]) == ("M", "F")
        on = date.fromisoformat(row["married_on"])
        assert on <= END
        assert min(full_years(_born(husband), on), full_years(_born(wife), on)) >= 18
        married += [husband["iin"], wife["iin"]]
    assert len(married) == len(set(married))


# ---------------------------------------------------------------- benefits


def test_pensions_start_at_retirement_age_and_students_are_18_to_23(
    conn: sqlite3.Connection,
) -> None:
    people = _people(conn)
    pensions = _all(conn, "SELECT * FROM payment WHERE kind IN ('age_pension', 'basic_pension')")
    assert pensions
    for row in pensions:
        person = people[row["iin"]]
        age = 63 if person["sex"] == "M" else 61
        assert row["start_on"] == anniversary(_born(person), age).isoformat()
    studies = _all(conn, "SELECT * FROM study")
    assert studies
    assert all(18 <= full_years(_born(people[s["iin"]]), END) <= 23 for s in studies)
    assert sum(s["full_time"] for s in studies) > 0.8 * len(studies)


# ---------------------------------------------------------------- events


def _iins_in(payload: dict[str, object]) -> list[str]:
    """Every IIN an event payload names, whatever the role."""
    return [v for k, v in payload.items() if k.endswith("iin") and isinstance(v, str)]


def test_events_fall_in_the_range_and_are_recorded_in_order_never_after_its_end(
    conn: sqlite3.Connection,
) -> None:
    events = _events(conn)
    recorded = [datetime.fromisoformat(e["recorded_at"]) for e in events]
    assert recorded == sorted(recorded)
    for event, moment in zip(events, recorded, strict=True):
        occurred = date.fromisoformat(event["occurred_on"])
        assert START <= occurred <= END
        assert occurred <= moment.astimezone(ALMATY).date()
        assert moment <= CEILING


def test_each_event_kind_occurs_and_deaths_with_disabilities_match_the_event_share(
    conn: sqlite3.Connection,
) -> None:
    kinds = [EventKind(e["kind"]) for e in _events(conn)]
    assert set(kinds) == set(EventKind)
    chosen = kinds.count(EventKind.DEATH_REGISTERED) + kinds.count(
        EventKind.DISABILITY_ESTABLISHED
    )
    assert chosen == round(EVENT_SHARE * SIZE)


def test_every_event_is_also_in_its_registry(conn: sqlite3.Connection) -> None:
    tables = {
        EventKind.DEATH_REGISTERED: ("death", "act_number"),
        EventKind.BIRTH_REGISTERED: ("birth", "act_number"),
        EventKind.MARRIAGE_REGISTERED: ("marriage", "act_number"),
        EventKind.DISABILITY_ESTABLISHED: ("disability", "iin"),
    }
    for event in _events(conn):
        payload = json.loads(event["payload"])
        table, key = tables[EventKind(event["kind"])]
        found = _all(conn, f"SELECT count(*) FROM {table} WHERE {key} = '{payload[key]}'")
        assert found[0][0] >= 1


def test_nobody_dies_twice_and_each_death_has_one_event(conn: sqlite3.Connection) -> None:
    deaths = [e for e in _events(conn) if e["kind"] == EventKind.DEATH_REGISTERED]
    deceased = [json.loads(e["payload"])["deceased_iin"] for e in deaths]
    assert len(deceased) == len(set(deceased)) == len(_deaths(conn))
    assert all(
        e["source_event_id"] == f"death:{iin}" for e, iin in zip(deaths, deceased, strict=True)
    )


def test_every_death_is_declared_by_a_living_adult_other_than_the_deceased(
    conn: sqlite3.Connection,
) -> None:
    people, died = _people(conn), _deaths(conn)
    for row in _all(conn, "SELECT * FROM death"):
        registered = datetime.fromisoformat(row["registered_at"]).astimezone(ALMATY).date()
        declarant = row["declarant_iin"]
        assert declarant != row["deceased_iin"]
        assert registered >= date.fromisoformat(row["died_on"])
        assert full_years(_born(people[declarant]), registered) >= 18
        assert declarant not in died or died[declarant] > registered


def test_nobody_has_events_or_records_after_their_death(conn: sqlite3.Connection) -> None:
    died = _deaths(conn)
    for event in _events(conn):
        occurred = date.fromisoformat(event["occurred_on"])
        for iin in _iins_in(json.loads(event["payload"])):
            assert iin not in died or occurred <= died[iin]
    after_death = [
        "SELECT p.iin FROM payment p JOIN death d ON d.deceased_iin = p.iin"
        " WHERE p.start_on > d.died_on OR p.end_on IS NULL OR p.end_on > d.died_on",
        "SELECT s.iin FROM study s JOIN death d ON d.deceased_iin = s.iin"
        " WHERE s.start_on > d.died_on OR s.end_on IS NULL OR s.end_on > d.died_on",
        "SELECT a.iin FROM account a JOIN death d ON d.deceased_iin = a.iin"
        " WHERE a.updated_on > d.died_on",
        "SELECT x.iin FROM disability x JOIN death d ON d.deceased_iin = x.iin"
        " WHERE x.established_on > d.died_on",
        "SELECT b.applicant_iin FROM burial_filing b JOIN death d"
        " ON d.deceased_iin = b.applicant_iin WHERE b.on_date >= d.died_on",
    ]
    for sql in after_death:
        assert _all(conn, sql) == []


def test_deaths_come_mostly_in_old_age(conn: sqlite3.Connection) -> None:
    people, died = _people(conn), _deaths(conn)
    ages = [full_years(_born(people[iin]), day) for iin, day in died.items()]
    assert sum(age >= 50 for age in ages) > 0.7 * len(ages)


def test_disabilities_of_children_have_a_living_parent_as_representative(
    conn: sqlite3.Connection,
) -> None:
    people, died = _people(conn), _deaths(conn)
    for row in _all(conn, "SELECT * FROM disability"):
        on = date.fromisoformat(row["established_on"])
        age = full_years(_born(people[row["iin"]]), on)
        assert (row["cause"] == "child_under_7") == (age < 7) == (row["grp"] is None)
        assert (row["cause"] == "child_7_to_18") == (7 <= age < 18)
        if age < 18:
            parents = _all(
                conn, f"SELECT mother_iin, father_iin FROM birth WHERE child_iin = '{row['iin']}'"
            )
            representative = row["representative_iin"]
            assert representative in tuple(parents[0])
            assert representative not in died or died[representative] > on


def test_adult_disabilities_are_mostly_general_illness(conn: sqlite3.Connection) -> None:
    causes = [r[0] for r in _all(conn, "SELECT cause FROM disability WHERE grp IS NOT NULL")]
    adult = [c for c in causes if not c.startswith("child")]
    assert adult.count("general_illness") > 0.6 * len(adult)


def test_the_simulated_clock_ends_the_range_when_it_is_earlier(tmp_path: Path) -> None:
    connection = connect(path_in(tmp_path))
    now = datetime(2025, 6, 30, 12, 0, tzinfo=ALMATY)
    try:
        clock.set_to(connection, now)
        generate(connection, 300, SEED, START, END, EVENT_SHARE)
        births = [_born(p) for p in _people(connection).values()]
        assert max(births) <= now.date()
        for event in _events(connection):
            assert date.fromisoformat(event["occurred_on"]) <= now.date()
            assert datetime.fromisoformat(event["recorded_at"]) <= now
    finally:
        connection.close()
