"""Contract tests of the Telegram fakes: they behave as https://core.telegram.org/bots/api says.

Both fakes are driven through aiogram's real `Bot`: `BotApiServer` over HTTP with aiogram's
`AiohttpSession` (and with plain aiohttp for the encodings aiogram does not use), and
`RecordingSession` in-process. Each test name states the documented behaviour it holds the fakes
to.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from tests.fakes.bot_api import BotApiServer, FakeUser
from tests.fakes.telegram_session import RecordingSession

TOKEN = "123456:TEST"
AIGUL = 700_000_001
CONSENT_MARKUP: dict[str, Any] = {
    "inline_keyboard": [
        [
            {"text": "Иә", "callback_data": "consent:yes"},
            {"text": "Жоқ", "callback_data": "consent:no"},
        ],
    ],
}


def consent_keyboard() -> InlineKeyboardMarkup:
    """Two inline buttons, as the consent question has."""
    return InlineKeyboardMarkup.model_validate(CONSENT_MARKUP)


def dumped(model: Any) -> Any:
    """An aiogram object as plain JSON data (aiogram's equality also compares the bound bot)."""
    return None if model is None else model.model_dump(exclude_none=True)


def update_ids(updates: list[Any]) -> list[int]:
    """The update_id of each aiogram Update."""
    return [update.update_id for update in updates]


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    """A running fake Bot API server."""
    async with BotApiServer(token=TOKEN) as running:
        yield running


@pytest.fixture
async def bot(server: BotApiServer) -> AsyncIterator[Bot]:
    """aiogram's Bot with its real HTTP session, pointed at the fake server."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(server.base_url))
    bot = Bot(TOKEN, session=session)
    yield bot
    await bot.session.close()


@pytest.fixture
def aigul(server: BotApiServer) -> FakeUser:
    """A user who has written to the bot once, so the bot may write to her."""
    user = server.user(AIGUL)
    user.send_text("Сәлем")
    return user


@pytest.fixture
def recording() -> RecordingSession:
    """A session that records calls and answers them without a network."""
    return RecordingSession()


@pytest.fixture
def offline_bot(recording: RecordingSession) -> Bot:
    """aiogram's Bot on the recording session."""
    return Bot(TOKEN, session=recording)


async def raw_call(
    server: BotApiServer,
    method: str,
    encoding: str,
    params: dict[str, Any],
) -> tuple[int, dict[str, Any]]:
    """Calls the server with plain aiohttp in one of the four documented encodings."""
    url = f"{server.base_url}/bot{TOKEN}/{method}"
    as_strings = {
        key: value if isinstance(value, str) else json.dumps(value)
        for key, value in params.items()
    }
    async with aiohttp.ClientSession() as http:
        if encoding == "json":
            request = http.post(url, json=params)
        elif encoding == "urlencoded":
            request = http.post(url, data=as_strings)
        elif encoding == "multipart":
            form = aiohttp.FormData(default_to_multipart=True)
            for key, value in as_strings.items():
                form.add_field(key, value)
            request = http.post(url, data=form)
        else:
            request = http.get(url, params=as_strings)
        async with request as response:
            body: dict[str, Any] = await response.json()
            return response.status, body


# ---------------------------------------------------------------- the HTTP interface


async def test_get_me_describes_the_bot_user(bot: Bot) -> None:
    me = await bot.get_me()

    assert (me.id, me.is_bot, me.username) == (123456, True, "proactive_benefits_bot")
    assert me.can_join_groups is True
    assert me.can_read_all_group_messages is False
    assert me.supports_inline_queries is False


@pytest.mark.parametrize("encoding", ["json", "urlencoded", "multipart", "query string"])
async def test_every_documented_parameter_encoding_reaches_the_method_with_its_types(
    server: BotApiServer,
    aigul: FakeUser,
    encoding: str,
) -> None:
    params = {
        "chat_id": AIGUL,
        "text": "Келісесіз бе?",
        "reply_markup": CONSENT_MARKUP,
        "disable_notification": True,
    }

    status, body = await raw_call(server, "sendMessage", encoding, params)

    assert (status, body["ok"]) == (200, True)
    assert body["result"]["reply_markup"] == CONSENT_MARKUP
    assert server.requests[-1] == ("sendMessage", params)
    assert aigul.received[-1]["text"] == "Келісесіз бе?"


async def test_method_names_are_case_insensitive_and_recorded_as_called(
    server: BotApiServer,
) -> None:
    status, body = await raw_call(server, "GETME", "query string", {})

    assert (status, body["ok"], body["result"]["id"]) == (200, True, 123456)
    assert server.requests[-1] == ("GETME", {})


async def test_a_wrong_token_is_unauthorized_and_an_unknown_method_is_not_found(
    server: BotApiServer,
) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server.base_url}/bot654321:WRONG/getMe") as response:
            assert response.status == 401
            assert await response.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with http.post(f"{server.base_url}/bot{TOKEN}/sendPigeon") as response:
            assert response.status == 404
            assert await response.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found",
            }


async def test_aiogram_reads_a_wrong_token_as_unauthorized(server: BotApiServer) -> None:
    api = TelegramAPIServer.from_base(server.base_url)
    async with AiohttpSession(api=api) as session:
        with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
            await Bot("654321:WRONG", session=session).get_me()


# ---------------------------------------------------------------- sendMessage


async def test_a_message_with_an_inline_keyboard_arrives_at_the_user_with_its_buttons(
    bot: Bot,
    aigul: FakeUser,
) -> None:
    sent = await bot.send_message(AIGUL, "Келісесіз бе?", reply_markup=consent_keyboard())

    assert (sent.chat.id, sent.chat.type) == (AIGUL, "private")
    assert sent.from_user is not None
    assert sent.from_user.is_bot
    assert dumped(sent.reply_markup) == CONSENT_MARKUP
    seen = aigul.received[-1]
    assert seen["message_id"] == sent.message_id == 2  # her "Сәлем" was 1: one sequence a chat
    buttons = seen["reply_markup"]["inline_keyboard"]
    assert [[button["callback_data"] for button in row] for row in buttons] == [
        ["consent:yes", "consent:no"],
    ]


async def test_a_reply_keyboard_is_shown_to_the_user_but_not_returned_in_the_message(
    bot: Bot,
    aigul: FakeUser,
) -> None:
    share = KeyboardButton(text="Нөмірді жіберу", request_contact=True)
    keyboard = ReplyKeyboardMarkup(keyboard=[[share]], resize_keyboard=True)

    sent = await bot.send_message(AIGUL, "Телефон нөміріңізді жіберіңіз", reply_markup=keyboard)
    await bot.send_message(AIGUL, "Рақмет", reply_markup=ReplyKeyboardRemove())

    assert sent.reply_markup is None
    assert aigul.received[0]["reply_markup"]["keyboard"] == [
        [{"text": "Нөмірді жіберу", "request_contact": True}],
    ]
    assert aigul.received[1]["reply_markup"] == {"remove_keyboard": True}


async def test_the_bot_cannot_write_first_to_a_user_who_never_wrote(
    server: BotApiServer,
    bot: Bot,
) -> None:
    silent = server.user(AIGUL)

    with pytest.raises(TelegramBadRequest, match="Bad Request: chat not found"):
        await bot.send_message(AIGUL, "Сәлем")
    assert silent.received == []


async def test_a_text_outside_1_to_4096_characters_is_refused(
    bot: Bot,
    aigul: FakeUser,
) -> None:
    refused = {"": "message text is empty", "   ": "message text is empty"}
    refused["ә" * 4097] = "message is too long"

    for text, description in refused.items():
        with pytest.raises(TelegramBadRequest, match=f"Bad Request: {description}"):
            await bot.send_message(AIGUL, text)

    assert aigul.received == []
    assert (await bot.send_message(AIGUL, "ә" * 4096)).text == "ә" * 4096


async def test_callback_data_over_64_bytes_is_refused_though_under_64_characters(
    bot: Bot,
    aigul: FakeUser,
) -> None:
    def keyboard(data: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Иә", callback_data=data)]],
        )

    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(AIGUL, "Келісесіз бе?", reply_markup=keyboard("ә" * 33))

    assert aigul.received == []
    await bot.send_message(AIGUL, "Келісесіз бе?", reply_markup=keyboard("ә" * 32))
    assert len(aigul.received) == 1


async def test_html_text_reaches_the_user_without_its_tags_and_with_its_entities(
    bot: Bot,
    aigul: FakeUser,
) -> None:
    sent = await bot.send_message(AIGUL, "<b>Төлем</b> &lt;69 мың&gt;", parse_mode="HTML")

    assert sent.text == aigul.received[-1]["text"] == "Төлем <69 мың>"
    assert sent.entities is not None
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 5)]
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(AIGUL, "<b>Төлем", parse_mode="HTML")


async def test_flood_control_raises_retry_after_with_the_given_seconds(
    server: BotApiServer,
    bot: Bot,
    aigul: FakeUser,
) -> None:
    server.flood(times=2, retry_after=7)

    refused = []
    for _ in range(2):
        with pytest.raises(TelegramRetryAfter) as caught:
            await bot.send_message(AIGUL, "Еске салу")
        refused.append(caught.value.retry_after)
    await bot.send_message(AIGUL, "Еске салу")

    assert refused == [7, 7]
    assert [message["text"] for message in aigul.received] == ["Еске салу"]


async def test_a_user_who_blocked_the_bot_makes_sending_forbidden(
    bot: Bot,
    aigul: FakeUser,
) -> None:
    blocked = aigul.block()

    with pytest.raises(TelegramForbiddenError, match="Forbidden: bot was blocked by the user"):
        await bot.send_message(AIGUL, "Еске салу")
    updates = await bot.get_updates(offset=blocked["update_id"])
    assert updates[0].my_chat_member is not None
    assert updates[0].my_chat_member.new_chat_member.status == "kicked"
    aigul.unblock()
    await bot.send_message(AIGUL, "Еске салу")
    assert [message["text"] for message in aigul.received] == ["Еске салу"]


async def test_chat_actions_are_accepted_only_from_the_documented_list(
    bot: Bot,
    aigul: FakeUser,
) -> None:
    assert await bot.send_chat_action(AIGUL, "typing")
    with pytest.raises(TelegramBadRequest, match="wrong parameter action"):
        await bot.send_chat_action(AIGUL, "dancing")


# ---------------------------------------------------------------- edits


async def test_edits_apply_to_what_the_user_sees_and_an_edit_changing_nothing_is_refused(
    server: BotApiServer,
    bot: Bot,
    aigul: FakeUser,
) -> None:
    her_message_id = server.pending_updates[0]["message"]["message_id"]
    sent = await bot.send_message(AIGUL, "Келісесіз бе?", reply_markup=consent_keyboard())

    bare = await bot.edit_message_reply_markup(chat_id=AIGUL, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(chat_id=AIGUL, message_id=sent.message_id)
    edited = await bot.edit_message_text(
        "Келісіміңіз қабылданды",
        chat_id=AIGUL,
        message_id=sent.message_id,
    )

    assert isinstance(bare, Message)
    assert bare.reply_markup is None
    assert isinstance(edited, Message)
    assert edited.edit_date is not None
    assert len(aigul.received) == 1
    assert aigul.received[0]["text"] == "Келісіміңіз қабылданды"
    assert "reply_markup" not in aigul.received[0]
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("Жоқ", chat_id=AIGUL, message_id=999)
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text("Жоқ", chat_id=AIGUL, message_id=her_message_id)


# ---------------------------------------------------------------- updates


async def test_long_polling_returns_an_update_pushed_while_waiting(
    server: BotApiServer,
    bot: Bot,
) -> None:
    user = server.user(AIGUL)
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await server.wait_until_polled()

    pushed = user.send_text("Сәлем")
    updates = await poll

    assert update_ids(updates) == [pushed["update_id"]]
    message = updates[0].message
    assert message is not None
    assert message.text == "Сәлем"
    assert message.from_user is not None
    assert (message.from_user.id, message.chat.id) == (AIGUL, AIGUL)


async def test_an_update_comes_again_until_an_offset_above_it_confirms_it(
    server: BotApiServer,
    bot: Bot,
) -> None:
    user = server.user(AIGUL)
    first = user.send_text("бір")["update_id"]

    assert update_ids(await bot.get_updates()) == [first]
    assert update_ids(await bot.get_updates()) == [first]
    second = user.send_text("екі")["update_id"]
    assert update_ids(await bot.get_updates(offset=first + 1)) == [second]
    assert update_ids(await bot.get_updates()) == [second]
    assert await bot.get_updates(offset=second + 1) == []
    assert server.pending_updates == []


async def test_limit_takes_the_earliest_and_a_negative_offset_forgets_all_but_the_last(
    server: BotApiServer,
    bot: Bot,
) -> None:
    user = server.user(AIGUL)
    pushed = [user.send_text(str(number))["update_id"] for number in range(3)]

    assert update_ids(await bot.get_updates(limit=2)) == pushed[:2]
    assert update_ids(await bot.get_updates(offset=-1)) == pushed[2:]
    assert update_ids(await bot.get_updates()) == pushed[2:]


async def test_get_updates_is_refused_while_a_webhook_is_set(
    server: BotApiServer,
    bot: Bot,
) -> None:
    server.user(AIGUL).send_text("Сәлем")

    with pytest.raises(TelegramBadRequest, match="An HTTPS URL must be provided"):
        await bot.set_webhook("http://bot.example.kz/hook")
    assert await bot.set_webhook("https://bot.example.kz/hook")
    info = await bot.get_webhook_info()
    with pytest.raises(TelegramConflictError, match="use deleteWebhook"):
        await bot.get_updates()
    assert await bot.delete_webhook(drop_pending_updates=True)

    assert (info.url, info.pending_update_count) == ("https://bot.example.kz/hook", 1)
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.get_updates() == []


async def test_a_shared_contact_reaches_the_bot_with_its_owner_or_without_one(
    server: BotApiServer,
    bot: Bot,
) -> None:
    user = server.user(AIGUL)
    user.share_contact("77011234567")
    user.share_contact("+77017654321", user_id=None, first_name="Бауыржан")

    contacts = [update.message.contact for update in await bot.get_updates() if update.message]

    assert [(c.phone_number, c.user_id, c.first_name) for c in contacts if c] == [
        ("77011234567", AIGUL, "Айгүл"),
        ("+77017654321", None, "Бауыржан"),
    ]


async def test_a_press_reaches_the_bot_as_a_callback_query_that_is_answered_only_once(
    bot: Bot,
    aigul: FakeUser,
) -> None:
    sent = await bot.send_message(AIGUL, "Келісесіз бе?", reply_markup=consent_keyboard())
    pressed = aigul.press(aigul.received[-1], "consent:yes")

    updates = await bot.get_updates(offset=pressed["update_id"])
    query = updates[0].callback_query
    assert query is not None
    assert await bot.answer_callback_query(query.id, text="Қабылданды")

    assert (query.data, query.from_user.id) == ("consent:yes", AIGUL)
    assert isinstance(query.message, Message)
    assert query.message.message_id == sent.message_id
    assert dumped(query.message.reply_markup) == CONSENT_MARKUP
    assert await aigul.wait_for_answer(query.id) == "Қабылданды"
    assert aigul.answers == {query.id: "Қабылданды"}
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query.id)
    with pytest.raises(AssertionError, match="no button"):
        aigul.press(aigul.received[-1], "consent:maybe")


async def test_bot_commands_are_kept_per_scope_and_language(bot: Bot) -> None:
    kazakh = [BotCommand(command="start", description="Бастау")]
    russian = [BotCommand(command="start", description="Начать")]
    her_chat = BotCommandScopeChat(chat_id=AIGUL)

    assert await bot.set_my_commands(kazakh, language_code="kk")
    assert await bot.set_my_commands(russian, scope=her_chat, language_code="ru")

    assert [dumped(c) for c in await bot.get_my_commands(language_code="kk")] == [
        {"command": "start", "description": "Бастау"},
    ]
    assert [dumped(c) for c in await bot.get_my_commands(scope=her_chat, language_code="ru")] == [
        {"command": "start", "description": "Начать"},
    ]
    assert await bot.get_my_commands() == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Start!", description="Бастау")])
    assert await bot.delete_my_commands(language_code="kk")
    assert await bot.get_my_commands(language_code="kk") == []


async def test_a_polling_dispatcher_answers_a_start_pushed_by_the_user(
    server: BotApiServer,
    bot: Bot,
) -> None:
    dispatcher = Dispatcher()

    @dispatcher.message(CommandStart())
    async def start(message: Message, command: CommandObject) -> None:
        await message.answer(f"Сәлем! {command.args}")

    user = server.user(AIGUL)
    user.command("start", "invite-42")
    polling = asyncio.create_task(
        dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1),
    )
    reply = await user.wait_for(lambda message: message["text"].startswith("Сәлем"))
    await dispatcher.stop_polling()
    await polling

    assert reply["text"] == "Сәлем! invite-42"
    called = [method for method, _ in server.requests]
    assert called[:2] == ["getMe", "getUpdates"]
    assert "sendMessage" in called


# ---------------------------------------------------------------- RecordingSession


async def test_the_recording_session_records_a_message_and_answers_with_it(
    recording: RecordingSession,
    offline_bot: Bot,
) -> None:
    first = await offline_bot.send_message(AIGUL, "Келісесіз бе?", reply_markup=consent_keyboard())
    second = await offline_bot.send_message(AIGUL, "Еске салу")

    assert recording.sent() == [
        {"chat_id": AIGUL, "text": "Келісесіз бе?", "reply_markup": CONSENT_MARKUP},
        {"chat_id": AIGUL, "text": "Еске салу"},
    ]
    assert (first.message_id, second.message_id) == (1, 2)
    assert (first.chat.id, first.chat.type) == (AIGUL, "private")
    assert dumped(first.reply_markup) == CONSENT_MARKUP
    assert second.reply_markup is None


async def test_a_scripted_429_raises_retry_after_once(
    recording: RecordingSession,
    offline_bot: Bot,
) -> None:
    recording.script_retry_after("sendMessage", 3)

    with pytest.raises(TelegramRetryAfter) as caught:
        await offline_bot.send_message(AIGUL, "Еске салу")
    again = await offline_bot.send_message(AIGUL, "Еске салу")

    assert caught.value.retry_after == 3
    assert again.text == "Еске салу"
    assert len(recording.sent()) == 2


async def test_a_scripted_403_raises_forbidden(
    recording: RecordingSession,
    offline_bot: Bot,
) -> None:
    recording.script_forbidden("sendMessage")

    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await offline_bot.send_message(AIGUL, "Еске салу")


async def test_a_raw_scripted_response_goes_through_aiogram_response_checks(
    recording: RecordingSession,
    offline_bot: Bot,
) -> None:
    recording.script(
        "answerCallbackQuery",
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: query is too old"},
    )

    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await offline_bot.answer_callback_query("1")
    assert await offline_bot.answer_callback_query("1", text="Қабылданды")
    assert recording.sent("answerCallbackQuery")[-1] == {
        "callback_query_id": "1",
        "text": "Қабылданды",
    }


async def test_both_fakes_see_the_same_params_and_answer_the_same_fields(
    server: BotApiServer,
    bot: Bot,
    aigul: FakeUser,
    recording: RecordingSession,
    offline_bot: Bot,
) -> None:
    keyboard = consent_keyboard()
    online = await bot.send_message(AIGUL, "Келісесіз бе?", reply_markup=keyboard)
    offline = await offline_bot.send_message(AIGUL, "Келісесіз бе?", reply_markup=keyboard)

    assert recording.requests[-1] == server.requests[-1]
    assert dumped(online).keys() == dumped(offline).keys()
    assert (online.text, online.chat.id, dumped(online.reply_markup)) == (
        offline.text,
        offline.chat.id,
        dumped(offline.reply_markup),
    )
