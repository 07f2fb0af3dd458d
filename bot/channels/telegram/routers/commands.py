"""/status, /help, /language and /stop (unlink the chat; SMS goes on)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import I18n

from bot.channels.telegram import linking, texts
from bot.channels.telegram.deps import Deps
from bot.channels.telegram.routers.common import (
    answer,
    contact_keyboard,
    language_keyboard,
    private,
    ref,
    text,
)
from bot.channels.telegram.status import status_lines
from bot.records import Keyboard


def build() -> Router:
    """The commands router."""
    router = private(Router(name="commands"))
    router.message.register(status, Command("status"))
    router.message.register(help_, Command("help"))
    router.message.register(language, Command("language"))
    router.message.register(stop, Command("stop"))
    return router


async def status(message: Message, deps: Deps, i18n: I18n) -> None:
    """The linked citizen's applications and decisions, newest first."""
    chat = await linking.chat_of(deps.storage, message.chat.id)
    if chat is None or chat.phone is None:
        await answer(deps, message, text(texts.NOT_LINKED, "not_linked", contact_keyboard()))
        return
    lines = await status_lines(deps.storage, chat.phone, i18n.current_locale)
    head = texts.STATUS_HEAD if lines else texts.STATUS_NONE
    body = "\n".join([text(head, "status").text, *lines])
    reply = linking.Text(body, "telegram.status", i18n.current_locale)
    await answer(deps, message, reply)


async def help_(message: Message, deps: Deps) -> None:
    """What can be said here."""
    await answer(deps, message, text(texts.HELP, "help"))


async def language(message: Message, deps: Deps) -> None:
    """Қазақша | Русский."""
    await answer(
        deps, message, text(texts.CHOOSE_LANGUAGE, "choose_language", language_keyboard())
    )


async def stop(message: Message, deps: Deps) -> None:
    """Unlink the chat and write it to the ledger; SMS continue."""
    now = await deps.clock.now()
    confirmation = text(texts.UNLINKED, "unlinked", Keyboard(kind="remove"))
    if await linking.unlink(deps.storage, message.chat.id, confirmation, ref(message), now):
        deps.wake()
        return
    await answer(deps, message, text(texts.NOT_LINKED, "not_linked", contact_keyboard()))
