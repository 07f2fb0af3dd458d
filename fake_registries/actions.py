"""What testers do as the state: add people, record disabilities, deaths, births, marriages.

They also set up a deceased's burial history in the payments system: earlier applications and
an assignment of the burial payment (no feed event: the bot reads them when it decides).

Each action checks its input first and writes the registry record and its feed event in one
transaction, or nothing at all. An event already recorded (same source id) is not written
again: the result says so.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from bot.registries.facts import (
    Birth,
    BurialFiling,
    BurialFilingKind,
    Death,
    Disability,
    Event,
    EventKind,
    Marriage,
    Person,
)
from domain.calendar import local_date
from domain.dates import full_years
from domain.identity import InvalidIin, parse_iin
from domain.phone import InvalidPhone, normalize_phone
from domain.services.disability import Cause
from fake_registries import civil, clock, disability, feed, payments, population
from fake_registries.db import transaction

CHILD_UNDER = 7
ADULTHOOD = 18


class Rejected(ValueError):
    """A tester's input the state would not record; the message says why, in one line."""


class Emitted(BaseModel):
    """An event the action recorded (`created`), or found already recorded."""

    model_config = ConfigDict(frozen=True)

    event: Event
    created: bool


def valid_iin(text: str, role: str = "IIN") -> str:
    """The IIN's digits, or Rejected naming what is wrong with it."""
    try:
        return parse_iin(text).value
    except InvalidIin as error:
        raise Rejected(f"invalid {role} {text!r}: {error}") from error


def _existing(conn: sqlite3.Connection, iin: str, role: str) -> Person:
    person = population.get(conn, iin)
    if person is None:
        raise Rejected(f"unknown {role}: no person with IIN {iin} in the population registry")
    return person


def _alive(conn: sqlite3.Connection, iin: str, role: str) -> Person:
    person = _existing(conn, iin, role)
    death = civil.death_of(conn, iin)
    if death is not None:
        raise Rejected(f"the {role} {iin} died on {death.died_on.isoformat()}")
    return person


def _not_in_future(conn: sqlite3.Connection, day: date, what: str) -> datetime:
    now = clock.now(conn)
    if day > local_date(now):
        raise Rejected(f"{what} {day.isoformat()} is after the simulated clock's {now.date()}")
    return now


def _recorded(conn: sqlite3.Connection, source: str) -> Emitted | None:
    """The event already recorded under this source id, reported as not created."""
    earlier = feed.by_source(conn, source)
    return None if earlier is None else Emitted(event=earlier, created=False)


def _record(
    conn: sqlite3.Connection, kind: EventKind, day: date, payload: dict[str, Any], source: str
) -> Emitted:
    event, created = feed.append(conn, kind, day, clock.now(conn), payload, source)
    return Emitted(event=event, created=created)


def add_person(conn: sqlite3.Connection, person: Person) -> Person:
    """Add a person after checking the IIN agrees with birth date and sex, and the phone."""
    iin = parse_iin(valid_iin(person.iin))
    if (iin.birth_date, iin.sex) != (person.birth_date, person.sex):
        raise Rejected(f"IIN {person.iin} encodes {iin.birth_date} {iin.sex}, not the given ones")
    phone = None
    if person.phone is not None:
        try:
            phone = normalize_phone(person.phone)
        except InvalidPhone as error:
            raise Rejected(f"invalid phone {person.phone!r}: {error}") from error
    if population.get(conn, person.iin) is not None:
        raise Rejected(f"a person with IIN {person.iin} is already registered")
    _not_in_future(conn, person.birth_date, "birth date")
    clean = person.model_copy(update={"phone": phone})
    with transaction(conn):
        population.add_many(conn, [clean])
    return clean


def _check_disability(conn: sqlite3.Connection, record: Disability) -> None:
    person = _alive(conn, record.iin, "person")
    age = full_years(person.birth_date, record.established_on)
    if record.established_on < person.birth_date:
        raise Rejected("a disability cannot be established before the person was born")
    if (record.cause is Cause.CHILD_UNDER_7) != (record.group is None):
        raise Rejected("group 'none' goes with cause child_under_7 only; others take 1, 2 or 3")
    if record.cause is Cause.CHILD_UNDER_7 and age >= CHILD_UNDER:
        raise Rejected(f"cause child_under_7 but the person is {age}")
    if record.cause is Cause.CHILD_7_TO_18 and not CHILD_UNDER <= age < ADULTHOOD:
        raise Rejected(f"cause child_7_to_18 but the person is {age}")
    if age < ADULTHOOD:
        if record.representative_iin is None:
            raise Rejected(f"the person is {age}: a child needs --representative IIN")
        _alive(conn, record.representative_iin, "representative")
    _not_in_future(conn, record.established_on, "established date")


def emit_disability(
    conn: sqlite3.Connection, record: Disability, source_event_id: str | None = None
) -> Emitted:
    """Record an established disability and its `disability_established` event."""
    iin = valid_iin(record.iin)
    representative = record.representative_iin
    if representative is not None:
        representative = valid_iin(representative, "representative IIN")
    record = record.model_copy(update={"iin": iin, "representative_iin": representative})
    source = source_event_id or f"disability:{iin}:{record.established_on.isoformat()}"
    if (earlier := _recorded(conn, source)) is not None:
        return earlier
    _check_disability(conn, record)
    payload = record.model_dump(mode="json")
    with transaction(conn):
        disability.add(conn, record)
        return _record(
            conn, EventKind.DISABILITY_ESTABLISHED, record.established_on, payload, source
        )


def _act_number(conn: sqlite3.Connection, prefix: str, table: str, day: date) -> str:
    n = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] + 1
    return f"{prefix}-{day.year}-{n:07d}"


def emit_death(
    conn: sqlite3.Connection,
    deceased_iin: str,
    died_on: date,
    declarant_iin: str,
    source_event_id: str | None = None,
) -> Emitted:
    """Register a death declared by a living person, and its `death_registered` event."""
    deceased = valid_iin(deceased_iin, "deceased IIN")
    declarant = valid_iin(declarant_iin, "declarant IIN")
    source = source_event_id or f"death:{deceased}"
    if (earlier := _recorded(conn, source)) is not None:
        return earlier
    person = _alive(conn, deceased, "person")
    if declarant == deceased:
        raise Rejected("a person cannot declare their own death")
    _alive(conn, declarant, "declarant")
    if died_on < person.birth_date:
        raise Rejected(f"the date of death {died_on} is before the birth {person.birth_date}")
    now = _not_in_future(conn, died_on, "date of death")
    act = _act_number(conn, "D", "death", died_on)
    death = Death(
        deceased_iin=deceased,
        died_on=died_on,
        registered_at=now,
        act_number=act,
        declarant_iin=declarant,
    )
    with transaction(conn):
        civil.add_death(conn, death)
        payload = death.model_dump(mode="json")
        return _record(conn, EventKind.DEATH_REGISTERED, died_on, payload, source)


def record_birth(conn: sqlite3.Connection, birth: Birth) -> Emitted:
    """Register a birth with its parents (the child is already in the population registry)."""
    source = f"birth:{birth.child_iin}"
    if (earlier := _recorded(conn, source)) is not None:
        return earlier
    _existing(conn, birth.child_iin, "child")
    for parent in (birth.mother_iin, birth.father_iin):
        if parent is not None:
            _existing(conn, parent, "parent")
    with transaction(conn):
        civil.add_births(conn, [birth])
        payload = birth.model_dump(mode="json")
        return _record(conn, EventKind.BIRTH_REGISTERED, birth.born_on, payload, source)


def record_marriage(conn: sqlite3.Connection, marriage: Marriage) -> Emitted:
    """Register a marriage of two living people."""
    source = f"marriage:{marriage.act_number}"
    if (earlier := _recorded(conn, source)) is not None:
        return earlier
    _alive(conn, marriage.spouse_a_iin, "spouse")
    _alive(conn, marriage.spouse_b_iin, "spouse")
    _not_in_future(conn, marriage.married_on, "marriage date")
    with transaction(conn):
        civil.add_marriages(conn, [marriage])
        payload = marriage.model_dump(mode="json")
        return _record(conn, EventKind.MARRIAGE_REGISTERED, marriage.married_on, payload, source)


def record_burial_filing(
    conn: sqlite3.Connection,
    deceased_iin: str,
    applicant_iin: str,
    kind: BurialFilingKind,
    on: date | None = None,
) -> list[BurialFiling]:
    """Record an earlier burial application or assignment (with its application if none)."""
    deceased = _existing(conn, valid_iin(deceased_iin, "deceased IIN"), "deceased").iin
    applicant = _existing(conn, valid_iin(applicant_iin, "applicant IIN"), "applicant").iin
    if applicant == deceased:
        raise Rejected("a person cannot apply for their own burial payment")
    day = on or local_date(clock.now(conn))
    _check_filing_date(conn, deceased, day)
    filing = BurialFiling(deceased_iin=deceased, applicant_iin=applicant, kind=kind, on=day)
    filings = [filing]
    if kind is BurialFilingKind.ASSIGNMENT and _without_application(conn, filing):
        filings.insert(0, filing.model_copy(update={"kind": BurialFilingKind.APPLICATION}))
    with transaction(conn):
        payments.add_many(conn, filings)
    return filings


def _check_filing_date(conn: sqlite3.Connection, deceased: str, day: date) -> None:
    _not_in_future(conn, day, "filing date")
    death = civil.death_of(conn, deceased)
    if death is not None and day < death.died_on:
        raise Rejected(f"filing date {day} is before the death of {deceased} on {death.died_on}")


def _without_application(conn: sqlite3.Connection, payment: BurialFiling) -> bool:
    """Whether the payment's applicant has no application to assign it on (none assigned yet)."""
    earlier = payments.burial_filings(conn, payment.deceased_iin)
    assigned = [f.on for f in earlier if f.kind is BurialFilingKind.ASSIGNMENT]
    if assigned:
        raise Rejected(
            f"a burial payment for {payment.deceased_iin} was already assigned on "
            f"{assigned[0]}: one per deceased"
        )
    applied = [
        f.on
        for f in earlier
        if f.kind is BurialFilingKind.APPLICATION and f.applicant_iin == payment.applicant_iin
    ]
    if applied and min(applied) > payment.on:
        raise Rejected(
            f"the applicant {payment.applicant_iin} applied on {min(applied)}, "
            f"after the assignment date {payment.on}"
        )
    return not applied
