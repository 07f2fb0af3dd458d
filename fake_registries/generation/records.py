"""Civil records of the population: births and marriages; those dated in the range are events."""

from __future__ import annotations

from bot.registries.facts import Birth, EventKind, Marriage
from fake_registries.generation.world import World, queue_event, recorded_at

BIRTH_REGISTRATION_DAYS = 7  # a birth is registered within a week


def births(world: World) -> None:
    """Birth records with the parents, numbered in birth order."""
    registered = [p for p in world.people if p.birth_registered]
    for number, child in enumerate(registered, start=1):  # people are in birth order already
        birth = Birth(
            child_iin=child.iin,
            mother_iin=None if child.mother is None else world.people[child.mother].iin,
            father_iin=None if child.father is None else world.people[child.father].iin,
            born_on=child.birth_date,
            act_number=f"B-{child.birth_date.year}-{number:07d}",
        )
        world.births.append(birth)
        if birth.born_on >= world.start:
            moment = recorded_at(world, birth.born_on, BIRTH_REGISTRATION_DAYS)
            source = f"birth:{child.iin}"
            queue_event(world, EventKind.BIRTH_REGISTERED, birth.born_on, birth, source, moment)


def marriages(world: World) -> None:
    """Marriage records (husband as spouse a), numbered in wedding order."""
    couples = sorted(world.couples, key=lambda c: (c.married_on, c.husband))
    for number, couple in enumerate(couples, start=1):
        marriage = Marriage(
            spouse_a_iin=world.people[couple.husband].iin,
            spouse_b_iin=world.people[couple.wife].iin,
            married_on=couple.married_on,
            act_number=f"M-{couple.married_on.year}-{number:07d}",
        )
        world.marriages.append(marriage)
        if marriage.married_on >= world.start:
            day, source = marriage.married_on, f"marriage:{marriage.act_number}"
            moment = recorded_at(world, day)
            queue_event(world, EventKind.MARRIAGE_REGISTERED, day, marriage, source, moment)
