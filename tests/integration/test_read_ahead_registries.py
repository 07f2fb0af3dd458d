"""Registry lookups read ahead for a page of events: the same answers as asking one by one,
NotFound where the registry holds nothing, and four bulk calls whatever the page's size."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.registries.errors import NotFound
from bot.registries.facts import Event
from bot.registries.port import RegistryClient
from bot.registries.read_ahead import ReadAhead
from fake_registries import actions
from fake_registries import clock as world_clock
from fake_registries import db as registries_db
from fake_registries.client import DirectClient
from fake_registries.service import RegistryService
from tests.e2e.world import START, World

IBAN = "KZ297220000000012345"


class Counting(DirectClient):
    """The in-process client, counting the calls of each lookup."""

    def __init__(self, service: RegistryService) -> None:
        super().__init__(service)
        self.calls: Counter[str] = Counter()

    def __getattribute__(self, name: str) -> Any:
        found = super().__getattribute__(name)
        if not callable(found) or name.startswith("_"):
            return found
        calls = super().__getattribute__("calls")

        async def counted(*args: Any) -> Any:
            calls[name] += 1
            return await found(*args)

        return counted


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    conn = registries_db.connect(registries_db.path_in(tmp_path))
    world_clock.set_to(conn, START)
    made = World(tmp_path, conn)
    yield made
    conn.close()


def page(world: World) -> tuple[list[Event], dict[str, str]]:
    """A disabled adult with an account, a child with a representative, a death declared by
    a relative; the IINs by role."""
    adult = world.person(phone="+77011234567")
    world.account(adult, IBAN)
    parent = world.person(born=date(1980, 1, 1), sex="F", phone="+77017654321")
    child = world.person(born=date(2019, 5, 5), phone=None)
    deceased = world.person(born=date(1950, 2, 2))
    declarant = world.person(born=date(1975, 3, 3), phone="+77051112233")
    world.disability(adult)
    world.disability(child, representative=parent)
    actions.emit_death(world.conn, deceased, date(2026, 1, 8), declarant)
    roles = {
        "adult": adult,
        "parent": parent,
        "child": child,
        "deceased": deceased,
        "declarant": declarant,
    }
    return world.events(), roles


async def single_answers(client: RegistryClient, iins: Sequence[str]) -> list[object]:
    found: list[object] = []
    for iin in iins:
        for lookup in (client.person, client.disability, client.death, client.account):
            try:
                found.append(await lookup(iin))
            except NotFound:
                found.append("not found")
    return found


async def test_lookups_read_ahead_answer_as_the_registries_do(world: World) -> None:
    events, roles = page(world)
    client = DirectClient(RegistryService(world.conn))
    ahead = ReadAhead(client)
    await ahead.read(events)
    iins = list(roles.values())
    assert await single_answers(ahead, iins) == await single_answers(client, iins)


async def test_a_page_is_read_ahead_in_four_bulk_calls_and_then_asks_nothing(
    world: World,
) -> None:
    events, roles = page(world)
    client = Counting(RegistryService(world.conn))
    ahead = ReadAhead(client)
    await ahead.read(events)
    assert client.calls == Counter(people=1, disabilities=1, deaths=1, accounts=1)
    await ahead.person(roles["parent"])  # the representative
    await ahead.person(roles["declarant"])
    await ahead.disability(roles["child"])
    await ahead.account(roles["adult"])
    with pytest.raises(NotFound):
        await ahead.account(roles["parent"])  # read ahead: none on file
    assert client.calls == Counter(people=1, disabilities=1, deaths=1, accounts=1)


async def test_a_lookup_not_read_ahead_goes_to_the_registries(world: World) -> None:
    events, roles = page(world)
    stranger = world.person(born=date(1990, 9, 9))
    client = Counting(RegistryService(world.conn))
    ahead = ReadAhead(client)
    await ahead.read(events)
    assert (await ahead.person(stranger)).iin == stranger
    assert client.calls["person"] == 1
