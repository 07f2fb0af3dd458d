"""P4 Telegram: conversation steps per second through the bot's aiogram channel against a local
Bot API server, beside a bare aiogram echo bot against the same kind of server; the ratio.

Both halves run in this one process and event loop: the Bot API server
(`tests.fakes.bot_api.BotApiServer`, aiohttp on 127.0.0.1), the bot long polling it with
aiogram's real HTTP client, and U users played through the server's `FakeUser`. Each user is a
closed loop: answer, wait for the bot's next message in the chat, answer again; the U users go
side by side. A step's latency runs from the user's answer entering the server's update queue
to the bot's next message in that chat reaching the server (`sendMessage`); the wall time runs
from the first answer until every user has had their last reply, and steps/s = steps / wall.

- Echo (the baseline): an aiogram `Dispatcher` with one handler that sends a text back;
  U users each write M messages.
- The bot: a world (`tests.e2e.world`) of U people, each with a phone, an account on file and
  a disability established (so an offer), served as `python -m bot serve` serves it
  (`bot.cli.serve.run_until`: long polling, and the due-work job that a handler wakes). Rate
  limits are lifted so that they do not set the pace: Telegram's (`telegram_rate` 1e6 a
  second, `telegram_chat_interval` 0) and the SMS channel's (`sms_rate` 1e6: the notices go by
  SMS too, and the dispatcher sends the SMS queue before the Telegram one in each pass).
  Before the clock starts every user links their chat (/start, then their own contact) and
  has the offer with its buttons. Timed: every user presses "yes" under the offer (step 1:
  done when the account question arrives), then "yes, to this account" (step 2: done when the
  bot's next message arrives, the notice that the application is accepted). A step is thus
  what the bot does for a citizen's answer: log it in the handler, take it in the due-work
  tick (with the acceptance check and the decision that follow step 2), queue and send.

Before the clock starts each half is warmed up: every echo user writes once (the bot's
HTTP connections are open), and one extra citizen applies (imports and caches are warm, e.g.
the holiday calendar) after which the bot runs due work until there is none. Then the heap is
collected and frozen for the window (see `timed`). The target (issue 9) is ratio >= 0.5; it
is printed beside the figures, never asserted.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import io
import logging
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message
from schwifty import IBAN

from benchmarks.common import Stopwatch, latency_ms, main, rate
from bot.app import App
from bot.cli.serve import run_until
from bot.service.choices import parse_button
from tests.e2e.world import World, open_world
from tests.fakes.bot_api import BotApiServer, FakeUser

TOKEN = "123456:BENCH"
TARGET_RATIO = 0.5
WAIT = 60.0  # seconds a user waits for one reply before the run counts as broken
TICK_INTERVAL = 0.05  # seconds between passes of due work when no handler wakes the job
UNLIMITED = 1e6  # messages a second: a channel limit that never binds here
FIRST_USER = 700_000

Json = dict[str, Any]
Conversation = Coroutine[Any, Any, None]


# ---------------------------------------------------------------- the users' side


def actions(message: Json) -> dict[str, str]:
    """A message's inline buttons: action -> callback data."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    found: dict[str, str] = {}
    for row in rows:
        for button in row:
            data = str(button.get("callback_data", ""))
            press = parse_button(data)
            if press is not None:
                found[press.action] = data
    return found


def has_buttons(*wanted: str) -> Callable[[Json], bool]:
    """The message has buttons for every one of `wanted`."""
    return lambda message: set(wanted) <= actions(message).keys()


def is_text(text: str) -> Callable[[Json], bool]:
    """The message says `text`."""
    return lambda message: message.get("text") == text


def anything(_: Json) -> bool:
    """Any message."""
    return True


async def step(
    user: FakeUser,
    answer: Callable[[], object],
    reply: Callable[[Json], bool],
    latencies: list[float],
) -> Json:
    """The user answers; the first new message that is `reply`; its latency kept."""
    skip = len(user.received)
    started = time.perf_counter()
    answer()
    message = await user.wait_for(reply, WAIT, skip=skip)
    latencies.append(time.perf_counter() - started)
    return message


async def timed(conversations: list[Conversation]) -> float:
    """Seconds until every conversation is over.

    What the process holds by then (the imports, the world, the server's records) is
    collected and frozen first, and unfrozen after: a full collection traverses all of it
    (0.15-0.2 s here), which a long run spreads thinly but which a window of a second or two
    would take whole or not at all, at random."""
    gc.collect()
    gc.freeze()
    try:
        with Stopwatch() as watch:
            await asyncio.gather(*conversations)
    finally:
        gc.unfreeze()
    return watch.seconds


# ---------------------------------------------------------------- the echo baseline


async def echo(message: Message) -> None:
    """The whole echo bot: the same text back."""
    await message.answer(message.text or "?")


async def echoes(user: FakeUser, messages: int, latencies: list[float]) -> None:
    """The user writes `messages` texts, each after the echo of the one before."""
    for n in range(messages):
        text = f"echo {user.id} {n}"
        await step(user, partial(user.send_text, text), is_text(text), latencies)


async def echo_run(users: int, messages: int) -> tuple[float, list[float], Counter[str]]:
    """Seconds for `users` users to have `messages` echoes each; every step's latency; the
    Bot API methods the timed window called."""
    latencies: list[float] = []
    async with BotApiServer(TOKEN) as server:
        session = AiohttpSession(api=TelegramAPIServer.from_base(server.base_url))
        bot = Bot(TOKEN, session=session)
        dispatcher = Dispatcher()
        dispatcher.message.register(echo, F.text)
        polling = asyncio.create_task(
            dispatcher.start_polling(bot, handle_signals=False, close_bot_session=False)
        )
        try:
            await server.wait_until_polled(WAIT)
            people = [server.user(FIRST_USER + n) for n in range(users)]
            await timed([echoes(user, 1, []) for user in people])  # warm-up: connections
            before = len(server.requests)
            seconds = await timed([echoes(user, messages, latencies) for user in people])
            calls = methods(server, before)
        finally:
            await dispatcher.stop_polling()
            with contextlib.suppress(asyncio.CancelledError):
                await polling
            await session.close()
    return seconds, latencies, calls


# ---------------------------------------------------------------- the bot


def populate(world: World, count: int) -> list[str]:
    """`count` people with a phone, an account on file and a disability; their phones."""
    phones = []
    for n in range(count):
        phone = f"+7701{n + 1:07d}"
        iin = world.person(phone=phone, language="kk")
        world.account(iin, str(IBAN.generate("KZ", bank_code="722", account_code=f"{n:013d}")))
        world.disability(iin)
        phones.append(phone)
    return phones


async def link(user: FakeUser, phone: str) -> Json:
    """/start, then the user's own contact; the offer with its buttons."""
    user.command("start")
    await user.wait_for(anything, WAIT)
    user.share_contact(phone)
    return await user.wait_for(has_buttons("yes", "no"), WAIT)


async def applies(user: FakeUser, offer: Json, latencies: list[float]) -> None:
    """Consent under the offer, then the account on file: two steps."""
    consent = actions(offer)["yes"]
    question = await step(
        user, lambda: user.press(offer, consent), has_buttons("confirm", "another"), latencies
    )
    confirm = actions(question)["confirm"]
    await step(user, lambda: user.press(question, confirm), anything, latencies)


async def settle(app: App) -> None:
    """Run due work until a whole tick finds none."""
    while await app.tick():
        pass


@contextlib.contextmanager
def quiet(logger: str) -> Iterator[None]:
    """Warnings of `logger` not shown (APScheduler's "skipped: maximum number of running
    instances": a tick outlasting the interval, expected under load)."""
    log = logging.getLogger(logger)
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


async def serve_and_time(
    app: App, server: BotApiServer, phones: list[str]
) -> tuple[float, list[float], Counter[str]]:
    """Serve the bot; link every user, warm up with the first, time the others: the
    seconds, every step's latency and the Bot API methods the window called."""
    stop = asyncio.Event()
    # run_until writes "serving: ..." to standard output, where the figures go
    with contextlib.redirect_stdout(io.StringIO()), quiet("apscheduler"):
        serving = asyncio.create_task(run_until(app, stop))
        try:
            await server.wait_until_polled(WAIT)
            people = [server.user(FIRST_USER + n) for n in range(len(phones))]
            offers = await asyncio.gather(*map(link, people, phones))
            await applies(people[0], offers[0], [])  # warm-up
            await settle(app)
            latencies: list[float] = []
            before = len(server.requests)
            seconds = await timed(
                [
                    applies(user, offer, latencies)
                    for user, offer in zip(people[1:], offers[1:], strict=True)
                ]
            )
            calls = methods(server, before)
        finally:
            stop.set()
            await asyncio.wait_for(serving, WAIT)
    return seconds, latencies, calls


async def bot_run(users: int) -> tuple[float, list[float], Counter[str]]:
    """Seconds for `users` citizens to take both steps; every step's latency; the Bot API
    methods the timed window called."""
    with tempfile.TemporaryDirectory(prefix="p4-telegram-") as data_dir:
        world = open_world(Path(data_dir))
        try:
            phones = populate(world, users + 1)  # the first warms up
            async with BotApiServer(TOKEN) as server:
                app = await world.start(
                    token=TOKEN,
                    telegram_api_base=server.base_url,
                    tick_interval=TICK_INTERVAL,
                    telegram_rate=UNLIMITED,
                    telegram_chat_interval=0,
                    sms_rate=UNLIMITED,
                    console=False,
                )
                seconds, latencies, calls = await serve_and_time(app, server, phones)
        finally:
            await world.close()
    return seconds, latencies, calls


# ---------------------------------------------------------------- the figures


def methods(server: BotApiServer, since: int) -> Counter[str]:
    """The Bot API methods called since the `since`-th request, counted."""
    return Counter(method for method, _ in server.requests[since:])


def per_step(calls: Counter[str], steps: int) -> dict[str, float]:
    """Calls of each method per step, and in all."""
    shares = {method: round(n / steps, 2) for method, n in sorted(calls.items())} if steps else {}
    return {**shares, "all": round(sum(calls.values()) / steps, 2) if steps else 0.0}


async def measure(quick: bool) -> dict[str, Any]:
    """Echo, then the bot, with the same number of users side by side."""
    users, messages = (10, 5) if quick else (50, 20)
    echo_seconds, echo_latencies, echo_calls = await echo_run(users, messages)
    bot_seconds, bot_latencies, bot_calls = await bot_run(users)
    echo_rate = rate(len(echo_latencies), echo_seconds)
    bot_rate = rate(len(bot_latencies), bot_seconds)
    bot_per_step = per_step(bot_calls, len(bot_latencies))
    echo_per_step = per_step(echo_calls, len(echo_latencies))
    return {
        "name": "P4 telegram",
        "users": users,
        "steps": len(bot_latencies),
        "echo_steps": len(echo_latencies),
        "bot_seconds": round(bot_seconds, 3),
        "echo_seconds": round(echo_seconds, 3),
        "bot_steps_per_s": bot_rate,
        "echo_steps_per_s": echo_rate,
        "ratio": round(bot_rate / echo_rate, 3) if echo_rate else 0.0,
        # what a step asks of the Bot API: the echo sends one message; the bot answers the
        # callback, takes the buttons off the question and sends its next message(s)
        "bot_api_calls_per_step": bot_per_step,
        "echo_api_calls_per_step": echo_per_step,
        "api_calls_per_s_ratio": (
            round(bot_rate * bot_per_step["all"] / (echo_rate * echo_per_step["all"]), 3)
            if echo_rate and echo_per_step["all"]
            else 0.0
        ),
        "bot_latency": latency_ms(bot_latencies),
        "echo_latency": latency_ms(echo_latencies),
        "target_ratio": TARGET_RATIO,
    }


if __name__ == "__main__":
    main(measure)
