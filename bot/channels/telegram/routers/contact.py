"""A shared contact: link the chat when it is the sender's own and the registries know it."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import Message
from aiogram.utils.i18n import I18n

from bot.channels.telegram import linking, texts
from bot.channels.telegram.deps import Deps
from bot.channels.telegram.routers.common import answer, contact_keyboard, private, ref, text
from bot.records import Keyboard
from domain.phone import InvalidPhone, mask_phone

REFUSALS = {
    linking.Refusal.NOT_OWN: texts.NOT_OWN_CONTACT,
    linking.Refusal.NOT_A_MOBILE: texts.NOT_A_MOBILE,
    linking.Refusal.UNKNOWN_PHONE: texts.UNKNOWN_PHONE,
    linking.Refusal.REGISTRY_UNAVAILABLE: texts.REGISTRY_UNAVAILABLE,
}


def build() -> Router:
    """The shared-contact router."""
    router = private(Router(name="contact"))
    router.message.register(shared_contact, F.contact)
    return router


def _masked(phone_text: str) -> str:
    digits = "+" + "".join(ch for ch in phone_text if ch.isdigit())
    try:
        return mask_phone(digits)
    except InvalidPhone:
        return digits[:4] + "***"


async def shared_contact(message: Message, deps: Deps, i18n: I18n) -> None:
    """Refuse somebody else's contact or an unknown number, with why; else link."""
    contact = message.contact
    if contact is None or message.from_user is None:
        return
    proof = await linking.verify_contact(
        deps.registries, message.from_user.id, contact.user_id, contact.phone_number
    )
    if isinstance(proof, linking.Refusal):
        phone = _masked(contact.phone_number)
        why = text(REFUSALS[proof], f"refused.{proof.value}", contact_keyboard(), phone=phone)
        await answer(deps, message, why)
        return
    phone, iin, registry_language = proof
    lang = await linking.language_after_link(deps.storage, message.chat.id, iin, registry_language)
    with i18n.use_locale(lang.value):
        confirmation = text(
            texts.LINKED, "linked", Keyboard(kind="remove"), phone=mask_phone(phone)
        )
    now = await deps.clock.now()
    sender = message.from_user.id
    await linking.link(
        deps.storage, message.chat.id, sender, proof, (confirmation, ref(message)), now
    )
    deps.wake()
