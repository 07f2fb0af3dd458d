"""Linking a chat to the citizen's verified phone and unlinking it; both are ledger acts.

Telegram vouches for a shared contact only when it is the sender's own (`contact.user_id`
equals the sender's id); the phone is then matched to a person through the registries.
Replies to commands go through the outbox like every other message, so a crash loses none
and the dispatcher keeps Telegram's limits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.ports import Storage, UnitOfWork
from bot.records import (
    Channel,
    Citizen,
    ConsentAct,
    ConsentEntry,
    Keyboard,
    OutboxMessage,
    TelegramChat,
)
from bot.registries.errors import NotFound, Retriable
from bot.registries.port import RegistryClient
from bot.service.effects import Turn, carry_out
from domain.cases import OPEN
from domain.conversation import prompt
from domain.model import Language
from domain.phone import InvalidPhone, normalize_phone


class Refusal(StrEnum):
    """Why a shared contact did not link the chat."""

    NOT_OWN = "not_own"  # a forwarded or typed contact: Telegram does not vouch it is theirs
    NOT_A_MOBILE = "not_a_mobile"  # not a Kazakhstan mobile number
    UNKNOWN_PHONE = "unknown_phone"  # no person has this number for e-government
    REGISTRY_UNAVAILABLE = "registry_unavailable"  # try again later


@dataclass(frozen=True)
class Linked:
    """The chat is linked: to which phone and person, in which language, and the case the
    deep link named (if it is one of theirs)."""

    chat: TelegramChat
    language: Language
    first_case: str | None


@dataclass(frozen=True)
class Text:
    """A reply to queue in a chat: its words, template and language, and its keyboard."""

    text: str
    template_id: str
    language: str
    markup: Keyboard | None = None


async def chat_of(storage: Storage, chat_id: int) -> TelegramChat | None:
    """A chat as stored."""
    async with storage.unit_of_work() as uow:
        return await uow.telegram.get(chat_id)


async def language_of_chat(storage: Storage, chat_id: int) -> Language | None:
    """The language to talk in: a linked citizen's own, else the one chosen in the chat."""
    async with storage.unit_of_work() as uow:
        chat = await uow.telegram.get(chat_id)
        if chat is None:
            return None
        if chat.iin is not None:
            citizen = await uow.citizens.get(chat.iin)
            if citizen is not None and citizen.language is not None:
                return citizen.language
        return chat.language


async def _chat(uow: UnitOfWork, chat_id: int, user_id: int, now: datetime) -> TelegramChat:
    known = await uow.telegram.get(chat_id)
    return known or TelegramChat(chat_id=chat_id, user_id=user_id, updated_at=now)


async def started(
    storage: Storage, chat_id: int, user_id: int, token: str | None, now: datetime
) -> TelegramChat:
    """/start: remember the chat and the deep link's token."""
    async with storage.unit_of_work() as uow:
        chat = await _chat(uow, chat_id, user_id, now)
        chat = chat.model_copy(
            update={"start_token": token or chat.start_token, "updated_at": now}
        )
        await uow.telegram.save(chat)
        await uow.commit()
    return chat


async def choose_language(
    storage: Storage, chat_id: int, user_id: int, language: Language, now: datetime
) -> TelegramChat:
    """The citizen chose a language in the chat; a linked citizen's, for SMS too."""
    async with storage.unit_of_work() as uow:
        chat = await _chat(uow, chat_id, user_id, now)
        chat = chat.model_copy(update={"language": language, "updated_at": now})
        await uow.telegram.save(chat)
        if chat.iin is not None:
            citizen = await uow.citizens.get(chat.iin) or Citizen(iin=chat.iin, phone=chat.phone)
            choice = {"language": language, "language_source": "choice"}
            await uow.citizens.save(citizen.model_copy(update=choice))
        await uow.commit()
    return chat


async def verify_contact(
    registries: RegistryClient, sender_id: int, contact_user_id: int | None, phone_text: str
) -> tuple[str, str, Language | None] | Refusal:
    """The phone and person a shared contact proves, or why it proves nothing."""
    if contact_user_id is None or contact_user_id != sender_id:
        return Refusal.NOT_OWN
    try:
        phone = normalize_phone(phone_text if phone_text.startswith("+") else f"+{phone_text}")
    except InvalidPhone:
        return Refusal.NOT_A_MOBILE
    try:
        person = await registries.person_by_phone(phone)
    except NotFound:
        return Refusal.UNKNOWN_PHONE
    except Retriable:
        return Refusal.REGISTRY_UNAVAILABLE
    return phone, person.iin, None if person.language is None else Language(person.language)


def ledger_entry(
    chat: TelegramChat, iin: str, act: ConsentAct, shown: OutboxMessage | None, now: datetime
) -> ConsentEntry:
    """A linking act for the ledger, with the exact text the citizen was shown."""
    return ConsentEntry(
        case_id=None,
        iin=iin,
        act=act,
        text="" if shown is None else shown.text,
        template_id="" if shown is None else shown.template_id,
        template_version="",
        language="" if shown is None else shown.language,
        channel=Channel.TELEGRAM,
        message_ids=() if shown is None else (shown.client_ref,),
        intent=act.value,
        actor="citizen" if shown is not None else "system",
        at=now,
    )


async def queue_text(
    uow: UnitOfWork, chat_id: int, reply: Text, client_ref: str, now: datetime
) -> OutboxMessage:
    """Queue a reply that belongs to no case in a chat."""
    message = OutboxMessage(
        client_ref=client_ref,
        case_id=None,
        channel=Channel.TELEGRAM,
        address=str(chat_id),
        language=reply.language,
        template_id=reply.template_id,
        text=reply.text,
        encoding="utf-8",
        segments=1,
        next_attempt_at=now,
        created_at=now,
        markup=reply.markup,
    )
    return await uow.outbox.enqueue(message)


async def reply(
    storage: Storage, chat_id: int, replies: Sequence[tuple[Text, str]], now: datetime
) -> None:
    """Queue replies (text, client reference) in a chat, in order, in one transaction."""
    async with storage.unit_of_work() as uow:
        for text, client_ref in replies:
            await queue_text(uow, chat_id, text, client_ref, now)
        await uow.commit()


async def _unlink_in(
    uow: UnitOfWork,
    chat: TelegramChat,
    now: datetime,
    why: str,
    confirmation: tuple[Text, str] | None = None,
) -> None:
    """Unlink a linked chat: drop what waits to be sent there, say so if there is a
    confirmation (text, client reference), and write the act with the text shown."""
    assert chat.phone is not None and chat.iin is not None
    await uow.outbox.cancel_queued(Channel.TELEGRAM, str(chat.chat_id), why)
    unlinked = chat.model_copy(
        update={"phone": None, "iin": None, "linked_at": None, "updated_at": now}
    )
    await uow.telegram.save(unlinked)
    shown = None
    if confirmation is not None:
        text, client_ref = confirmation
        shown = await queue_text(uow, chat.chat_id, text, client_ref, now)
    await uow.consents.append(ledger_entry(chat, chat.iin, ConsentAct.UNLINKED, shown, now))


async def link(
    storage: Storage,
    chat_id: int,
    user_id: int,
    proof: tuple[str, str, Language | None],
    confirmation: tuple[Text, str],
    now: datetime,
) -> Linked:
    """Link the chat to the verified phone (unlinking any chat linked to it before), write
    the act to the ledger with the confirmation shown, and send the open cases' questions."""
    phone, iin, registry_language = proof
    text, client_ref = confirmation
    async with storage.unit_of_work() as uow:
        before = await uow.telegram.by_phone(phone)
        if before is not None and before.chat_id != chat_id:  # the number moved to this account
            await _unlink_in(uow, before, now, "the phone was linked to another chat")
        chat = await _chat(uow, chat_id, user_id, now)
        if chat.linked and chat.phone != phone:
            await _unlink_in(uow, chat, now, "the chat was linked to another phone")
        token = chat.start_token
        chat = chat.model_copy(
            update={
                "phone": phone,
                "iin": iin,
                "linked_at": now,
                "start_token": None,
                "updated_at": now,
            }
        )
        await uow.telegram.save(chat)
        language = await _language_after_link(uow, chat, iin, registry_language)
        if chat.language is not None:  # chosen in the chat: the citizen's choice, for SMS too
            citizen = await uow.citizens.get(iin) or Citizen(iin=iin, phone=phone)
            choice = {"language": chat.language, "language_source": "choice"}
            await uow.citizens.save(citizen.model_copy(update=choice))
        shown = await queue_text(uow, chat_id, text, client_ref, now)
        await uow.consents.append(ledger_entry(chat, iin, ConsentAct.LINKED, shown, now))
        first = await _send_open_questions(uow, phone, token, f"{client_ref}:open", now)
        await uow.commit()
    return Linked(chat=chat, language=language, first_case=first)


async def _language_after_link(
    uow: UnitOfWork, chat: TelegramChat | None, iin: str, registry_language: Language | None
) -> Language:
    citizen = await uow.citizens.get(iin)
    return (
        (chat.language if chat else None)
        or (citizen.language if citizen else None)
        or registry_language
        or Language.KK
    )


async def language_after_link(
    storage: Storage, chat_id: int, iin: str, registry_language: Language | None
) -> Language:
    """The language a chat linked to this person talks in: chosen in the chat, else the
    citizen's stored one, else the registry's, else Kazakh."""
    async with storage.unit_of_work() as uow:
        return await _language_after_link(
            uow, await uow.telegram.get(chat_id), iin, registry_language
        )


async def _send_open_questions(
    uow: UnitOfWork, phone: str, token: str | None, ref: str, now: datetime
) -> str | None:
    """Ask again, in the chat, every open case's question; the deep link's case first."""
    cases = [r for r in reversed(await uow.cases.for_phone(phone)) if r.case.state in OPEN]
    cases.sort(key=lambda r: r.code != token)  # stable: the named case first, then oldest
    turn = Turn(now=now, ref=ref, actor="system", only=Channel.TELEGRAM)
    for record in cases:
        telegram_only = turn.model_copy(update={"ref": f"{ref}:{record.case.id}"})
        await carry_out(uow, record, record.case, (prompt(record.case),), telegram_only)
    return cases[0].case.id if cases else None


async def unlink(
    storage: Storage, chat_id: int, confirmation: Text, client_ref: str, now: datetime
) -> bool:
    """/stop: unlink the chat, say so, and write the act; False when it was not linked."""
    async with storage.unit_of_work() as uow:
        chat = await uow.telegram.get(chat_id)
        if chat is None or not chat.linked:
            return False
        why = "Telegram unlinked by the citizen"
        await _unlink_in(uow, chat, now, why, (confirmation, client_ref))
        await uow.commit()
    return True


async def blocked(storage: Storage, chat_id: int, now: datetime) -> bool:
    """The citizen blocked the bot (403): unlink the chat; SMS carries on. False if unlinked."""
    async with storage.unit_of_work() as uow:
        chat = await uow.telegram.get(chat_id)
        if chat is None or not chat.linked:
            return False
        await _unlink_in(uow, chat, now, "the citizen blocked the bot")
        await uow.commit()
    return True
