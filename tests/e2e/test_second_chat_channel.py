"""A second chat channel, added without editing the core (`tests.fakes.chat.FakeChat`):
registered at composition, it receives the offer with its buttons, the citizen answers in
it, the answers come back to it alone, and the decision reaches it and the phone by SMS."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.cli.serve import run_until
from bot.records import ConsentAct, OutboxMessage
from domain.cases import CaseState
from tests.e2e.world import World, open_world
from tests.fakes.chat import NAME, FakeChat

PHONE = "+77012345671"
OTHER_PHONE = "+77012345672"
ON_FILE = "KZ86125KZT5004100100"
CHAT = "chat-417"


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[tuple[World, FakeChat]]:
    """A person with a disability established and an account on file, linked in the fake
    chat; another person with a disability, not linked; the bot with the fake channel."""
    made = open_world(tmp_path)
    iin = made.person(phone=PHONE, language="kk")
    other = made.person(phone=OTHER_PHONE, language="ru")
    made.account(iin, ON_FILE)
    chat = FakeChat()
    app = await made.start(chats=[chat], tick_interval=0.1, console=False)
    chat.attach(app.storage, app.clock)
    await chat.link(CHAT, PHONE)
    made.disability(iin)
    made.disability(other)
    try:
        yield made, chat
    finally:
        await made.close()


def templates(messages: list[OutboxMessage]) -> list[str]:
    return [m.template_id for m in messages]


def actions(message: OutboxMessage) -> set[str]:
    assert message.markup is not None, message.template_id
    return {button.action for row in message.markup.rows for button in row}


async def test_the_offer_comes_with_its_buttons_and_the_answers_in_chat_decide_the_case(
    world: tuple[World, FakeChat],
) -> None:
    made, chat = world
    await made.settle()
    [offer] = chat.received[CHAT]
    assert offer.template_id == "offer.disability"
    assert {"yes", "no"} <= actions(offer)
    assert [m.text for m in await made.inbox(PHONE)] == [offer.text]  # by SMS too

    assert await chat.press(PHONE, offer, "yes")
    await made.settle()
    question = chat.received[CHAT][-1]
    assert question.template_id == "ask_account_confirm"
    assert {"confirm", "another"} <= actions(question)
    assert not await chat.press(PHONE, offer, "yes")  # that step is over

    assert await chat.press(PHONE, question, "confirm")
    await made.settle()
    record = await made.case_of(PHONE)
    assert record.case.state is CaseState.ASSIGNED
    received = templates(chat.received[CHAT])
    assert "assigned" in received
    sms = [m.template_id for m in await made.outbox(record.case.id) if m.channel == "sms"]
    assert "assigned" in sms  # the result by SMS, the legal channel
    assert "ask_account_confirm" not in sms  # an answer in chat goes back to the chat alone
    given = [r for r in await made.ledger() if r.entry.act is ConsentAct.GIVEN]
    assert [(r.entry.channel, r.entry.text) for r in given] == [(NAME, offer.text)]
    assert await made.verify_ledger() == []


async def test_text_typed_in_the_chat_is_an_answer_as_an_sms_would_be(
    world: tuple[World, FakeChat],
) -> None:
    made, chat = world
    await made.settle()
    await chat.type(PHONE, "иә", 1)
    await made.settle()
    assert (await made.case_of(PHONE)).case.state is CaseState.AWAITING_ACCOUNT
    assert chat.received[CHAT][-1].template_id == "ask_account_confirm"


async def test_a_phone_with_no_chat_linked_gets_sms_alone(world: tuple[World, FakeChat]) -> None:
    made, chat = world
    await made.settle()
    assert list(chat.received) == [CHAT]
    other = await made.case_of(OTHER_PHONE)
    sent = [(m.channel, m.template_id) for m in await made.outbox(other.case.id)]
    assert sent == [("sms", "offer.disability")]


async def test_serve_runs_every_registered_chat_channel_and_its_answers_are_handled(
    world: tuple[World, FakeChat], capsys: pytest.CaptureFixture[str]
) -> None:
    made, chat = world
    await made.settle()
    [offer] = chat.received[CHAT]
    stop = asyncio.Event()
    serving = asyncio.create_task(run_until(made.bot, stop))
    try:
        assert await chat.press(PHONE, offer, "yes")
        async with asyncio.timeout(10):  # the serve loop's interval job handles the press
            while len(chat.received[CHAT]) < 2:  # noqa: PLR2004 (the offer, then the question)
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(serving, timeout=30)
    assert chat.received[CHAT][-1].template_id == "ask_account_confirm"
    assert f"serving: {NAME}" in capsys.readouterr().out
