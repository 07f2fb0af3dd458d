"""Due work taken a batch per transaction, and one item per transaction when a batch fails.

A transaction costs a few trips to the database whatever it holds, so work that is due in
numbers (replies, timers, decisions) is taken in batches: the batch's reads are made ahead,
a query a kind, and its writes go together at commit. Should anything in a batch fail, the
batch is rolled back and its items are taken again one per transaction: those before the
one that fails are kept, and the failure is raised from that one, as it would be unbatched.
On PostgreSQL an item's transaction may also be ended for another instance's sake (a
deadlock the server broke, `Conflict`): nothing of it was written, and it is run again.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from bot.ports import Conflict, Storage, UnitOfWork

T = TypeVar("T")
CONFLICT_TRIES = 3  # an item whose transaction another instance's ended: tried this often
CONFLICT_PAUSE = 0.05  # seconds, at most, before the next try (times the try's number)
Fetch = Callable[[UnitOfWork], Awaitable[Sequence[T]]]
ReadAhead = Callable[[UnitOfWork, Sequence[T]], Awaitable[None]]
Work = Callable[[UnitOfWork, T], Awaitable[None]]


async def _nothing(uow: UnitOfWork, items: Sequence[object]) -> None:
    """No reads to make ahead."""


async def drain(
    storage: Storage,
    fetch: Fetch[T],
    work: Work[T],
    read_ahead: ReadAhead[T] = _nothing,
) -> int:
    """Take what `fetch` finds due, a batch per transaction, until it finds nothing; each item
    is done by `work`, which must leave it no longer due. The number of items done."""
    done = 0
    while True:
        batch: Sequence[T] = ()
        try:
            async with storage.unit_of_work() as uow:
                batch = await fetch(uow)
                if not batch:
                    return done
                await read_ahead(uow, batch)
                for item in batch:
                    await work(uow, item)
                await uow.commit()
        except Exception:
            if len(batch) <= 1:
                raise
            for item in batch:
                await _alone(storage, work, item)
        done += len(batch)


async def _alone(storage: Storage, work: Work[T], item: T) -> None:
    """One item in a transaction of its own; again when another instance's transaction
    ended it (`Conflict`: nothing was written), up to CONFLICT_TRIES times."""
    for attempt in range(1, CONFLICT_TRIES + 1):
        try:
            async with storage.unit_of_work() as uow:
                await work(uow, item)
                await uow.commit()
        except Conflict:
            if attempt == CONFLICT_TRIES:
                raise
            await asyncio.sleep(random.uniform(0, CONFLICT_PAUSE * attempt))  # noqa: S311
        else:
            return
