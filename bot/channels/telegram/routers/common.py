"""Small pieces the routers share: the reply keyboards, queuing a reply, the update's ids."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.channels.telegram import texts
from bot.channels.telegram.deps import Deps
from bot.channels.telegram.i18n import DEFAULT_LOCALE
from bot.channels.telegram.linking import Text, reply
from bot.records import Button, Keyboard
from bot.service.choices import language_buttons


def private(router: Router) -> Router:
    """Only private chats: the bot never links, answers or shows a case in a group."""
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)
    router.my_chat_member.filter(F.chat.type == ChatType.PRIVATE)
    return router


def contact_keyboard() -> Keyboard:
    """One button that shares the person's own phone number."""
    button = Button(text=_(texts.SHARE_CONTACT), action="contact")
    return Keyboard(kind="contact", rows=((button,),))


def language_keyboard() -> Keyboard:
    """Қазақша | Русский."""
    return Keyboard(rows=(language_buttons(),))


def text(msgid: str, template_id: str, markup: Keyboard | None = None, **params: str) -> Text:
    """A Telegram-only text in the update's locale (set by the I18n middleware)."""
    i18n = I18n.get_current()  # set by the middleware for this update
    locale = DEFAULT_LOCALE if i18n is None else i18n.current_locale
    return Text(_(msgid).format(**params), f"telegram.{template_id}", locale, markup)


def ref(message: Message, n: int = 1) -> str:
    """The client reference of the n-th reply to a message: the same on a redelivery."""
    return f"tg:{message.chat.id}:{message.message_id}:{n}"


async def answer(deps: Deps, message: Message, *replies: Text) -> None:
    """Queue replies to a message in order, and wake the loop to send them."""
    numbered = [(each, ref(message, n)) for n, each in enumerate(replies, start=1)]
    await reply(deps.storage, message.chat.id, numbered, await deps.clock.now())
    deps.wake()
