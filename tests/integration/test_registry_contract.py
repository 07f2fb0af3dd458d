"""The registry client contract: one suite, run in process and over HTTP.

Each test reads a real registries file, populated as testers populate it (`actions` and the
bulk modules), through `client`: a DirectClient over the service, or an HttpClient over the
real aiohttp app on 127.0.0.1. The tests at the end concern the HTTP transport alone.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, suppress
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal, Protocol

import aiohttp
import pytest
from aiohttp import web
from yarl import URL

from bot.registries.errors import (
    BadRequest,
    NotFound,
    RegistryTimeout,
    RegistryUnavailable,
    Retriable,
)
from bot.registries.facts import (
    Account,
    AccountSource,
    Birth,
    BurialFiling,
    BurialFilingKind,
    Death,
    Disability,
    Event,
    Kin,
    Marriage,
    Payment,
    Person,
    Study,
    StudyStatus,
)
from bot.registries.http import HttpClient
from bot.registries.port import DEFAULT_TIMEOUT, MAX_KEYS, RegistryClient
from domain.calendar import ALMATY
from domain.identity import make_iin
from domain.model import PaymentKind
from domain.services.disability import Cause
from fake_registries import (
    accounts,
    actions,
    clock,
    db,
    education,
    faults,
    payments,
    pensions,
    service,
)
from fake_registries.client import DirectClient
from fake_registries.faults import FaultRule, FaultSettings
from fake_registries.http_server import build_app, running, serve
from fake_registries.service import RegistryService

NOW = datetime(2026, 1, 12, 10, 0, tzinfo=ALMATY)
LOOPBACK = "127.0.0.1"
SEED = 20260112
CALLS = 200
SEXES: tuple[Literal["M", "F"], ...] = ("M", "F")


def new_iin(born: date, sex: Literal["M", "F"], serial: int) -> str:
    made = make_iin(born, sex, serial)
    assert made is not None
    return made.value


UNKNOWN_IIN = new_iin(date(1999, 1, 1), "M", 42)
UNKNOWN_PHONE = "+77019998877"


@dataclass(frozen=True)
class World:
    """A registries file with one family, a stranger, and what the registries hold on them."""

    conn: sqlite3.Connection
    mother: Person  # widow; phone, account, a past benefit and an age pension
    father: Person  # died on 10 Jan 2026, declared by the mother; burial filed
    son: Person  # two disabilities, the later one of group 2; four children; part-time study
    daughter: Person  # full-time student
    stranger: Person  # no relative, no record
    grandchildren: tuple[Person, ...]
    disability: Disability  # the son's latest
    death: Death
    account: Account
    payments: tuple[Payment, ...]
    filings: tuple[BurialFiling, ...]
    events: tuple[Event, ...]  # as recorded, in id order


def _person(
    surname: str,
    name: str,
    born: date,
    sex: Literal["M", "F"],
    serial: int,
    phone: str | None = None,
) -> Person:
    return Person(
        iin=new_iin(born, sex, serial),
        surname=surname,
        name=name,
        birth_date=born,
        sex=sex,
        region="Almaty",
        phone=phone,
        language="kk" if sex == "F" else "ru",
    )


def _family(conn: sqlite3.Connection) -> tuple[list[Person], list[Event]]:
    """The people, their births and marriage, and the events these recorded, in order."""
    people = [
        _person("Сейтқали", "Айгерім", date(1960, 3, 14), "F", 1, "+7 701 123 45 67"),
        _person("Сейтқалиев", "Бекзат", date(1958, 7, 1), "M", 2, "8 707 123 45 67"),
        _person("Сейтқалиев", "Ержан", date(1990, 5, 20), "M", 3),
        _person("Сейтқалиева", "Дана", date(2005, 9, 1), "F", 4),
        _person("Омарова", "Гүлнар", date(1985, 11, 11), "F", 5, "+77051112233"),
        *(
            _person("Сейтқалиев", f"Немере {n}", date(2015 + n, 2, 3), SEXES[n % 2], 6 + n)
            for n in range(4)
        ),
    ]
    people = [actions.add_person(conn, p) for p in people]
    mother, father, son, daughter = people[:4]
    marriage = Marriage(
        spouse_a_iin=mother.iin,
        spouse_b_iin=father.iin,
        married_on=date(1985, 6, 1),
        act_number="M-1985-0000001",
    )
    emitted = [actions.record_marriage(conn, marriage)]
    births: list[tuple[Person, str | None, str]] = [
        (child, mother.iin, father.iin) for child in (son, daughter)
    ]
    births += [(grandchild, None, son.iin) for grandchild in people[5:]]
    for n, (child, mother_iin, father_iin) in enumerate(births, start=1):
        birth = Birth(
            child_iin=child.iin,
            mother_iin=mother_iin,
            father_iin=father_iin,
            born_on=child.birth_date,
            act_number=f"B-{child.birth_date.year}-{n:07d}",
        )
        emitted.append(actions.record_birth(conn, birth))
    return people, [e.event for e in emitted]


def populate(conn: sqlite3.Connection) -> World:
    """Fill an empty registries file as a tester would, on 12 Jan 2026 in Almaty."""
    clock.set_to(conn, NOW)
    people, events = _family(conn)
    mother, father, son, daughter, stranger = people[:5]
    earlier = Disability(
        iin=son.iin,
        group=3,
        cause=Cause.GENERAL_ILLNESS,
        established_on=date(2024, 2, 1),
        valid_until=date(2025, 2, 1),
    )
    latest = earlier.model_copy(
        update={
            "group": 2,
            "established_on": date(2025, 12, 1),
            "valid_until": date(2026, 12, 1),
            "first_time": False,
        }
    )
    events += [actions.emit_disability(conn, d).event for d in (earlier, latest)]
    events.append(actions.emit_death(conn, father.iin, date(2026, 1, 10), mother.iin).event)
    death = Death(
        deceased_iin=father.iin,
        died_on=date(2026, 1, 10),
        registered_at=NOW,
        act_number="D-2026-0000001",
        declarant_iin=mother.iin,
    )
    paid = (
        Payment(
            iin=mother.iin,
            kind=PaymentKind.STATE_SOCIAL_BENEFIT,
            start=date(2015, 1, 1),
            end=date(2019, 12, 31),
        ),
        Payment(iin=mother.iin, kind=PaymentKind.AGE_PENSION, start=date(2021, 9, 14)),
        Payment(
            iin=father.iin,
            kind=PaymentKind.AGE_PENSION,
            start=date(2018, 7, 1),
            end=date(2026, 1, 31),
        ),
    )
    filings = tuple(
        BurialFiling(deceased_iin=father.iin, applicant_iin=mother.iin, kind=kind, on=on)
        for kind, on in (
            (BurialFilingKind.APPLICATION, date(2026, 1, 11)),
            (BurialFilingKind.ASSIGNMENT, date(2026, 1, 12)),
        )
    )
    account = Account(
        iin=mother.iin,
        iban="KZ86125KZT5004100100",
        bank_code="KCJBKZKX",
        source=AccountSource.BANK,
        updated_on=date(2025, 5, 5),
    )
    studies = [
        Study(
            iin=daughter.iin, institution="ҚазҰУ", start=date(2023, 9, 1), end=date(2027, 6, 30)
        ),
        Study(iin=son.iin, institution="Satbayev", full_time=False, start=date(2024, 9, 1)),
    ]
    with db.transaction(conn):
        pensions.add_many(conn, paid)
        payments.add_many(conn, filings)
        accounts.add_many(conn, [account])
        education.add_many(conn, studies)
    return World(
        conn=conn,
        mother=mother,
        father=father,
        son=son,
        daughter=daughter,
        stranger=stranger,
        grandchildren=tuple(people[5:]),
        disability=latest,
        death=death,
        account=account,
        payments=paid,
        filings=filings,
        events=tuple(events),
    )


class Connect(Protocol):
    """Opens a client over the test's transport, on a new service of the world's file."""

    async def __call__(self, timeout: float = DEFAULT_TIMEOUT) -> RegistryClient: ...


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    conn = db.connect(db.path_in(tmp_path))
    try:
        yield populate(conn)
    finally:
        conn.close()


@pytest.fixture(params=["direct", "http"])
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def connect(transport: str, world: World) -> AsyncIterator[Connect]:
    """A new service per client, so faults set before connecting apply from its first call."""
    async with AsyncExitStack() as stack:

        async def open_client(timeout: float = DEFAULT_TIMEOUT) -> RegistryClient:
            registries = RegistryService(world.conn)
            client: RegistryClient
            if transport == "direct":
                client = DirectClient(registries, timeout)
            else:
                app = build_app(registries)
                url = await stack.enter_async_context(running(app, LOOPBACK, 0))
                client = HttpClient(url, timeout)
            stack.push_async_callback(client.close)
            return client

        yield open_client


@pytest.fixture
async def client(connect: Connect) -> RegistryClient:
    return await connect()


@pytest.fixture
def rules_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each service reads the fault rules once: a run's draws then do not depend on timing."""
    monkeypatch.setattr(service, "FAULTS_REFRESH_SECONDS", 3600.0)


def free_port() -> int:
    """A loopback port nothing listens on (just released by the OS)."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def kin_of(*relatives: tuple[Literal["child", "spouse", "parent"], Person]) -> list[Kin]:
    """Kin as the civil registry lists them: by relation, then by IIN."""
    found = [Kin(relation=relation, person=person) for relation, person in relatives]
    return sorted(found, key=lambda k: (k.relation, k.person.iin))


# ------------------------------------------------------------------ happy paths


async def test_the_clock_reads_the_simulated_now_and_follows_it_when_moved(
    client: RegistryClient, world: World
) -> None:
    assert await client.now() == NOW
    clock.advance(world.conn, timedelta(days=1, minutes=5))
    assert await client.now() == NOW + timedelta(days=1, minutes=5)


async def test_a_person_is_found_by_iin(client: RegistryClient, world: World) -> None:
    assert await client.person(world.mother.iin) == world.mother
    assert await client.person(world.son.iin) == world.son


async def test_a_person_is_found_by_the_e164_phone_plus_and_all(
    client: RegistryClient, world: World
) -> None:
    assert world.father.phone == "+77071234567"  # recorded normalised from "8 707 ..."
    assert await client.person_by_phone("+77071234567") == world.father
    assert await client.person_by_phone("+77011234567") == world.mother


async def test_the_disability_found_is_the_latest_one_established(
    client: RegistryClient, world: World
) -> None:
    found = await client.disability(world.son.iin)
    assert found == world.disability
    assert (found.group, found.first_time) == (2, False)


async def test_a_registered_death_is_found_with_its_act_and_declarant(
    client: RegistryClient, world: World
) -> None:
    assert await client.death(world.father.iin) == world.death


async def test_kin_are_children_parents_and_spouses(client: RegistryClient, world: World) -> None:
    w = world
    assert await client.kin(w.mother.iin) == kin_of(
        ("child", w.son), ("child", w.daughter), ("spouse", w.father)
    )
    assert await client.kin(w.son.iin) == kin_of(
        ("parent", w.mother), ("parent", w.father), *(("child", g) for g in w.grandchildren)
    )
    assert await client.kin(w.grandchildren[0].iin) == kin_of(("parent", w.son))


@pytest.mark.parametrize(
    ("who", "day", "expected"),
    [
        ("mother", date(2014, 12, 31), []),
        ("mother", date(2015, 1, 1), [0]),  # the first day counts
        ("mother", date(2019, 12, 31), [0]),  # and so does the last
        ("mother", date(2020, 1, 1), []),
        ("mother", date(2021, 9, 14), [1]),
        ("mother", date(2030, 1, 1), [1]),  # no end: still paid
        ("father", date(2026, 1, 10), [2]),
        ("father", date(2026, 2, 1), []),
    ],
)
async def test_payments_on_a_date_respect_their_start_and_end(
    client: RegistryClient, world: World, who: str, day: date, expected: list[int]
) -> None:
    person: Person = getattr(world, who)
    assert await client.payments_on(person.iin, day) == [world.payments[i] for i in expected]


async def test_burial_filings_of_a_deceased_are_listed_oldest_first(
    client: RegistryClient, world: World
) -> None:
    assert await client.burial_filings(world.father.iin) == list(world.filings)


async def test_the_account_on_file_is_found(client: RegistryClient, world: World) -> None:
    assert await client.account(world.mother.iin) == world.account


@pytest.mark.parametrize(
    ("who", "day", "full_time"),
    [
        ("daughter", date(2023, 8, 31), False),
        ("daughter", date(2023, 9, 1), True),
        ("daughter", date(2027, 6, 30), True),
        ("daughter", date(2027, 7, 1), False),
        ("son", date(2025, 1, 1), False),  # part-time study is not full-time study
        ("stranger", date(2025, 1, 1), False),
    ],
)
async def test_education_tells_full_time_study_on_a_date(
    client: RegistryClient, world: World, who: str, day: date, full_time: bool
) -> None:
    iin = getattr(world, who).iin
    assert await client.education(iin, day) == StudyStatus(iin=iin, on=day, full_time=full_time)


# ------------------------------------------------------------------ absent records

Lookup = Callable[[RegistryClient, World], Awaitable[object]]
MISSING: dict[str, Lookup] = {
    "person": lambda c, w: c.person(UNKNOWN_IIN),
    "person_by_phone": lambda c, w: c.person_by_phone(UNKNOWN_PHONE),
    "disability": lambda c, w: c.disability(w.mother.iin),
    "death": lambda c, w: c.death(w.mother.iin),
    "account": lambda c, w: c.account(w.stranger.iin),
}
EMPTY: dict[str, Lookup] = {
    "kin": lambda c, w: c.kin(w.stranger.iin),
    "payments_on": lambda c, w: c.payments_on(w.stranger.iin, date(2025, 1, 1)),
    "burial_filings": lambda c, w: c.burial_filings(w.mother.iin),
    "events_after": lambda c, w: c.events_after(w.events[-1].id),
}


@pytest.mark.parametrize("lookup", MISSING.values(), ids=MISSING.keys())
async def test_a_record_the_registry_does_not_hold_raises_not_found(
    client: RegistryClient, world: World, lookup: Lookup
) -> None:
    with pytest.raises(NotFound):
        await lookup(client, world)


@pytest.mark.parametrize("lookup", EMPTY.values(), ids=EMPTY.keys())
async def test_a_list_with_nothing_in_it_is_empty_not_an_error(
    client: RegistryClient, world: World, lookup: Lookup
) -> None:
    assert await lookup(client, world) == []


@pytest.mark.parametrize("iin", ["", ".", "..", "a/b", "../events", "x?y#z", "%2F", " ", "ә"])
async def test_identifiers_with_url_special_characters_reach_the_registry_unchanged(
    client: RegistryClient, iin: str
) -> None:
    with pytest.raises(NotFound) as raised:
        await client.person(iin)
    assert str(raised.value) == f"no person with IIN {iin}"  # the registry saw this IIN
    assert await client.kin(iin) == []


# ------------------------------------------------------------------ the feed


async def test_the_feed_without_delivery_faults_is_every_event_in_strict_id_order(
    client: RegistryClient, world: World
) -> None:
    page = await client.events_after(0)
    assert page == list(world.events)
    assert [e.id for e in page] == sorted({e.id for e in page})


async def test_the_feed_pages_in_order_from_a_cursor_within_the_limit(
    client: RegistryClient, world: World
) -> None:
    cursor, pages = 0, []
    while page := await client.events_after(cursor, limit=3):
        assert len(page) <= 3
        pages.append(page)
        cursor = page[-1].id
    assert [len(p) for p in pages] == [3, 3, 3, 1]  # ten events
    assert [e for p in pages for e in p] == list(world.events)
    assert await client.events_after(world.events[4].id, limit=2) == list(world.events[5:7])


@pytest.mark.parametrize("limit", [0, -1, 1001])
async def test_a_page_limit_outside_1_to_1000_is_a_bad_request(
    client: RegistryClient, limit: int
) -> None:
    with pytest.raises(BadRequest):
        await client.events_after(0, limit)


async def test_bulk_lookups_answer_each_record_held_and_leave_out_the_others(
    client: RegistryClient, world: World
) -> None:
    asked = [world.mother.iin, world.son.iin, world.father.iin, UNKNOWN_IIN]
    assert await client.people(asked) == {
        p.iin: p for p in (world.mother, world.son, world.father)
    }
    assert await client.disabilities(asked) == {world.son.iin: world.disability}
    assert await client.deaths(asked) == {world.father.iin: world.death}
    assert await client.accounts(asked) == {world.mother.iin: world.account}
    assert await client.people([]) == {}


async def test_a_bulk_lookup_answers_as_the_single_lookups_do(
    client: RegistryClient, world: World
) -> None:
    everyone = [world.mother, world.father, world.son, world.daughter, world.stranger]
    iins = [p.iin for p in everyone]
    single: dict[str, object] = {}
    for iin in iins:
        with suppress(NotFound):
            single[iin] = await client.disability(iin)
    assert await client.disabilities(iins) == single


async def test_a_bulk_lookup_of_more_than_its_limit_is_a_bad_request(
    client: RegistryClient,
) -> None:
    too_many = [f"{n:012d}" for n in range(MAX_KEYS + 1)]
    with pytest.raises(BadRequest, match="at most"):
        await client.people(too_many)


async def test_a_bulk_lookup_is_one_call_of_its_operation_for_faults(
    connect: Connect, world: World
) -> None:
    faults.set_rule(world.conn, FaultRule(registry="population", operation="person", error_rate=1))
    client = await connect()
    with pytest.raises(Retriable):
        await client.people([world.mother.iin])
    assert await client.accounts([world.mother.iin]) == {world.mother.iin: world.account}


async def test_a_cursor_beyond_64_bits_is_a_bad_request(client: RegistryClient) -> None:
    assert await client.events_after(2**63 - 1) == []
    with pytest.raises(BadRequest):
        await client.events_after(2**63)


# ------------------------------------------------------------------ faults


@dataclass(frozen=True)
class Probe:
    """A call, and what the registry holds: the answer, or None when it holds nothing."""

    name: str
    call: Callable[[RegistryClient], Awaitable[object]]
    expected: object | None


def probes(w: World) -> list[Probe]:
    """Calls of every operation, for records that exist and records that do not."""
    phone = w.mother.phone
    assert phone is not None
    mother, son, father, day = w.mother.iin, w.son.iin, w.father.iin, NOW.date()
    fathers_kin = kin_of(("child", w.son), ("child", w.daughter), ("spouse", w.mother))
    part_time = StudyStatus(iin=son, on=day, full_time=False)
    return [
        Probe("person", lambda c: c.person(mother), w.mother),
        Probe("person_by_phone", lambda c: c.person_by_phone(UNKNOWN_PHONE), None),
        Probe("disability", lambda c: c.disability(son), w.disability),
        Probe("death", lambda c: c.death(father), w.death),
        Probe("account", lambda c: c.account(mother), w.account),
        Probe("person", lambda c: c.person(UNKNOWN_IIN), None),
        Probe("kin", lambda c: c.kin(father), fathers_kin),
        Probe("payments_on", lambda c: c.payments_on(father, date(2026, 1, 10)), [w.payments[2]]),
        Probe("burial_filings", lambda c: c.burial_filings(father), list(w.filings)),
        Probe("disability", lambda c: c.disability(mother), None),
        Probe("education", lambda c: c.education(son, day), part_time),
        Probe("events_after", lambda c: c.events_after(0, 5), list(w.events[:5])),
        Probe("death", lambda c: c.death(mother), None),
        Probe("person_by_phone", lambda c: c.person_by_phone(phone), w.mother),
        Probe("account", lambda c: c.account(w.stranger.iin), None),
    ]


async def outcome(client: RegistryClient, probe: Probe) -> str:
    """`ok`, `not_found`, the retriable error's name, or `wrong ...` (a wrong answer)."""
    try:
        answer = await probe.call(client)
    except Retriable as error:
        return type(error).__name__
    except NotFound:
        return "not_found"
    return "ok" if answer == probe.expected else f"wrong answer to {probe.name}: {answer!r}"


async def pattern(client: RegistryClient, world: World, calls: int = CALLS) -> list[str]:
    """The outcomes of `calls` calls, cycling through the probes."""
    mix = probes(world)
    return [await outcome(client, mix[n % len(mix)]) for n in range(calls)]


def fail_everywhere(conn: sqlite3.Connection, error_rate: float, seed: int) -> None:
    for registry in faults.REGISTRIES:
        faults.set_rule(conn, FaultRule(registry=registry, error_rate=error_rate))
    faults.set_settings(conn, FaultSettings(seed=seed))


@pytest.mark.usefixtures("rules_read_once")
async def test_injected_errors_are_retriable_and_never_turn_a_record_into_not_found(
    connect: Connect, world: World
) -> None:
    fail_everywhere(world.conn, 0.3, SEED)
    outcomes = await pattern(await connect(), world)
    mix = probes(world)
    for n, seen in enumerate(outcomes):
        held = mix[n % len(mix)].expected is not None
        assert seen in (
            {"ok", "RegistryUnavailable"} if held else {"not_found", "RegistryUnavailable"}
        )
    failed = outcomes.count("RegistryUnavailable") / len(outcomes)
    assert 0.2 <= failed <= 0.4, failed
    assert "ok" in outcomes
    assert "not_found" in outcomes


@pytest.mark.usefixtures("rules_read_once")
async def test_the_same_seed_gives_the_same_failure_pattern_on_every_run_and_transport(
    connect: Connect, world: World
) -> None:
    fail_everywhere(world.conn, 0.3, SEED)
    first = await pattern(await connect(), world)
    assert await pattern(await connect(), world) == first
    assert await pattern(DirectClient(RegistryService(world.conn)), world) == first
    fail_everywhere(world.conn, 0.3, SEED + 1)
    assert await pattern(await connect(), world) != first


async def test_the_error_rate_holds_for_calls_spaced_beyond_the_rules_refresh(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "FAULTS_REFRESH_SECONDS", 0.0)  # as if a second passed
    faults.set_rule(world.conn, FaultRule(registry="population", error_rate=0.3))
    client = DirectClient(RegistryService(world.conn))
    failed = 0
    for _ in range(50):
        try:
            await client.person(world.mother.iin)
        except RegistryUnavailable:
            failed += 1
    assert 5 <= failed <= 25


async def test_an_outage_fails_every_call_of_its_registry_while_others_answer(
    connect: Connect, world: World
) -> None:
    window = FaultRule(
        registry="disability",
        outage_from=NOW + timedelta(hours=1),
        outage_to=NOW + timedelta(hours=2),
    )
    faults.set_rule(world.conn, window)
    client = await connect()
    assert await client.disability(world.son.iin) == world.disability  # before the window
    clock.set_to(world.conn, NOW + timedelta(hours=1))
    for iin in (world.son.iin, world.mother.iin, UNKNOWN_IIN):
        for _ in range(5):
            with pytest.raises(RegistryUnavailable, match="outage"):
                await client.disability(iin)
    assert await client.person(world.son.iin) == world.son
    assert await client.death(world.father.iin) == world.death
    assert await client.events_after(0, 1) == [world.events[0]]
    clock.set_to(world.conn, NOW + timedelta(hours=2))  # the window ends, exclusive
    assert await client.disability(world.son.iin) == world.disability


async def test_latency_beyond_the_client_timeout_is_a_registry_timeout(
    connect: Connect, world: World
) -> None:
    faults.set_rule(world.conn, FaultRule(registry="population", latency_ms=300))
    client = await connect(timeout=0.1)
    with pytest.raises(RegistryTimeout):
        await client.person(world.mother.iin)
    with pytest.raises(RegistryTimeout):
        await client.person(UNKNOWN_IIN)  # never NotFound: the registry did not answer
    assert await client.death(world.father.iin) == world.death  # other registries answer


async def test_latency_within_the_client_timeout_only_slows_the_answer(
    connect: Connect, world: World
) -> None:
    faults.set_rule(world.conn, FaultRule(registry="population", latency_ms=20))
    client = await connect(timeout=1.0)
    assert await client.person(world.mother.iin) == world.mother


async def test_a_spike_beyond_the_client_timeout_is_a_registry_timeout_and_the_rest_answer(
    connect: Connect, world: World
) -> None:
    faults.set_settings(world.conn, FaultSettings(seed=SEED))
    faults.set_rule(world.conn, FaultRule(registry="population", spike_rate=0.5, spike_ms=300))
    client = await connect(timeout=0.1)
    outcomes = []
    for _ in range(12):
        try:
            outcomes.append(await client.person(world.mother.iin) == world.mother)
        except RegistryTimeout:
            outcomes.append(False)
    assert True in outcomes  # calls without a spike answer
    assert False in outcomes  # a spiked one does not within 0.1 s


def test_a_rule_with_spikes_is_kept_in_the_registries_file(world: World) -> None:
    rule = FaultRule(registry="civil", operation="death", spike_rate=0.05, spike_ms=4000)
    faults.set_rule(world.conn, rule)
    assert faults.rules(world.conn) == [rule]


async def test_duplicate_delivery_repeats_events_next_to_themselves_deterministically_by_seed(
    connect: Connect, world: World
) -> None:
    faults.set_settings(world.conn, FaultSettings(seed=SEED, duplicate_rate=0.5))
    page = await (await connect()).events_after(0)
    ids = [e.id for e in page]
    assert len(page) > len(world.events)
    assert list(dict.fromkeys(ids)) == [e.id for e in world.events]
    assert ids == sorted(ids)  # so each repeat comes right after its original
    assert await (await connect()).events_after(0) == page
    faults.set_settings(world.conn, FaultSettings(seed=SEED + 1, duplicate_rate=0.5))
    assert await (await connect()).events_after(0) != page


async def test_reordered_delivery_swaps_neighbours_deterministically_by_seed(
    connect: Connect, world: World
) -> None:
    faults.set_settings(world.conn, FaultSettings(seed=SEED, reorder_rate=0.5))
    page = await (await connect()).events_after(0)
    ids = [e.id for e in page]
    in_order = [e.id for e in world.events]
    assert sorted(ids) == in_order  # every event exactly once
    assert ids != in_order
    assert all(in_order.index(i) - place <= 1 for place, i in enumerate(ids))  # one place early
    assert await (await connect()).events_after(0) == page
    faults.set_settings(world.conn, FaultSettings(seed=SEED + 1, reorder_rate=0.5))
    assert await (await connect()).events_after(0) != page


# ------------------------------------------------------------------ HTTP transport only


@pytest.fixture
async def served(world: World) -> AsyncIterator[str]:
    """The base URL of the registries' HTTP app over the world's file."""
    async with running(build_app(RegistryService(world.conn)), LOOPBACK, 0) as url:
        yield url


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as opened:
        yield opened


@pytest.mark.parametrize(
    ("path", "status", "error"),
    [
        ("/persons/{unknown}", 404, "not_found"),
        ("/persons?phone=%2B77019998877", 404, "not_found"),
        ("/payments/{mother}?on=2024-13-01", 400, "bad_request"),
        ("/payments/{mother}?on=20240101", 400, "bad_request"),
        ("/payments/{mother}", 400, "bad_request"),
        ("/education/{mother}?on=yesterday", 400, "bad_request"),
        ("/events?after=x", 400, "bad_request"),
        ("/events?after=1_000", 400, "bad_request"),
        ("/events?after=0&limit=1001", 400, "bad_request"),
        ("/events", 400, "bad_request"),
        ("/nowhere", 404, "no_route"),
    ],
)
async def test_the_http_api_answers_errors_as_json_with_their_status(
    served: str, session: aiohttp.ClientSession, world: World, path: str, status: int, error: str
) -> None:
    url = served + path.format(unknown=UNKNOWN_IIN, mother=world.mother.iin)
    async with session.get(url) as response:
        assert response.status == status
        body = await response.json()
    assert body["error"] == error
    assert body["message"]


@pytest.mark.parametrize(
    "body",
    ["not json", '{"iins": "800202400456"}', '{"iins": [1, 2]}', "[]", '{"other": []}'],
)
async def test_a_bulk_lookup_whose_body_is_no_list_of_iins_is_a_bad_request(
    served: str, session: aiohttp.ClientSession, body: str
) -> None:
    async with session.post(f"{served}/batch/persons", data=body) as response:
        assert response.status == 400
        assert (await response.json())["error"] == "bad_request"


async def test_the_http_api_answers_records_as_pydantic_json(
    served: str, session: aiohttp.ClientSession, world: World
) -> None:
    async with session.get(f"{served}/health") as response:
        assert (response.status, await response.json()) == (200, {"status": "ok"})
    async with session.get(f"{served}/persons/{world.mother.iin}") as response:
        assert await response.json() == world.mother.model_dump(mode="json")
    async with session.get(f"{served}/burial-filings/{world.father.iin}") as response:
        assert await response.json() == [f.model_dump(mode="json") for f in world.filings]
    async with session.get(f"{served}/now") as response:
        assert await response.json() == {"now": "2026-01-12T10:00:00+05:00"}


async def test_an_injected_fault_answers_503_unavailable(
    world: World, session: aiohttp.ClientSession
) -> None:
    faults.set_rule(world.conn, FaultRule(registry="population", error_rate=1.0))
    async with (
        running(build_app(RegistryService(world.conn)), LOOPBACK, 0) as url,
        session.get(f"{url}/persons/{world.mother.iin}") as response,
    ):
        assert response.status == 503
        assert (await response.json())["error"] == "unavailable"


async def test_a_literal_plus_in_the_phone_query_is_a_plus_not_a_space(
    served: str, session: aiohttp.ClientSession, world: World
) -> None:
    raw = URL(f"{served}/persons?phone=+77011234567", encoded=True)
    async with session.get(raw) as response:
        assert await response.json() == world.mother.model_dump(mode="json")


async def test_a_registry_server_that_is_down_is_unavailable() -> None:
    async with HttpClient(f"http://{LOOPBACK}:{free_port()}") as client:
        with pytest.raises(RegistryUnavailable, match="unreachable"):
            await client.person(UNKNOWN_IIN)


async def test_a_connection_the_server_hangs_up_is_unavailable() -> None:
    async def hang_up(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(hang_up, LOOPBACK, 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with HttpClient(f"http://{LOOPBACK}:{port}") as client:
            with pytest.raises(RegistryUnavailable, match="unreachable"):
                await client.person(UNKNOWN_IIN)
    finally:
        server.close()
        await server.wait_closed()


async def test_a_registry_whose_database_fails_answers_500_which_reads_as_unavailable(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    conn = db.connect(db.path_in(tmp_path / "broken"))
    async with (
        running(build_app(RegistryService(conn)), LOOPBACK, 0) as url,
        HttpClient(url) as client,
    ):
        conn.close()
        with pytest.raises(RegistryUnavailable, match="500"):
            await client.person(UNKNOWN_IIN)
    assert "GET /persons/" in caplog.text


async def stub(body: str, status: int = 200) -> web.Application:
    """An app answering every GET with the same body: a server that is no registry."""

    async def answer(_: web.Request) -> web.Response:
        return web.Response(text=body, status=status, content_type="application/json")

    app = web.Application()
    app.router.add_get("/{tail:.*}", answer)
    return app


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ('{"surname": 1}', 200),  # no record
        ("<html>", 200),
        ("404: Not Found", 404),  # a proxy's or a wrong path's 404, not the registry's
        ('{"error": "no_route", "message": "GET /v0/persons"}', 404),
        ("Bad Gateway", 502),
        ("", 500),
        ("", 302),
    ],
)
async def test_an_answer_that_is_no_registry_answer_is_unavailable_never_not_found(
    body: str, status: int
) -> None:
    async with running(await stub(body, status), LOOPBACK, 0) as url, HttpClient(url) as client:
        with pytest.raises(RegistryUnavailable):
            await client.person(UNKNOWN_IIN)
        with pytest.raises(RegistryUnavailable):
            await client.kin(UNKNOWN_IIN)


async def test_a_base_url_with_a_wrong_path_is_unavailable_not_not_found(
    served: str, world: World
) -> None:
    async with HttpClient(f"{served}/v0") as client:
        with pytest.raises(RegistryUnavailable, match="404"):
            await client.person(world.mother.iin)


async def test_http_client_closes_only_the_session_it_opened(
    served: str, session: aiohttp.ClientSession
) -> None:
    borrowed = HttpClient(served, session=session)
    assert await borrowed.now() == NOW
    await borrowed.close()
    assert not session.closed
    async with HttpClient(served) as own:
        assert await own.now() == NOW
    with pytest.raises(RuntimeError, match="closed"):
        await own.now()


@pytest.mark.parametrize("base_url", ["localhost:8765", "ftp://127.0.0.1/", "/persons"])
def test_http_client_refuses_a_base_url_that_is_not_http(base_url: str) -> None:
    with pytest.raises(ValueError, match="base URL"):
        HttpClient(base_url)


async def test_serve_answers_from_the_registries_file_and_logs_its_url(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    conn = db.connect(db.path_in(tmp_path))
    clock.set_to(conn, NOW)
    conn.close()
    caplog.set_level(logging.INFO, logger="fake_registries.http_server")
    port = free_port()
    server = asyncio.create_task(serve(tmp_path, LOOPBACK, port))
    try:
        async with HttpClient(f"http://{LOOPBACK}:{port}") as client:
            for _ in range(200):
                with suppress(RegistryUnavailable):
                    assert await client.now() == NOW
                    break
                await asyncio.sleep(0.01)
            else:
                pytest.fail("serve() did not answer within 2 s")
    finally:
        server.cancel()
        with suppress(asyncio.CancelledError):
            await server
    assert f"listening on http://{LOOPBACK}:{port}" in caplog.text
