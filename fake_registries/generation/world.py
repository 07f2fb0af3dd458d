"""The generator's working state: people as mutable drafts, couples, the dates and the randomness.

Everything random is drawn from the one `random.Random` in `World.rng`, in a fixed order over
lists (never over sets or hashes), so a seed always gives the same registries.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel

from bot.registries.facts import (
    Account,
    Birth,
    BurialFiling,
    Death,
    Disability,
    EventKind,
    Marriage,
    Payment,
    Study,
)
from domain.calendar import ALMATY
from domain.dates import anniversary, full_years
from fake_registries.generation.names import Origin, Sex

Language = Literal["kk", "ru"] | None
ADULTHOOD = 18
_WORKDAY_HOURS = range(9, 18)


@dataclass(slots=True)
class Draft:
    """One person while the generator builds them; written out as a `Person` at the end."""

    index: int
    birth_date: date
    sex: Sex
    origin: Origin
    language: Language
    name: str = ""
    surname: str = ""
    family: str = ""  # masculine family surname children inherit; "" for -ұлы/-қызы surnames
    patronymic: str | None = None
    region: str = ""
    iin: str = ""
    phone: str | None = None
    father: int | None = None
    mother: int | None = None
    couple: int | None = None  # index into World.couples
    children: list[int] = field(default_factory=list)
    birth_registered: bool = False  # a birth record exists even without known parents
    disabled_on: date | None = None  # a disability established before the range
    died_on: date | None = None


@dataclass(slots=True)
class Couple:
    """A registered marriage and how many children it may still have."""

    husband: int
    wife: int
    married_on: date
    capacity: int


class FeedItem(NamedTuple):
    """An event to append to the feed once every record is written."""

    recorded_at: datetime
    kind: EventKind
    occurred_on: date
    payload: dict[str, Any]
    source_event_id: str


@dataclass(slots=True)
class World:
    """The population being generated and every record derived from it."""

    rng: random.Random
    start: date  # first day of the event range
    limit: date  # last day anything may happen: `end`, or the simulated clock's date if earlier
    ceiling: datetime  # latest moment anything may be recorded at
    people: list[Draft] = field(default_factory=list)
    couples: list[Couple] = field(default_factory=list)
    births: list[Birth] = field(default_factory=list)
    marriages: list[Marriage] = field(default_factory=list)
    disabilities: list[Disability] = field(default_factory=list)
    deaths: list[Death] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    studies: list[Study] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    filings: list[BurialFiling] = field(default_factory=list)
    feed: list[FeedItem] = field(default_factory=list)


def random_day(rng: random.Random, lo: date, hi: date) -> date:
    """A day drawn evenly from lo..hi, both included (lo when hi is earlier)."""
    return lo + timedelta(days=rng.randint(0, max(0, (hi - lo).days)))


def age_on(person: Draft, day: date) -> int:
    """Full years of age on a day."""
    return full_years(person.birth_date, day)


def adult_from(person: Draft) -> date:
    """The 18th birthday."""
    return anniversary(person.birth_date, ADULTHOOD)


def alive_after(person: Draft, day: date) -> bool:
    """True when the person is alive at the end of the day (may still act on it)."""
    return person.died_on is None or person.died_on > day


def recorded_at(world: World, day: date, max_delay_days: int = 0) -> datetime:
    """A working-hours moment up to `max_delay_days` after the day, never past the ceiling."""
    delay = world.rng.randint(0, max_delay_days)
    when = time(world.rng.choice(_WORKDAY_HOURS), world.rng.randrange(60))
    moment = datetime.combine(min(day + timedelta(days=delay), world.limit), when, ALMATY)
    return min(moment, world.ceiling)


def weighted_order(
    rng: random.Random, people: Sequence[Draft], weight: Callable[[Draft], float]
) -> list[Draft]:
    """People in a random order where heavier ones tend to come first (Efraimidis-Spirakis)."""
    keyed = [(-(rng.random() ** (1.0 / weight(p))), p.index, p) for p in people]
    keyed.sort(key=lambda item: (item[0], item[1]))
    return [p for _, _, p in keyed]


def pick(rng: random.Random, bucket: list[int]) -> int:
    """Remove and return a random element of a list, in O(1) (the order is not kept)."""
    position = rng.randrange(len(bucket))
    chosen = bucket[position]
    bucket[position] = bucket[-1]
    bucket.pop()
    return chosen


def queue_event(
    world: World, kind: EventKind, day: date, record: BaseModel, source: str, moment: datetime
) -> None:
    """Queue a record's event for the feed; the record, as JSON, is its payload."""
    world.feed.append(FeedItem(moment, kind, day, record.model_dump(mode="json"), source))
