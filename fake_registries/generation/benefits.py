"""Earlier disabilities, pensions and benefits, full-time studies and accounts on file.

Records here carry no feed event. Those of people who die in the range end on the day of
death (payments, studies) or were last updated before it (accounts).
"""

from __future__ import annotations

from datetime import date, timedelta

import schwifty

from bot.registries.facts import Account, AccountSource, Disability, Payment, Study
from domain.banking import bank_directory
from domain.dates import anniversary
from domain.model import PaymentKind
from domain.services.disability import Cause
from fake_registries.generation.names import name_book
from fake_registries.generation.world import (
    ADULTHOOD,
    Draft,
    World,
    adult_from,
    age_on,
    random_day,
)

# Retirement age, approximately: 63 for men; 61 for women (rising from 58 since 2018).
PENSION_AGE = {"M": 63, "F": 61}
AGE_PENSION_SHARE = 0.9  # the rest have no pension savings record: the basic pension only
LARGE_FAMILY = 4  # mothers of four or more: a special state benefit from the fourth birth
PAST_DISABILITY_BASE, PAST_DISABILITY_PER_YEAR = 0.01, 0.0003
PAST_CAUSES: tuple[Cause, ...] = (
    Cause.GENERAL_ILLNESS,
    Cause.WORK_INJURY,
    Cause.OCCUPATIONAL_DISEASE,
    Cause.SINCE_CHILDHOOD,
)
PAST_CAUSE_WEIGHTS = (75, 10, 5, 10)
GROUPS, GROUP_WEIGHTS = (1, 2, 3), (15, 40, 45)
STUDENT_AGES = range(18, 24)
STUDENT_SHARE, PART_TIME_SHARE = 0.45, 0.1
ACCOUNT_SHARE = 0.85
ACCOUNT_HISTORY_YEARS = 3
# Where people bank, by bank code; codes missing from the directory are left out.
BANK_WEIGHTS = {"722": 45, "601": 30, "856": 8, "965": 6, "998": 6, "563": 5}


def past_disabilities(world: World) -> None:
    """Disabilities of adults established before the range (`pensions` pays their benefit)."""
    for person in world.people:
        if person.birth_date >= anniversary(world.start, -ADULTHOOD - 1):
            continue
        share = PAST_DISABILITY_BASE + PAST_DISABILITY_PER_YEAR * age_on(person, world.start)
        if world.rng.random() >= share:
            continue
        cause = world.rng.choices(PAST_CAUSES, PAST_CAUSE_WEIGHTS)[0]
        day = adult_from(person)
        if cause is not Cause.SINCE_CHILDHOOD:
            day = random_day(world.rng, day, world.start - timedelta(days=1))
        group = world.rng.choices(GROUPS, GROUP_WEIGHTS)[0]
        record = Disability(iin=person.iin, group=group, cause=cause, established_on=day)
        world.disabilities.append(record)
        person.disabled_on = day


def _pay(world: World, person: Draft, kind: PaymentKind, start: date) -> None:
    """An open-ended payment from a day, ended by death; none if it would start after."""
    if start > world.limit or (person.died_on is not None and start > person.died_on):
        return
    world.payments.append(Payment(iin=person.iin, kind=kind, start=start, end=person.died_on))


def pensions(world: World) -> None:
    """Pensions from retirement age; benefits for earlier disabilities and mothers of four."""
    for person in world.people:
        if person.disabled_on is not None:
            _pay(world, person, PaymentKind.STATE_SOCIAL_BENEFIT, person.disabled_on)
        retired = anniversary(person.birth_date, PENSION_AGE[person.sex])
        _pay(world, person, PaymentKind.BASIC_PENSION, retired)
        if world.rng.random() < AGE_PENSION_SHARE:
            _pay(world, person, PaymentKind.AGE_PENSION, retired)
        if person.sex == "F" and len(person.children) >= LARGE_FAMILY:
            fourth = sorted(world.people[c].birth_date for c in person.children)[LARGE_FAMILY - 1]
            _pay(world, person, PaymentKind.SPECIAL_STATE_BENEFIT, fourth)


def _study_start(world: World, person: Draft) -> date | None:
    """1 September of the year the person turns 18 (17 if that is still to come), or None."""
    year = person.birth_date.year + ADULTHOOD
    start = date(year, 9, 1) if date(year, 9, 1) <= world.limit else date(year - 1, 9, 1)
    last = world.limit if person.died_on is None else person.died_on
    return start if start <= last else None


def studies(world: World) -> None:
    """Full-time (and some part-time) students among the 18-23-year-olds."""
    institutions = name_book().institutions
    for person in world.people:
        if age_on(person, world.limit) not in STUDENT_AGES or world.rng.random() >= STUDENT_SHARE:
            continue
        start = _study_start(world, person)
        if start is None:
            continue
        world.studies.append(
            Study(
                iin=person.iin,
                institution=world.rng.choice(institutions),
                full_time=world.rng.random() >= PART_TIME_SHARE,
                start=start,
                end=person.died_on,
            )
        )


def _iban(world: World, banks: tuple[str, ...], weights: tuple[int, ...], used: set[str]) -> str:
    """A new, valid KZ IBAN at a directory bank (schwifty computes the check digits)."""
    while True:
        bank = world.rng.choices(banks, weights)[0]
        account = f"{world.rng.randrange(10**13):013d}"
        iban = schwifty.IBAN.generate("KZ", bank_code=bank, account_code=account).compact
        if iban not in used:
            used.add(iban)
            return iban


def _source(world: World, person: Draft) -> AccountSource:
    """Where the account came from: pensioners' mostly from earlier payments."""
    pensioner = age_on(person, world.limit) >= PENSION_AGE[person.sex]
    sources = (AccountSource.BANK, AccountSource.PAYMENT, AccountSource.CITIZEN)
    weights = (20, 70, 10) if pensioner else (55, 20, 25)
    return world.rng.choices(sources, weights)[0]


def accounts(world: World) -> None:
    """Accounts on file for about 85 % of adults, updated in the last three years."""
    banks = tuple(code for code in bank_directory() if code in BANK_WEIGHTS)
    weights = tuple(BANK_WEIGHTS[code] for code in banks)
    used: set[str] = set()
    for person in world.people:
        latest = world.limit if person.died_on is None else person.died_on
        if adult_from(person) > latest or world.rng.random() >= ACCOUNT_SHARE:
            continue
        iban = _iban(world, banks, weights, used)
        earliest = max(adult_from(person), anniversary(world.start, -ACCOUNT_HISTORY_YEARS))
        world.accounts.append(
            Account(
                iin=person.iin,
                iban=iban,
                bank_code=iban[4:7],
                source=_source(world, person),
                updated_on=random_day(world.rng, earliest, latest),
            )
        )
