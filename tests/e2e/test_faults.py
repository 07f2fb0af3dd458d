"""Faults everywhere at once: every case still ends, none is refused for a fault, nothing is
sent or paid twice, and the retries show to operators.

The demo's world (a generated population, simulated citizens, a reviewer) runs to the end
twice on the same seed: once clean, and once with every registry failing 30 % of its calls,
5 % of its calls spiking past the bot's registry timeout, and all of them down for four
simulated hours early in the run, while the SMS gateway fails 20 % of its submissions
temporarily. Both runs then tick on until no message is in flight.

The faults start after the first tick has opened every case and sent its offer: the
simulated citizens draw their behaviours in the order their phones first show up, so cases
opened at other steps would meet other citizens, and the two runs would no longer be
comparable case by case (intake under faults is the feed test's and the demo test's). And a
phone with two offers of which one is late answers the one it has without a code, is asked
which case it means, and the demo's citizens do not answer that question, so the late
offer expires: a fault on the first offers changes what the citizens do, not only when.

Then Telegram: citizens link their chats while the Bot API answers 429 to a share of
sendMessage calls, and one citizen blocks the bot (403) and goes on by SMS.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
from collections import Counter
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from bot.app import App
from bot.channels.sms_faults import GatewayFaults
from bot.channels.sms_gateway import SimulatedSmsGateway
from bot.channels.sms_gateway import path_in as gateway_path
from bot.cli.serve import run_until
from bot.composition import build_app
from bot.records import ConsentAct, OutboxMessage, OutboxStatus, Role
from bot.registries.retrying import RetryingClient
from bot.service.decide import final_states
from bot.service.dispatcher import MAX_ATTEMPTS
from bot.settings import Settings
from bot.simulation.demo import START, SimulatedHandsets, prepare, simulate
from bot.simulation.pages import simulation_pages
from bot.storage.verify import verify_file
from bot.web.accounts import add_operator
from bot.web.app import build_console
from domain.cases import CaseState
from fake_registries import clock as world_clock
from fake_registries import db as registries_db
from fake_registries import faults, service
from fake_registries.client import DirectClient
from fake_registries.faults import ERROR, OUTAGE, SPIKE, FaultRule, FaultSettings
from fake_registries.service import RegistryService
from tests.console.support import PASSWORD, browser
from tests.e2e.test_bot_cli import bot, ok
from tests.e2e.test_telegram_flow import eventually, has_buttons, press
from tests.e2e.world import World, open_world
from tests.fakes.bot_api import BotApiServer, FakeUser
from tests.soak import report, size

pytestmark = pytest.mark.sqlite_only  # reads the bot's SQLite file to check it

CITIZENS, SEED = size(1_500, 10_000), 1
TIMEOUT = 0.05  # the bot's registry timeout, seconds: a spike of SPIKE_MS passes it
SPIKE_MS = 80
WINDOW = (START + timedelta(hours=1), START + timedelta(hours=5))  # every registry down
SMS_FAULTS = GatewayFaults(temporary_rate=0.2, seed=7)
IN_FLIGHT = "SELECT id FROM outbox WHERE status IN ('queued', 'sent')"  # not final yet
DRAIN_STEP, DRAIN_STEPS = timedelta(hours=1), 48

Row = dict[str, Any]


def faulty(registry: str) -> FaultRule:
    """30 % errors, 5 % of calls spiking past the timeout, and the early outage."""
    return FaultRule(
        registry=registry,
        error_rate=0.3,
        spike_rate=0.05,
        spike_ms=SPIKE_MS,
        outage_from=WINDOW[0],
        outage_to=WINDOW[1],
    )


@dataclass
class Run:
    """What one run left, read from outside its process's objects, and what it met."""

    cases: dict[str, str]  # case id → final state
    payments: list[str]  # the case id of each payment order
    outbox: list[Row]
    submissions: list[Row]  # the gateway's: client_ref and outcome
    tasks: list[Row]  # open operator tasks
    ledger_problems: list[str]
    injected: Counter[str]  # the registries' faults, by kind
    retried: int  # registry calls the bot asked again
    seconds: float
    data_dir: Path
    logged: Counter[str]  # log records that say a registry did not answer, by logger


class Tally(logging.Handler):
    """Counts the log records that say a registry did not answer, by logger."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.seen: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        if "did not answer" in record.getMessage():
            self.seen[f"{record.name} {record.levelname}"] += 1


def rows(path: Path, query: str) -> list[Row]:
    with closing(sqlite3.connect(path)) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(query)]


async def drain(app: App, data_dir: Path) -> None:
    """Tick on, an hour at a time, until no message is in flight (a retry's backoff can
    outlast the demo's own end, which waits for the cases only)."""
    conn = registries_db.connect(registries_db.path_in(data_dir))
    try:
        for _ in range(DRAIN_STEPS):
            if not rows(data_dir / "bot.sqlite3", IN_FLIGHT):
                return
            world_clock.advance(conn, DRAIN_STEP)
            await app.tick()
    finally:
        conn.close()


async def run(data_dir: Path, *, faulty_world: bool) -> Run:
    """The world to its end, clean or faulty, and on until no message is in flight."""
    prepare(data_dir, CITIZENS, SEED)
    conn = registries_db.connect(registries_db.path_in(data_dir))
    registries = RegistryService(conn)
    # the bot's own client, only without the 50 ms wait before a third attempt (real time)
    client = RetryingClient(DirectClient(registries, timeout=TIMEOUT), backoff=(0.0,))
    settings = Settings(data_dir=data_dir, simulation=True, sms_rate=1_000_000.0)
    app = await build_app(settings, registries=client)
    started = time.perf_counter()
    tally, retrying = Tally(), logging.getLogger("bot.registries.retrying")
    logging.getLogger().addHandler(tally)
    level = retrying.level
    retrying.setLevel(logging.INFO)
    try:
        assert isinstance(app.sms, SimulatedSmsGateway)
        await app.tick()  # every case opened clean (the module's docstring says why)
        if faulty_world:
            faults.set_settings(conn, FaultSettings(seed=SEED))
            for registry in faults.REGISTRIES:
                faults.set_rule(conn, faulty(registry))
            await app.sms.set_faults(SMS_FAULTS)
        await simulate(app, SEED, SimulatedHandsets(app.sms))
        await drain(app, data_dir)
        problems = await verify_file(data_dir / "bot.sqlite3")
    finally:
        logging.getLogger().removeHandler(tally)
        retrying.setLevel(level)
        await app.close()
        conn.close()
    seconds = time.perf_counter() - started
    bot = data_dir / "bot.sqlite3"
    return Run(
        cases={r["id"]: r["state"] for r in rows(bot, "SELECT id, state FROM cases")},
        payments=sorted(r["case_id"] for r in rows(bot, "SELECT case_id FROM payments")),
        outbox=rows(bot, "SELECT * FROM outbox ORDER BY id"),
        submissions=rows(gateway_path(data_dir), "SELECT client_ref, outcome FROM submission"),
        tasks=rows(bot, "SELECT kind, note FROM operator_tasks WHERE done_at IS NULL"),
        ledger_problems=problems,
        injected=registries.injected,
        retried=client.retried,
        seconds=seconds,
        data_dir=data_dir,
        logged=tally.seen,
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """The clean run and the faulty one (once for the module, each in its own event loop)."""
    patch = pytest.MonkeyPatch()
    patch.setattr(service, "FAULTS_REFRESH_SECONDS", 0.0)  # the rules apply at once
    try:
        clean = asyncio.run(run(tmp_path_factory.mktemp("clean"), faulty_world=False))
        bad = asyncio.run(run(tmp_path_factory.mktemp("faulty"), faulty_world=True))
    finally:
        patch.undo()
    report(
        "faults",
        citizens=CITIZENS,
        cases=len(bad.cases),
        outcomes=dict(Counter(bad.cases.values())),
        clean_seconds=round(clean.seconds, 1),
        faulty_seconds=round(bad.seconds, 1),
        registry_faults=dict(bad.injected),
        registry_calls_retried=bad.retried,
        sms_submissions=len(bad.submissions),
        sms_temporary=sum(s["outcome"] == "temporary" for s in bad.submissions),
        messages_retried=sum(m["attempts"] > 0 for m in bad.outbox),
        most_attempts=max((m["attempts"] for m in bad.outbox), default=0),
        logged_registry_failures=dict(bad.logged),
    )
    return {"clean": clean, "faulty": bad}


def test_the_faults_were_injected(runs: dict[str, Run]) -> None:
    bad = runs["faulty"]
    assert bad.injected[ERROR] > 50 and bad.injected[SPIKE] > 5 and bad.injected[OUTAGE] > 10
    assert bad.retried > bad.injected[ERROR] / 2
    temporary = [s for s in bad.submissions if s["outcome"] == "temporary"]
    assert 0.12 <= len(temporary) / len(bad.submissions) <= 0.28
    assert runs["clean"].injected == Counter()
    assert {s["outcome"] for s in runs["clean"].submissions} == {"delivered"}


def test_every_case_ends_final_in_both_runs(runs: dict[str, Run]) -> None:
    final = {state.value for state in final_states()}
    for done in runs.values():
        assert done.cases, "the world gives cases"
        assert set(done.cases.values()) <= final


def test_the_faulty_run_opens_the_same_cases_and_ends_each_as_the_clean_one(
    runs: dict[str, Run],
) -> None:
    clean, bad = runs["clean"], runs["faulty"]
    assert bad.cases.keys() == clean.cases.keys()  # case ids are stable per event and person
    differ = {c: (s, bad.cases[c]) for c, s in clean.cases.items() if bad.cases[c] != s}
    assert differ == {}


def test_no_case_is_refused_for_a_fault(runs: dict[str, Run]) -> None:
    clean, bad = runs["clean"], runs["faulty"]
    assigned = {c for c, s in clean.cases.items() if s == "assigned"}
    assert assigned and {c for c, s in bad.cases.items() if s == "assigned"} >= assigned
    turned_down = {"refused", "not_accepted"}
    wrongful = {c for c, s in bad.cases.items() if s in turned_down} - {
        c for c, s in clean.cases.items() if s in turned_down
    }
    assert wrongful == set()


def test_nothing_is_paid_or_sent_twice_and_the_ledger_verifies(runs: dict[str, Run]) -> None:
    for done in runs.values():
        assert len(done.payments) == len(set(done.payments))
        refs = [s["client_ref"] for s in done.submissions]
        assert len(refs) == len(set(refs))
        landed = [s["client_ref"] for s in done.submissions if s["outcome"] == "delivered"]
        delivered = Counter(ref.rpartition("#")[0] for ref in landed)
        assert max(delivered.values()) == 1  # each message reached the phone once
        assert done.ledger_problems == []
    assert runs["faulty"].payments == runs["clean"].payments


def test_no_message_is_lost(runs: dict[str, Run]) -> None:
    for done in runs.values():
        states = Counter(m["status"] for m in done.outbox)
        assert set(states) == {"delivered"}, states
    clean, bad = (Counter(sent(m) for m in runs[name].outbox) for name in ("clean", "faulty"))
    assert bad == clean  # the same messages to every case (replies' references differ)


def sent(message: Row) -> tuple[str, str, str]:
    """What a message was, whatever its reference: its case, channel and template."""
    return message["case_id"], message["channel"], message["template_id"]


# ---------------------------------------------------------------- what operators see


def bot_cli(data_dir: Path, *args: str) -> str:
    """`python -m bot --data-dir D ARGS` as a fresh process; its output (exit code 0)."""
    return ok(bot(data_dir, *args))


def met_a_failure(outbox: list[Row]) -> list[Row]:
    """The outbox rows that met a failure on their way, newest first."""
    hit = [m for m in outbox if m["attempts"] > 0 or m["last_error"] is not None]
    return sorted(hit, key=lambda m: -int(m["id"]))


async def case_page(data_dir: Path, case_id: str) -> str:
    """The console's page of a case, as an operator signed in sees it."""
    app = await build_app(Settings(data_dir=data_dir, simulation=True))
    try:
        await add_operator(app.storage, "aigul", Role.OPERATOR, PASSWORD, datetime.now(UTC))
        server = TestServer(build_console(app, extra=simulation_pages(app)))
        await server.start_server()
        try:
            async with browser(server) as operator:
                assert (await operator.sign_in("aigul")).status == 303
                page = await operator.get(f"/cases/{case_id}")
                assert page.status == 200
                return await page.text()
        finally:
            await server.close()
    finally:
        await app.close()


def test_operators_see_every_message_that_met_a_failure_with_python_m_bot_retries(
    runs: dict[str, Run],
) -> None:
    bad = runs["faulty"]
    expected = met_a_failure(bad.outbox)
    assert expected and max(m["attempts"] for m in expected) >= 2
    shown = bot_cli(bad.data_dir, "retries", "--limit", "10000", "--json")
    listed = [json.loads(line) for line in shown.splitlines()]
    assert [(m["id"], m["attempts"], m["last_error"]) for m in listed] == [
        (m["id"], m["attempts"], m["last_error"]) for m in expected
    ]
    assert all("***" in m["address"] for m in listed)  # masked
    head = bot_cli(bad.data_dir, "retries").splitlines()[0]
    assert head.startswith(f"{len(expected)} messages met a failure on their way")
    now = f": {len(expected)} delivered, 0 sent, 0 waiting for another attempt, 0 given up"
    assert now in head
    clean = bot_cli(runs["clean"].data_dir, "retries")
    assert clean.startswith("0 messages met a failure on their way: 0 delivered")


def test_operators_see_a_retried_message_and_its_error_on_its_case_page(
    runs: dict[str, Run],
) -> None:
    bad = runs["faulty"]
    retried = next(m for m in met_a_failure(bad.outbox) if m["attempts"] > 0 and m["case_id"])
    page = asyncio.run(case_page(bad.data_dir, retried["case_id"]))
    assert "temporary delivery failure" in page and "delivered" in page


def test_registry_failures_are_in_the_operators_log(runs: dict[str, Run]) -> None:
    logged = runs["faulty"].logged
    assert logged["bot.registries.retrying INFO"] > 100  # each call asked again
    assert (
        logged["bot.service.decide WARNING"] > 0
    )  # a decision that waits a minute for a registry
    assert runs["clean"].logged == Counter()


# ---------------------------------------------------------------- how long SMS is retried

PHONE = "+77015550042"


async def offer_failing(world: World, failures: int) -> OutboxMessage:
    """One citizen's offer, every submission of it failing temporarily until it has failed
    `failures` times; the message then."""
    world.disability(world.person(phone=PHONE, language="kk"))
    await world.start()
    await world.gateway.set_faults(GatewayFaults(temporary_rate=1.0))
    await world.tick()  # the case is opened and its offer submitted
    for _ in range(4 * failures):
        (message,) = await world.outbox((await world.case_of(PHONE)).case.id)
        if message.status is OutboxStatus.FAILED:
            return message
        if message.status is OutboxStatus.QUEUED and message.attempts >= failures:
            return message
        world.advance(timedelta(minutes=30))
        await world.tick()
    raise AssertionError(f"the offer did not fail {failures} times")


async def test_a_message_failing_temporarily_for_hours_is_still_delivered(tmp_path: Path) -> None:
    world = open_world(tmp_path)
    try:
        failing = await offer_failing(world, MAX_ATTEMPTS - 1)
        assert (failing.status, failing.attempts) == (OutboxStatus.QUEUED, MAX_ATTEMPTS - 1)
        assert failing.next_attempt_at - failing.created_at > timedelta(hours=5)
        await world.gateway.set_faults(GatewayFaults())  # the phone is back
        world.advance_to(failing.next_attempt_at)
        await world.settle()
        (message,) = await world.outbox(failing.case_id or "")
        assert message.status is OutboxStatus.DELIVERED
        assert [m.text for m in await world.inbox(PHONE)] == [message.text]
        assert await world.tasks() == []
    finally:
        await world.close()


async def test_a_message_that_never_goes_through_goes_to_operators_after_its_last_attempt(
    tmp_path: Path,
) -> None:
    world = open_world(tmp_path)
    try:
        failed = await offer_failing(world, MAX_ATTEMPTS)
        assert failed.status is OutboxStatus.FAILED
        assert f"gave up after {MAX_ATTEMPTS} attempts" in (failed.last_error or "")
        assert [t.kind for t in await world.tasks()] == ["send_failed"]
    finally:
        await world.close()


# ---------------------------------------------------------------- Telegram: 429 and 403

TOKEN = "123456:TEST"
LINKED = size(6, 30)  # citizens who link their chats; the last one blocks the bot
ON_FILE = "KZ86125KZT5004100100"
FLOODS = (3, 2, 2)  # 429 answers to the next sendMessage calls, before each round of sends
RETRY_AFTER = 1  # seconds Telegram asks the bot to wait (real time: the sender pauses)


@dataclass
class ChatRun:
    """What the Telegram run left: cases, every outbox row, the Bot API calls, the chats."""

    states: dict[str, str]  # phone → its case's state
    outbox: list[Row]
    calls: int  # sendMessage calls the Bot API answered, 429 and 403 included
    received: dict[str, list[str]]  # chat id → the texts it received, in order
    blocked_chat: str
    blocked_phone: str
    acts: list[str]  # the blocked citizen's ledger acts, in order
    consent_channel: str
    data_dir: Path


async def chat_flow(data_dir: Path) -> ChatRun:
    """Citizens link Telegram and answer with buttons while a share of sends meets 429; the
    last one blocks the bot (its membership update lost: the next send meets 403) and
    answers by SMS; every case is decided and every message settles."""
    world = open_world(data_dir)
    phones = [f"+7701555{n:04d}" for n in range(10, 10 + LINKED)]
    for phone in phones:
        iin = world.person(phone=phone, language="kk")
        world.account(iin, ON_FILE)
        world.disability(iin)
    async with BotApiServer(TOKEN) as server:
        app = await world.start(
            token=TOKEN,
            telegram_api_base=server.base_url,
            tick_interval=0.1,
            telegram_chat_interval=0.0,
            console=False,
        )
        stop = asyncio.Event()
        serving = asyncio.create_task(run_until(app, stop))
        try:
            users = await link(world, server, phones)
            await answer(world, server, users, phones)
            await eventually(lambda: settled_messages(world), timeout=30)
        finally:
            stop.set()
            await asyncio.wait_for(serving, timeout=30)
        calls = sum(name.lower() == "sendmessage" for name, _ in server.requests)
    try:
        records = [await world.case_of(phone) for phone in phones]
        rows_of = rows(data_dir / "bot.sqlite3", "SELECT * FROM outbox ORDER BY id")
        ledger = await world.ledger(records[-1].addressee_iin)
    finally:
        await world.close()
    given = next(r.entry for r in ledger if r.entry.act is ConsentAct.GIVEN)
    return ChatRun(
        states={r.phone or "": r.case.state.value for r in records},
        outbox=rows_of,
        calls=calls,
        received={str(u.id): [m.get("text", "") for m in u.received] for u in users},
        blocked_chat=str(users[-1].id),
        blocked_phone=phones[-1],
        acts=[r.entry.act.value for r in ledger],
        consent_channel=given.channel,
        data_dir=data_dir,
    )


async def link(world: World, server: BotApiServer, phones: list[str]) -> list[FakeUser]:
    """Every citizen starts the bot and shares their contact (3 of those sends meet 429);
    each gets their offer asked again in the chat."""
    await eventually(lambda: _offered(world, phones), timeout=20)
    users = [server.user(700_300 + n, language_code="kk") for n in range(len(phones))]
    server.flood(FLOODS[0], RETRY_AFTER)
    for user, phone in zip(users, phones, strict=True):
        user.command("start")
        user.share_contact(phone)
    for user in users:
        await user.wait_for(has_buttons("yes", "no"), timeout=20)
    return users


async def answer(
    world: World, server: BotApiServer, users: list[FakeUser], phones: list[str]
) -> None:
    """Yes, then this account, by buttons; the last citizen blocks the bot first and says
    both by SMS."""
    *linked, blocked = users
    blocked.blocked = True  # Telegram answers 403 from now on
    offers = [next(m for m in u.received if has_buttons("yes", "no")(m)) for u in linked]
    server.flood(FLOODS[1], RETRY_AFTER)
    for user, offer in zip(linked, offers, strict=True):
        await press(user, offer, "yes")
    await world.gateway.send_from(phones[-1], "1")
    questions = [await u.wait_for(has_buttons("confirm", "another"), timeout=20) for u in linked]
    server.flood(FLOODS[2], RETRY_AFTER)
    for user, question in zip(linked, questions, strict=True):
        await press(user, question, "confirm")
    await eventually(lambda: _in_state(world, phones[-1], CaseState.AWAITING_ACCOUNT))
    await world.gateway.send_from(phones[-1], "1")
    await eventually(lambda: _all_assigned(world, phones), timeout=30)


async def _offered(world: World, phones: list[str]) -> bool:
    return all([await world.cases_of(phone) for phone in phones])


async def _in_state(world: World, phone: str, state: CaseState) -> bool:
    return (await world.case_of(phone)).case.state is state


async def _all_assigned(world: World, phones: list[str]) -> bool:
    return all([await _in_state(world, phone, CaseState.ASSIGNED) for phone in phones])


async def settled_messages(world: World) -> bool:
    """No message in flight; the world clock moves a minute so SMS receipts come in."""
    world.advance(timedelta(minutes=1))
    await asyncio.sleep(0.2)
    return not rows(world.data_dir / "bot.sqlite3", IN_FLIGHT)


@pytest.fixture(scope="module")
def chats(tmp_path_factory: pytest.TempPathFactory) -> ChatRun:
    """The Telegram run (once for the module, in an event loop of its own)."""
    done = asyncio.run(chat_flow(tmp_path_factory.mktemp("telegram")))
    telegram = [m for m in done.outbox if m["channel"] == "telegram"]
    report(
        "faults_telegram",
        linked=LINKED,
        send_message_calls=done.calls,
        answered_429=sum(FLOODS),
        share_429=round(sum(FLOODS) / done.calls, 3),
        postponed=sum("429" in (m["last_error"] or "") for m in telegram),
        answered_403=sum("403" in (m["last_error"] or "") for m in telegram),
        telegram_delivered=sum(m["status"] == "delivered" for m in telegram),
    )
    return done


def test_every_linked_citizens_case_is_assigned_the_blocked_ones_by_sms(chats: ChatRun) -> None:
    assert set(chats.states.values()) == {"assigned"}
    assert chats.acts.index("linked") < chats.acts.index("unlinked")
    assert chats.consent_channel == "sms"


def test_each_message_that_met_429_was_sent_once_later_without_counting_an_attempt(
    chats: ChatRun,
) -> None:
    telegram = [m for m in chats.outbox if m["channel"] == "telegram"]
    postponed = [m for m in telegram if (m["last_error"] or "").startswith("429")]
    assert postponed
    assert {(m["status"], m["attempts"]) for m in postponed} == {("delivered", 0)}
    refused = sum("403" in (m["last_error"] or "") for m in telegram)
    delivered = sum(m["status"] == "delivered" for m in telegram)
    assert chats.calls == delivered + refused + sum(FLOODS)  # every 429 answered was one call


def test_no_message_is_lost_or_sent_twice(chats: ChatRun) -> None:
    for message in chats.outbox:
        to_blocked = message["address"] == chats.blocked_chat
        assert message["status"] == "delivered" or to_blocked, message
    for chat, texts in chats.received.items():
        sent = [
            m["text"] for m in chats.outbox if m["address"] == chat and m["status"] == "delivered"
        ]
        assert texts == sent  # each message the chat shows, once, in the order sent


def test_the_blocked_chat_is_unlinked_at_the_403_and_its_case_goes_on_by_sms(
    chats: ChatRun,
) -> None:
    to_chat = [m for m in chats.outbox if m["address"] == chats.blocked_chat]
    refused = [m for m in to_chat if m["status"] == "failed"]
    assert refused and "403" in (refused[0]["last_error"] or "")
    assert all(m["status"] == "failed" for m in to_chat[to_chat.index(refused[0]) :])
    by_sms = [m["template_id"] for m in chats.outbox if m["address"] == chats.blocked_phone]
    assert by_sms[-1] == "assigned"


def test_operators_see_the_429s_and_the_403_with_python_m_bot_retries(chats: ChatRun) -> None:
    listed = [
        json.loads(line) for line in bot_cli(chats.data_dir, "retries", "--json").splitlines()
    ]
    assert [m["id"] for m in listed] == [m["id"] for m in met_a_failure(chats.outbox)]
    seen = {(m["status"], (m["last_error"] or "").split(":")[0]) for m in listed}
    assert ("delivered", "429") in seen  # postponed, then sent
    assert ("failed", "403") in seen  # the blocked chat: given up, the SMS carried the case
    failed = {why for status, why in seen if status == "failed"}
    assert failed <= {"403", "the citizen blocked the bot"}  # and what waited for that chat
    head = bot_cli(chats.data_dir, "retries").splitlines()[0]
    assert head.startswith(f"{len(listed)} messages met a failure on their way")
