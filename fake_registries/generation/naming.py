"""Names and regions: given names by tradition, surnames and patronymics from the father."""

from __future__ import annotations

from fake_registries.generation.names import (
    NameBook,
    kazakh_patronymic,
    name_book,
    russian_patronymic,
    surname_for,
)
from fake_registries.generation.world import ADULTHOOD, Couple, Draft, World, age_on

# Kazakh surnames formed from the father's name (Серікұлы / Серікқызы) instead of a family
# surname (Ахметов / Ахметова): rare among people born before 1995, more common since.
ULY_SHARE_ROOT = 0.15
ULY_SHARE_BEFORE_1995 = 0.02
ULY_SHARE_SINCE_1995 = 0.12
RUSSIAN_FORM_SHARE = 0.25  # Kazakh patronymics written Ерланович rather than Ерланұлы
STAYS_WITH_PARENTS = 0.75  # adults still registered in a parent's region
TAKES_HUSBANDS_NAME = {"kazakh": 0.6, "russian": 0.85, "korean": 0.85}


def _uly_style(world: World, person: Draft, father: Draft | None) -> bool:
    """Whether a Kazakh's surname is formed from the father's given name."""
    if father is not None and not father.family:
        return True  # a father named Серікұлы passes the form on, from his own name
    if father is None:
        share = ULY_SHARE_ROOT
    elif person.birth_date.year >= 1995:
        share = ULY_SHARE_SINCE_1995
    else:
        share = ULY_SHARE_BEFORE_1995
    return world.rng.random() < share


def _family(world: World, book: NameBook, person: Draft, parent: Draft | None) -> str:
    """The family surname (masculine form) a person inherits, or a new one for a root person."""
    if parent is not None and parent.family:
        return parent.family
    return world.rng.choice(book.surnames(person.origin))


def _kazakh_names(world: World, person: Draft, father: Draft | None, mother: Draft | None) -> None:
    """Surname and patronymic of a Kazakh: Ерланұлы, or Ахметов with Ерланұлы / Ерланович."""
    book = name_book()
    father_name = father.name if father else world.rng.choice(book.given("kazakh", "M"))
    if _uly_style(world, person, father):
        person.surname = kazakh_patronymic(father_name, person.sex)
        return
    person.family = _family(world, book, person, father or mother)
    person.surname = surname_for(person.family, person.sex)
    russian_form = person.language == "ru" or world.rng.random() < RUSSIAN_FORM_SHARE
    form = russian_patronymic if russian_form else kazakh_patronymic
    person.patronymic = form(father_name, person.sex)


def _russian_names(
    world: World, person: Draft, father: Draft | None, mother: Draft | None
) -> None:
    """Surname and patronymic of a Russian or Korean: Иванова Сергеевна, Ким Олегович."""
    book = name_book()
    father_name = father.name if father else world.rng.choice(book.given(person.origin, "M"))
    person.family = _family(world, book, person, father or mother)
    person.surname = surname_for(person.family, person.sex)
    person.patronymic = russian_patronymic(father_name, person.sex)


def _region(world: World, person: Draft, parent: Draft | None) -> str:
    """A child's parents' region; adults mostly stay there too; others by population."""
    stays = age_on(person, world.limit) < ADULTHOOD or world.rng.random() < STAYS_WITH_PARENTS
    if parent is not None and stays:
        return parent.region
    regions = name_book().region
    return world.rng.choices(regions, [r.weight for r in regions])[0].name


def _take_husbands_name(world: World, couple: Couple) -> None:
    """A wife moves to her husband's region and often takes his family surname.

    A Серікқызы taking the name Ахметова keeps Серікқызы, as her patronymic.
    """
    husband, wife = world.people[couple.husband], world.people[couple.wife]
    wife.region = husband.region
    if husband.family and world.rng.random() < TAKES_HUSBANDS_NAME[wife.origin]:
        if not wife.family:
            wife.patronymic = wife.surname
        wife.surname = surname_for(husband.family, "F")


def name_everyone(world: World) -> None:
    """Name people oldest first, so a father is named before his children; then the wives."""
    book = name_book()
    for person in world.people:
        father = None if person.father is None else world.people[person.father]
        mother = None if person.mother is None else world.people[person.mother]
        person.name = world.rng.choice(book.given(person.origin, person.sex))
        names = _kazakh_names if person.origin == "kazakh" else _russian_names
        names(world, person, father, mother)
        person.region = _region(world, person, father or mother)
    for couple in world.couples:
        _take_husbands_name(world, couple)
