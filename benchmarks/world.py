"""A benchmark's world: N people each with a disability established (one event each), a phone,
a language and an account on file, written straight through the registries' own modules in
one transaction, so building it costs seconds, not the minutes the generator would take."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal

from schwifty import IBAN

from bot.registries.facts import Account, AccountSource, Disability, EventKind, Person
from domain.calendar import ALMATY
from domain.identity import make_iin, parse_iin
from domain.services.disability import Cause
from fake_registries import accounts, disability, feed, population
from fake_registries import clock as world_clock
from fake_registries import db as registries_db

START = datetime(2026, 1, 12, 9, 0, tzinfo=ALMATY)  # a working Monday morning
ESTABLISHED = date(2026, 1, 5)


@dataclass(frozen=True)
class Citizen:
    """One person of the world."""

    iin: str
    phone: str
    language: Literal["kk", "ru"]


def people(count: int, seed: int = 1) -> list[Citizen]:
    """`count` adults with distinct valid IINs and phones, kk or ru."""
    rng = random.Random(seed)
    found: list[Citizen] = []
    serial, day = 1000, date(1970, 1, 1)
    while len(found) < count:
        iin = make_iin(day, "M" if serial % 2 else "F", serial % 9000 + 1000)
        serial += 1
        if serial % 9000 == 0:
            day += timedelta(days=1)
        if iin is None:
            continue
        phone = f"+7701{len(found):07d}"
        language: Literal["kk", "ru"] = "kk" if rng.random() < 0.5 else "ru"
        found.append(Citizen(iin.value, phone, language))
    return found


def build(data_dir: Path, count: int, seed: int = 1) -> list[Citizen]:
    """The registries' file in `data_dir`: the clock at START and `count` disability events."""
    citizens = people(count, seed)
    conn = registries_db.connect(registries_db.path_in(data_dir))
    try:
        world_clock.set_to(conn, START)
        with registries_db.transaction(conn):
            population.add_many(conn, [_person(c) for c in citizens])
            accounts.add_many(conn, [_account(c, n) for n, c in enumerate(citizens)])
            for citizen in citizens:
                record = Disability(
                    iin=citizen.iin,
                    group=2,
                    cause=Cause.GENERAL_ILLNESS,
                    established_on=ESTABLISHED,
                    valid_until=ESTABLISHED.replace(year=ESTABLISHED.year + 1),
                    representative_iin=None,
                )
                disability.add(conn, record)
                feed.append(
                    conn,
                    EventKind.DISABILITY_ESTABLISHED,
                    ESTABLISHED,
                    START,
                    record.model_dump(mode="json"),
                    f"disability:{citizen.iin}:{ESTABLISHED.isoformat()}",
                )
    finally:
        conn.close()
    return citizens


def _person(citizen: Citizen) -> Person:
    parsed = parse_iin(citizen.iin)
    return Person(
        iin=citizen.iin,
        surname="Сапарова" if parsed.sex == "F" else "Сапаров",
        name="Айгүл" if parsed.sex == "F" else "Ерлан",
        birth_date=parsed.birth_date,
        sex=parsed.sex,
        region="Almaty",
        phone=citizen.phone,
        language=citizen.language,
    )


def _account(citizen: Citizen, number: int) -> Account:
    iban = str(IBAN.generate("KZ", bank_code="722", account_code=f"{number:013d}"))
    return Account(
        iin=citizen.iin,
        iban=iban.replace(" ", ""),
        bank_code="722",
        source=AccountSource.BANK,
        updated_on=date(2025, 11, 3),
    )


if __name__ == "__main__":  # `python -m benchmarks.world DIR N`: build in a process of its own
    import sys

    build(Path(sys.argv[1]), int(sys.argv[2]))
