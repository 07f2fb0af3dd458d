"""Each registry call retried where it failed (`bot.registries.retrying.RetryingClient`), over
a real registries file with injected faults, in process and over HTTP.

Without it a read of a dozen records at 30 % errors a call almost never succeeded whole: the
fault test's survivor reviews stayed under review for the demo's fortnight.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path

import pytest

from bot.composition import build_app as build_bot
from bot.registries.errors import BadRequest, NotFound, RegistryUnavailable
from bot.registries.http import HttpClient
from bot.registries.port import RegistryClient
from bot.registries.retrying import ATTEMPTS, BACKOFF, RetryingClient
from bot.settings import Settings
from fake_registries import db, faults
from fake_registries.client import DirectClient
from fake_registries.faults import ERROR, FaultRule, FaultSettings
from fake_registries.http_server import build_app, running
from fake_registries.service import RegistryService
from tests.fakes.monotonic import FakeTime
from tests.integration.test_registry_contract import LOOPBACK, UNKNOWN_IIN, World, populate

SEED = 20260112


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    conn = db.connect(db.path_in(tmp_path))
    try:
        faults.set_settings(conn, FaultSettings(seed=SEED))
        yield populate(conn)
    finally:
        conn.close()


@pytest.fixture(params=["direct", "http"])
async def inner(request: pytest.FixtureRequest, world: World) -> AsyncIterator[RegistryClient]:
    """A transport over a new service of the world's file (faults set before apply)."""
    async with AsyncExitStack() as stack:
        registries = RegistryService(world.conn)
        client: RegistryClient = DirectClient(registries, timeout=0.1)
        if request.param == "http":
            url = await stack.enter_async_context(running(build_app(registries), LOOPBACK, 0))
            client = HttpClient(url, timeout=0.1)
        stack.push_async_callback(client.close)
        yield client


def fail(world: World, registry: str = "civil", **fields: float) -> None:
    faults.set_rule(world.conn, FaultRule.model_validate({"registry": registry, **fields}))


async def test_a_dozen_lookups_at_30_percent_errors_all_answer_when_each_is_retried(
    world: World, inner: RegistryClient
) -> None:
    fail(world, error_rate=0.3)
    time = FakeTime()
    client = RetryingClient(inner, sleep=time.sleep)
    for _ in range(12):
        assert await client.death(world.father.iin) == world.death
        assert await client.kin(world.son.iin)
    assert client.retried > 0
    assert len(time.sleeps) == client.retried


async def test_a_registry_that_keeps_failing_is_asked_three_times_then_its_error_raised(
    world: World, inner: RegistryClient
) -> None:
    fail(world, error_rate=1.0)
    time = FakeTime()
    client = RetryingClient(inner, sleep=time.sleep)
    with pytest.raises(RegistryUnavailable):
        await client.death(world.father.iin)
    assert client.retried == ATTEMPTS - 1
    assert time.sleeps == list(BACKOFF)


async def test_a_spike_past_the_timeout_is_asked_again(
    world: World, inner: RegistryClient
) -> None:
    fail(world, spike_rate=0.5, spike_ms=300)
    client = RetryingClient(inner, attempts=10, sleep=FakeTime().sleep)
    for _ in range(4):
        assert await client.death(world.father.iin) == world.death
    assert client.retried > 0  # RegistryTimeout is retriable: 0.5 of calls spike past 0.1 s


async def test_not_found_and_a_bad_request_are_answers_never_retried(
    world: World, inner: RegistryClient
) -> None:
    client = RetryingClient(inner, sleep=FakeTime().sleep)
    with pytest.raises(NotFound):
        await client.person(UNKNOWN_IIN)
    with pytest.raises(BadRequest):
        await client.events_after(0, 5_000)
    assert client.retried == 0


async def test_an_outage_fails_every_attempt_and_each_is_counted(world: World) -> None:
    registries = RegistryService(world.conn)
    now = await registries.now()
    window = FaultRule(
        registry="civil", outage_from=now - timedelta(hours=1), outage_to=now + timedelta(hours=1)
    )
    faults.set_rule(world.conn, window)
    client = RetryingClient(DirectClient(registries), sleep=FakeTime().sleep)
    with pytest.raises(RegistryUnavailable, match="outage"):
        await client.kin(world.son.iin)
    assert registries.injected["outage"] == ATTEMPTS
    assert registries.injected[ERROR] == 0


async def test_the_bot_reads_the_registries_through_a_retrying_client(tmp_path: Path) -> None:
    app = await build_bot(Settings(data_dir=tmp_path, simulation=True))
    try:
        assert isinstance(app.registries, RetryingClient)
    finally:
        await app.close()


async def test_each_call_is_counted_once_by_operation_and_an_answer_is_no_error(
    world: World, inner: RegistryClient
) -> None:
    client = RetryingClient(inner, sleep=FakeTime().sleep)
    assert await client.death(world.father.iin) == world.death
    with pytest.raises(NotFound):  # an answer: the registry holds none
        await client.death(UNKNOWN_IIN)
    stats = client.stats["death"]
    assert (stats.calls, stats.errors) == (2, 0)
    assert stats.buckets == sorted(stats.buckets)  # cumulative, as Prometheus reads them
    assert stats.buckets[-1] <= stats.calls and stats.seconds >= 0
    assert set(client.stats) == {"death"}


async def test_a_call_that_fails_all_its_attempts_is_one_call_and_one_error(
    world: World, inner: RegistryClient
) -> None:
    fail(world, error_rate=1.0)
    client = RetryingClient(inner, sleep=FakeTime().sleep)
    with pytest.raises(RegistryUnavailable):
        await client.death(world.father.iin)
    assert client.retried == ATTEMPTS - 1
    assert (client.stats["death"].calls, client.stats["death"].errors) == (1, 1)
