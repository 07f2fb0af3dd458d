"""A deterministic synthetic population for the registries, with an event mix over a date range.

`generate(conn, size, seed, start, end)` fills an empty registries file: people with valid
IINs and phones, families (marriages, births with both parents), pensions and benefits,
full-time students, accounts on file, and, for `event_share` of the people, a disability
established or a death registered between `start` and `end`; births and marriages dated in
that range are events too. Every event is written to the same registry tables and to the feed.

Nothing happens after the simulated clock: when it is set and earlier than `end`, its
(Almaty) date is the range's last day; when it is unset, `end` is, and events are recorded no
later than 23:59 of `end` in Almaty. Recorded times come from the dates, never from the
wall clock, so the same seed, range and clock give the same file, byte for byte in content.

    python -m fake_registries.generator --size 100000 --seed 1 --data-dir /tmp/x
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from bot.registries.facts import EventKind, Person
from domain.calendar import ALMATY, local_date
from fake_registries import (
    accounts,
    civil,
    clock,
    disability,
    education,
    feed,
    payments,
    pensions,
    population,
)
from fake_registries.db import connect, path_in, transaction
from fake_registries.generation import benefits, events, families, naming, people, records
from fake_registries.generation.world import Draft, World

DEFAULT_START, DEFAULT_END = date(2025, 1, 1), date(2025, 12, 31)


class GenerationReport(BaseModel):
    """What a generation wrote: rows per registry, events per kind, and how long it took."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    people: int
    without_phone: int
    births: int
    marriages: int
    disabilities: int
    deaths: int
    payments: int
    studies: int
    accounts: int
    burial_filings: int
    events: dict[EventKind, int]
    seconds: float


def _world(conn: sqlite3.Connection, seed: int, start: date, end: date) -> World:
    """An empty world whose last day is `end`, or the simulated clock's date if earlier."""
    ceiling = datetime.combine(end, clock_time(23, 59), ALMATY)
    if clock.is_set(conn):
        ceiling = min(ceiling, clock.now(conn).astimezone(ALMATY))
    limit = local_date(ceiling)
    if limit < start:
        raise ValueError(f"the range starts {start} but nothing may happen after {limit}")
    return World(rng=random.Random(seed), start=start, limit=limit, ceiling=ceiling)


def _check(conn: sqlite3.Connection, size: int, start: date, end: date, share: float) -> None:
    """Refuse arguments that make no population, and a registries file already in use."""
    if size < 1:
        raise ValueError(f"size must be at least 1, got {size}")
    if start > end:
        raise ValueError(f"start {start} is after end {end}")
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"event_share must be within 0..1, got {share}")
    if population.count(conn) or feed.last_id(conn):
        raise ValueError("the registries already hold people or events: generate into a new file")


def _build(world: World, size: int, event_share: float) -> None:
    """Draw the population, its families and records, then the events of the range."""
    people.sample_people(world, size)
    families.marry(world)
    families.link_children(world)
    naming.name_everyone(world)
    people.assign_iins(world)
    people.assign_phones(world)
    benefits.past_disabilities(world)
    records.births(world)
    records.marriages(world)
    wanted = round(event_share * size)
    dying = round(wanted * events.DEATH_SHARE)
    events.deaths(world, dying)
    events.disabilities(world, wanted - dying)
    benefits.pensions(world)
    benefits.studies(world)
    benefits.accounts(world)


def _person(draft: Draft) -> Person:
    """The population registry's record of a draft."""
    return Person(
        iin=draft.iin,
        surname=draft.surname,
        name=draft.name,
        patronymic=draft.patronymic,
        birth_date=draft.birth_date,
        sex=draft.sex,
        region=draft.region,
        phone=draft.phone,
        language=draft.language,
    )


def _write(conn: sqlite3.Connection, world: World) -> None:
    """Write every record, then the feed in recording order, in one transaction."""
    with transaction(conn):
        population.add_many(conn, (_person(p) for p in world.people))
        civil.add_births(conn, world.births)
        civil.add_marriages(conn, world.marriages)
        for record in world.disabilities:
            disability.add(conn, record)
        for death in world.deaths:
            civil.add_death(conn, death)
        pensions.add_many(conn, world.payments)
        education.add_many(conn, world.studies)
        accounts.add_many(conn, world.accounts)
        payments.add_many(conn, world.filings)
        for item in sorted(world.feed, key=lambda i: (i.recorded_at, i.source_event_id)):
            feed.append(
                conn,
                item.kind,
                item.occurred_on,
                item.recorded_at,
                item.payload,
                item.source_event_id,
            )


def _report(world: World, seconds: float) -> GenerationReport:
    """Count what the world holds."""
    kinds = Counter(item.kind for item in world.feed)
    return GenerationReport(
        people=len(world.people),
        without_phone=sum(1 for p in world.people if p.phone is None),
        births=len(world.births),
        marriages=len(world.marriages),
        disabilities=len(world.disabilities),
        deaths=len(world.deaths),
        payments=len(world.payments),
        studies=len(world.studies),
        accounts=len(world.accounts),
        burial_filings=len(world.filings),
        events={kind: kinds[kind] for kind in EventKind},
        seconds=round(seconds, 3),
    )


def generate(
    conn: sqlite3.Connection,
    size: int,
    seed: int,
    start: date,
    end: date,
    event_share: float = 0.05,
) -> GenerationReport:
    """Fill an empty registries file with `size` people and the events of start..end."""
    began = time.perf_counter()
    _check(conn, size, start, end, event_share)
    world = _world(conn, seed, start, end)
    _build(world, size, event_share)
    _write(conn, world)
    return _report(world, time.perf_counter() - began)


def _parser() -> argparse.ArgumentParser:
    """Command-line options of `python -m fake_registries.generator`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size", type=int, required=True, help="how many people")
    parser.add_argument("--seed", type=int, default=1, help="the random seed (default 1)")
    parser.add_argument("--data-dir", type=Path, required=True, help="where the file goes")
    parser.add_argument("--start", type=date.fromisoformat, default=DEFAULT_START)
    parser.add_argument("--end", type=date.fromisoformat, default=DEFAULT_END)
    parser.add_argument("--event-share", type=float, default=0.05)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Generate into a data directory and write the report as JSON to standard output."""
    args = _parser().parse_args(argv)
    conn = connect(path_in(args.data_dir))
    try:
        report = generate(conn, args.size, args.seed, args.start, args.end, args.event_share)
    finally:
        conn.close()
    sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
