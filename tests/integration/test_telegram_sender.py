"""The Telegram sender and the chat side of the conversation, on a recording aiogram session.

The bot runs through the composition root on real SQLite files; `Bot` talks to a
`RecordingSession`, which records every Bot API call and answers with scripted raw
responses, so aiogram itself raises its 429 and 403 exceptions.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from aiogram import Bot

from bot.channels.telegram import linking
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.sender import TelegramLimits
from bot.records import (
    Channel,
    ConsentAct,
    InboundMessage,
    Keyboard,
    OutboxMessage,
    OutboxStatus,
)
from bot.service.choices import button_data, parse_button
from bot.service.effects import chat_ref
from bot.service.flow import handle_pending, log_inbound
from domain.cases import CaseState
from domain.model import Service
from tests.e2e.world import World, open_world
from tests.fakes.monotonic import FakeTime
from tests.fakes.telegram_session import RecordingSession

PHONE = "+77012345671"
CHAT = 5_550_001
TOKEN = "123456:TEST"


@pytest.fixture
def session() -> RecordingSession:
    return RecordingSession()


@pytest.fixture
def time_() -> FakeTime:
    return FakeTime()


@pytest.fixture
async def world(
    tmp_path: Path, session: RecordingSession, time_: FakeTime
) -> AsyncIterator[World]:
    """A world with the bot on a recording Telegram session and fake monotonic time."""
    made = open_world(tmp_path)
    bot = Bot(TOKEN, session=session)
    try:
        app = await made.start(telegram=bot)
        [channel] = app.chats
        assert isinstance(channel, TelegramChannel)
        channel.sender.limits = TelegramLimits(monotonic=time_.monotonic, sleep=time_.sleep)
        yield made
    finally:
        await made.close()


async def link(world: World, chat_id: int = CHAT, phone: str = PHONE) -> None:
    """The citizen shares their own contact in the chat."""
    proof = await linking.verify_contact(world.bot.registries, chat_id, chat_id, phone)
    assert not isinstance(proof, linking.Refusal)
    text = linking.Text("linked", "telegram.linked", "kk", Keyboard(kind="remove"))
    now = await world.bot.clock.now()
    await linking.link(
        world.bot.storage, chat_id, chat_id, proof, (text, f"tg:{chat_id}:1:1"), now
    )


async def offered(world: World, phone: str = PHONE) -> str:
    """A person with the phone gets a disability; the bot offers the benefit; the case id."""
    iin = world.person(phone=phone, language="kk")
    world.disability(iin)
    await world.settle()
    return (await world.case_of(phone)).case.id


async def telegram_messages(world: World, case_id: str | None = None) -> list[OutboxMessage]:
    async with world.bot.storage.unit_of_work() as uow:
        if case_id is not None:
            return [m for m in await uow.outbox.for_case(case_id) if m.channel == Channel.TELEGRAM]
        return await uow.outbox.due(world.now(), limit=1000, channel=Channel.TELEGRAM)


async def test_a_linked_citizen_gets_the_open_offer_in_chat_with_consent_buttons(
    world: World, session: RecordingSession
) -> None:
    case_id = await offered(world)
    await link(world)
    await world.tick()
    sent = session.sent("sendMessage")
    assert [m["chat_id"] for m in sent] == [CHAT, CHAT]
    assert sent[0]["text"] == "linked" and sent[0]["reply_markup"] == {"remove_keyboard": True}
    buttons = sent[1]["reply_markup"]["inline_keyboard"][0]
    parsed = [parse_button(b["callback_data"]) for b in buttons]
    assert [p.action for p in parsed if p] == ["yes", "no"]
    assert {(p.case_id, p.step) for p in parsed if p} == {(case_id, "offered")}
    offer = (await telegram_messages(world, case_id))[-1]
    assert offer.status is OutboxStatus.DELIVERED and offer.provider_id == f"{CHAT}:2"
    assert offer.template_id.startswith("offer") and offer.markup is not None


async def test_messages_to_one_chat_are_a_second_apart_and_other_chats_are_not_held_up(
    world: World, session: RecordingSession, time_: FakeTime
) -> None:
    await offered(world)
    await offered(world, "+77012345672")
    await link(world)
    await link(world, CHAT + 1, "+77012345672")
    await world.tick()
    assert len(session.sent("sendMessage")) == 4
    # two chats side by side: 1/25 s between sends overall, 1 s within a chat
    assert max(time_.sleeps) == pytest.approx(1.0 - 1 / 25, abs=1e-6)
    assert sum(time_.sleeps) < 2.0


async def test_a_429_pauses_sending_for_retry_after_and_keeps_the_message_queued(
    world: World, session: RecordingSession, time_: FakeTime
) -> None:
    await offered(world)
    await link(world)
    session.script_retry_after("sendMessage", 3)
    await world.tick()
    assert len(session.sent("sendMessage")) == 1  # the 429; nothing more while paused
    queued = await telegram_messages(world)
    assert len(queued) == 2
    assert queued[0].attempts == 0 and "retry after 3" in (queued[0].last_error or "")
    time_.now += 3.0  # Telegram's retry_after has passed
    await world.tick()
    assert len(session.sent("sendMessage")) == 3
    assert await telegram_messages(world) == []


async def test_a_message_that_met_429_keeps_its_place_before_the_chats_later_messages(
    world: World, session: RecordingSession, time_: FakeTime
) -> None:
    case_id = await offered(world)
    await link(world)  # queued: the "linked" notice, then the offer
    world.advance(timedelta(minutes=5))  # they wait a while (another chat's 429, a busy tick)
    session.script_retry_after("sendMessage", 3)
    await world.tick()
    time_.now += 3.0
    await world.tick()
    offer = (await telegram_messages(world, case_id))[-1]
    texts = [m["text"] for m in session.sent("sendMessage")]
    assert texts == ["linked", "linked", offer.text]  # the 429, then the notice again, first


async def test_a_403_unlinks_the_chat_in_the_ledger_and_the_sms_goes_on(
    world: World, session: RecordingSession
) -> None:
    case_id = await offered(world)
    await link(world)
    session.script_forbidden("sendMessage")
    await world.tick()
    assert len(session.sent("sendMessage")) == 1  # the offer's copy was cancelled, not sent
    messages = await telegram_messages(world, case_id)
    assert {m.status for m in messages} == {OutboxStatus.FAILED}
    async with world.bot.storage.unit_of_work() as uow:
        chat = await uow.telegram.get(CHAT)
    assert chat is not None and not chat.linked
    record = await world.case_of(PHONE)
    acts = await world.ledger_acts(record.addressee_iin)
    assert acts[-2:] == [ConsentAct.LINKED.value, ConsentAct.UNLINKED.value]
    unlinked = (await world.ledger(record.addressee_iin))[-1].entry
    assert unlinked.actor == "system" and unlinked.case_id is None
    await world.reply(PHONE, "1")  # SMS carries on: consent by SMS
    assert (await world.case_of(PHONE)).case.state is CaseState.AWAITING_ACCOUNT
    assert await world.verify_ledger() == []


async def _press(
    world: World, message: OutboxMessage, action: str, label: str, data: str | None = None
) -> int:
    """Log a press of a button of a message, as the Telegram handler does, and handle it;
    the number of presses new to the log. `data` replaces the callback data we sent."""
    message_id = message.id
    assert message_id is not None
    sent = button_data(message_id, message.case_id, "offered", action)
    inbound = InboundMessage(
        channel=Channel.TELEGRAM,
        address=PHONE,
        provider_id=f"press:{message_id}:answer" if data is None else f"forged:{data}",
        text=label,
        received_at=world.now(),
        button=sent if data is None else data,
    )
    new = await log_inbound(world.bot.storage, [inbound])
    await handle_pending(world.bot.storage, world.now())
    return new


async def linked_offer(world: World) -> tuple[str, OutboxMessage]:
    """A case offered to a linked phone, and the offer's copy sent to the chat."""
    case_id = await offered(world)
    await link(world)
    await world.tick()
    return case_id, (await telegram_messages(world, case_id))[-1]


async def test_a_button_press_gives_consent_once_and_the_ledger_names_telegram(
    world: World,
) -> None:
    case_id, offer = await linked_offer(world)
    assert await _press(world, offer, "yes", "Иә, келісемін") == 1
    record = await world.case_of(PHONE)
    assert record.case.state is CaseState.AWAITING_ACCOUNT
    given = (await world.ledger(record.addressee_iin))[-1].entry
    assert given.act is ConsentAct.GIVEN and given.channel == Channel.TELEGRAM
    assert given.raw_reply == "Иә, келісемін" and given.text == offer.text
    # the answer (the IBAN question) went to the chat only, not by SMS
    answers = [m for m in await world.outbox(case_id) if m.client_ref.startswith("in:press:")]
    assert [(m.channel, m.template_id) for m in answers] == [(Channel.TELEGRAM, "ask_iban")]
    assert answers[0].client_ref.endswith(chat_ref("", Channel.TELEGRAM))
    acts = await world.ledger_acts(record.addressee_iin)
    assert await _press(world, offer, "no", "Жоқ, рахмет") == 0  # the same keyboard again
    assert await world.ledger_acts(record.addressee_iin) == acts
    assert (await world.case_of(PHONE)).case.state is CaseState.AWAITING_ACCOUNT


async def test_a_press_on_a_question_already_answered_by_sms_changes_nothing(
    world: World,
) -> None:
    case_id, offer = await linked_offer(world)
    await world.reply(PHONE, "2")  # declined by SMS
    before = await world.ledger_acts((await world.case_of(PHONE)).addressee_iin)
    await _press(world, offer, "yes", "Иә, келісемін")
    record = await world.case_of(PHONE)
    assert record.case.state is CaseState.DECLINED
    assert await world.ledger_acts(record.addressee_iin) == before
    async with world.bot.storage.unit_of_work() as uow:
        taken = list(await uow.inbound.pending())  # handled, none pending
    assert taken == []


def child(world: World) -> str:
    """A child with no phone of their own."""
    return world.person(born=date(2016, 5, 1), phone=None, name="Әли")


async def _name_the_bot(world: World) -> None:
    async with world.bot.storage.unit_of_work() as uow:
        await uow.telegram.set_username("proactive_benefits_bot", world.now())
        await uow.commit()


async def test_an_offer_carries_no_link_and_tg_asks_for_the_deep_link(world: World) -> None:
    await _name_the_bot(world)
    iin = world.person(phone=PHONE, language="ru")
    world.disability(iin)
    await world.settle()
    first = await world.case_of(PHONE)
    inbox = await world.inbox(PHONE)
    assert [m.client_ref.rpartition("#")[0] for m in inbox] == [f"offer:{first.case.id}:1"]
    assert "t.me/" not in inbox[0].text  # no unasked-for link in an SMS from 1414
    await world.reply(PHONE, "ТГ")
    answer = (await world.inbox(PHONE))[-1]
    assert f"t.me/proactive_benefits_bot?start={first.code}" in answer.text
    assert await world.templates(first.case.id) == [f"offer.{Service.DISABILITY}", "telegram_link"]
    assert (await world.case_of(PHONE)).case.state is CaseState.OFFERED  # nothing else moved


async def test_tg_from_a_linked_phone_says_it_is_linked_and_without_a_bot_unavailable(
    world: World,
) -> None:
    iin = world.person(phone=PHONE, language="kk")
    world.disability(iin)
    await world.settle()
    case_id = (await world.case_of(PHONE)).case.id
    await world.reply(PHONE, "tg")
    assert (await world.templates(case_id))[-1] == "telegram_unavailable"
    await _name_the_bot(world)
    await link(world)
    await world.reply(PHONE, "телеграм")
    answers = await world.templates(case_id)
    assert answers[-1] == "telegram_already_linked"
    assert "telegram_link" not in answers


async def test_a_linked_phone_gets_its_offer_and_nothing_else_by_sms(world: World) -> None:
    await _name_the_bot(world)
    iin = world.person(phone=PHONE, language="kk")
    await link(world)
    world.disability(iin)
    await world.settle()
    refs = [m.client_ref.rpartition("#")[0] for m in await world.inbox(PHONE)]
    assert refs == [f"offer:{(await world.case_of(PHONE)).case.id}:1"]


async def test_the_case_the_deep_link_names_is_asked_first_once_linked(
    world: World, session: RecordingSession
) -> None:
    iin = world.person(phone=PHONE, language="kk")
    world.disability(iin)
    await world.settle()
    world.disability(child(world), representative=iin)
    await world.settle()
    older, newer = await world.cases_of(PHONE)
    now = await world.bot.clock.now()
    await linking.started(world.bot.storage, CHAT, CHAT, newer.code, now)
    await link(world)
    await world.tick()
    offers = [m["text"] for m in session.sent("sendMessage") if "inline_keyboard" in str(m)]
    assert len(offers) == 2
    assert f"{newer.code}" in offers[0]  # the deep link's case first
    assert f"{older.code}" in offers[1]


async def test_a_press_whose_data_names_another_case_or_step_than_was_sent_changes_nothing(
    world: World,
) -> None:
    case_id, offer = await linked_offer(world)
    assert offer.id is not None
    for forged in (
        button_data(offer.id, "0123456789abcdef", "offered", "yes"),  # another case
        button_data(offer.id, case_id, "awaiting_account", "confirm"),  # another step
    ):
        assert await _press(world, offer, "yes", "Иә", data=forged) == 1  # logged, not obeyed
    assert (await world.case_of(PHONE)).case.state is CaseState.OFFERED
    async with world.bot.storage.unit_of_work() as uow:
        rows = await uow.consents.rows()
    assert ConsentAct.GIVEN not in {row.entry.act for row in rows}
