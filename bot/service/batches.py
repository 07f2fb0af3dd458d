"""Due work taken a batch per transaction, and one item per transaction when a batch fails.

A transaction costs a few trips to the database whatever it holds, so work that is due in
numbers (replies, timers, decisions) is taken in batches: the batch's reads are made ahead,
a query a kind, and its writes go together at commit. Should anything in a batch fail, the
batch is rolled back and its items are taken again one per transaction: those before the
one that fails are kept, and the failure is raised from that one, as it would be unbatched.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from bot.ports import Storage, UnitOfWork

T = TypeVar("T")
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
                async with storage.unit_of_work() as uow:
                    await work(uow, item)
                    await uow.commit()
        done += len(batch)
