"""Group commit: writes that several tasks ask for at about the same time share a transaction.

A transaction costs a few trips to the database (begin, the writes, commit) whatever it
holds. `GroupCommit` takes the writes tasks hand it, and while one transaction is being
written collects those that come in, for the next one. A write is durable when its `write()`
returns (or its `later()` future is done). Should a shared transaction fail, its writes are
made again one per transaction, and each caller gets its own write's outcome.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from bot.ports import Storage, UnitOfWork

Write = Callable[[UnitOfWork], Awaitable[None]]


class GroupCommit:
    """Writes of many tasks, a transaction per group; in the order they were handed in."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._waiting: list[tuple[Write, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self.transactions = 0  # committed so far (each holding one or more writes)

    def later(self, write: Write) -> asyncio.Future[None]:
        """Hand in a write; the future is done once it is committed (or failed)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((write, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all())
        return done

    async def write(self, write: Write) -> None:
        """Hand in a write and wait until it is committed."""
        await asyncio.shield(self.later(write))

    async def _write_all(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting, []
            try:
                await self._commit([write for write, _ in group])
            except Exception:  # one of them failed: each alone, each its own outcome
                for write, done in group:
                    await self._one(write, done)
            else:
                for _, done in group:
                    if not done.done():
                        done.set_result(None)

    async def _one(self, write: Write, done: asyncio.Future[None]) -> None:
        try:
            await self._commit([write])
        except Exception as error:  # handed to the caller that asked for this write
            if not done.done():
                done.set_exception(error)
        else:
            if not done.done():
                done.set_result(None)

    async def _commit(self, writes: list[Write]) -> None:
        async with self._storage.unit_of_work() as uow:
            for write in writes:
                await write(uow)
            await uow.commit()
        self.transactions += 1
