"""Free text in a linked chat: an answer to the conversation, as an SMS would be."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import Message

from bot.channels.telegram import linking, texts
from bot.channels.telegram.deps import Deps
from bot.channels.telegram.routers.common import answer, contact_keyboard, private, text
from bot.records import Channel, InboundMessage
from bot.service.flow import log_inbound

MAX_CHARS = 1000  # as for SMS: only the start of a longer text is kept


def build() -> Router:
    """The free-text router (tried last)."""
    router = private(Router(name="messages"))
    router.message.register(free_text, F.text)
    return router


async def free_text(message: Message, deps: Deps) -> None:
    """Log the text for the flow (handled once, by its message id); unlinked: ask to link."""
    chat = await linking.chat_of(deps.storage, message.chat.id)
    if chat is None or chat.phone is None:
        await answer(deps, message, text(texts.NOT_LINKED, "not_linked", contact_keyboard()))
        return
    inbound = InboundMessage(
        channel=Channel.TELEGRAM,
        address=chat.phone,
        provider_id=f"tg:{message.chat.id}:{message.message_id}",
        text=(message.text or "")[:MAX_CHARS],
        received_at=await deps.clock.now(),
    )
    await log_inbound(deps.storage, [inbound])
    deps.wake()
