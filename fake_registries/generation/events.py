"""The events chosen for `event_share` of the people: deaths and disabilities established.

Consistency: deaths come first and fall after everything a person did (their wedding, their
children's births); then a declarant, representative or applicant acts only while alive and
adult, and nobody who dies in the range has a disability established in it.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from bot.registries.facts import BurialFiling, BurialFilingKind, Death, Disability, EventKind
from domain.dates import anniversary
from domain.services.disability import Cause
from fake_registries.generation.world import (
    ADULTHOOD,
    Draft,
    World,
    age_on,
    alive_after,
    queue_event,
    random_day,
    recorded_at,
    weighted_order,
)

DEATH_SHARE = 0.4  # of the people with an event, the rest having a disability established
MORTALITY_PER_YEAR = 0.085  # Gompertz: the chance of dying doubles about every eight years
REGISTRATION_DAYS, FILING_DAYS = 3, 10
BURIAL_FILED_SHARE, BURIAL_ASSIGNED_SHARE = 0.1, 0.5
SPOUSE_DECLARES = 0.5  # when there are adult children too
NEIGHBOUR_ATTEMPTS = 200  # tries for a declarant from the same region before anyone will do
CHILD_UNDER = 7
GROUPS, GROUP_WEIGHTS = (1, 2, 3), (15, 40, 45)
ADULT_CAUSES: tuple[Cause, ...] = (
    Cause.GENERAL_ILLNESS,
    Cause.WORK_INJURY,
    Cause.OCCUPATIONAL_DISEASE,
    Cause.SINCE_CHILDHOOD,
)
ADULT_CAUSE_WEIGHTS = (78, 10, 4, 8)
SINCE_CHILDHOOD_BEFORE = 30  # established since childhood only for young adults
INDEFINITE_FROM, INDEFINITE_SHARE = 60, 0.1  # some older people need no re-examination


def _last_deed(world: World, person: Draft) -> date:
    """The last day the person did something on record: birth, wedding, a child, a disability."""
    days = [person.birth_date, *(world.people[c].birth_date for c in person.children)]
    if person.couple is not None:
        days.append(world.couples[person.couple].married_on)
    if person.disabled_on is not None:
        days.append(person.disabled_on)
    return max(days)


def _mortality(world: World, person: Draft) -> float:
    """Relative chance of dying: rising with age, with a little more for infants."""
    age = age_on(person, world.limit)
    return math.exp(MORTALITY_PER_YEAR * age) + (2.0 if age == 0 else 0.0)


def _can_declare(person: Draft, deceased: Draft, day: date) -> bool:
    """An adult alive on the day, other than the deceased."""
    return person is not deceased and age_on(person, day) >= ADULTHOOD and alive_after(person, day)


def _kin(world: World, deceased: Draft, day: date) -> list[list[Draft]]:
    """Spouse, children and parents able to declare on the day, in that order of closeness."""
    people = world.people
    spouse = []
    if deceased.couple is not None:
        couple = world.couples[deceased.couple]
        spouse = [people[couple.wife if couple.husband == deceased.index else couple.husband]]
    children = [people[c] for c in deceased.children]
    parents = [people[i] for i in (deceased.mother, deceased.father) if i is not None]
    return [
        [p for p in kin if _can_declare(p, deceased, day)] for kin in (spouse, children, parents)
    ]


def _stranger(world: World, deceased: Draft, day: date) -> Draft | None:
    """Another adult able to declare, from the deceased's region when one is found soon."""
    people = world.people
    for attempt in range(10 * len(people)):
        other = people[world.rng.randrange(len(people))]
        nearby = attempt >= NEIGHBOUR_ATTEMPTS or other.region == deceased.region
        if nearby and _can_declare(other, deceased, day):
            return other
    return None


def _declarant(world: World, deceased: Draft, day: date) -> Draft | None:
    """The spouse or a child, else a parent, else another adult, able to declare on the day."""
    spouse, children, parents = _kin(world, deceased, day)
    if spouse and (not children or world.rng.random() < SPOUSE_DECLARES):
        return spouse[0]
    for kin in (children, parents):
        if kin:
            return world.rng.choice(kin)
    return _stranger(world, deceased, day)


def _burial(world: World, deceased: Draft, applicant: Draft, registered: date) -> None:
    """Now and then, a burial application by the declarant, sometimes already assigned."""
    if world.rng.random() >= BURIAL_FILED_SHARE:
        return
    applied = random_day(world.rng, registered, registered + timedelta(days=FILING_DAYS))
    if applied > world.limit or not alive_after(applicant, applied):
        return
    filings = [(BurialFilingKind.APPLICATION, applied)]
    if world.rng.random() < BURIAL_ASSIGNED_SHARE:
        assigned = random_day(world.rng, applied, applied + timedelta(days=FILING_DAYS))
        if assigned <= world.limit:
            filings.append((BurialFilingKind.ASSIGNMENT, assigned))
    world.filings.extend(
        BurialFiling(deceased_iin=deceased.iin, applicant_iin=applicant.iin, kind=kind, on=day)
        for kind, day in filings
    )


def _choose_deaths(world: World, count: int) -> list[Draft]:
    """Up to `count` people, mostly old, each dying after their last deed and within the range."""
    dying: list[Draft] = []
    for person in weighted_order(world.rng, world.people, lambda p: _mortality(world, p)):
        if len(dying) == count:
            break
        earliest = max(world.start, _last_deed(world, person))
        if earliest <= world.limit:
            person.died_on = random_day(world.rng, earliest, world.limit)
            dying.append(person)
    return dying


def _declared(world: World, dying: list[Draft]) -> list[tuple[datetime, Draft, Draft, date]]:
    """(recorded at, deceased, declarant, registration day) per death, in recording order."""
    declared: list[tuple[datetime, Draft, Draft, date]] = []
    for person in dying:
        assert person.died_on is not None
        delay = timedelta(days=world.rng.randint(0, REGISTRATION_DAYS))
        registered = min(person.died_on + delay, world.limit)
        declarant = _declarant(world, person, registered)
        if declarant is None:
            person.died_on = None  # nobody could declare it: the person lives on
            continue
        declared.append((recorded_at(world, registered), person, declarant, registered))
    declared.sort(key=lambda item: (item[0], item[1].index))
    return declared


def deaths(world: World, count: int) -> None:
    """Register deaths with living adult declarants, numbered in registration order."""
    declared = _declared(world, _choose_deaths(world, count))
    for number, (moment, person, declarant, registered) in enumerate(declared, start=1):
        assert person.died_on is not None
        death = Death(
            deceased_iin=person.iin,
            died_on=person.died_on,
            registered_at=moment,
            act_number=f"D-{person.died_on.year}-{number:07d}",
            declarant_iin=declarant.iin,
        )
        world.deaths.append(death)
        source = f"death:{person.iin}"
        queue_event(world, EventKind.DEATH_REGISTERED, death.died_on, death, source, moment)
        _burial(world, person, declarant, registered)


def _cause(
    world: World, person: Draft, age: int, day: date
) -> tuple[Cause, int | None, date | None]:
    """Cause, group and end of validity for an age: children's causes below 18."""
    if age < CHILD_UNDER:
        return Cause.CHILD_UNDER_7, None, anniversary(person.birth_date, CHILD_UNDER)
    group = world.rng.choices(GROUPS, GROUP_WEIGHTS)[0]
    if age < ADULTHOOD:
        return Cause.CHILD_7_TO_18, group, anniversary(person.birth_date, ADULTHOOD)
    cause = world.rng.choices(ADULT_CAUSES, ADULT_CAUSE_WEIGHTS)[0]
    if cause is Cause.SINCE_CHILDHOOD and age >= SINCE_CHILDHOOD_BEFORE:
        cause = Cause.GENERAL_ILLNESS
    if age >= INDEFINITE_FROM and world.rng.random() < INDEFINITE_SHARE:
        return cause, group, None
    return cause, group, anniversary(day, 2 if group == 1 else 1)


def _disability(world: World, person: Draft) -> Disability | None:
    """A first disability in the range; a child's needs a living parent as representative."""
    day = random_day(world.rng, max(world.start, person.birth_date), world.limit)
    age = age_on(person, day)
    representative = None
    if age < ADULTHOOD:
        parents = [world.people[i] for i in (person.mother, person.father) if i is not None]
        able = [p for p in parents if alive_after(p, day)]
        if not able:
            return None
        representative = world.rng.choice(able).iin
    cause, group, valid_until = _cause(world, person, age, day)
    return Disability(
        iin=person.iin,
        group=group,
        cause=cause,
        established_on=day,
        valid_until=valid_until,
        representative_iin=representative,
    )


def _frailty(world: World, person: Draft) -> float:
    """Relative chance of a disability: rising slowly with age."""
    return 1.0 + age_on(person, world.limit) / 25


def disabilities(world: World, count: int) -> None:
    """Establish up to `count` first disabilities, more often the older the person."""
    done = 0
    for person in weighted_order(world.rng, world.people, lambda p: _frailty(world, p)):
        if done == count:
            break
        if person.died_on is not None or person.disabled_on is not None:
            continue
        record = _disability(world, person)
        if record is None:
            continue
        done += 1
        world.disabilities.append(record)
        source = f"disability:{person.iin}:{record.established_on.isoformat()}"
        moment = recorded_at(world, record.established_on, 1)
        kind = EventKind.DISABILITY_ESTABLISHED
        queue_event(world, kind, record.established_on, record, source, moment)
