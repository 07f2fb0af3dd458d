"""P2 replies: citizens' SMS replies handled — parsed, stepped, persisted, answer queued.

C conversations (C citizens, each offered the disability benefit and the offer sent) are
open at once. Throughput: every citizen's consent ("1", or the word in their language)
arrives at once and the bot handles the backlog, as a tick does (`handle_pending`): replies
per second. Latency: then each citizen confirms the account on file, one reply at a time at
an idle bot, and each reply is timed from being logged to its answer being in the outbox
(`log_inbound` + `handle_pending`): p50 and p99. Baseline, in the same run: the bare cost of
one unit of work on the same file (a read and a write, committed), per second.
"""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks import world
from benchmarks.common import Stopwatch, latency_ms, main, rate
from bot.app import App
from bot.composition import build_app
from bot.records import Channel, InboundMessage
from bot.service.flow import handle_pending, log_inbound
from bot.service.intake import intake
from bot.settings import Settings

YES = {"kk": "иә", "ru": "да"}


def reply(citizen: world.Citizen, text: str, n: int, now: datetime) -> InboundMessage:
    """One SMS from the citizen's phone, as a gateway hands it over."""
    return InboundMessage(
        channel=Channel.SMS,
        address=citizen.phone,
        provider_id=f"bench-{n}",
        text=text,
        received_at=now,
    )


async def offered(app: App) -> datetime:
    """Intake and one dispatch pass per 500 offers: every offer sent, its timers started."""
    await intake(app.storage, app.registries, app.clock)
    now = await app.clock.now()
    while await app.dispatcher.dispatch(now):
        pass
    return now + timedelta(minutes=5)


async def baseline(app: App, count: int) -> float:
    """Seconds for `count` bare units of work: one read, one write, one commit each."""
    with Stopwatch() as watch:
        for _ in range(count):
            async with app.storage.unit_of_work() as uow:
                await uow.cursor.set(await uow.cursor.get())
                await uow.commit()
    return watch.seconds


async def measure(quick: bool) -> dict[str, Any]:
    count = 200 if quick else 1_000
    with tempfile.TemporaryDirectory(prefix="bench-p2-") as tmp:
        citizens = world.build(Path(tmp), count)
        app = await build_app(Settings(data_dir=Path(tmp), sms_rate=1_000_000.0))
        try:
            now = await offered(app)
            await log_inbound(
                app.storage, [reply(c, YES[c.language], n, now) for n, c in enumerate(citizens)]
            )
            with Stopwatch() as backlog:
                handled = await handle_pending(app.storage, now)
            latencies = []
            for n, citizen in enumerate(citizens, start=count):
                with Stopwatch() as one:
                    await log_inbound(app.storage, [reply(citizen, "1", n, now)])
                    await handle_pending(app.storage, now)
                latencies.append(one.seconds)
            async with app.storage.unit_of_work() as uow:
                states = [r.case.state.value for r in await uow.cases.all(count + 1)]
            base = await baseline(app, count)
        finally:
            await app.close()
    return {
        "name": "P2 replies",
        "conversations": count,
        "handled": handled,
        "replies_per_s": rate(handled, backlog.seconds),
        "latency_one_at_a_time": latency_ms(latencies),
        "baseline_units_of_work_per_s": rate(count, base),
        "cases_by_state": {state: states.count(state) for state in sorted(set(states))},
        "target_replies_per_s": 2_000,
        "target_p99_ms": 50,
    }


if __name__ == "__main__":
    main(measure)
