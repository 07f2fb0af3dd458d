"""The entries of a scenario file, each checked and applied as the matching command would."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter

from bot.registries.facts import (
    Account,
    AccountSource,
    Birth,
    BurialFilingKind,
    Marriage,
    Payment,
    Study,
)
from domain.banking import parse_iban
from domain.calendar import ALMATY, local_date
from fake_registries import accounts, actions, clock, education, faults, pensions
from fake_registries.cli.common import MORNING, Invalid, aware, parse_moment
from fake_registries.cli.emit_commands import DisabilityFields
from fake_registries.cli.fault_commands import new_rule
from fake_registries.cli.person_commands import known, new_person
from fake_registries.db import transaction

Apply = Callable[[sqlite3.Connection, dict[str, Any]], object]


def to_moment(value: object) -> datetime:
    """A TOML offset date-time, a date (09:00 Almaty) or the same written as a string."""
    if isinstance(value, datetime):
        return aware(value, value.isoformat())
    if isinstance(value, date):
        return datetime.combine(value, MORNING, tzinfo=ALMATY)
    if isinstance(value, str):
        return parse_moment(value)
    raise Invalid(f"not a date-time: {value!r}")


Moment = Annotated[datetime, BeforeValidator(to_moment)]


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ClockEntry(_Entry):
    now: Moment


class PersonEntry(_Entry):
    iin: str
    surname: str
    name: str
    patronymic: str | None = None
    sex: Literal["M", "F"] | None = None
    birth: date | None = None
    region: str
    phone: str | None = None
    language: Literal["kk", "ru"] | None = None


class AccountEntry(_Entry):
    iin: str
    iban: str
    source: AccountSource = AccountSource.BANK
    updated: date | None = None  # default: the simulated clock's date


class BirthEntry(_Entry):
    child_iin: str
    mother_iin: str | None = None
    father_iin: str | None = None
    born_on: date | None = None  # default: the child's birth date
    act_number: str | None = None  # default: B-YEAR-NNNNNNN


class MarriageEntry(_Entry):
    spouse_a_iin: str
    spouse_b_iin: str
    married_on: date
    act_number: str | None = None  # default: M-YEAR-NNNNNNN


class DisabilityEvent(DisabilityFields):
    kind: Literal["disability"]


class DeathEvent(_Entry):
    kind: Literal["death"]
    iin: str
    died: date
    declarant: str
    source_id: str | None = None


EVENT: TypeAdapter[DisabilityEvent | DeathEvent] = TypeAdapter(
    Annotated[DisabilityEvent | DeathEvent, Field(discriminator="kind")]
)


class BurialFilingEntry(_Entry):
    deceased_iin: str
    applicant_iin: str
    kind: BurialFilingKind
    on: date | None = None  # default: the simulated clock's date


class FaultEntry(_Entry):
    registry: str
    operation: str = faults.ANY
    latency_ms: int = 0
    error_rate: float = 0.0
    spike_rate: float = 0.0
    spike_ms: int = 0
    outage_from: Moment | None = None
    outage_to: Moment | None = None


class FeedFaultsEntry(_Entry):
    duplicate_rate: float | None = None
    reorder_rate: float | None = None
    seed: int | None = None


def apply_clock(conn: sqlite3.Connection, raw: dict[str, Any]) -> object:
    """Set the simulated clock."""
    return clock.set_to(conn, ClockEntry.model_validate(raw).now)


def apply_person(conn: sqlite3.Connection, raw: dict[str, Any]) -> object:
    """Add a person, as `person add`."""
    return actions.add_person(conn, new_person(**PersonEntry.model_validate(raw).model_dump()))


def apply_account(conn: sqlite3.Connection, raw: dict[str, Any]) -> object:
    """Put an account on file for a registered person."""
    entry = AccountEntry.model_validate(raw)
    person = known(conn, entry.iin)
    iban = parse_iban(entry.iban)
    updated = entry.updated or local_date(clock.now(conn))
    account = Account(
        iin=person.iin,
        iban=iban.compact,
        bank_code=iban.bank_code,
        source=entry.source,
        updated_on=updated,
    )
    with transaction(conn):
        accounts.add_many(conn, [account])
    return account


def _period(start: date, end: date | None) -> None:
    if end is not None and end < start:
        raise Invalid(f"the end {end} is before the start {start}")


def apply_payment(conn: sqlite3.Connection, raw: dict[str, Any]) -> object:
    """Record a pension or benefit a registered person receives or received."""
    payment = Payment.model_validate(raw)
    person = known(conn, payment.iin)
    _period(payment.start, payment.end)
    with transaction(conn):
        pensions.add_many(conn, [payment.model_copy(update={"iin": person.iin})])
    return payment


def apply_study(conn: sqlite3.Connection, raw: dict[str, Any]) -> object:
    """Record the study of a registered person."""
    study = Study.model_validate(raw)
    person = known(conn, study.iin)
    _period(study.start, study.end)
    with transaction(conn):
        education.add_many(conn, [study.model_copy(update={"iin": person.iin})])
    return study


def _act_number(conn: sqlite3.Connection, prefix: str, table: str, day: date) -> str:
    n = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] + 1
    return f"{prefix}-{day.year}-{n:07d}"


def _recorded(emitted: actions.Emitted) -> actions.Emitted:
    if not emitted.created:
        event = emitted.event
        raise Invalid(f"already recorded as event {event.id} ({event.source_event_id})")
    return emitted


def apply_birth(conn: sqlite3.Connection, raw: dict[str, Any]) -> object:
    """Register a birth with its parents (kinship)."""
    entry = BirthEntry.model_validate(raw)
    child = known(conn, entry.child_iin)
    parents = [known(conn, p).iin if p else None for p in (entry.mother_iin, entry.father_iin)]
    born = entry.born_on or child.birth_date
    birth = Birth(
        child_iin=child.iin,
        mother_iin=parents[0],
        father_iin=parents[1],
        born_on=born,
        act_number=entry.act_number or _act_number(conn, "B", "birth", born),
    )
    return _recorded(actions.record_birth(conn, birth))


def apply_marriage(conn: sqlite3.Connection, raw: dict[str, Any]) -> object:
    """Register a marriage of two living people."""
    entry = MarriageEntry.model_validate(raw)
    a, b = (known(conn, iin).iin for iin in (entry.spouse_a_iin, entry.spouse_b_iin))
    act = entry.act_number or _act_number(conn, "M", "marriage", entry.married_on)
    marriage = Marriage(
        spouse_a_iin=a, spouse_b_iin=b, married_on=entry.married_on, act_number=act
    )
    return _recorded(actions.record_marriage(conn, marriage))


def apply_event(conn: sqlite3.Connection, raw: dict[str, Any]) -> object:
    """Emit a disability or a death, as `emit`."""
    entry = EVENT.validate_python(raw)
    if isinstance(entry, DeathEvent):
        emitted = actions.emit_death(conn, entry.iin, entry.died, entry.declarant, entry.source_id)
        return _recorded(emitted)
    return _recorded(actions.emit_disability(conn, entry.record(), entry.source_id))


def apply_burial_filing(conn: sqlite3.Connection, raw: dict[str, Any]) -> object:
    """Record an earlier burial application or assignment, as `burial apply` or `burial pay`."""
    entry = BurialFilingEntry.model_validate(raw)
    return actions.record_burial_filing(
        conn, entry.deceased_iin, entry.applicant_iin, entry.kind, entry.on
    )


def apply_fault(conn: sqlite3.Connection, raw: dict[str, Any]) -> object:
    """Add or replace a registry's faults, as `faults set`."""
    rule = new_rule(FaultEntry.model_validate(raw).model_dump())
    faults.set_rule(conn, rule)
    return rule


def apply_feed_faults(conn: sqlite3.Connection, raw: dict[str, Any]) -> object:
    """Change the feed's faults, as `faults feed`."""
    given = FeedFaultsEntry.model_validate(raw).model_dump(exclude_none=True)
    value = faults.FaultSettings.model_validate({**faults.settings(conn).model_dump(), **given})
    faults.set_settings(conn, value)
    return value
