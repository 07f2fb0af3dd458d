"""Telegram end to end: the real aiogram `Bot`, long polling a local Bot API server.

The bot runs as `python -m bot serve` runs it (`bot.cli.serve.run_until`), configured by
settings only (BOT_TOKEN and TELEGRAM_API_BASE), against `tests.fakes.bot_api.BotApiServer`,
which follows the Bot API documentation. The test plays the citizen in the chat: /start,
a spoofed contact (refused), their own contact, then consent, account and the decision.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import App
from bot.channels.telegram import texts
from bot.cli.serve import run_until
from bot.composition import build_app
from bot.records import Channel, ConsentAct
from bot.service.choices import CONFIRM, YES, parse_button
from bot.settings import Settings
from bot.wording.texts import render
from domain.cases import CaseState
from domain.phone import mask_phone
from tests.e2e.world import World, open_world
from tests.fakes.bot_api import BotApiServer, FakeUser
from tests.postgres import on_postgresql

PHONE = "+77012345671"
STRANGER_PHONE = "+77012345679"
ON_FILE = "KZ86125KZT5004100100"
USER = 700_100
TOKEN = "123456:TEST"

Json = dict[str, Any]


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer(TOKEN) as running:
        yield running


@pytest.fixture
async def world(tmp_path: Path, server: BotApiServer) -> AsyncIterator[World]:
    """Registries with a person whose disability is established; the bot serving Telegram."""
    made = open_world(tmp_path)
    iin = made.person(phone=PHONE, language="kk")
    made.person(phone=STRANGER_PHONE, language="ru")
    made.account(iin, ON_FILE)
    made.disability(iin)
    app = await made.start(
        token=TOKEN,
        telegram_api_base=server.base_url,
        tick_interval=0.1,
        telegram_chat_interval=0.05,
        console=False,
    )
    stop = asyncio.Event()
    serving = asyncio.create_task(run_until(app, stop))
    try:
        yield made
    finally:
        stop.set()
        await asyncio.wait_for(serving, timeout=30)
        await made.close()


def kk(msgid: str, **params: str) -> str:
    return render(msgid, "kk", **params)


def buttons(message: Json) -> dict[str, str]:
    """An inline keyboard's actions → callback data."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    found = {}
    for row in rows:
        for button in row:
            parsed = parse_button(button["callback_data"])
            assert parsed is not None, button
            found[parsed.action] = button["callback_data"]
    return found


def has_buttons(*actions: str) -> Callable[[Json], bool]:
    return lambda message: set(actions) <= set(buttons(message))


async def press(user: FakeUser, message: Json, action: str) -> str | None:
    """Press a button; the text the bot answered the query with (None: none)."""
    update = user.press(message, buttons(message)[action])
    return await user.wait_for_answer(update["callback_query"]["id"])


async def case_state(world: World) -> CaseState:
    return (await world.case_of(PHONE)).case.state


async def eventually(check: Callable[[], Any], timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.05)


async def test_start_contact_offer_consent_account_and_decision_in_chat(
    world: World, server: BotApiServer
) -> None:
    user = server.user(USER, language_code="kk")
    user.command("start", "417")
    welcome = await user.wait_for(lambda m: m.get("text") == kk(texts.WELCOME))
    keyboard = welcome["reply_markup"]["keyboard"]
    assert keyboard[0][0]["request_contact"] is True

    user.share_contact(PHONE)
    linked = await user.wait_for(
        lambda m: m.get("text", "").startswith(kk(texts.LINKED, phone=mask_phone(PHONE))[:20])
    )
    assert mask_phone(PHONE) in linked["text"] and PHONE not in linked["text"]
    offer = await user.wait_for(has_buttons("yes", "no"))
    assert "1414" in offer["text"]

    assert await press(user, offer, "yes") is None  # taken: no pop-up
    question = await user.wait_for(has_buttons("confirm", "another"))
    assert "0100" in question["text"]  # the account on file, masked
    assert buttons(question) and kk(CONFIRM) in str(question["reply_markup"])

    assert await press(user, question, "confirm") is None
    app: App = world.bot
    await eventually(lambda: _decided(world))
    assigned = await user.wait_for(lambda m: "₸" in m.get("text", ""), skip=len(user.received) - 1)
    assert assigned["text"]

    record = await world.case_of(PHONE)
    assert record.case.state is CaseState.ASSIGNED
    rows = await world.ledger(record.addressee_iin)
    acts = [(r.entry.act, r.entry.channel) for r in rows]
    assert (ConsentAct.LINKED, Channel.TELEGRAM) in acts
    assert (ConsentAct.GIVEN, Channel.TELEGRAM) in acts
    given = next(r.entry for r in rows if r.entry.act is ConsentAct.GIVEN)
    assert given.raw_reply == kk(YES) and given.text == offer["text"]
    async with app.storage.unit_of_work() as uow:
        assert len(await uow.payments.for_case(record.case.id)) == 1
    assert await world.verify_ledger() == []
    # answered questions lose their buttons
    assert buttons(user.received[user.received.index(offer)]) == {}


async def test_a_button_of_a_question_answered_by_sms_meanwhile_is_already_answered(
    world: World, server: BotApiServer
) -> None:
    user = server.user(USER, language_code="kk")
    user.command("start")
    user.share_contact(PHONE)
    offer = await user.wait_for(has_buttons("yes", "no"))
    await world.gateway.send_from(PHONE, "2")  # declined by SMS
    await eventually(lambda: _state_is(world, CaseState.DECLINED))
    assert await press(user, offer, "yes") == kk(texts.ALREADY_ANSWERED)
    assert await press(user, offer, "yes") == kk(texts.ALREADY_ANSWERED)
    assert await case_state(world) is CaseState.DECLINED
    iin = (await world.case_of(PHONE)).addressee_iin
    assert ConsentAct.GIVEN.value not in await world.ledger_acts(iin)


async def _decided(world: World) -> bool:
    return await case_state(world) is CaseState.ASSIGNED


async def _state_is(world: World, state: CaseState) -> bool:
    return await case_state(world) is state


async def test_a_contact_that_is_not_the_senders_own_is_refused_and_links_nothing(
    world: World, server: BotApiServer
) -> None:
    user = server.user(USER + 1, language_code="ru")
    user.command("start")
    await user.wait_for(lambda m: m.get("text") == render(texts.WELCOME, "ru"))
    user.share_contact(PHONE, user_id=None)  # typed in or forwarded: no user_id
    refused = render(texts.NOT_OWN_CONTACT, "ru")
    await user.wait_for(lambda m: m.get("text") == refused)
    user.share_contact(PHONE, user_id=USER)  # somebody else's
    await user.wait_for(lambda m: m.get("text") == refused, skip=len(user.received) - 1)
    async with world.bot.storage.unit_of_work() as uow:
        assert await uow.telegram.by_phone(PHONE) is None
    iin = (await world.case_of(PHONE)).addressee_iin
    assert ConsentAct.LINKED.value not in await world.ledger_acts(iin)


async def linked_user(world: World, server: BotApiServer, language_code: str = "kk") -> FakeUser:
    """A user who started the bot and shared their own contact; the offer has arrived."""
    user = server.user(USER, language_code=language_code)
    user.command("start")
    user.share_contact(PHONE)
    await user.wait_for(has_buttons("yes", "no"))
    return user


async def test_language_chosen_in_chat_is_the_citizens_for_chat_and_sms_alike(
    world: World, server: BotApiServer
) -> None:
    user = await linked_user(world, server)
    user.command("language")
    chooser = await user.wait_for(has_buttons("lang:kk", "lang:ru"))
    assert await press(user, chooser, "lang:ru") is None
    await user.wait_for(lambda m: m.get("text") == render(texts.LANGUAGE_SET, "ru"))
    user.command("help")  # the I18n middleware now reads Russian from storage
    await user.wait_for(lambda m: m.get("text") == render(texts.HELP, "ru"))
    iin = (await world.case_of(PHONE)).addressee_iin
    citizen = await world.citizen(iin)
    assert citizen is not None and citizen.language is not None
    assert (citizen.language.value, citizen.language_source) == ("ru", "choice")


async def test_an_iban_typed_in_chat_registers_the_application(
    world: World, server: BotApiServer
) -> None:
    user = await linked_user(world, server)
    offer = user.received[-1]
    await press(user, offer, "yes")
    question = await user.wait_for(has_buttons("confirm", "another"))
    assert await press(user, question, "another") is None
    asked = len(user.received)
    await user.wait_for(lambda m: "IBAN" in m.get("text", ""), skip=asked - 1)
    user.send_text("KZ86 125K ZT50 0410 0100")
    await eventually(lambda: _state_in(world, {CaseState.REGISTERED, CaseState.ASSIGNED}))
    record = await world.case_of(PHONE)
    assert record.case.account is not None and record.case.account.compact == ON_FILE


async def test_status_lists_the_citizens_applications(world: World, server: BotApiServer) -> None:
    user = await linked_user(world, server)
    user.command("status")
    code = (await world.case_of(PHONE)).code
    status = await user.wait_for(lambda m: m.get("text", "").startswith(kk(texts.STATUS_HEAD)))
    assert code in status["text"] and kk(texts.STATES["offered"]) in status["text"]


async def test_stop_unlinks_the_chat_and_the_sms_carries_on(
    world: World, server: BotApiServer
) -> None:
    user = await linked_user(world, server)
    user.command("stop")
    await user.wait_for(lambda m: m.get("text") == kk(texts.UNLINKED))
    iin = (await world.case_of(PHONE)).addressee_iin
    assert (await world.ledger_acts(iin))[-1] == ConsentAct.UNLINKED.value
    user.send_text("1")  # in an unlinked chat: asked to link, not taken as consent
    await user.wait_for(lambda m: m.get("text") == kk(texts.NOT_LINKED))
    assert await case_state(world) is CaseState.OFFERED
    await world.gateway.send_from(PHONE, "1")  # by SMS it is
    await eventually(lambda: _state_is(world, CaseState.AWAITING_ACCOUNT))


async def test_a_citizen_who_blocks_the_bot_is_unlinked_and_keeps_getting_sms(
    world: World, server: BotApiServer
) -> None:
    user = await linked_user(world, server)
    user.block()
    await world.gateway.send_from(PHONE, "1")  # consent by SMS; the answer would go to chat too
    await eventually(lambda: _state_is(world, CaseState.AWAITING_ACCOUNT))
    iin = (await world.case_of(PHONE)).addressee_iin

    async def unlinked() -> bool:
        return ConsentAct.UNLINKED.value in await world.ledger_acts(iin)

    await eventually(unlinked)
    async with world.bot.storage.unit_of_work() as uow:
        assert await uow.telegram.by_phone(PHONE) is None


async def _state_in(world: World, states: set[CaseState]) -> bool:
    return await case_state(world) in states


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_webhook_mode_registers_the_webhook_and_answers_updates_posted_to_it(
    tmp_path: Path, server: BotApiServer
) -> None:
    made = open_world(tmp_path)
    port = free_port()
    public = "https://bot.example.kz/telegram/webhook"  # behind a proxy in production
    app = await made.start(
        token=TOKEN,
        telegram_api_base=server.base_url,
        tick_interval=0.1,
        webhook_url=public,
        webhook_port=port,
        webhook_secret="s3cret-token",
        console=False,
    )
    stop = asyncio.Event()
    serving = asyncio.create_task(run_until(app, stop))
    try:
        await eventually(lambda: _webhook_set(server))
        user = server.user(USER, language_code="ru")
        update = user.command("start")  # Telegram would POST this to the webhook
        local = f"http://127.0.0.1:{port}/telegram/webhook"
        async with aiohttp.ClientSession() as client:
            async with client.post(local, json=update) as refused:
                assert refused.status == 401  # no secret token: not Telegram
            headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
            async with client.post(local, json=update, headers=headers) as taken:
                assert taken.status == 200
        await user.wait_for(lambda m: m.get("text") == render(texts.WELCOME, "ru"))
    finally:
        stop.set()
        await asyncio.wait_for(serving, timeout=30)
        await made.close()
    deleted = [name for name, _ in server.requests if name.lower() == "deletewebhook"]
    assert bool(deleted) is not on_postgresql()  # on PostgreSQL other instances may serve it


async def _webhook_set(server: BotApiServer, times: int = 1) -> bool:
    """The webhook was registered (`times` times at least: each instance registers it once
    its own server listens)."""
    calls = [params for name, params in server.requests if name.lower() == "setwebhook"]
    url = "https://bot.example.kz/telegram/webhook"
    return len(calls) >= times and calls[-1].get("url") == url


@pytest.mark.skipif(
    not on_postgresql(), reason="several instances share a PostgreSQL database (the PG pass)"
)
async def test_any_instance_answers_the_webhook_and_one_stopping_leaves_it_to_the_others(
    tmp_path: Path, server: BotApiServer
) -> None:
    made = open_world(tmp_path)
    ports = (free_port(), free_port())
    common: dict[str, Any] = {
        "token": TOKEN, "telegram_api_base": server.base_url, "tick_interval": 0.1,
        "webhook_url": "https://bot.example.kz/telegram/webhook", "console": False,
    }  # fmt: skip
    first = await made.start(webhook_port=ports[0], **common)
    second = await build_app(Settings(data_dir=tmp_path, webhook_port=ports[1], **common))
    stops = (asyncio.Event(), asyncio.Event())
    serving = [
        asyncio.create_task(run_until(app, stop))
        for app, stop in zip((first, second), stops, strict=True)
    ]

    async def post(port: int, update: dict[str, Any]) -> None:
        async with aiohttp.ClientSession() as client:
            local = f"http://127.0.0.1:{port}/telegram/webhook"
            async with client.post(local, json=update) as taken:
                assert taken.status == 200

    try:
        await eventually(lambda: _webhook_set(server, times=2))  # both instances listen
        for n, port in enumerate((*ports, ports[1])):  # the proxy may pick either
            if n == 2:  # the first instance stops; the webhook stays for the second
                stops[0].set()
                await asyncio.wait_for(serving[0], timeout=30)
                assert not [name for name, _ in server.requests if name.lower() == "deletewebhook"]
            user = server.user(USER + n, language_code="ru")
            await post(port, user.command("start"))
            await user.wait_for(lambda m: m.get("text") == render(texts.WELCOME, "ru"))
        async with second.storage.unit_of_work() as uow:  # what either instance wrote is shared
            chats = [await uow.telegram.get(USER + n) for n in range(3)]
        assert all(chat is not None for chat in chats)
    finally:
        for stop in stops:
            stop.set()
        await asyncio.wait_for(asyncio.gather(*serving), timeout=30)
        await second.close()
        await made.close()
