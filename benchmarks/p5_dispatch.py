"""P5 dispatch: the send rate achieved against the configured one, and the throttling answers.

For each channel the outbox is filled straight through the storage (no intake) with 20 % more
messages than the configured rate allows in the measured time, then `Dispatcher.dispatch` is
called in a loop, as the scheduler's tick would (a pass that settles nothing waits 50 ms). After
D seconds (30, or 3 with `--quick`) the benchmark counts what reached the far side and stops
the loop; the rate is that count over the wall time:

- `sms_simulated`: SMS at `RateLimit(100)` into the simulated provider's SQLite file (rows of
  its `submission` table, read through a second connection); it cannot throttle, so 0;
- `sms_smpp`: SMS at `RateLimit(100)` over SMPP 3.4 to the SMSC simulator of the tests
  (`smsc.submits`); the gateway's own TPS is set to the same 100 (`smpp_tps`), as an operator
  would configure both to the contract, so its pacer and the dispatcher's run in series. The
  SMSC's window is 10 and it answers at once; `throttled` counts ESME_RTHROTTLED / ESME_RMSGQFUL
  answers the gateway saw, `smsc_throttled` those the SMSC sent;
- `telegram`: `TelegramSender` at 25/s overall and 1 s per chat, through aiogram's HTTP client,
  to the local Bot API server of the tests, messages spread round-robin over 100 chats (each
  chat 0.25/s, under its own limit); sendMessage calls that made a message in a chat are counted,
  and `http_429` is every TelegramRetryAfter aiogram raised (a request middleware counts them);
- `telegram_flood`: the same with the server answering the first 3 sendMessage calls with 429
  `retry_after` 1, and the outbox (10 s of messages, 3 with `--quick`) drained to the end: the
  rate is what was delivered over the time to drain it, `lost` is queued minus distinct texts
  delivered, `duplicates` any text delivered twice.

The target (95-100 % of the configured rate, no 429) is printed, never asserted.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sqlite3
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

from benchmarks.common import Stopwatch, main, rate
from bot.channels.smpp.gateway import SmppConfig, SmppSmsGateway
from bot.channels.smpp.session import Endpoint
from bot.channels.sms_gateway import SimulatedSmsGateway
from bot.channels.telegram.sender import TelegramLimits, TelegramSender
from bot.ports import SmsGateway
from bot.records import Channel, OutboxMessage
from bot.service.clock import FixedClock
from bot.service.dispatcher import Dispatcher, RateLimit
from bot.service.timers import OfferTimers
from bot.storage.sqlite import SqliteStorage
from domain.sms import encoding, segments
from tests.fakes.bot_api import BotApiServer, FakeUser
from tests.fakes.smsc import Smsc, Status

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # the fixed clock: every message is due
SMS_RATE = 100.0  # BOT_SMS_RATE's default
TELEGRAM_RATE = 25.0  # BOT_TELEGRAM_RATE's default
CHAT_INTERVAL = 1.0  # BOT_TELEGRAM_CHAT_INTERVAL's default
SURPLUS = 1.2  # queue this much more than the rate allows in the measured time
CHATS = 100
IDLE_POLL = 0.05  # seconds a dispatch loop waits after a pass that settled nothing
ENQUEUE_BATCH = 500
TOKEN = "123456:BENCH"
SYSTEM_ID, PASSWORD = "bot", "secret"
FLOOD_TIMES, FLOOD_RETRY_AFTER = 3, 1
TARGET_PERCENT = [95, 100]


# ---------------------------------------------------------------- the outbox


def phone(number: int) -> str:
    """A Kazakh mobile number ending in 5: never a scripted failing test number (0001, 0002)."""
    return f"+7701{number % 1_000_000:06d}5"


def outbox_message(number: int, channel: Channel, address: str) -> OutboxMessage:
    """One queued, due, single-segment GSM-7 message with a unique reference and text."""
    text = f"P5 benchmark notice {number}: a benefit may be due to you. Reply YES to apply."
    return OutboxMessage(
        client_ref=f"bench:p5:{channel.value}:{number}",
        case_id=None,
        channel=channel,
        address=address,
        language="ru",
        template_id="bench.p5",
        text=text,
        encoding=encoding(text),
        segments=segments(text),
        next_attempt_at=NOW,
        created_at=NOW,
    )


async def fill(storage: SqliteStorage, messages: Iterable[OutboxMessage]) -> int:
    """Queue the messages, a few hundred per transaction; how many."""
    queued = 0
    pending = iter(messages)
    while batch := list(itertools.islice(pending, ENQUEUE_BATCH)):
        async with storage.unit_of_work() as uow:
            for message in batch:
                await uow.outbox.enqueue(message)
            await uow.commit()
        queued += len(batch)
    return queued


async def still_queued(storage: SqliteStorage, channel: Channel) -> bool:
    """Whether a message of the channel is still due."""
    async with storage.unit_of_work() as uow:
        return bool(await uow.outbox.due(NOW, limit=1, channel=channel))


def outbox_statuses(database: Path) -> dict[str, int]:
    """How many outbox rows end in each status (read from the closed bot database)."""
    reader = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        rows = reader.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetchall()
    finally:
        reader.close()
    return {str(status): int(count) for status, count in rows}


# ---------------------------------------------------------------- dispatching


async def keep_dispatching(dispatcher: Dispatcher) -> None:
    """Dispatch pass after pass, as ticks would, until cancelled."""
    while True:
        if not await dispatcher.dispatch(NOW):
            await asyncio.sleep(IDLE_POLL)


async def dispatch_for(
    dispatcher: Dispatcher, seconds: float, reached: Callable[[], int]
) -> tuple[int, float]:
    """Dispatch for `seconds`; how many messages reached the far side by then, and the time.

    The loop is cancelled at the deadline (a send in flight is abandoned: this run's files
    are thrown away); a loop that crashed before it raises here."""
    with Stopwatch() as watch:
        loop = asyncio.create_task(keep_dispatching(dispatcher), name="p5-dispatch")
        done, _ = await asyncio.wait({loop}, timeout=seconds)
        count = reached()
    if done:
        loop.result()  # raises what crashed it
    loop.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await loop
    return count, watch.seconds


def figures(configured: float, count: int, seconds: float) -> dict[str, Any]:
    """The configured and achieved rates and their ratio in per cent."""
    achieved = rate(count, seconds)
    return {
        "configured_per_s": configured,
        "achieved_per_s": achieved,
        "percent": round(100 * achieved / configured, 1),
        "delivered": count,
        "wall_s": round(seconds, 2),
    }


def submitted_rows(path: Path) -> Callable[[], int]:
    """Counts the simulated provider's submissions through a read-only connection of its own."""

    def count() -> int:
        reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return int(reader.execute("SELECT COUNT(*) FROM submission").fetchone()[0])
        finally:
            reader.close()

    return count


# ---------------------------------------------------------------- SMS


async def sms_simulated(workdir: Path, seconds: float) -> dict[str, Any]:
    """SMS into the simulated provider's file at the configured rate."""
    path = workdir / "sms_gateway.sqlite3"
    storage = await SqliteStorage.open(workdir / "bot.sqlite3")
    gateway = SimulatedSmsGateway(path, FixedClock(NOW))
    try:
        total = int(SMS_RATE * seconds * SURPLUS)
        messages = (outbox_message(n, Channel.SMS, phone(n)) for n in range(total))
        queued = await fill(storage, messages)
        dispatcher = Dispatcher(storage, gateway, RateLimit(SMS_RATE), OfferTimers())
        count, wall = await dispatch_for(dispatcher, seconds, submitted_rows(path))
    finally:
        gateway.close()
        await storage.close()
    return {**figures(SMS_RATE, count, wall), "queued": queued, "throttled": 0}


async def sms_smpp(workdir: Path, seconds: float) -> dict[str, Any]:
    """SMS over SMPP to the SMSC simulator, the gateway's TPS equal to the dispatcher's rate."""
    storage = await SqliteStorage.open(workdir / "bot.sqlite3")
    try:
        async with Smsc(SYSTEM_ID, PASSWORD) as smsc:
            endpoint = Endpoint("127.0.0.1", smsc.port, SYSTEM_ID, PASSWORD)
            gateway = SmppSmsGateway(
                SmppConfig(endpoint, tps=SMS_RATE), workdir / "smpp.sqlite3", FixedClock(NOW)
            )
            await gateway.start()
            try:
                if not await gateway.wait_bound(10.0):
                    raise RuntimeError(f"no SMPP bind: {gateway.counters.last_error}")
                total = int(SMS_RATE * seconds * SURPLUS)
                messages = (outbox_message(n, Channel.SMS, phone(n)) for n in range(total))
                queued = await fill(storage, messages)
                dispatcher = Dispatcher(storage, gateway, RateLimit(SMS_RATE), OfferTimers())
                count, wall = await dispatch_for(dispatcher, seconds, lambda: len(smsc.submits))
                throttled = gateway.counters.throttled
            finally:
                await gateway.close()
            smsc_throttled = sum(status is Status.ESME_RTHROTTLED for status, _ in smsc.rejected)
            errors = len(smsc.protocol_errors)
    finally:
        await storage.close()
    return {
        **figures(SMS_RATE, count, wall),
        "queued": queued,
        "smpp_tps": SMS_RATE,
        "smpp_window": endpoint.window,
        "throttled": throttled,
        "smsc_throttled": smsc_throttled,
        "smsc_protocol_errors": errors,
    }


# ---------------------------------------------------------------- Telegram


class RetryAfterCounter(BaseRequestMiddleware):
    """Counts the 429s (TelegramRetryAfter) aiogram raises, and lets them through."""

    def __init__(self) -> None:
        self.count = 0

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        try:
            return await make_request(bot, method)
        except TelegramRetryAfter:
            self.count += 1
            raise


class TelegramRig:
    """The Bot API server with `CHATS` users who have written, a bot on it, and a dispatcher
    whose chat channel is the Telegram sender (SMS goes to an unused simulated provider)."""

    def __init__(self, server: BotApiServer, storage: SqliteStorage, sms: SmsGateway) -> None:
        self.server, self.storage = server, storage
        self.users: list[FakeUser] = []
        for number in range(CHATS):
            user = server.user(7_000_000 + number, language_code="ru")
            user.send_text("/start")  # a bot may write only to a chat whose user wrote first
            self.users.append(user)
        session = AiohttpSession(api=TelegramAPIServer.from_base(server.base_url))
        self.bot = Bot(TOKEN, session=session)
        self.retry_after = RetryAfterCounter()
        self.bot.session.middleware(self.retry_after)
        sender = TelegramSender(self.bot, storage, TelegramLimits(TELEGRAM_RATE, CHAT_INTERVAL))
        self.dispatcher = Dispatcher(storage, sms, RateLimit(SMS_RATE), OfferTimers(), [sender])

    async def fill(self, count: int) -> int:
        """Queue `count` Telegram messages, round-robin over the chats."""
        chats = [str(user.id) for user in self.users]
        messages = (
            outbox_message(n, Channel.TELEGRAM, chats[n % len(chats)]) for n in range(count)
        )
        return await fill(self.storage, messages)

    def delivered(self) -> int:
        """Messages the chats received."""
        return sum(len(user.received) for user in self.users)

    def distinct(self) -> int:
        """Different texts the chats received."""
        return len({message["text"] for user in self.users for message in user.received})

    def send_calls(self) -> int:
        """sendMessage calls the server saw, 429s included."""
        return sum(method.lower() == "sendmessage" for method, _ in self.server.requests)

    async def close(self) -> None:
        await self.bot.session.close()


@asynccontextmanager
async def telegram_rig(workdir: Path) -> AsyncIterator[TelegramRig]:
    """A bot's storage, SMS gateway and Telegram sender against a local Bot API server."""
    storage = await SqliteStorage.open(workdir / "bot.sqlite3")
    sms = SimulatedSmsGateway(workdir / "sms_gateway.sqlite3", FixedClock(NOW))
    try:
        async with BotApiServer(TOKEN) as server:
            rig = TelegramRig(server, storage, sms)
            try:
                yield rig
            finally:
                await rig.close()
    finally:
        sms.close()
        await storage.close()


async def telegram(workdir: Path, seconds: float) -> dict[str, Any]:
    """Telegram messages to the local Bot API server at the configured rate."""
    async with telegram_rig(workdir) as rig:
        queued = await rig.fill(int(TELEGRAM_RATE * seconds * SURPLUS))
        count, wall = await dispatch_for(rig.dispatcher, seconds, rig.delivered)
        calls = rig.send_calls()
    return {
        **figures(TELEGRAM_RATE, count, wall),
        "queued": queued,
        "chats": CHATS,
        "send_calls": calls,
        "http_429": rig.retry_after.count,
    }


async def telegram_flood(workdir: Path, seconds: float) -> dict[str, Any]:
    """Telegram with 429s injected, the outbox drained to the end: pause, do not lose."""
    give_up = time.monotonic() + 4 * seconds + 30  # a sender that never drains fails loudly
    async with telegram_rig(workdir) as rig:
        queued = await rig.fill(int(TELEGRAM_RATE * seconds))
        rig.server.flood(FLOOD_TIMES, FLOOD_RETRY_AFTER)
        with Stopwatch() as watch:
            while await still_queued(rig.storage, Channel.TELEGRAM):
                if time.monotonic() > give_up:
                    raise RuntimeError("the Telegram outbox did not drain")
                if not await rig.dispatcher.dispatch(NOW):
                    await asyncio.sleep(IDLE_POLL)
        delivered, distinct, calls = rig.delivered(), rig.distinct(), rig.send_calls()
    return {
        **figures(TELEGRAM_RATE, delivered, watch.seconds),
        "queued": queued,
        "flood": {"times": FLOOD_TIMES, "retry_after_s": FLOOD_RETRY_AFTER},
        "send_calls": calls,
        "http_429": rig.retry_after.count,
        "lost": queued - distinct,
        "duplicates": delivered - distinct,
        "outbox": outbox_statuses(workdir / "bot.sqlite3"),
    }


# ---------------------------------------------------------------- the run


async def measure(quick: bool) -> dict[str, Any]:
    """Each channel for D seconds (30, quick 3), then the flood drained (10 s, quick 3)."""
    seconds = 3.0 if quick else 30.0
    flood_seconds = 3.0 if quick else 10.0
    with tempfile.TemporaryDirectory(prefix="p5-dispatch-") as tmp:
        root = Path(tmp)
        legs = ("sms_simulated", "sms_smpp", "telegram", "telegram_flood")
        for leg in legs:
            (root / leg).mkdir()
        return {
            "name": "P5 dispatch",
            "seconds": seconds,
            "sms_simulated": await sms_simulated(root / "sms_simulated", seconds),
            "sms_smpp": await sms_smpp(root / "sms_smpp", seconds),
            "telegram": await telegram(root / "telegram", seconds),
            "telegram_flood": await telegram_flood(root / "telegram_flood", flood_seconds),
            "target_percent": TARGET_PERCENT,
        }


if __name__ == "__main__":
    main(measure)
