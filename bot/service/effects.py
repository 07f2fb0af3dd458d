"""Carries out what a conversation step asks, inside the caller's unit of work.

Every message goes to the outbox with a client reference derived from what caused it, so a
step replayed after a crash queues the same references and the gateway sends nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from bot.ports import UnitOfWork
from bot.records import (
    CaseRecord,
    Channel,
    ChatLink,
    ConsentAct,
    ConsentEntry,
    InboundMessage,
    OperatorTask,
    OutboxMessage,
    PaymentOrder,
    TimerKind,
)
from bot.service.choices import keyboard_for
from bot.wording.notice_texts import NoticeContext, Rendered, render_notice, render_offer
from domain import effects as fx
from domain.banking import bank_for
from domain.cases import Case
from domain.conversation import EXPIRE_AFTER
from domain.decisions import Decision
from domain.model import Language, Service
from domain.notices import NoticeKind
from domain.sms import encoding, segments

log = logging.getLogger(__name__)
DEFAULT_LANGUAGE = Language.KK  # when neither registry, reply nor choice tells: the state language


class Turn(BaseModel):
    """What caused a step: when, who, and the reply if a citizen wrote."""

    model_config = ConfigDict(frozen=True)

    now: datetime
    ref: str  # prefix of the client references of the messages this step queues
    actor: str = "system"
    inbound: InboundMessage | None = None
    reply_kind: str | None = None
    only: str | None = None  # send by this chat channel alone (e.g. questions re-asked in chat)

    @property
    def channel(self) -> str:
        """The channel the citizen wrote by; SMS for what the state starts."""
        return Channel.SMS if self.inbound is None else self.inbound.channel


def context(
    record: CaseRecord,
    case: Case,
    lang: Language | None,
    expires_at: datetime | None = None,
    application_number: str | None = None,
) -> NoticeContext:
    """What every text of a case may mention, with the bank named in the text's language.

    `expires_at` is the offer's expiry timer once it runs; before, the default term.
    """
    bank = bank_for(case.account_on_file) if case.account_on_file else None
    bank_name = None
    if bank is not None:
        bank_name = bank.name_ru if lang is Language.RU else bank.name_kk
    return NoticeContext(
        service=case.service,
        code=record.code,
        amount=record.offered_amount,
        monthly=record.monthly,
        bank_name=bank_name,
        expires_at=expires_at or case.offered_at + EXPIRE_AFTER,
        application_number=application_number,
        account_last4=None if case.account is None else case.account.compact[-4:],
        for_child=record.subject_iin != record.addressee_iin,
        subject_name=record.subject_name,
    )


async def language_of(uow: UnitOfWork, iin: str) -> Language | None:
    """The citizen's language, when the registry, a reply or a choice told it."""
    citizen = await uow.citizens.get(iin)
    return None if citizen is None else citizen.language


async def read_ahead_cases(uow: UnitOfWork, case_ids: Sequence[str]) -> None:
    """Read ahead what a step of these cases asks of the store, a query a kind: the cases,
    their citizens and chats, offers, timers, numbers, decisions and payments."""
    await uow.cases.prefetch(ids=case_ids)
    records = [r for r in [await uow.cases.get(c) for c in case_ids] if r is not None]
    phones = [r.phone for r in records if r.phone]
    burials = [r.subject_iin for r in records if r.case.service is Service.BURIAL]
    await uow.citizens.prefetch([r.addressee_iin for r in records])
    await uow.chats.prefetch(phones)
    await uow.outbox.prefetch(offers_of=case_ids)
    await uow.timers.prefetch(case_ids)
    await uow.journal.prefetch(case_ids)
    await uow.decisions.prefetch(case_ids)
    await uow.payments.prefetch(case_ids=case_ids, burials_of=burials)
    await uow.consents.prefetch(case_ids)  # a case's chain is its id


def chat_ref(client_ref: str, channel: str) -> str:
    """The client reference of a message's copy in a chat channel."""
    return f"{client_ref}@{channel}"


async def queue(
    uow: UnitOfWork,
    record: CaseRecord,
    rendered: Rendered,
    client_ref: str,
    turn: Turn,
    *,
    starts_timers: bool = False,
) -> bool:
    """Put a rendered text in the outbox for the case's addressee; whether an SMS is queued.

    An answer to a chat message goes back to that chat only. Everything else goes by SMS,
    the legal channel, and also to every chat linked to the phone (whatever its channel),
    with the buttons the text asks for. A case with no phone gets nothing. With
    `starts_timers` (the offer of a new case) the SMS, once sent, starts the offer's reminder
    and expiry.
    """
    if record.phone is None:
        return False
    links = await uow.chats.of_phone(record.phone)
    answered = turn.only or turn.channel  # the chat the citizen wrote in, if any
    same = [link for link in links if link.channel == answered]
    if same or turn.only is not None:
        _to_chats(record, rendered, client_ref, turn, same, uow)
        return False
    _to_chats(record, rendered, client_ref, turn, links, uow)
    sms = _message(record, rendered, turn, client_ref)
    uow.outbox.put(sms.model_copy(update={"starts_timers": True}) if starts_timers else sms)
    return True


def _to_chats(  # noqa: PLR0913 (the message's parts and where it goes)
    record: CaseRecord,
    rendered: Rendered,
    client_ref: str,
    turn: Turn,
    links: Sequence[ChatLink],
    uow: UnitOfWork,
) -> None:
    """A copy of the text, with its buttons, to each of these chats."""
    markup = keyboard_for(rendered, record.case.state) if links else None
    for link in links:
        copy = _message(record, rendered, turn, chat_ref(client_ref, link.channel))
        uow.outbox.put(
            copy.model_copy(
                update={
                    "channel": link.channel,
                    "address": link.address,
                    "encoding": "utf-8",
                    "segments": 1,
                    "markup": markup,
                }
            )
        )


def _message(record: CaseRecord, rendered: Rendered, turn: Turn, client_ref: str) -> OutboxMessage:
    """The SMS of a rendered text to the case's phone."""
    assert record.phone is not None
    return OutboxMessage(
        client_ref=client_ref,
        case_id=record.case.id,
        channel=Channel.SMS,
        address=record.phone,
        language=rendered.language,
        template_id=rendered.template_id,
        template_version=rendered.template_version,
        text=rendered.text,
        encoding=encoding(rendered.text),
        segments=segments(rendered.text),
        next_attempt_at=turn.now,
        created_at=turn.now,
    )


async def offer_shown(
    uow: UnitOfWork, case_id: str, channel: str = Channel.SMS
) -> OutboxMessage | None:
    """The latest offer a case's citizen was sent, by `channel` if any went by it: the text
    a consent answers."""
    offers = await uow.outbox.offers(case_id)
    by_channel = [m for m in offers if m.channel == channel]
    chosen = by_channel or offers
    return chosen[-1] if chosen else None


async def record_consent(uow: UnitOfWork, record: CaseRecord, act: ConsentAct, turn: Turn) -> None:
    """Append the act to the ledger with the exact offer text it concerns."""
    shown = await offer_shown(uow, record.case.id, turn.channel)
    inbound = turn.inbound
    entry = ConsentEntry(
        case_id=record.case.id,
        iin=record.addressee_iin,
        act=act,
        text="" if shown is None else shown.text,
        template_id="" if shown is None else shown.template_id,
        template_version="" if shown is None else shown.template_version,
        language="" if shown is None else shown.language,
        channel=turn.channel,
        message_ids=tuple(
            ([] if shown is None else [shown.client_ref])
            + ([] if inbound is None else [inbound.provider_id])
        ),
        raw_reply=None if inbound is None else inbound.text,
        intent=turn.reply_kind,
        actor=turn.actor,
        at=turn.now,
    )
    await uow.consents.append(entry)


async def _notice(
    uow: UnitOfWork, record: CaseRecord, case: Case, effect: fx.SendNotice, ref: str, turn: Turn
) -> None:
    lang = await language_of(uow, record.addressee_iin)
    expires_at = await uow.timers.due_at(case.id, TimerKind.EXPIRE)
    number = await uow.journal.number_of(case.id)
    ctx = context(record, case, lang, expires_at, number)
    if effect.notice.kind is NoticeKind.OFFER:
        rendered = render_offer(ctx, lang)
    else:
        rendered = render_notice(effect.notice, lang or DEFAULT_LANGUAGE, ctx)
    await queue(uow, record, rendered, ref, turn, starts_timers=effect.starts_offer_timers)


async def carry_out(
    uow: UnitOfWork,
    record: CaseRecord,
    case: Case,
    effects: Sequence[fx.Effect],
    turn: Turn,
    *,
    stored: bool = False,
) -> None:
    """Store the new case state (unless the caller just `stored` it) and carry out each
    effect, in order."""
    if not stored:
        await uow.cases.save(case)
    current = record if record.case is case else record.model_copy(update={"case": case})
    for number, effect in enumerate(effects, start=1):
        await _one(uow, current, case, effect, turn, f"{turn.ref}:{number}")


async def _one(
    uow: UnitOfWork, record: CaseRecord, case: Case, effect: fx.Effect, turn: Turn, ref: str
) -> None:
    match effect:
        case fx.SendNotice():
            await _notice(uow, record, case, effect, ref, turn)
        case fx.RecordConsent():
            await record_consent(uow, record, ConsentAct(effect.act.value), turn)
        case fx.RequestHomeVisit():
            note = "home visit requested: 1414 to call and agree a visit (App.2 row 10)"
            task = OperatorTask(case_id=case.id, kind="home_visit", note=note, created_at=turn.now)
            uow.tasks.add(task)
        case fx.CancelProcessing():
            await uow.timers.clear(case.id)
        case fx.RegisterApplication():
            await uow.journal.register(case.id, turn.now)  # burial p.16, disability p.20-1
        case fx.CheckApplication() | fx.RequestDecision():
            await uow.timers.set(
                case.id, TimerKind.DECIDE, turn.now
            )  # at once; due_at is the term
        case fx.PlacePayment():
            await _place_payment(uow, record, case, effect.decision, turn.now)
        case fx.SetAccount() | fx.OpenReview():
            pass  # the case holds the account; the review queue is the under_review cases


async def _place_payment(
    uow: UnitOfWork, record: CaseRecord, case: Case, decision: Decision, now: datetime
) -> None:
    """Place the order in the payments queue (burial p.19-1): once per case, and for the burial
    payment once per deceased whoever asks."""
    assert case.account is not None and decision.amount is not None
    assert decision.start is not None and decision.periodicity is not None
    order = PaymentOrder(
        case_id=case.id,
        service=case.service.value,
        subject_iin=record.subject_iin,
        amount=decision.amount,
        iban=case.account.compact,
        start=decision.start,
        periodicity=decision.periodicity.value,
        created_at=now,
        family_amount=None if decision.family is None else decision.family.family_amount,
    )
    if not await uow.payments.place(order):
        log.error("payment order refused by the queue: case %s already paid", case.id)
