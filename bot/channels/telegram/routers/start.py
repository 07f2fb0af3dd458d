"""/start, with an optional deep-link token from an SMS offer: greet, ask for the contact."""

from __future__ import annotations

import re

from aiogram import Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import Message

from bot.channels.telegram import linking, texts
from bot.channels.telegram.deps import Deps
from bot.channels.telegram.routers.common import (
    answer,
    contact_keyboard,
    language_keyboard,
    private,
    text,
)
from domain.phone import mask_phone

TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what a deep link's payload may hold (Bot API)


def build() -> Router:
    """The /start router."""
    router = private(Router(name="start"))
    router.message.register(start, CommandStart())
    return router


async def start(message: Message, command: CommandObject, deps: Deps) -> None:
    """Remember the chat and the token; a linked chat is told so, another asked to link."""
    if message.from_user is None:
        return
    token = command.args if command.args and TOKEN.fullmatch(command.args) else None
    now = await deps.clock.now()
    chat = await linking.started(deps.storage, message.chat.id, message.from_user.id, token, now)
    if chat.phone is not None:
        linked = text(texts.LINKED, "linked", phone=mask_phone(chat.phone))
        await answer(deps, message, linked)
        return
    welcome = text(texts.WELCOME, "welcome", contact_keyboard())
    choose = text(texts.CHOOSE_LANGUAGE, "choose_language", language_keyboard())
    await answer(deps, message, welcome, choose)
