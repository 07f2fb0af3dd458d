"""The end-to-end demo: a generated population, simulated citizens and a reviewer around the bot.

`prepare` fills a fresh data directory (the world clock on a working Monday morning, a seeded
population whose deaths and disabilities of the last 30 days give cases, no faults);
`simulate` moves the clock (1 h steps, 30 min while messages are in flight), ticks the bot,
lets the SMS network settle, lets every phone read its new SMS and answer by its behaviour, and
lets the reviewer decide, until every case is final (one without a phone stays with operators as
`no_contact`) or CAP.

Handsets: the phones' side of the SMS network, all the citizens see of it: the whole texts each
phone received, oldest first, and its mobile-originated replies; nothing of the bot's references
or the provider's ids. `SimulatedHandsets` plays them on the simulated gateway (whose messages
land by the clock alone, so settling is a no-op); an SMSC simulator can play them over SMPP.

Resuming: on the simulated gateway the citizens' memory (each phone's behaviour, what it read,
what it still will answer, what it sent; the random state that gives new phones theirs) is kept
in the gateway's file with the replies of each step, in one transaction, and `prepare` records
the world's size and seed in `demo.json`. A demo whose process died (`demo --resume`) goes on
from the world's clock, the bot's store and that memory: no phone forgets a text or answers one
twice.

Citizens: a behaviour per phone drawn from MIX by random.Random(seed); a phone reads the texts
it received since it last looked; what a text asks is the template of the outbox message of the
phone's cases with that very text; the code parsed from the text ("Код 417") is quoted once the
phone has had several offers; words in the case's language (иә/жоқ, да/нет, else 1/2).
Reviewer policy: on a working day after the registration day, 09:00-18:00 Almaty, each case
under review is assigned; if the bot refuses that because the case file supports none (e.g. no
eligible dependents), the reviewer refuses it for the reason the bot named.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from schwifty import IBAN

from bot.app import App
from bot.channels.sms_gateway import SimulatedSmsGateway
from bot.ports import Conflict
from bot.records import CaseRecord, Channel, SystemCounts
from bot.registries.errors import Retriable
from bot.service.decide import final_states
from bot.service.decide import review as decide_under_review
from domain.calendar import ALMATY, is_working_day, local_date
from domain.cases import CaseState
from domain.model import Language, ReasonCode
from fake_registries import clock as world_clock
from fake_registries import db as registries_db
from fake_registries import faults, feed
from fake_registries.generator import GenerationReport, generate

START = datetime(2026, 1, 12, 9, 0, tzinfo=ALMATY)  # a working Monday morning in Almaty
HISTORY = timedelta(days=30)  # events of the last 30 days give cases
EVENT_SHARE = 0.13  # about 14 % of the people give a case (deaths: burial and survivor)
CAP = timedelta(days=14)  # safety cap of simulated time
STEP, BUSY_STEP = timedelta(hours=1), timedelta(minutes=30)
MAX_LATENCY_MS = 60_000  # a registry call's added latency, as the fault rules allow
DRAIN = timedelta(minutes=1)  # past the gateway's receipt delay: the last SMS land
# With instances beside the demo's: a look for work they still hold every QUIET_PAUSE s; a
# step is left once nothing is due, or nothing due changed for QUIET_STALL looks
QUIET_PAUSE, QUIET_STALL = 0.02, 100
REVIEWER = "demo-reviewer"
REVIEWERS = 8  # operators deciding cases at once
REVIEW_HOURS = (time(9), time(18))
CODE = re.compile(r"(?:код[а-яё]*|code)\s+(\d{3})", re.IGNORECASE)
RECORD_FILE = "demo.json"  # the prepared world's size and seed, for `demo --resume`
RANDOM_KEY = "~random"  # the citizens' random state in the handsets' memory (phones: "+7…")


class Behaviour(StrEnum):
    """How a simulated citizen answers the bot."""

    CONSENT = "consent"  # 1, then 1 to the account on file (or an IBAN when asked)
    AFTER_REMINDER = "after_reminder"  # silent until the reminder, then as CONSENT
    DECLINE = "decline"  # 2
    WRONG_IBAN = "wrong_iban"  # 1, 2 (another account), an invalid IBAN, a valid one
    SILENT = "silent"  # never answers: the offer expires
    STOP = "stop"  # STOP to the offer: declined
    WITHDRAW = "withdraw"  # 1, then STOP to the account question: consent withdrawn
    HELP = "help"  # ?, then consent
    HOME_VISIT = "home_visit"  # ҮЙ / на дому, then consent


MIX: dict[Behaviour, int] = {  # weights, per cent of phones
    Behaviour.CONSENT: 40,
    Behaviour.AFTER_REMINDER: 12,
    Behaviour.DECLINE: 8,
    Behaviour.WRONG_IBAN: 8,
    Behaviour.SILENT: 10,
    Behaviour.STOP: 5,
    Behaviour.WITHDRAW: 4,
    Behaviour.HELP: 7,
    Behaviour.HOME_VISIT: 6,
}
_ACCOUNT: dict[str, tuple[str, ...]] = {"ask_account_confirm": ("yes",), "ask_iban": ("iban",)}
_WITHDRAW: dict[str, tuple[str, ...]] = {
    "offer": ("yes",),
    "ask_account_confirm": ("stop",),
    "ask_iban": ("stop",),
}
# What each behaviour answers to each kind of message, in turn (template ids, as the outbox).
SCRIPTS: dict[Behaviour, dict[str, tuple[str, ...]]] = {
    Behaviour.CONSENT: {"offer": ("yes",), **_ACCOUNT},
    Behaviour.AFTER_REMINDER: {"reminder": ("yes",), **_ACCOUNT},
    Behaviour.DECLINE: {"offer": ("no",)},
    Behaviour.WRONG_IBAN: {
        "offer": ("yes",),
        "ask_account_confirm": ("no",),
        "ask_iban": ("bad_iban",),
        "invalid_iban": ("iban",),
    },
    Behaviour.SILENT: {},
    Behaviour.STOP: {"offer": ("stop",)},
    Behaviour.WITHDRAW: _WITHDRAW,
    Behaviour.HELP: {"offer": ("help", "yes"), **_ACCOUNT},
    Behaviour.HOME_VISIT: {"offer": ("home",), "home_visit_requested": ("yes",), **_ACCOUNT},
}
MOVES = ("yes", "no", "stop", "help", "home")
WORDS: dict[Language | None, dict[str, str]] = {
    Language.KK: dict(zip(MOVES, ("иә", "жоқ", "СТОП", "?", "ҮЙ"), strict=True)),
    Language.RU: dict(zip(MOVES, ("да", "нет", "СТОП", "?", "на дому"), strict=True)),
    None: dict(zip(MOVES, ("1", "2", "STOP", "?", "HOME"), strict=True)),
}


class Handsets(Protocol):
    """The phones' side of the SMS network: what each phone received, and its replies."""

    async def received(self, since: Mapping[str, int]) -> dict[str, list[str]]:
        """The texts delivered to each (E.164) phone by now after its first `since[phone]`,
        oldest first."""

    async def send(self, phone: str, text: str) -> None:
        """The phone replies: a mobile-originated message to the bot."""

    async def settle(self) -> None:
        """Wait until what is in flight on the network has landed (receipts included)."""

    async def keep(self, memory: Mapping[str, str]) -> None:
        """The citizens' memory after their replies: kept with the replies not yet sent, in
        one write, where the phones can resume (nothing is kept over SMPP)."""

    async def recall(self) -> dict[str, str]:
        """The memory last kept (empty when there is none)."""


class SimulatedHandsets:
    """The phones of the simulated gateway: its inbox per phone, its replies from phones,
    and the phones' memory kept in its file with them."""

    def __init__(self, gateway: SimulatedSmsGateway) -> None:
        self._gateway = gateway
        self._replies: list[tuple[str, str]] = []  # sent by `keep`, with the memory

    async def received(self, since: Mapping[str, int]) -> dict[str, list[str]]:
        """The new texts of the phones' inboxes, each in its order (one read for them all)."""
        return await self._gateway.inbox_texts(since)

    async def send(self, phone: str, text: str) -> None:
        """The reply leaves with the phones' memory at the next `keep`, for the bot's next
        tick (the bot takes replies only when it ticks)."""
        self._replies.append((phone, text))

    async def settle(self) -> None:
        """Nothing in flight to wait for: the simulated gateway delivers by the clock alone."""

    async def keep(self, memory: Mapping[str, str]) -> None:
        """The replies and the memory in one transaction of the gateway's file."""
        replies, self._replies = self._replies, []
        await self._gateway.send_from_many(replies, memory)

    async def recall(self) -> dict[str, str]:
        """What the gateway's file remembers for the phones."""
        return await self._gateway.memory()


class Smsc(Protocol):
    """What the demo needs of an SMSC simulator (tests/fakes/smsc.py): its phones' side."""

    @property
    def port(self) -> int:
        """The loopback port it listens on."""

    @property
    def submits(self) -> Sequence[object]:
        """Every submit_sm it accepted."""

    @property
    def receipt_statuses(self) -> Sequence[object]:
        """Every receipt the ESME answered."""

    @property
    def protocol_errors(self) -> Sequence[str]:
        """Every departure from SMPP 3.4 it noticed in the ESME's traffic."""

    def messages(self, destination: str) -> list[str]:
        """The whole texts delivered to `destination`, as the ESME addressed it."""

    async def send_mo(self, source: str, destination: str, text: str) -> list[int]:
        """Deliver a reply from `source` to the ESME; its deliver_sm_resp statuses."""

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until `predicate()` holds."""


class SmscHandsets:
    """The phones behind an SMSC reached over SMPP: what it delivered, and replies sent to
    the bot's short number as mobile-originated deliver_sm."""

    def __init__(self, smsc: Smsc, short_number: str, timeout: float = 30.0) -> None:
        self._smsc = smsc
        self._short_number = short_number
        self._timeout = timeout

    async def received(self, since: Mapping[str, int]) -> dict[str, list[str]]:
        """The texts the SMSC delivered to each phone (addressed without the plus) after its
        first `since[phone]`."""
        return {p: self._smsc.messages(p.removeprefix("+"))[n:] for p, n in since.items()}

    async def send(self, phone: str, text: str) -> None:
        """The reply goes as deliver_sm; it returns once the bot has stored and answered it."""
        statuses = await self._smsc.send_mo(phone, self._short_number, text)
        if any(statuses):
            raise RuntimeError(f"the bot refused a reply from a phone: statuses {statuses}")

    async def settle(self) -> None:
        """Wait until every part submitted has its receipt answered by the bot."""
        smsc = self._smsc
        await smsc.wait_for(lambda: len(smsc.receipt_statuses) >= len(smsc.submits), self._timeout)

    async def keep(self, memory: Mapping[str, str]) -> None:
        """Nothing is kept: a demo over SMPP does not resume (replies went at `send`)."""

    async def recall(self) -> dict[str, str]:
        """Nothing was kept."""
        return {}


@dataclass(frozen=True)
class WorldRecord:
    """What `prepare` made: the population's size and seed, and the events generated."""

    citizens: int
    seed: int
    events: int


def prepare(data_dir: Path, size: int, seed: int, *, latency_ms: int = 0) -> GenerationReport:
    """A fresh world in `data_dir`: the clock at START, a seeded population, no faults but,
    with `latency_ms`, that latency on every registry call; its size and seed recorded last
    (`recorded`), once the world is whole."""
    conn = registries_db.connect(registries_db.path_in(data_dir))
    try:
        world_clock.set_to(conn, START)
        day = local_date(START)
        report = generate(
            conn, size=size, seed=seed, start=day - HISTORY, end=day, event_share=EVENT_SHARE
        )
        faults.clear(conn)
        for registry in faults.REGISTRIES if latency_ms else ():
            faults.set_rule(conn, faults.FaultRule(registry=registry, latency_ms=latency_ms))
    finally:
        conn.close()
    record = WorldRecord(citizens=size, seed=seed, events=sum(report.events.values()))
    partial = data_dir / f"{RECORD_FILE}.partial"
    partial.write_text(json.dumps(record.__dict__), encoding="utf-8")
    os.replace(partial, data_dir / RECORD_FILE)  # whole or absent
    return report


def preparation_only(data_dir: Path) -> bool:
    """Whether `data_dir` holds nothing but what `prepare` writes before it records the
    world (a demo killed while preparing): the registries' file, its journal, the partial
    record; an empty directory too."""
    made = registries_db.path_in(data_dir).name
    leftovers = {made, f"{made}-wal", f"{made}-shm", f"{made}-journal", f"{RECORD_FILE}.partial"}
    return data_dir.is_dir() and all(p.name in leftovers for p in data_dir.iterdir())


def start_over(data_dir: Path) -> None:
    """Remove what an interrupted `prepare` left in `data_dir` (see `preparation_only`)."""
    assert preparation_only(data_dir)
    for leftover in data_dir.iterdir():
        leftover.unlink()


def recorded(data_dir: Path) -> WorldRecord | None:
    """The world `prepare` made in `data_dir`, or None when it made none there."""
    try:
        found = json.loads((data_dir / RECORD_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return WorldRecord(**found)


def valid_iban(rng: random.Random) -> str:
    """A valid KZ IBAN at Kaspi Bank (722)."""
    return str(IBAN.generate("KZ", bank_code="722", account_code=f"{rng.randrange(10**13):013d}"))


def spoilt(iban: str) -> str:
    """The same IBAN with wrong check digits: the bot must refuse it."""
    compact = iban.replace(" ", "")
    check = "01" if compact[2:4] != "01" else "02"
    return compact[:2] + check + compact[4:]


@dataclass
class Phone:
    """A simulated citizen's phone: a behaviour, a language, an IBAN and what it has read."""

    number: str
    behaviour: Behaviour
    language: Language | None
    iban: str
    read: int = 0  # how many of the texts it received it has read
    codes: set[str] = field(default_factory=set)  # the cases it was offered, by code
    left: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # code → kind → replies
    sent: list[Sent] = field(default_factory=list)  # its replies, oldest first

    def answer(self, code: str, kind: str) -> str | None:
        """The reply this phone sends to a message of `kind` on case `code`, if any."""
        script = SCRIPTS[self.behaviour]
        left = self.left.setdefault(code, {k: list(v) for k, v in script.items()})
        replies = left.get(kind)
        if not replies:
            return None
        move = replies.pop(0)
        text = {"iban": self.iban, "bad_iban": spoilt(self.iban)}.get(move)
        text = text or WORDS[self.language][move]
        text = f"{text} {code}" if len(self.codes) > 1 else text
        self.sent.append(Sent(code=code, kind=kind, move=move, text=text))
        return text

    def to_json(self) -> str:
        """The phone as the handsets' memory keeps it."""
        fields: dict[str, Any] = {**self.__dict__, "codes": sorted(self.codes)}
        fields["sent"] = [s.__dict__ for s in self.sent]
        return json.dumps(fields, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Phone:
        """The phone `to_json` kept."""
        fields = json.loads(text)
        return cls(
            number=fields["number"],
            behaviour=Behaviour(fields["behaviour"]),
            language=None if fields["language"] is None else Language(fields["language"]),
            iban=fields["iban"],
            read=fields["read"],
            codes=set(fields["codes"]),
            left=fields["left"],
            sent=[Sent(**s) for s in fields["sent"]],
        )


@dataclass(frozen=True)
class Sent:
    """A reply a phone sent: to the case of `code`, to a message of `kind`, as `move`."""

    code: str
    kind: str  # the template of the message answered ("offer", "ask_account_confirm", …)
    move: str  # what the citizen meant: a key of SCRIPTS' replies ("yes", "iban", …)
    text: str


def message_code(text: str) -> str | None:
    """The case code quoted in a message ("Код 417", "(код 417)", "Code 417")."""
    found = CODE.search(text)
    return None if found is None else found.group(1)


@dataclass
class Citizens:
    """Every phone the bot wrote to, answering by its behaviour."""

    rng: random.Random
    phones: dict[str, Phone] = field(default_factory=dict)
    changed: set[str] = field(default_factory=set)  # phones to keep at the next `memory`

    @classmethod
    def recall(cls, seed: int, memory: Mapping[str, str]) -> Citizens:
        """The citizens as their memory left them; new ones, by `seed`, when it is empty."""
        rng = random.Random(seed)
        if RANDOM_KEY in memory:
            version, internal, gauss = json.loads(memory[RANDOM_KEY])
            rng.setstate((version, tuple(internal), gauss))
        phones = {k: Phone.from_json(v) for k, v in memory.items() if k != RANDOM_KEY}
        return cls(rng, phones)

    def memory(self) -> dict[str, str]:
        """What changed since the last call, as the handsets' memory keeps it."""
        kept = {number: self.phones[number].to_json() for number in sorted(self.changed)}
        self.changed.clear()
        return {**kept, RANDOM_KEY: json.dumps(self.rng.getstate())}

    def meet(self, cases: list[CaseRecord]) -> None:
        """Give each new phone a behaviour, in phone order (deterministic by seed)."""
        new = sorted({r.phone: r for r in cases if r.phone and r.phone not in self.phones}.items())
        for number, record in new:
            behaviour = self.rng.choices(list(MIX), weights=list(MIX.values()))[0]
            iban = valid_iban(self.rng)
            self.phones[number] = Phone(number, behaviour, record.case.language, iban)
            self.changed.add(number)

    async def answer(self, app: App, handsets: Handsets, cases: list[CaseRecord]) -> int:
        """Every phone with a case still waiting reads its new SMS and answers; the replies
        sent and the phones' memory kept together."""
        self.meet(cases)
        waiting = sorted({r.phone for r in cases if r.phone and not settled(r)})
        reading = [n for n in waiting if self.phones[n].behaviour is not Behaviour.SILENT]
        new = await handsets.received({n: self.phones[n].read for n in reading})
        kinds = await _kinds(app, [n for n in reading if new[n]])
        sent = 0
        for number in reading:
            phone = self.phones[number]
            if new[number]:
                phone.read += len(new[number])
                self.changed.add(number)
                sent += await _read(handsets, phone, new[number], kinds[number])
        await handsets.keep(self.memory())
        return sent


async def _read(handsets: Handsets, phone: Phone, new: list[str], kinds: dict[str, str]) -> int:
    """The phone reads its new texts and answers each case once; how many it answered."""
    read = [(message_code(text), kinds.get(text)) for text in new]
    phone.codes.update(code for code, kind in read if code and kind == "offer")
    answered: set[str] = set()
    for code, kind in read:
        if code is None or kind is None or code in answered:
            continue
        reply = phone.answer(code, kind)
        if reply is not None:
            answered.add(code)
            await handsets.send(phone.number, reply)
    return len(answered)


async def _kinds(app: App, phones: Sequence[str]) -> dict[str, dict[str, str]]:
    """Per phone, what each SMS the bot sent to its cases asks: text → kind (its template),
    for all these phones in one unit of work."""
    kinds: dict[str, dict[str, str]] = {phone: {} for phone in phones}
    if not phones:
        return kinds
    async with app.storage.unit_of_work() as uow:
        await uow.cases.prefetch(phones=phones)
        cases = {phone: await uow.cases.for_phone(phone) for phone in phones}
        sent = await uow.outbox.for_cases([r.case.id for found in cases.values() for r in found])
    for phone, found in cases.items():
        for record in found:
            for message in sent[record.case.id]:
                if message.channel == Channel.SMS:
                    kind = message.template_id.split(".", 1)[0]  # offer.burial → offer
                    kinds[phone][message.text] = kind
    return kinds


def settled(record: CaseRecord) -> bool:
    """The case is final, or operators have it (no phone to write to)."""
    return record.case.state in final_states()  # no_contact too: final for the bot


def review_time(now: datetime) -> bool:
    """Whether the reviewer is at work: a working day, 09:00-18:00 Almaty."""
    local = now.astimezone(ALMATY)
    start, end = REVIEW_HOURS
    return is_working_day(local.date()) and start <= local.time() < end


def refusal_reason(message: str) -> ReasonCode:
    """The reason the bot named when it refused an assignment (else: data missing)."""
    named = [code for code in ReasonCode if code.value in message]
    return named[0] if named else ReasonCode.DATA_MISSING


async def review(app: App, record: CaseRecord) -> bool:
    """The reviewer decides one case: assign, or refuse when the case file supports no
    assignment. False when the bot took neither (the case stays under review, visible) or
    a registry did not answer (nothing was decided: the reviewer tries again next step)."""
    try:
        await decide_under_review(
            app.decider, record.case.id, assign=True, code=None, reviewer=REVIEWER
        )
    except (Retriable, Conflict):  # nothing decided: again next step
        return False
    except ValueError as refused:
        reason = refusal_reason(str(refused))
        try:
            await decide_under_review(
                app.decider, record.case.id, assign=False, code=reason, reviewer=REVIEWER
            )
        except (ValueError, Retriable, Conflict):
            return False
    return True


async def reviewer(app: App, cases: list[CaseRecord], now: datetime) -> int:
    """Decide the cases under review registered before today, in working hours, REVIEWERS
    at a time (each waits on the registries for the case file)."""
    if not review_time(now):
        return 0
    today = local_date(now)
    due = [r for r in cases if r.case.state is CaseState.UNDER_REVIEW]
    desks = asyncio.Semaphore(REVIEWERS)

    async def at_a_desk(record: CaseRecord) -> bool:
        async with desks:
            return await review(app, record)

    waiting = [r for r in due if local_date(registered(r)) < today]
    return sum(await asyncio.gather(*(at_a_desk(r) for r in waiting)))


def registered(record: CaseRecord) -> datetime:
    """When a case was registered (a case under review always was)."""
    assert record.case.registered_at is not None
    return record.case.registered_at


async def unsettled(app: App) -> list[CaseRecord]:
    """The cases not settled yet, oldest first: the only ones the citizens and the reviewer
    act on (a settled case stays settled), read each step instead of every case."""
    async with app.storage.unit_of_work() as uow:
        return await uow.cases.in_states(frozenset(CaseState) - final_states())


async def feed_taken(app: App, conn: sqlite3.Connection) -> bool:
    """Whether the bot has taken the registries' whole feed (an intake that failed has not:
    the world is not over while events wait, even with no case open yet)."""
    async with app.storage.unit_of_work() as uow:
        cursor = await uow.cursor.get()
    return cursor >= feed.last_id(conn)


async def app_state(app: App) -> SystemCounts:
    """What the bot's world holds (cases by state, messages by status, ledger rows,
    decisions): whichever instance did a step's work, it shows here."""
    async with app.storage.unit_of_work() as uow:
        return await uow.views.system()


async def step_done(app: App, conn: sqlite3.Connection) -> None:
    """This instance's tick; then, on PostgreSQL (where other instances may share the work),
    another tick after a pause while any instance still has the step's work in hand (replies,
    timers, SMS due, the feed): the phones read and the clock moves only once the whole step
    is done, so the world ends the same whichever instances did its work and how fast. Work
    that stays due, unchanged, for QUIET_STALL looks (a registry down) is left to next step."""
    await app.tick()
    if app.settings.postgres_url is None:
        return  # a SQLite file has one process: its tick did the whole step
    last, still = -1, 0
    while still < QUIET_STALL:
        due = await _due_work(app, conn)
        if due == 0:
            return
        still = still + 1 if due == last else 0
        last = due
        await asyncio.sleep(QUIET_PAUSE)
        await app.tick()


async def _due_work(app: App, conn: sqlite3.Connection) -> int:
    """Replies, timers and SMS due now, and the feed's events not taken (1 if any)."""
    now = await app.clock.now()
    async with app.storage.unit_of_work() as uow:
        due = await uow.views.due_work(now, [Channel.SMS])
    return due + (0 if await feed_taken(app, conn) else 1)


async def case_count(app: App) -> int:
    """How many cases there are."""
    async with app.storage.unit_of_work() as uow:
        return await uow.cases.count()


async def all_cases(app: App) -> list[CaseRecord]:
    """Every case, oldest first."""
    async with app.storage.unit_of_work() as uow:
        return list(reversed(await uow.cases.all(1_000_000)))


Progress = Callable[[datetime, int, int], None]  # the simulated now, cases settled, cases


async def simulate(
    app: App, seed: int, handsets: Handsets, on_progress: Progress = lambda *_: None
) -> Citizens:
    """Run the world until every case is settled or CAP passes; the citizens it played on
    `handsets` (the network settles after each tick, before the phones read). A world
    already under way goes on from its clock, with the citizens its handsets remember."""
    citizens = Citizens.recall(seed, await handsets.recall())
    conn = registries_db.connect(registries_db.path_in(app.settings.data_dir))
    try:
        before = await app_state(app)
        await step_done(app, conn)
        await handsets.settle()
        busy = await app_state(app) != before
        cases = await unsettled(app)
        while (cases or not await feed_taken(app, conn)) and world_clock.now(conn) < START + CAP:
            before = await app_state(app)
            now = world_clock.advance(conn, BUSY_STEP if busy else STEP)
            await step_done(app, conn)
            await handsets.settle()
            cases, total = await unsettled(app), await case_count(app)
            on_progress(now, total - len(cases), total)
            acted = await citizens.answer(app, handsets, cases) + await reviewer(app, cases, now)
            busy = acted > 0 or await app_state(app) != before
        for _ in range(2):  # the last answers are sent, then delivered
            world_clock.advance(conn, DRAIN)
            await step_done(app, conn)
            await handsets.settle()
    finally:
        conn.close()
    return citizens
