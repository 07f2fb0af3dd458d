"""Who the people are: age, sex, origin and language; then their IINs and e-government phones."""

from __future__ import annotations

from datetime import date, timedelta

from domain.identity import make_iin
from fake_registries.generation.names import Origin, Sex
from fake_registries.generation.world import Draft, Language, World

MAX_AGE = 95
_DAYS_PER_YEAR = 365.2425
# Age pyramid in five-year bands (first age, last age, share in %), rounded from the Bureau of
# National Statistics' 2024 population by age: a young population, few people past 80.
AGE_BANDS: tuple[tuple[int, int, float], ...] = (
    (0, 4, 9.5),
    (5, 9, 10.0),
    (10, 14, 8.8),
    (15, 19, 7.3),
    (20, 24, 6.3),
    (25, 29, 6.6),
    (30, 34, 8.0),
    (35, 39, 7.9),
    (40, 44, 7.0),
    (45, 49, 6.0),
    (50, 54, 5.6),
    (55, 59, 5.3),
    (60, 64, 4.8),
    (65, 69, 3.8),
    (70, 74, 2.4),
    (75, 79, 1.2),
    (80, 84, 0.8),
    (85, 89, 0.4),
    (90, MAX_AGE, 0.15),
)
# Naming traditions (share in %) and each one's preferred language (kk, ru, unknown), chosen so
# the whole population prefers kk about 60 %, ru about 30 %, and 10 % are unknown.
ORIGINS: tuple[Origin, ...] = ("kazakh", "russian", "korean")
ORIGIN_WEIGHTS = (70, 27, 3)
LANGUAGES: tuple[Language, ...] = ("kk", "ru", None)
LANGUAGE_WEIGHTS: dict[Origin, tuple[float, ...]] = {
    "kazakh": (85.7, 4.3, 10),
    "russian": (0, 90, 10),
    "korean": (0, 90, 10),
}
NO_PHONE_SHARE = 0.08
# Mobile codes of the KZ operators (Kcell/activ, Beeline, Tele2/Altel), weighted by market share.
PHONE_PREFIXES: tuple[str, ...] = (
    *("700", "701", "702", "705", "706", "707", "708"),
    *("747", "771", "775", "776", "777", "778"),
)
PHONE_WEIGHTS = (5, 14, 8, 10, 2, 12, 4, 8, 4, 5, 4, 14, 6)
RESERVED_ENDINGS = ("0001", "0002")  # test numbers whose SMS delivery always fails
SERIAL_LAST = 9999


def _birth_date(world: World, age: int) -> date:
    """A birth date giving `age` full years on the last day of the range."""
    days = int((age + world.rng.random() * 0.99) * _DAYS_PER_YEAR)
    return world.limit - timedelta(days=days)


def _draft(world: World, band: tuple[int, int, float]) -> Draft:
    """One person of an age band, with sex, origin and language drawn."""
    rng = world.rng
    born = _birth_date(world, rng.randint(band[0], band[1]))
    sex: Sex = "M" if rng.random() < 0.5 else "F"
    origin = rng.choices(ORIGINS, ORIGIN_WEIGHTS)[0]
    language = rng.choices(LANGUAGES, LANGUAGE_WEIGHTS[origin])[0]
    return Draft(index=0, birth_date=born, sex=sex, origin=origin, language=language)


def sample_people(world: World, size: int) -> None:
    """Draw `size` people and number them oldest first (parents before their children)."""
    bands = world.rng.choices(AGE_BANDS, [band[2] for band in AGE_BANDS], k=size)
    people = [_draft(world, band) for band in bands]
    people.sort(key=lambda p: p.birth_date)  # stable: ties keep the order they were drawn in
    for index, person in enumerate(people):
        person.index = index
    world.people = people


def assign_iins(world: World) -> None:
    """Give everyone a valid, unique IIN for their birth date and sex."""
    used: set[str] = set()
    next_serial: dict[tuple[date, Sex], int] = {}
    for person in world.people:
        key = (person.birth_date, person.sex)
        serial = next_serial.get(key, world.rng.randrange(SERIAL_LAST // 2))
        while True:
            iin = make_iin(person.birth_date, person.sex, serial)
            serial = (serial + 1) % (SERIAL_LAST + 1)
            if iin is not None and iin.value not in used:
                break
        used.add(iin.value)
        person.iin = iin.value
        next_serial[key] = serial


def _phone_number(world: World) -> str:
    """A random mobile number on a real operator code, in E.164."""
    prefix = world.rng.choices(PHONE_PREFIXES, PHONE_WEIGHTS)[0]
    return f"+7{prefix}{world.rng.randrange(10_000_000):07d}"


def assign_phones(world: World) -> None:
    """Give about 92 % of people a unique phone; none ends in a reserved test number."""
    used: set[str] = set()
    for person in world.people:
        if world.rng.random() < NO_PHONE_SHARE:
            continue
        phone = _phone_number(world)
        while phone in used or phone.endswith(RESERVED_ENDINGS):
            phone = _phone_number(world)
        used.add(phone)
        person.phone = phone
