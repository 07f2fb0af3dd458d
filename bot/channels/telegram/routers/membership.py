"""The citizen blocked the bot (my_chat_member: kicked): unlink at once; SMS goes on."""

from __future__ import annotations

from aiogram import Router
from aiogram.enums import ChatMemberStatus
from aiogram.types import ChatMemberUpdated

from bot.channels.telegram import linking
from bot.channels.telegram.deps import Deps
from bot.channels.telegram.routers.common import private


def build() -> Router:
    """The membership router."""
    router = private(Router(name="membership"))
    router.my_chat_member.register(membership)
    return router


async def membership(update: ChatMemberUpdated, deps: Deps) -> None:
    """Blocked: the chat is unlinked in the ledger, as a 403 would do at the next send."""
    if update.new_chat_member.status == ChatMemberStatus.KICKED:
        await linking.blocked(deps.storage, update.chat.id, await deps.clock.now())
