"""A pressed inline button: the same reply as the words it stands for, once, in its step.

Callback data is "<outbox id>:<case id>:<step>:<action>": the message the keyboard came with,
the case and the step it answers, and the answer; data that does not match what was sent
with that message is refused.
A press is logged as an inbound message whose provider id names the keyboard, so a second
press of the same keyboard is refused by the log itself; a press whose step is over (the
case was answered by SMS meanwhile) is answered "already answered" and changes nothing.
"""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.channels.telegram import linking, texts
from bot.channels.telegram.deps import Deps
from bot.channels.telegram.routers.common import private
from bot.choices import LANGUAGE_ACTIONS, MEANINGS, parse_button
from bot.flow import log_inbound, pressed
from bot.records import Channel, InboundMessage, OutboxMessage, TelegramChat
from domain.model import Language

log = logging.getLogger(__name__)


def build() -> Router:
    """The buttons router."""
    router = private(Router(name="buttons"))
    router.callback_query.register(press)
    return router


def _label(shown: OutboxMessage, action: str) -> str:
    """The words on the button pressed, as the keyboard showed them."""
    assert shown.markup is not None
    labels = [b.text for row in shown.markup.rows for b in row if b.action == action]
    return labels[0] if labels else action


async def _shown(deps: Deps, message_id: int) -> OutboxMessage | None:
    async with deps.storage.unit_of_work() as uow:
        return await uow.outbox.get(message_id)


async def press(query: CallbackQuery, deps: Deps, i18n: I18n) -> None:
    """Answer the query at once; hand a fresh press to the flow, refuse a stale one."""
    press = parse_button(query.data or "")
    shown = None if press is None else await _shown(deps, press.message_id)
    chat = await linking.chat_of(deps.storage, query.from_user.id)
    if press is None or shown is None or shown.address != str(query.from_user.id):
        await query.answer(_(texts.ALREADY_ANSWERED))
        return
    action = press.action
    if shown.case_id is None:  # the chat's own language keyboard
        await _choose_language(query, deps, i18n, action)
        return
    if chat is None or chat.phone is None:
        await query.answer(_(texts.NOT_LINKED), show_alert=True)
        return
    if not await _log_press(deps, query, chat, shown, action):
        await query.answer(_(texts.ALREADY_ANSWERED))
        return
    await query.answer()
    deps.wake()
    if action not in LANGUAGE_ACTIONS and isinstance(query.message, Message):
        try:  # the question is answered: its buttons go (best effort)
            await query.message.edit_reply_markup(reply_markup=None)
        except TelegramAPIError as error:
            log.info("could not remove the buttons of an answered message: %s", error)


async def _log_press(
    deps: Deps, query: CallbackQuery, chat: TelegramChat, shown: OutboxMessage, action: str
) -> bool:
    """Log a current press for the flow; False when it is stale or the keyboard was used."""
    assert chat.phone is not None and shown.id is not None
    group = "language" if action in LANGUAGE_ACTIONS else "answer"
    message = InboundMessage(
        channel=Channel.TELEGRAM,
        address=chat.phone,
        provider_id=f"press:{shown.id}:{group}",  # one answer per keyboard
        text=_label(shown, action),
        received_at=await deps.clock.now(),
        button=query.data,
    )
    async with deps.storage.unit_of_work() as uow:
        record, current = await pressed(uow, message)
    if record is None or current is None:
        return False
    return await log_inbound(deps.storage, [message]) == 1


async def _choose_language(query: CallbackQuery, deps: Deps, i18n: I18n, action: str) -> None:
    reply, _intent = MEANINGS[action]
    if reply.language is None:
        await query.answer(_(texts.ALREADY_ANSWERED))
        return
    now = await deps.clock.now()
    await linking.choose_language(deps.storage, query.from_user.id, query.from_user.id,
                                  Language(reply.language), now)  # fmt: skip
    await query.answer()
    with i18n.use_locale(reply.language.value):
        done = linking.Text(_(texts.LANGUAGE_SET), "telegram.language_set", reply.language.value)
    await linking.reply(deps.storage, query.from_user.id, [(done, f"cb:{query.id}")], now)
    deps.wake()
