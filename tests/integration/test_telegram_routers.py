"""The routers fed updates directly (`Dispatcher.feed_update`), on a recording session.

Updates are built as the Bot API sends them; what the handlers do is read back from the
bot's store (the outbox and the ledger), where every reply goes before it is sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import Update

from bot.channels.telegram import linking
from bot.channels.telegram.deps import Deps
from bot.channels.telegram.runner import build_dispatcher
from bot.records import Channel, ConsentAct, Keyboard, OutboxMessage
from tests.e2e.world import World, open_world
from tests.fakes.telegram_session import RecordingSession

TOKEN = "123456:TEST"
PHONE = "+77012345671"
USER = 810_001
GROUP = -100_555
_ids = count(1)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    made = open_world(tmp_path)
    made.disability(made.person(phone=PHONE, language="ru"))
    await made.start()
    await made.settle()
    try:
        yield made
    finally:
        await made.close()


@pytest.fixture
async def wired(world: World) -> AsyncIterator[tuple[Bot, Dispatcher]]:
    bot = Bot(TOKEN, session=RecordingSession())
    app = world.bot
    try:
        yield bot, build_dispatcher(Deps(app.storage, app.registries, app.clock))
    finally:
        await bot.session.close()


def message(chat: dict[str, Any], **fields: Any) -> dict[str, Any]:
    user = {"id": USER, "is_bot": False, "first_name": "Айгүл", "language_code": "ru"}
    body = {"message_id": next(_ids), "date": 1_767_000_000, "chat": chat, "from": user}
    return {"update_id": next(_ids), "message": {**body, **fields}}


def start(chat: dict[str, Any]) -> dict[str, Any]:
    entity = {"type": "bot_command", "offset": 0, "length": 6}
    return message(chat, text="/start", entities=[entity])


PRIVATE = {"id": USER, "type": "private", "first_name": "Айгүл"}
GROUP_CHAT = {"id": GROUP, "type": "supergroup", "title": "Отбасы"}


async def feed(wired: tuple[Bot, Dispatcher], update: dict[str, Any]) -> None:
    bot, dispatcher = wired
    await dispatcher.feed_update(bot, Update.model_validate(update, context={"bot": bot}))


async def queued(world: World, chat_id: int) -> list[OutboxMessage]:
    async with world.bot.storage.unit_of_work() as uow:
        due = await uow.outbox.due(world.now(), limit=100, channel=Channel.TELEGRAM)
    return [m for m in due if m.address == str(chat_id)]


async def test_start_in_a_private_chat_asks_for_the_contact_in_the_users_language(
    world: World, wired: tuple[Bot, Dispatcher]
) -> None:
    await feed(wired, start(PRIVATE))
    replies = await queued(world, USER)
    assert [m.template_id for m in replies] == ["telegram.welcome", "telegram.choose_language"]
    assert replies[0].language == "ru"  # Telegram's interface language, nothing stored yet
    assert replies[0].markup is not None and replies[0].markup.kind == "contact"


async def test_a_group_chat_is_never_answered_nor_linked(
    world: World, wired: tuple[Bot, Dispatcher]
) -> None:
    await feed(wired, start(GROUP_CHAT))
    own = {"phone_number": PHONE, "first_name": "Айгүл", "user_id": USER}
    await feed(wired, message(GROUP_CHAT, contact=own))
    await feed(wired, message(GROUP_CHAT, text="1"))
    assert await queued(world, GROUP) == []
    async with world.bot.storage.unit_of_work() as uow:
        assert await uow.telegram.by_phone(PHONE) is None
        assert await uow.inbound.pending() == []


async def test_blocking_the_bot_unlinks_the_chat_at_once(
    world: World, wired: tuple[Bot, Dispatcher]
) -> None:
    proof = await linking.verify_contact(world.bot.registries, USER, USER, PHONE)
    assert not isinstance(proof, linking.Refusal)
    text = linking.Text("linked", "telegram.linked", "ru", Keyboard(kind="remove"))
    await linking.link(world.bot.storage, USER, USER, proof, (text, "ref"), world.now())
    bot_user = {"id": 123456, "is_bot": True, "first_name": "Бот"}
    user = {"id": USER, "is_bot": False, "first_name": "Айгүл"}
    update = {
        "update_id": next(_ids),
        "my_chat_member": {
            "chat": PRIVATE,
            "from": user,
            "date": 1_767_000_000,
            "old_chat_member": {"status": "member", "user": bot_user},
            "new_chat_member": {"status": "kicked", "user": bot_user, "until_date": 0},
        },
    }
    await feed(wired, update)
    async with world.bot.storage.unit_of_work() as uow:
        assert await uow.telegram.by_phone(PHONE) is None
    iin = (await world.case_of(PHONE)).addressee_iin
    assert (await world.ledger_acts(iin))[-1] == ConsentAct.UNLINKED.value
    assert await queued(world, USER) == []  # what waited for the chat was dropped
