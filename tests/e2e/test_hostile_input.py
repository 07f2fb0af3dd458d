"""Hostile input end to end: whatever a citizen's phone or chat sends, the bot answers it
sensibly or holds it back by its rules, and nothing else happens.

Messages go the real way in: SMS through the simulated gateway (`send_from`) and
`App.tick()`, or, when the gateway refuses what an SMSC may still hand over (a blank text, one
over 1,000 characters), logged as the gateway hands replies over; Telegram updates through
the real dispatcher (`feed_update`), then a tick. Each example is a short conversation from
a fresh citizen with an offer waiting (a pool made ahead, grown as needed), so one example's
handoff or rate limit never colours the next. Properties, for every message:

- nothing raises, nothing is logged as an error, the tick returns;
- it is answered (an outbox message queued because of it), or held back by the rate limit
  (its inbound row says so), or silent after an operator handoff that was said first;
- what the bot keeps of it is its first 1,000 characters;
- a case changes state only through a reply that meant something;
- nothing the citizen wrote comes back in the bot's texts, and Telegram texts are plain
  (no parse mode, so no HTML or Markdown of the citizen's is ever interpreted).

Then the rate limit itself: the eleventh message in ten minutes gets one answer (kk and ru),
the twelfth nothing, and after the window the bot reads again.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import count
from pathlib import Path
from typing import Any, Literal

import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import Update
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schwifty import IBAN

from bot.channels.sms_gateway import MO_MAX_CHARS
from bot.channels.telegram import linking
from bot.channels.telegram.deps import Deps
from bot.channels.telegram.runner import build_dispatcher
from bot.records import Channel, InboundMessage, Keyboard
from bot.service.flow import NONSENSE_LIMIT, log_inbound
from bot.service.replies import MAX_CHARS
from domain.calendar import ALMATY
from domain.flood import LIMIT, WINDOW, Taken
from tests.e2e.world import World, open_world
from tests.fakes.telegram_session import RecordingSession
from tests.soak import report, size

pytestmark = pytest.mark.sqlite_only  # reads the bot's SQLite file to check it

TOKEN = "123456:TEST"
EXAMPLES = size(2000, 100_000) // 2  # SMS and Telegram alike
CHUNK = 200  # citizens made at a time, each with an offer waiting
FIRST_USER = 900_000  # Telegram user ids of the pool's citizens
ON_FILE = "KZ86125KZT5004100100"
NEW_ACCOUNT = IBAN.generate("KZ", bank_code="722", account_code="0000000098765").compact
SILENT = {Taken.DROPPED.value}  # held back by the rate limit, unanswered
HANDOFF_SILENT = "ignored_after_handoff"
MEANINGFUL = {"ConsentYes", "ConsentNo", "GiveIban", "Stop", "stop_all"}  # may move a case
ECHO_MIN = 12  # a citizen's text this long never appears in what the bot writes


# ---------------------------------------------------------------- what a phone may send

_LOOKALIKES = dict(zip("AKZTBCEHMOPX", "АКZТВСЕНМОРХ", strict=True))  # Latin -> Cyrillic


def _disguised(iban: str, swaps: list[bool]) -> str:
    """An IBAN with some Latin letters typed as their Cyrillic look-alikes."""
    chars = list(iban)
    for index, swap in enumerate(swaps[: len(chars)]):
        if swap and chars[index] in _LOOKALIKES:
            chars[index] = _LOOKALIKES[chars[index]]
    return "".join(chars)


def _wrong_check_digits(iban: str, digits: int) -> str:
    wrong = f"{digits:02d}"
    return iban if wrong == iban[2:4] else iban[:2] + wrong + iban[4:]


def _spaced(iban: str, gap: str) -> str:
    return gap.join(iban[i : i + 4] for i in range(0, len(iban), 4))


IBANS = st.sampled_from([ON_FILE, NEW_ACCOUNT])
LOOKALIKE_IBANS = st.one_of(
    st.builds(_disguised, IBANS, st.lists(st.booleans(), min_size=20, max_size=20)),
    st.builds(_wrong_check_digits, IBANS, st.integers(0, 99)),
    st.builds(_spaced, IBANS, st.sampled_from([" ", "  ", "-", "\u00a0", "\u200b", "\t"])),
    st.sampled_from(
        [
            "KЗ86125KZT5004100100",  # Cyrillic З for Z
            "ΚZ86125KZT5004100100",  # Greek Kappa
            "ＫＺ８６１２５ＫＺＴ５００４１００１００",  # full-width
            "KZ٨٦١٢٥KZT٥٠٠٤١٠٠١٠٠",  # Arabic-Indic digits
            "\u202eKZ86125KZT5004100100",  # right-to-left override first
            "KZ86125KZT500410010",  # one short
            "KZ86125KZT50041001000",  # one long
            f"{ON_FILE} {NEW_ACCOUNT}",  # two accounts
            "DE89370400440532013000",  # not Kazakh
            "kz86125kzt5004100100",
        ]
    ),
)
VALID = st.sampled_from(
    [
        "1", "2", "иә", "Да", "жоқ", "нет", "СТОП", "stop", "?", "help", "анықтама",
        "үй", "дом", "KZ", "RU", "қазақша", "русский", "келісемін", "согласен", "ок",
        "1 417", "👍", "👎", "+", ON_FILE, NEW_ACCOUNT, _spaced(NEW_ACCOUNT, " "),
    ]
)  # fmt: skip
HOSTILE = st.sampled_from(
    [
        "'; DROP TABLE cases; --", "1' OR '1'='1", "1; DELETE FROM inbound", '" OR 1=1 --',
        "1)); UPDATE cases SET state='assigned' --", "<b>1</b>", "<script>alert(1)</script>",
        "<a href='tg://user?id=1'>да</a>", "&lt;&amp;&gt;", "</code><pre>", "*bold* _it_ `x`",
        "{0}", "%s", "%d%n%x", "{case.id}", "{code}", "%(code)s", "{__class__.__mro__}",
        "{0!r:>{1}}", "{}", "\\x00", "\x00", "\x1b[31m", "\r\n", "\t", "\u0085", "\u2028",
        "\u200f", "\u202e", "\u2066", "\u061c", "\u200b", "\u200d", "\ufeff", "\ud7ff",
        "👍🏽", "🇰🇿", "👨‍👩‍👧", "🙂" * 40, "№ 417", "１", "١", "Ⅰ", "¹",
    ]
)  # fmt: skip
PIECE = st.one_of(VALID, HOSTILE, LOOKALIKE_IBANS, st.text(max_size=30))
TEXT = st.one_of(
    PIECE,
    st.lists(PIECE, min_size=2, max_size=4).map(" ".join),
    st.lists(PIECE, min_size=2, max_size=4).map("".join),
    st.text(max_size=200),
    st.builds(lambda piece, times: piece * times, PIECE, st.integers(30, 400)),  # long
)
FLOOD = LIMIT + 2


def conversations(text: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    """A few messages, or now and then (one example in ten) a flood past the rate limit."""
    flood = st.lists(text, min_size=FLOOD, max_size=FLOOD)
    few = st.lists(text, min_size=1, max_size=5)
    return st.sampled_from([False] * 9 + [True]).flatmap(
        lambda flooding: flood if flooding else few
    )


# ---------------------------------------------------------------- a pool of fresh citizens


@dataclass
class Citizen:
    """One citizen of the pool: a phone with an offer waiting, and a linked chat."""

    phone: str
    user: int


@dataclass
class Pool:
    """Citizens with an offer waiting, made a chunk at a time as examples take them."""

    world: World
    telegram: bool
    made: int = 0
    free: list[Citizen] = field(default_factory=list)
    phones: Iterator[int] = field(default_factory=lambda: count(3))

    def _phone(self) -> str:
        for n in self.phones:
            if n % 10_000 not in (1, 2):  # the gateway's test numbers that fail
                return f"+7705{n:07d}"
        raise AssertionError("unreachable")  # pragma: no cover

    async def take(self) -> Citizen:
        if not self.free:
            await self._grow()
        return self.free.pop(0)

    async def _grow(self) -> None:
        world = self.world
        born = date(1960, 1, 1) + timedelta(days=self.made // CHUNK)
        world.serial = 1000  # a new birth date: its serial numbers start again
        made: list[Citizen] = []
        for n in range(CHUNK):
            language: Literal["kk", "ru"] | None = ("kk", "ru", None)[n % 3]
            phone = self._phone()
            iin = world.person(born=born, phone=phone, language=language)
            if n % 2:
                world.account(iin, ON_FILE)
            world.disability(iin)
            made.append(Citizen(phone=phone, user=FIRST_USER + self.made + n))
        await world.tick()  # the offers queued and sent
        if self.telegram:
            for citizen in made:
                await _link(world, citizen)
            await world.tick()
        self.made += CHUNK
        self.free.extend(made)


async def _link(world: World, citizen: Citizen) -> None:
    app = world.bot
    proof = await linking.verify_contact(app.registries, citizen.user, citizen.user, citizen.phone)
    assert not isinstance(proof, linking.Refusal), proof
    text = linking.Text("linked", "telegram.linked", "kk", Keyboard(kind="remove"))
    await linking.link(
        app.storage, citizen.user, citizen.user, proof, (text, f"link:{citizen.user}"), world.now()
    )


# ---------------------------------------------------------------- reading the bot's file


@dataclass
class Seen:
    """What the bot's file holds about one citizen: the states of their cases, and the
    messages logged and queued since `since` (the last ids before the example)."""

    states: dict[str, str]  # case id -> state
    inbound: list[sqlite3.Row]
    outbox: list[sqlite3.Row]
    since: tuple[int, int] = (0, 0)


def last_ids(db: sqlite3.Connection) -> tuple[int, int]:
    inbound = db.execute("SELECT coalesce(max(id), 0) FROM inbound").fetchone()[0]
    return inbound, db.execute("SELECT coalesce(max(id), 0) FROM outbox").fetchone()[0]


def seen(db: sqlite3.Connection, citizen: Citizen, since: tuple[int, int] | None = None) -> Seen:
    """The citizen's cases, and what was logged and queued since `since` (else nothing):
    an example's citizen is the only one writing meanwhile, so all of it is theirs."""
    states = dict(db.execute("SELECT id, state FROM cases WHERE phone = ?", (citizen.phone,)))
    if since is None:
        return Seen(states=states, inbound=[], outbox=[], since=last_ids(db))
    inbound = db.execute("SELECT * FROM inbound WHERE id > ? ORDER BY id", (since[0],))
    outbox = db.execute("SELECT * FROM outbox WHERE id > ? ORDER BY id", (since[1],))
    rows = Seen(states=states, inbound=inbound.fetchall(), outbox=outbox.fetchall(), since=since)
    addresses = {citizen.phone, str(citizen.user)}
    assert {row["address"] for row in rows.inbound + rows.outbox} <= addresses
    return rows


def reader(world: World) -> sqlite3.Connection:
    db = sqlite3.connect(f"file:{world.bot.settings.database}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    return db


# ---------------------------------------------------------------- the properties


@dataclass
class Tally:
    examples: int = 0
    messages: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    state_changes: int = 0

    def figures(self) -> dict[str, int]:
        return {
            "examples": self.examples,
            "messages": self.messages,
            "answered": self.outcomes["answered"],
            "rate_limited": self.outcomes["rate_limited"],
            "handoff_silence": self.outcomes["handoff_silence"],
            "state_changes": self.state_changes,
        }


Sent = tuple[str, tuple[str, ...], str | None]  # text, answer prefixes, provider id


def answers_to(after: Seen, prefixes: tuple[str, ...]) -> list[sqlite3.Row]:
    return [row for row in after.outbox if row["client_ref"].startswith(prefixes)]


def judge_example(tally: Tally, before: Seen, after: Seen, sent: list[Sent]) -> None:
    """Check every message of one example, in the order the bot took them (by time, then as
    logged: a message the gateway refused is logged at once, the others at the tick);
    `sent` is (text, answer prefixes, provider id or None when a router answered it)."""
    logged = {row["provider_id"]: row for row in after.inbound}
    handoffs = [row["id"] for row in after.outbox if row["template_id"] == "operator_handoff"]
    commands = [(text, prefixes) for text, prefixes, provider_id in sent if provider_id is None]
    for text, prefixes in commands:  # the routers answered these at once
        assert answers_to(after, prefixes), f"{text!r} unanswered by its router"
        tally.outcomes["answered"] += 1
    taken = sorted(
        (each for each in sent if each[2] is not None),
        key=lambda each: (logged[each[2]]["received_at"], logged[each[2]]["id"]),
    )
    intents: list[str] = []
    handed_off = False
    for index, (text, prefixes, provider_id) in enumerate(taken):
        row = logged[provider_id]
        assert row["handled_at"] is not None, f"{text!r} not handled"
        assert row["text"] == text[:MAX_CHARS], "the bot keeps the first 1,000 characters"
        intent = row["intent"]
        intents.append(intent)
        answers = answers_to(after, prefixes)
        if intent in MEANINGFUL and row["case_id"]:  # it may register the application: then
            later = tuple(p for _, each, _ in taken[index + 1 :] for p in each)  # the acceptance
            answers += answers_to(after, (f"checked:{row['case_id']}:", *later))  # answers it,
            # or what a later message (STOP) got before the check ran
        if answers:
            tally.outcomes["answered"] += 1
        elif intent in SILENT:
            tally.outcomes["rate_limited"] += 1
        elif intent == HANDOFF_SILENT:
            assert handed_off and handoffs, f"{text!r} silent without a handoff said first"
            tally.outcomes["handoff_silence"] += 1
        else:
            refs = [r["client_ref"] for r in after.outbox]
            raise AssertionError(f"{text!r} ({intent}, {provider_id}) unanswered: {refs}")
        if intent == Taken.SLOWED.value:
            assert [r["template_id"] for r in answers] == ["slow_down"]
        handed_off = handed_off or intent == "handoff"
    tally.messages += len(sent)
    if before.states != after.states:
        tally.state_changes += 1
        assert MEANINGFUL & set(intents), (before.states, after.states, intents)
    for text, _, _ in sent:
        if len(text.strip()) >= ECHO_MIN:
            assert all(text.strip() not in row["text"] for row in after.outbox), f"{text!r} echoed"


def no_errors(caplog: pytest.LogCaptureFixture) -> None:
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


HOSTILE_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


# ---------------------------------------------------------------- SMS


@dataclass
class SmsRun:
    world: World
    pool: Pool
    db: sqlite3.Connection
    tally: Tally = field(default_factory=Tally)
    direct: Iterator[int] = field(default_factory=lambda: count(1))

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text("SmsRun(...)")  # the world, not the example: kept out of the report


@pytest.fixture
async def sms(tmp_path: Path) -> AsyncIterator[SmsRun]:
    world = open_world(tmp_path)
    await world.start(sms_rate=1_000_000.0)
    db = reader(world)
    try:
        yield SmsRun(world=world, pool=Pool(world, telegram=False), db=db)
    finally:
        db.close()
        await world.close()


async def send_sms(run: SmsRun, phone: str, text: str) -> str:
    """The citizen's SMS by the gateway, or, when the gateway refuses it (blank, over 1,000
    characters), as an SMSC may still hand it over; its provider id."""
    if text.strip() and len(text) <= MO_MAX_CHARS:
        return (await run.world.gateway.send_from(phone, text)).provider_id
    message = InboundMessage(
        channel=Channel.SMS,
        address=phone,
        provider_id=f"smsc-{next(run.direct)}",
        text=text,
        received_at=run.world.now(),
    )
    await log_inbound(run.world.bot.storage, [message])
    return message.provider_id


@HOSTILE_SETTINGS
@given(texts=conversations(TEXT))
async def test_any_sms_is_answered_or_held_back_and_moves_a_case_only_when_it_means_to(
    sms: SmsRun, caplog: pytest.LogCaptureFixture, texts: list[str]
) -> None:
    citizen = await sms.pool.take()
    before = seen(sms.db, citizen)
    sent: list[Sent] = []
    for text in texts:
        provider_id = await send_sms(sms, citizen.phone, text)
        sent.append((text, (f"in:{provider_id}",), provider_id))
    await asyncio.wait_for(sms.world.tick(), timeout=60)
    judge_example(sms.tally, before, seen(sms.db, citizen, before.since), sent)
    no_errors(caplog)
    sms.tally.examples += 1
    if sms.tally.examples == EXAMPLES:
        report("hostile_input", channel="sms", **sms.tally.figures())


# ---------------------------------------------------------------- Telegram


@dataclass
class TelegramRun:
    world: World
    pool: Pool
    db: sqlite3.Connection
    bot: Bot
    dispatcher: Dispatcher
    tally: Tally = field(default_factory=Tally)
    ids: Iterator[int] = field(default_factory=lambda: count(1))

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text("TelegramRun(...)")  # the world, not the example: kept out of the report

    @property
    def session(self) -> RecordingSession:
        session = self.bot.session
        assert isinstance(session, RecordingSession)
        return session


@pytest.fixture
async def telegram(tmp_path: Path) -> AsyncIterator[TelegramRun]:
    world = open_world(tmp_path)
    bot = Bot(TOKEN, session=RecordingSession())
    app = await world.start(
        telegram=bot, sms_rate=1_000_000.0, telegram_rate=1_000_000.0, telegram_chat_interval=0
    )
    dispatcher = build_dispatcher(Deps(app.storage, app.registries, app.clock))
    db = reader(world)
    try:
        yield TelegramRun(
            world=world, pool=Pool(world, telegram=True), db=db, bot=bot, dispatcher=dispatcher
        )
    finally:
        db.close()
        await world.close()  # closes the bot's session too


def update(run: TelegramRun, citizen: Citizen, text: str) -> dict[str, Any]:
    chat = {"id": citizen.user, "type": "private", "first_name": "Айгүл"}
    user = {"id": citizen.user, "is_bot": False, "first_name": "Айгүл", "language_code": "kk"}
    message = {
        "message_id": next(run.ids),
        "date": 1_767_000_000,
        "chat": chat,
        "from": user,
        "text": text,
    }
    return {"update_id": next(run.ids), "message": message}


COMMANDS = st.sampled_from(["/status", "/help", "/language", "/start", "/stop", "/start 417"])
TELEGRAM_TEXT = st.one_of(TEXT, COMMANDS).map(lambda text: text or "…")  # never empty


@HOSTILE_SETTINGS
@given(texts=conversations(TELEGRAM_TEXT))
async def test_any_telegram_text_is_answered_or_held_back_and_never_read_as_markup(
    telegram: TelegramRun, caplog: pytest.LogCaptureFixture, texts: list[str]
) -> None:
    run = telegram
    citizen = await run.pool.take()
    before = seen(run.db, citizen)
    calls = len(run.session.requests)
    sent: list[Sent] = []
    for text in texts:
        raw = update(run, citizen, text)
        message_id = raw["message"]["message_id"]
        await run.dispatcher.feed_update(
            run.bot, Update.model_validate(raw, context={"bot": run.bot})
        )
        provider_id = f"tg:{citizen.user}:{message_id}"  # unless a router answered it
        prefixes = (f"in:tg:{citizen.user}:{message_id}:", f"tg:{citizen.user}:{message_id}:")
        sent.append((text, prefixes, provider_id))
    await asyncio.wait_for(run.world.tick(), timeout=60)
    after = seen(run.db, citizen, before.since)
    judge_example(run.tally, before, after, _linked_only(after, sent))
    for method, params in run.session.requests[calls:]:
        if method == "sendMessage":
            assert params.get("parse_mode") is None, params
    no_errors(caplog)
    run.tally.examples += 1
    if run.tally.examples == EXAMPLES:
        report("hostile_input", channel="telegram", **run.tally.figures())


def _linked_only(after: Seen, sent: list[Sent]) -> list[Sent]:
    """What the routers answered themselves (commands, and free text after /stop, "not
    linked") is not logged: checked as answered by its router."""
    logged = {row["provider_id"] for row in after.inbound}
    return [
        (text, prefixes, provider_id if provider_id in logged else None)
        for text, prefixes, provider_id in sent
    ]


# ---------------------------------------------------------------- the rate limit


async def offered(world: World, phone: str, language: Literal["kk", "ru"]) -> None:
    world.disability(world.person(phone=phone, language=language))
    if world.app is None:
        await world.start()
    await world.settle()


async def intents(world: World, phone: str) -> list[str | None]:
    db = reader(world)
    try:
        rows = db.execute("SELECT intent FROM inbound WHERE address = ? ORDER BY id", (phone,))
        return [row["intent"] for row in rows]
    finally:
        db.close()


TIMES = {"kk": "Сағат {time} болғанша", "ru": "до {time},"}


@pytest.mark.parametrize("language", ["kk", "ru"])
@pytest.mark.parametrize("batched", [True, False], ids=["one tick", "a tick each"])
async def test_the_eleventh_sms_in_ten_minutes_is_answered_the_twelfth_not_then_all_are_read(
    world: World, language: Literal["kk", "ru"], batched: bool
) -> None:
    phone = "+77051234567"
    await offered(world, phone, language)
    first = None
    for n in range(LIMIT + 2):
        sent = await world.gateway.send_from(phone, "?" if n < LIMIT + 1 else "1")
        first = first or sent
        if not batched:
            await world.tick()
    await world.settle()
    assert first is not None
    taken = await intents(world, phone)
    assert taken == ["Help"] * LIMIT + [Taken.SLOWED.value, Taken.DROPPED.value]
    record = await world.case_of(phone)
    assert record.case.state.value == "offered"  # the "1" held back consented to nothing
    slowed = [m for m in await world.outbox(record.case.id) if m.template_id == "slow_down"]
    assert [(m.channel, m.language) for m in slowed] == [(Channel.SMS, language)]
    again = (first.received_at + WINDOW).astimezone(ALMATY).strftime("%H:%M")
    assert TIMES[language].format(time=again) in slowed[0].text
    inbox = [m.text for m in await world.inbox(phone)]
    assert slowed[0].text in inbox

    world.advance_to(first.received_at + WINDOW)
    await world.reply(phone, "1")
    assert (await intents(world, phone))[-1] == "ConsentYes"
    assert (await world.case_of(phone)).case.state.value == "awaiting_account"


async def test_a_flood_after_an_operator_handoff_stays_silent(world: World) -> None:
    phone = "+77051234568"
    await offered(world, phone, "ru")
    for _ in range(LIMIT + 2):
        await world.gateway.send_from(phone, "qwerty")
    await world.settle()
    handoff = NONSENSE_LIMIT + 1
    expected = ["Unknown"] * NONSENSE_LIMIT + ["handoff"]
    expected += [HANDOFF_SILENT] * (LIMIT - handoff) + [Taken.DROPPED.value] * 2
    assert await intents(world, phone) == expected
    record = await world.case_of(phone)
    assert "slow_down" not in await world.templates(record.case.id)


async def test_a_number_without_a_case_is_logged_but_never_answered_however_much_it_sends(
    world: World,
) -> None:
    await offered(world, "+77051234567", "kk")
    stranger = "+77059876543"
    for _ in range(LIMIT + 2):
        await world.gateway.send_from(stranger, "1")
    await world.settle()
    assert await intents(world, stranger) == ["no_case"] * LIMIT + [Taken.DROPPED.value] * 2
    assert await world.inbox(stranger) == []


async def test_a_telegram_flood_is_answered_once_in_the_chat_and_not_by_sms(
    telegram: TelegramRun,
) -> None:
    run = telegram
    citizen = await run.pool.take()
    before = seen(run.db, citizen)
    for _ in range(LIMIT + 2):
        raw = update(run, citizen, "?")
        await run.dispatcher.feed_update(
            run.bot, Update.model_validate(raw, context={"bot": run.bot})
        )
    await run.world.tick()
    after = seen(run.db, citizen, before.since)
    taken = [row["intent"] for row in after.inbound]
    assert taken == ["Help"] * LIMIT + [Taken.SLOWED.value, Taken.DROPPED.value]
    slowed = [row for row in after.outbox if row["template_id"] == "slow_down"]
    assert [(row["channel"], row["address"]) for row in slowed] == [
        ("telegram", str(citizen.user))
    ]
    texts = [params["text"] for method, params in run.session.requests if method == "sendMessage"]
    assert slowed[0]["text"] in texts


# ---------------------------------------------------------------- defects the fuzz found


async def test_an_sms_of_5000_characters_is_kept_and_read_by_its_first_1000(
    world: World,
) -> None:
    """An SMSC may join up to 255 parts into one reply. The bot kept all of it, in its log
    and as the consent ledger's raw reply, though it reads only the first 1,000 characters
    (found by the fuzz); now it keeps what it reads."""
    phone = "+77051234567"
    await offered(world, phone, "kk")
    text = "1" + " " * 4_999
    message = InboundMessage(
        channel=Channel.SMS, address=phone, provider_id="smsc-1", text=text,
        received_at=world.now(),
    )  # fmt: skip
    await log_inbound(world.bot.storage, [message])
    await world.settle()
    record = await world.case_of(phone)
    assert record.case.state.value == "awaiting_account"
    rows = await world.ledger(record.addressee_iin)
    assert [row.entry.raw_reply for row in rows][-1] == text[:MAX_CHARS]
    db = reader(world)
    try:
        kept = db.execute("SELECT text FROM inbound WHERE provider_id = 'smsc-1'").fetchone()
    finally:
        db.close()
    assert kept["text"] == text[:MAX_CHARS]
