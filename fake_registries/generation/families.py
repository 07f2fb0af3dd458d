"""Families: marriages between adults, then children linked to parents aged 18-45 at the birth."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from domain.dates import anniversary
from fake_registries.generation.names import Origin
from fake_registries.generation.world import (
    ADULTHOOD,
    Couple,
    Draft,
    World,
    adult_from,
    age_on,
    pick,
    random_day,
)

Bucket = dict[tuple[Origin, int], list[int]]

# Husband's age minus wife's, in years, and how often each gap occurs.
AGE_GAPS = (-1, 0, 1, 2, 3, 4, 5, 6)
AGE_GAP_WEIGHTS = (3, 8, 12, 14, 12, 9, 6, 4)
# Children a couple has: close to three on average, nearer four for wives born before 1970.
CHILDREN = (0, 1, 2, 3, 4, 5, 6)
CHILDREN_WEIGHTS = (5, 15, 30, 28, 13, 6, 3)
OLDER_CHILDREN_WEIGHTS = (3, 6, 14, 24, 22, 16, 15)
LARGER_FAMILIES_BEFORE = 1970
# Mother's age at a birth, 18 to 45.
MOTHER_AGES = tuple(range(ADULTHOOD, 46))
MOTHER_AGE_WEIGHTS = tuple(
    8 if a <= 30 else 5 if a <= 35 else 2 if a <= 40 else 1 for a in MOTHER_AGES
)
OLDEST_PARENT = 45
SIBLING_GAP_DAYS = 300  # or born the same day (twins)
PARENT_ATTEMPTS = 6


def _bucket(people: Iterable[Draft], key: Callable[[Draft], int]) -> Bucket:
    """Indices of people grouped by origin and a year, in list order."""
    groups: Bucket = {}
    for person in people:
        groups.setdefault((person.origin, key(person)), []).append(person.index)
    return groups


def _married_share(age: int) -> float:
    """How likely a woman of this age is to be married (widows not counted at 70 and over)."""
    if age < 20:
        return 0.0
    if age < 25:
        return 0.35
    if age < 30:
        return 0.65
    return 0.75 if age < 70 else 0.4


def _husband(world: World, men: Bucket, wife: Draft) -> Draft | None:
    """An unmarried man of her origin, usually a few years older, or None."""
    for _ in range(3):
        gap = world.rng.choices(AGE_GAPS, AGE_GAP_WEIGHTS)[0]
        bucket = men.get((wife.origin, wife.birth_date.year - gap))
        if bucket:
            return world.people[pick(world.rng, bucket)]
    return None


def _wedding(world: World, husband: Draft, wife: Draft) -> Couple:
    """The couple, married when she was 19-30 and both were adults, by the range's end."""
    earliest = max(adult_from(husband), adult_from(wife))
    young = anniversary(wife.birth_date, world.rng.randint(19, 29))
    married_on = max(random_day(world.rng, young, anniversary(young, 1)), earliest)
    if married_on > world.limit:
        married_on = random_day(world.rng, earliest, world.limit)
    older = wife.birth_date.year < LARGER_FAMILIES_BEFORE
    weights = OLDER_CHILDREN_WEIGHTS if older else CHILDREN_WEIGHTS
    capacity = world.rng.choices(CHILDREN, weights)[0]
    return Couple(husband=husband.index, wife=wife.index, married_on=married_on, capacity=capacity)


def marry(world: World) -> None:
    """Marry adult women to men of the same origin; both must be 18 on the wedding day."""
    adults = (p for p in world.people if p.sex == "M" and age_on(p, world.limit) >= ADULTHOOD)
    men = _bucket(adults, lambda p: p.birth_date.year)
    for wife in world.people:
        if wife.sex != "F" or world.rng.random() >= _married_share(age_on(wife, world.limit)):
            continue
        husband = _husband(world, men, wife)
        if husband is None:
            continue
        couple = _wedding(world, husband, wife)
        husband.couple = wife.couple = len(world.couples)
        world.couples.append(couple)


def _fits(world: World, child: Draft, parents: Iterable[Draft]) -> bool:
    """Parents aged 18-45 at the birth, and no sibling born within 300 days (twins aside)."""
    for parent in parents:
        if not ADULTHOOD <= age_on(parent, child.birth_date) <= OLDEST_PARENT:
            return False
        for sibling in parent.children:
            gap = abs((world.people[sibling].birth_date - child.birth_date).days)
            if 0 < gap < SIBLING_GAP_DAYS:
                return False
    return True


def _couple_for(world: World, couples: Bucket, child: Draft) -> Couple | None:
    """A married couple of the child's origin who could be its parents, or None."""
    for _ in range(PARENT_ATTEMPTS):
        mother_age = world.rng.choices(MOTHER_AGES, MOTHER_AGE_WEIGHTS)[0]
        bucket = couples.get((child.origin, child.birth_date.year - mother_age))
        if not bucket:
            continue
        couple = world.couples[bucket[world.rng.randrange(len(bucket))]]
        husband, wife = world.people[couple.husband], world.people[couple.wife]
        if (
            couple.capacity > len(wife.children)
            and couple.married_on <= child.birth_date
            and _fits(world, child, (husband, wife))
        ):
            return couple
    return None


def _single_mother(world: World, singles: Bucket, child: Draft) -> Draft | None:
    """An unmarried woman of the child's origin who could be its mother, or None."""
    for _ in range(PARENT_ATTEMPTS * 4):
        mother_age = world.rng.choices(MOTHER_AGES, MOTHER_AGE_WEIGHTS)[0]
        bucket = singles.get((child.origin, child.birth_date.year - mother_age))
        if bucket:
            mother = world.people[bucket[world.rng.randrange(len(bucket))]]
            if _fits(world, child, (mother,)):
                return mother
    return None


def _link(child: Draft, mother: Draft | None, father: Draft | None) -> None:
    """Record the child's parents on both sides."""
    child.birth_registered = True
    if mother is not None:
        child.mother = mother.index
        mother.children.append(child.index)
    if father is not None:
        child.father = father.index
        father.children.append(child.index)


def link_children(world: World) -> None:
    """Give children parents from the couples; a child born in the range always gets a record.

    A child born in the range with no fitting couple gets an unmarried mother, or, failing
    that, a birth record without parents.
    """
    couples: Bucket = {}
    for number, couple in enumerate(world.couples):
        wife = world.people[couple.wife]
        couples.setdefault((wife.origin, wife.birth_date.year), []).append(number)
    unmarried = (p for p in world.people if p.sex == "F" and p.couple is None)
    singles = _bucket(unmarried, lambda p: p.birth_date.year)
    for child in world.people:
        found = _couple_for(world, couples, child)
        if found is not None:
            _link(child, world.people[found.wife], world.people[found.husband])
        elif child.birth_date >= world.start:
            _link(child, _single_mother(world, singles, child), None)
