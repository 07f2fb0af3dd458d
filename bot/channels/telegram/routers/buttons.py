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
from typing import Literal

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.channels.telegram import linking, texts
from bot.channels.telegram.deps import Deps
from bot.channels.telegram.routers.common import private
from bot.records import Channel, InboundMessage, OutboxMessage
from bot.service.choices import LANGUAGE_ACTIONS, MEANINGS, Press, parse_button
from bot.service.flow import pressed
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


Verdict = Literal["stale", "language", "not_linked", "logged"]


async def press(query: CallbackQuery, deps: Deps, i18n: I18n) -> None:
    """Answer the query at once; hand a fresh press to the flow, refuse a stale one."""
    press = parse_button(query.data or "")
    verdict, action = ("stale", "") if press is None else await _take(deps, query, press)
    if verdict == "stale":
        await query.answer(_(texts.ALREADY_ANSWERED))
        return
    if verdict == "language":  # the chat's own language keyboard
        await _choose_language(query, deps, i18n, action)
        return
    if verdict == "not_linked":
        await query.answer(_(texts.NOT_LINKED), show_alert=True)
        return
    await query.answer()
    deps.wake()
    if action not in LANGUAGE_ACTIONS and isinstance(query.message, Message):
        try:  # the question is answered: its buttons go (best effort)
            await query.message.edit_reply_markup(reply_markup=None)
        except TelegramAPIError as error:
            log.info("could not remove the buttons of an answered message: %s", error)


async def _take(deps: Deps, query: CallbackQuery, press: Press) -> tuple[Verdict, str]:
    """Judge a press and log a current one for the flow, in one unit of work: stale (not a
    message this chat was shown, its step over, or its keyboard used), the chat's language
    keyboard, a chat not linked to a phone, or logged; and the action pressed."""
    async with deps.storage.unit_of_work() as uow:
        shown = await uow.outbox.get(press.message_id)
        if shown is None or shown.address != str(query.from_user.id):
            return "stale", press.action
        if shown.case_id is None:
            return "language", press.action
        chat = await uow.telegram.get(query.from_user.id)
        if chat is None or chat.phone is None:
            return "not_linked", press.action
        group = "language" if press.action in LANGUAGE_ACTIONS else "answer"
        message = InboundMessage(
            channel=Channel.TELEGRAM,
            address=chat.phone,
            provider_id=f"press:{shown.id}:{group}",  # one answer per keyboard
            text=_label(shown, press.action),
            received_at=await deps.clock.now(),
            button=query.data,
        )
        record, current = await pressed(uow, message)
        if record is None or current is None or await uow.inbound.add(message) is None:
            return "stale", press.action
        await uow.commit()
    return "logged", press.action


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
