"""The end-to-end demo: a generated population, simulated citizens and a reviewer around the bot.

`prepare` fills a fresh data directory (the world clock on a working Monday morning, a seeded
population whose deaths and disabilities of the last 30 days give cases, no faults);
`simulate` moves the clock (1 h steps, 30 min while messages are in flight), ticks the bot,
lets every phone read its new SMS and answer by its behaviour, and lets the reviewer decide,
until every case is final (one without a phone stays with operators as `no_contact`) or CAP.

Citizens: a behaviour per phone drawn from MIX by random.Random(seed); what a message asks is
the template the bot recorded for it; the code parsed from the text ("Код 417") is quoted once
the phone has had several offers; words in the case's language (иә/жоқ, да/нет, else 1/2).
Reviewer policy: on a working day after the registration day, 09:00-18:00 Almaty, each case
under review is assigned; if the bot refuses that because the case file supports none (e.g. no
eligible dependents), the reviewer refuses it for the reason the bot named.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from pathlib import Path

from schwifty import IBAN

from bot.app import App
from bot.channels.sms_gateway import SimulatedSmsGateway
from bot.decide import final_states, review_decide
from bot.records import CaseRecord
from domain.calendar import ALMATY, is_working_day, local_date
from domain.cases import CaseState
from domain.model import Language, ReasonCode
from fake_registries import clock as world_clock
from fake_registries import db as registries_db
from fake_registries import faults
from fake_registries.generator import GenerationReport, generate

START = datetime(2026, 1, 12, 9, 0, tzinfo=ALMATY)  # a working Monday morning in Almaty
HISTORY = timedelta(days=30)  # events of the last 30 days give cases
EVENT_SHARE = 0.13  # about 14 % of the people give a case (deaths: burial and survivor)
CAP = timedelta(days=14)  # safety cap of simulated time
STEP, BUSY_STEP = timedelta(hours=1), timedelta(minutes=30)
DRAIN = timedelta(minutes=1)  # past the gateway's receipt delay: the last SMS land
REVIEWER = "demo-reviewer"
REVIEW_HOURS = (time(9), time(18))
CODE = re.compile(r"(?:код[а-яё]*|code)\s+(\d{3})", re.IGNORECASE)


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


def prepare(data_dir: Path, size: int, seed: int) -> GenerationReport:
    """A fresh world in `data_dir`: the clock at START, a seeded population, no faults."""
    conn = registries_db.connect(registries_db.path_in(data_dir))
    try:
        world_clock.set_to(conn, START)
        day = local_date(START)
        report = generate(
            conn, size=size, seed=seed, start=day - HISTORY, end=day, event_share=EVENT_SHARE
        )
        faults.clear(conn)
    finally:
        conn.close()
    return report


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
    seen: set[str] = field(default_factory=set)
    codes: set[str] = field(default_factory=set)  # the cases it was offered, by code
    left: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # code → kind → replies

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
        return f"{text} {code}" if len(self.codes) > 1 else text


def message_code(text: str) -> str | None:
    """The case code quoted in a message ("Код 417", "(код 417)", "Code 417")."""
    found = CODE.search(text)
    return None if found is None else found.group(1)


@dataclass
class Citizens:
    """Every phone the bot wrote to, answering by its behaviour."""

    rng: random.Random
    phones: dict[str, Phone] = field(default_factory=dict)

    def meet(self, cases: list[CaseRecord]) -> None:
        """Give each new phone a behaviour, in phone order (deterministic by seed)."""
        new = sorted({r.phone: r for r in cases if r.phone and r.phone not in self.phones}.items())
        for number, record in new:
            behaviour = self.rng.choices(list(MIX), weights=list(MIX.values()))[0]
            iban = valid_iban(self.rng)
            self.phones[number] = Phone(number, behaviour, record.case.language, iban)

    async def answer(self, app: App, cases: list[CaseRecord]) -> int:
        """Every phone with a case still waiting reads its new SMS and answers; replies sent."""
        self.meet(cases)
        waiting = sorted({r.phone for r in cases if r.phone and not settled(r)})
        sent = 0
        for number in waiting:
            phone = self.phones[number]
            if phone.behaviour is not Behaviour.SILENT:
                sent += await self._read(app, phone)
        return sent

    async def _read(self, app: App, phone: Phone) -> int:
        gateway = app.sms
        assert isinstance(gateway, SimulatedSmsGateway)  # the demo runs on the simulated SMSC
        new = [m for m in await gateway.inbox(phone.number) if m.provider_id not in phone.seen]
        if not new:
            return 0
        kinds = await _kinds(app, phone.number)
        read = [(message_code(m.text), kinds.get(m.client_ref.split("#", 1)[0])) for m in new]
        phone.seen.update(m.provider_id for m in new)
        phone.codes.update(code for code, kind in read if code and kind == "offer")
        answered: set[str] = set()
        for code, kind in read:
            if code is None or kind is None or code in answered:
                continue
            reply = phone.answer(code, kind)
            if reply is not None:
                answered.add(code)
                await gateway.send_from(phone.number, reply)
        return len(answered)


async def _kinds(app: App, phone: str) -> dict[str, str]:
    """What each message the bot sent to a phone asks: outbox client reference → kind."""
    async with app.storage.unit_of_work() as uow:
        kinds: dict[str, str] = {}
        for record in await uow.cases.for_phone(phone):
            for message in await uow.outbox.for_case(record.case.id):
                kinds[message.client_ref] = message.template_id.split(".", 1)[0]  # offer.burial
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
    assignment. False when the bot took neither (the case stays under review, visible)."""
    try:
        await review_decide(app, record.case.id, assign=True, reason=None, reviewer=REVIEWER)
    except ValueError as refused:
        reason = refusal_reason(str(refused))
        try:
            await review_decide(
                app, record.case.id, assign=False, reason=reason, reviewer=REVIEWER
            )
        except ValueError:
            return False
    return True


async def reviewer(app: App, cases: list[CaseRecord], now: datetime) -> int:
    """Decide the cases under review registered before today, in working hours."""
    if not review_time(now):
        return 0
    today = local_date(now)
    due = [r for r in cases if r.case.state is CaseState.UNDER_REVIEW]
    return sum([await review(app, r) for r in due if local_date(registered(r)) < today])


def registered(record: CaseRecord) -> datetime:
    """When a case was registered (a case under review always was)."""
    assert record.case.registered_at is not None
    return record.case.registered_at


async def all_cases(app: App) -> list[CaseRecord]:
    """Every case, oldest first."""
    async with app.storage.unit_of_work() as uow:
        return list(reversed(await uow.cases.all(1_000_000)))


Progress = Callable[[datetime, int, int], None]  # the simulated now, cases settled, cases


async def simulate(app: App, seed: int, on_progress: Progress = lambda *_: None) -> Citizens:
    """Run the world until every case is settled or CAP passes; the citizens it played."""
    citizens = Citizens(random.Random(seed))
    conn = registries_db.connect(registries_db.path_in(app.settings.data_dir))
    try:
        busy, cases = await app.tick() > 0, await all_cases(app)
        while not all(map(settled, cases)) and world_clock.now(conn) < START + CAP:
            now = world_clock.advance(conn, BUSY_STEP if busy else STEP)
            done = await app.tick()
            cases = await all_cases(app)
            on_progress(now, sum(map(settled, cases)), len(cases))
            done += await citizens.answer(app, cases) + await reviewer(app, cases, now)
            busy = done > 0
        for _ in range(2):  # the last answers are sent, then delivered
            world_clock.advance(conn, DRAIN)
            await app.tick()
    finally:
        conn.close()
    return citizens
