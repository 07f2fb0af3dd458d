"""A delivery receipt that comes before its message's answer is written (another instance on
the same gateway has not written it yet) waits with the gateway and is applied once the
answer is there: never acknowledged unapplied, so never lost (the three-instance run had
96 SMS stuck `sent` when it was)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.channels.sms_gateway import SimulatedSmsGateway, path_in
from bot.records import Channel, OutboxMessage, OutboxStatus
from bot.service import dispatcher as dispatching
from bot.service.dispatcher import Dispatcher, RateLimit
from bot.service.timers import OfferTimers
from bot.storage.sqlite import SqliteStorage
from tests.integration.test_sms_gateway import START, FakeClock

PHONE = "+77011234567"


@pytest.fixture
async def parts(
    tmp_path: Path,
) -> AsyncIterator[tuple[SqliteStorage, SimulatedSmsGateway, FakeClock]]:
    clock = FakeClock(START)
    storage = await SqliteStorage.open(tmp_path / "bot.sqlite3")
    gateway = SimulatedSmsGateway(path_in(tmp_path), clock)
    try:
        yield storage, gateway, clock
    finally:
        gateway.close()
        await storage.close()


async def queued(storage: SqliteStorage) -> int:
    """One SMS in the outbox; its id."""
    async with storage.unit_of_work() as uow:
        uow.outbox.put(
            OutboxMessage(
                client_ref="offer:c1:1", case_id=None, channel=Channel.SMS, address=PHONE,
                language="ru", template_id="offer.disability", text="Текст", encoding="ucs2",
                segments=1, next_attempt_at=START, created_at=START,
            )
        )  # fmt: skip
        await uow.commit()
    async with storage.unit_of_work() as uow:
        [message] = await uow.outbox.due(START, limit=1)
    assert message.id is not None
    return message.id


async def test_a_receipt_before_its_answer_waits_and_is_applied_once_the_answer_is_written(
    parts: tuple[SqliteStorage, SimulatedSmsGateway, FakeClock],
) -> None:
    storage, gateway, clock = parts
    message_id = await queued(storage)
    sender = Dispatcher(storage, gateway, RateLimit(1000.0), OfferTimers())
    provider_id = await gateway.submit("offer:c1:1#0", PHONE, "Текст")  # its answer not written
    clock.advance(3600)
    assert await sender.receipts(clock.at) == 0  # nothing to apply it to yet
    assert [pid for pid, _ in await gateway.receipts()] == [provider_id]  # kept, not acked
    async with storage.unit_of_work() as uow:  # the other instance writes its answer
        await uow.outbox.mark_sent(message_id, provider_id, clock.at)
        await uow.commit()
    assert await sender.receipts(clock.at) == 1
    assert await gateway.receipts() == []
    async with storage.unit_of_work() as uow:
        message = await uow.outbox.get(message_id)
    assert message is not None and message.status is OutboxStatus.DELIVERED


async def test_a_receipt_that_never_matches_a_message_is_dropped_after_its_wait(
    parts: tuple[SqliteStorage, SimulatedSmsGateway, FakeClock], monkeypatch: pytest.MonkeyPatch
) -> None:
    storage, gateway, clock = parts
    sender = Dispatcher(storage, gateway, RateLimit(1000.0), OfferTimers())
    await gateway.submit("elsewhere#0", PHONE, "Текст")  # of no message of ours
    clock.advance(3600)
    assert await sender.receipts(clock.at) == 0
    monkeypatch.setattr(dispatching, "ORPHAN_AFTER", 0.0)  # its wait is over
    assert await sender.receipts(clock.at) == 1
    assert await gateway.receipts() == []
