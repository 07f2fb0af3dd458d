"""The channels' senders as `serve` runs them: one worker a channel, each with its own
backoff, so a channel whose line is down delays only its own messages.

The due work of the service layer (intake, replies, timers, decisions) runs on the
scheduler's interval without sending (`App.tick(sending=False)`); each worker sends its
channel's queued messages (`App.send`) whenever the due work queued some (`wake`), and on
its own interval to pick up retries that fell due. SMS goes through the gateway at its rate
and waits on the SMSC when it is down; Telegram and any other chat channel go on meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.app import App

log = logging.getLogger(__name__)
FIRST_BACKOFF, MOST_BACKOFF = 1.0, 60.0  # seconds after a failed pass, doubling while it fails
STOP_GRACE = 10.0  # seconds a worker gets at shutdown to end its pass before it is cancelled


class Senders:
    """A worker for each sending role of the app (`App.senders`)."""

    def __init__(self, app: App, interval: float) -> None:
        self.app, self.interval = app, interval
        self._wakes = {role: asyncio.Event() for role in app.senders}
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """Start one worker a channel."""
        self._tasks = [
            asyncio.create_task(self._work(role), name=f"sender {role}") for role in self._wakes
        ]

    def wake(self) -> None:
        """Messages were queued: every worker looks now."""
        for event in self._wakes.values():
            event.set()

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """Start no new pass; let each worker end the one in progress within `grace` seconds,
        then cancel it (a message whose answer was not written is submitted again under the
        same reference after a restart, and the gateway sends it once)."""
        self._stopping.set()
        self.wake()
        if not self._tasks:
            return
        _, late = await asyncio.wait(self._tasks, timeout=grace)
        for task in late:
            log.warning("%s did not end its pass in %.0f s; stopping it", task.get_name(), grace)
            task.cancel()
        for task in late:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _work(self, role: str) -> None:
        failures = 0
        while not self._stopping.is_set():
            self._wakes[role].clear()
            try:
                done = await self.app.send(role)
            except Exception:  # a channel's failure must never end its worker
                failures += 1
                delay = min(MOST_BACKOFF, FIRST_BACKOFF * 2 ** (failures - 1))
                log.exception("%s: a pass failed; the next in %.0f s", role, delay)
                await self._idle(role, delay)
                continue
            failures = 0
            if done == 0:
                await self._idle(role, self.interval)

    async def _idle(self, role: str, seconds: float) -> None:
        """Wait `seconds`, or less when woken or stopping."""
        woken = asyncio.create_task(self._wakes[role].wait())
        stopping = asyncio.create_task(self._stopping.wait())
        try:
            await asyncio.wait({woken, stopping}, timeout=seconds, return_when="FIRST_COMPLETED")
        finally:
            woken.cancel()
            stopping.cancel()
