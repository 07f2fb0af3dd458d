"""APScheduler wiring only: an interval job runs the bot's due work; what is due lives in the DB.

The job takes no state of its own: each run is `App.tick()`, which reads the feed cursor,
the pending replies, the timers and the outbox from the database. One run at a time; a run
missed while the previous one was busy is coalesced, never stacked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import App

log = logging.getLogger(__name__)
JOB_ID = "due-work"


async def _run(app: App, sending: bool, queued: Callable[[], None] | None) -> None:
    done = await app.tick(sending=sending)
    if done:
        log.info("due work: %d steps", done)
        if queued is not None:
            queued()


def build_scheduler(
    app: App,
    interval_seconds: float,
    *,
    sending: bool = True,
    queued: Callable[[], None] | None = None,
) -> AsyncIOScheduler:
    """A scheduler that runs the bot's due work every `interval_seconds`, starting now.

    Without `sending` the runs leave sending to the channels' workers (`bot.workers`), and
    `queued` is called after a run that did something (it may have queued messages)."""
    if interval_seconds <= 0:
        raise ValueError("the interval must be positive")
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        _run,
        "interval",
        args=[app, sending, queued],
        id=JOB_ID,
        seconds=interval_seconds,
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )
    return scheduler


async def stop_gracefully(scheduler: AsyncIOScheduler, app: App) -> None:
    """Start no new run, let the run in progress finish, then shut down.

    APScheduler's shutdown cancels a running coroutine job; a tick cancelled between a
    channel's acceptance and our bookkeeping would send that message again after a restart.
    A run the scheduler submitted just before it paused finds the app stopped and ends at
    once (`App.stop_ticking`).
    """
    scheduler.pause()
    await app.stop_ticking()
    scheduler.shutdown(wait=False)
