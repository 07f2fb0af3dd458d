"""The operators' view of the messages that met a failure on their way (`Views.
retried_messages`, `python -m bot retries`), on a real database file through the ports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.ports import Storage
from bot.records import OutboxStatus
from bot.storage.sqlite import SqliteStorage
from tests.integration.test_storage import NOW, message, with_case


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    opened = await SqliteStorage.open(tmp_path / "bot.sqlite3")
    try:
        yield opened
    finally:
        await opened.close()


async def test_retried_postponed_and_given_up_messages_are_listed_newest_first_with_counts(
    storage: Storage,
) -> None:
    await with_case(storage)
    async with storage.unit_of_work() as uow:
        clean, retried, postponed, given_up = [
            await uow.outbox.enqueue(message(f"m-{n}")) for n in range(4)
        ]
        assert None not in (clean.id, retried.id, postponed.id, given_up.id)
        await uow.outbox.mark_sent(clean.id or 0, "prov-0", NOW)
        await uow.outbox.mark_retry(retried.id or 0, NOW + timedelta(minutes=1), "temporary")
        await uow.outbox.postpone(postponed.id or 0, NOW, "429: retry after 3 s")
        await uow.outbox.mark_failed(given_up.id or 0, "permanent delivery failure")
        await uow.commit()
    async with storage.unit_of_work() as uow:
        listed, states = await uow.views.retried_messages()
        latest, _ = await uow.views.retried_messages(limit=1)
    assert [m.client_ref for m in listed] == ["m-3", "m-2", "m-1"]  # not the clean one
    assert [(m.attempts, m.last_error) for m in listed] == [
        (0, "permanent delivery failure"),
        (0, "429: retry after 3 s"),
        (1, "temporary"),
    ]
    assert states == {
        OutboxStatus.QUEUED: 2,
        OutboxStatus.SENT: 0,
        OutboxStatus.DELIVERED: 0,
        OutboxStatus.FAILED: 1,
    }
    assert [m.client_ref for m in latest] == ["m-3"]


async def test_with_no_failure_nothing_is_listed(storage: Storage) -> None:
    await with_case(storage)
    async with storage.unit_of_work() as uow:
        await uow.outbox.enqueue(message())
        await uow.commit()
    async with storage.unit_of_work() as uow:
        listed, states = await uow.views.retried_messages()
    assert listed == []
    assert set(states.values()) == {0}
