"""The Telegram channel's configuration, its languages, its sending limits and its keyboards."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiogram.types import (
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    User,
)
from pydantic import ValidationError

from bot.channels.telegram.i18n import catalog_i18n, telegram_language
from bot.channels.telegram.sender import TelegramLimits, reply_markup
from bot.channels.telegram.texts import ALREADY_ANSWERED, HELP, WELCOME
from bot.records import Button, Channel, Keyboard, OutboxMessage
from bot.service.choices import Press, keyboard_for, parse_button
from bot.settings import Settings
from bot.wording.notice_texts import Rendered
from bot.wording.texts import render
from domain.cases import CaseState
from domain.model import Language
from tests.fakes.monotonic import FakeTime

ENVIRONMENT = (
    "TELEGRAM_API_BASE",
    "BOT_TELEGRAM_API_BASE",
    "BOT_TOKEN",
    "BOT_WEBHOOK_URL",
    "BOT_TELEGRAM_RATE",
    "BOT_TELEGRAM_CHAT_INTERVAL",
)
TOKEN = "123456:AAE-secret-token"
NOW = datetime(2026, 1, 12, 10, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """None of the machine's own Telegram settings leak into a test."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


# ---------------------------------------------------------------- settings


@pytest.mark.parametrize("name", ["TELEGRAM_API_BASE", "BOT_TELEGRAM_API_BASE"])
def test_the_bot_api_server_is_taken_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv(name, "http://127.0.0.1:8089")

    assert Settings().telegram_api_base == "http://127.0.0.1:8089"


def test_without_a_bot_api_server_in_the_environment_telegram_itself_is_used() -> None:
    assert Settings().telegram_api_base is None


def test_a_bot_api_server_given_as_an_argument_overrides_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TELEGRAM_API_BASE", "http://from-the-environment")

    settings = Settings(telegram_api_base="http://from-the-argument")

    assert settings.telegram_api_base == "http://from-the-argument"


def test_the_token_is_read_from_the_environment_and_kept_out_of_the_settings_repr(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)

    settings = Settings()

    assert settings.token is not None
    assert settings.token.get_secret_value() == TOKEN
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings)


def test_without_a_token_telegram_is_off() -> None:
    assert Settings().token is None


def test_the_webhook_url_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_WEBHOOK_URL", "https://bot.example.kz/telegram/webhook")

    assert Settings().webhook_url == "https://bot.example.kz/telegram/webhook"


def test_without_a_webhook_url_the_bot_polls() -> None:
    assert Settings().webhook_url is None


@pytest.mark.parametrize("rate", ["0", "-5"])
def test_a_telegram_rate_that_is_not_positive_is_refused(
    monkeypatch: pytest.MonkeyPatch, rate: str
) -> None:
    monkeypatch.setenv("BOT_TELEGRAM_RATE", rate)

    with pytest.raises(ValidationError, match="telegram_rate"):
        Settings()


def test_a_negative_chat_interval_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TELEGRAM_CHAT_INTERVAL", "-1")

    with pytest.raises(ValidationError, match="telegram_chat_interval"):
        Settings()


def test_the_telegram_rate_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TELEGRAM_RATE", "12.5")

    assert Settings().telegram_rate == 12.5


# ---------------------------------------------------------------- languages


def user(language_code: str | None) -> User:
    """A Telegram user whose interface is in `language_code`."""
    return User(id=1, is_bot=False, first_name="A", language_code=language_code)


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("ru", Language.RU),
        ("kk", Language.KK),
        ("ru-RU", Language.RU),
        ("kk-KZ", Language.KK),
        ("RU", Language.RU),
    ],
)
def test_a_kazakh_or_russian_telegram_interface_gives_the_language(
    code: str, language: Language
) -> None:
    assert telegram_language(user(code)) is language


@pytest.mark.parametrize("code", ["en", "en-US", "uz", "", "kz", None])
def test_another_or_no_telegram_interface_language_gives_none(code: str | None) -> None:
    assert telegram_language(user(code)) is None


def test_an_update_without_a_user_gives_no_language() -> None:
    assert telegram_language(None) is None


@pytest.mark.parametrize("msgid", [WELCOME, HELP, ALREADY_ANSWERED])
@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_aiogram_words_a_msgid_as_the_bot_catalogs_do(msgid: str, locale: str) -> None:
    assert catalog_i18n().gettext(msgid, locale=locale) == render(msgid, locale)


@pytest.mark.parametrize("msgid", [WELCOME, HELP, ALREADY_ANSWERED])
def test_aiogram_words_a_msgid_differently_in_kazakh_and_russian(msgid: str) -> None:
    i18n = catalog_i18n()

    assert i18n.gettext(msgid, locale="kk") != i18n.gettext(msgid, locale="ru")


def test_aiogram_defaults_to_kazakh_and_knows_exactly_kazakh_and_russian() -> None:
    i18n = catalog_i18n()

    assert i18n.default_locale == "kk"
    assert sorted(i18n.available_locales) == ["kk", "ru"]


# ---------------------------------------------------------------- limits


def limits(
    time_: FakeTime, per_second: float = 25.0, chat_interval: float = 1.0
) -> TelegramLimits:
    return TelegramLimits(
        per_second=per_second,
        chat_interval=chat_interval,
        monotonic=time_.monotonic,
        sleep=time_.sleep,
    )


async def test_the_first_message_is_sent_without_waiting() -> None:
    time_ = FakeTime()

    await limits(time_).slot("100")

    assert time_.sleeps == []


async def test_a_second_message_to_the_same_chat_waits_the_chat_interval() -> None:
    time_ = FakeTime()
    slots = TelegramLimits(monotonic=time_.monotonic, sleep=time_.sleep)

    await slots.slot("100")
    await slots.slot("100")

    assert time_.sleeps == [pytest.approx(1.0)]


async def test_a_message_to_another_chat_waits_only_for_the_overall_rate() -> None:
    time_ = FakeTime()
    slots = TelegramLimits(monotonic=time_.monotonic, sleep=time_.sleep)

    await slots.slot("100")
    await slots.slot("200")

    assert time_.sleeps == [pytest.approx(1 / 25)]


async def test_messages_to_many_chats_keep_the_overall_rate() -> None:
    time_ = FakeTime()
    slots = limits(time_, per_second=10.0)

    for chat in range(5):
        await slots.slot(str(chat))

    assert time_.sleeps == [pytest.approx(0.1)] * 4


async def test_a_chat_that_waited_long_enough_is_served_at_once() -> None:
    time_ = FakeTime()
    slots = limits(time_)

    await slots.slot("100")
    time_.advance(1.0)
    await slots.slot("100")

    assert time_.sleeps == []


async def test_without_a_chat_interval_one_chat_is_held_only_to_the_overall_rate() -> None:
    time_ = FakeTime()
    slots = limits(time_, per_second=25.0, chat_interval=0.0)

    await slots.slot("100")
    await slots.slot("100")

    assert time_.sleeps == [pytest.approx(1 / 25)]


def test_a_pause_holds_every_send_until_its_seconds_have_passed() -> None:
    time_ = FakeTime()
    slots = limits(time_)
    assert slots.paused() == 0

    slots.pause(3)

    assert slots.paused() == pytest.approx(3)
    time_.advance(2.5)
    assert slots.paused() == pytest.approx(0.5)
    time_.advance(0.5)
    assert slots.paused() == 0


def test_a_shorter_pause_does_not_cut_a_longer_one() -> None:
    time_ = FakeTime()
    slots = limits(time_)

    slots.pause(3)
    slots.pause(1)

    assert slots.paused() == pytest.approx(3)


@pytest.mark.parametrize(("per_second", "chat_interval"), [(0.0, 1.0), (-25.0, 1.0), (25.0, -0.5)])
def test_limits_that_cannot_be_kept_are_refused(per_second: float, chat_interval: float) -> None:
    with pytest.raises(ValueError, match="rate"):
        TelegramLimits(per_second=per_second, chat_interval=chat_interval)


# ---------------------------------------------------------------- keyboards


def outbox(markup: Keyboard | None, message_id: int | None = 42) -> OutboxMessage:
    """A queued Telegram message carrying `markup`."""
    return OutboxMessage(
        id=message_id,
        client_ref="tg-1",
        case_id="94c0163d375a4c5e",
        channel=Channel.TELEGRAM,
        address="5550001",
        language="kk+ru",
        template_id="offer.burial",
        text="…",
        encoding="utf-8",
        segments=1,
        next_attempt_at=NOW,
        created_at=NOW,
        markup=markup,
    )


def test_a_message_without_buttons_has_no_markup() -> None:
    assert reply_markup(outbox(None)) is None


def test_a_remove_keyboard_takes_the_reply_keyboard_away() -> None:
    markup = reply_markup(outbox(Keyboard(kind="remove")))

    assert isinstance(markup, ReplyKeyboardRemove)
    assert markup.remove_keyboard is True


def test_a_contact_keyboard_asks_telegram_for_the_person_own_phone_number() -> None:
    button = Button(text="Share my phone number", action="contact")

    markup = reply_markup(outbox(Keyboard(kind="contact", rows=((button,),))))

    assert isinstance(markup, ReplyKeyboardMarkup)
    assert [[(b.text, b.request_contact) for b in row] for row in markup.keyboard] == [
        [("Share my phone number", True)]
    ]


CASE = "94c0163d375a4c5e"


def test_inline_buttons_carry_the_message_case_step_and_action_as_callback_data() -> None:
    offer = Rendered(text="…", template_id="offer.burial", template_version="x", language="kk+ru")
    keyboard = keyboard_for(offer, CaseState.OFFERED)
    assert keyboard is not None

    markup = reply_markup(outbox(keyboard, message_id=42))

    assert isinstance(markup, InlineKeyboardMarkup)
    assert [
        [parse_button(b.callback_data or "") for b in row] for row in markup.inline_keyboard
    ] == [
        [Press(42, CASE, "offered", "yes"), Press(42, CASE, "offered", "no")],
        [Press(42, CASE, "offered", "lang:kk"), Press(42, CASE, "offered", "lang:ru")],
    ]
    assert [[b.text for b in row] for row in markup.inline_keyboard] == [
        [b.text for b in row] for row in keyboard.rows
    ]
