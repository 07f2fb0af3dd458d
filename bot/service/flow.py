"""Inbound: a citizen's message → the case it answers → an intent → `domain.step` → effects.

Each message is logged first (its own transaction), then handled in one transaction with
everything it causes; a crash in between leaves it pending, and the next tick handles it.
A sender's typed messages over the rate limit (`domain.flood`) are not read: the first gets
one answer saying until when, the rest are only logged.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.ports import Storage, UnitOfWork
from bot.records import CaseRecord, Citizen, InboundMessage, LanguageSource, OperatorTask
from bot.service.batches import drain
from bot.service.choices import MEANINGS, is_current, parse_button
from bot.service.effects import Turn, carry_out, context, language_of, queue, read_ahead_cases
from bot.service.replies import MAX_CHARS, Reply, parse_reply
from bot.wording.notice_texts import ShellNotice, render_notice, render_shell
from domain import intents
from domain.cases import OPEN, CaseState
from domain.conversation import step
from domain.flood import WINDOW, Judgement, Taken, judge
from domain.model import Language
from domain.notices import Notice, NoticeKind

NONSENSE_LIMIT = 3  # replies in a row that meant nothing before an operator takes over
NEEDS_NO_CASE = frozenset({"language", "help", "telegram"})
NO_WORDS = Reply(kind="unknown")  # a message not read: it quotes no code


def intent_of(reply: Reply) -> intents.Intent:
    """The domain intent a parsed reply stands for (an invalid IBAN is handled apart)."""
    simple: dict[str, intents.Intent] = {
        "yes": intents.ConsentYes(),
        "no": intents.ConsentNo(),
        "stop": intents.Stop(),
        "help": intents.Help(),
        "home_visit": intents.HomeVisit(),
    }
    if reply.kind in simple:
        return simple[reply.kind]
    if reply.kind == "iban" and reply.iban is not None:
        return intents.GiveIban(iban=reply.iban)
    if reply.kind == "language" and reply.language is not None:
        return intents.ChooseLanguage(language=reply.language)
    return intents.Unknown()


async def choose_case(
    uow: UnitOfWork, phone: str, reply: Reply
) -> tuple[CaseRecord | None, list[CaseRecord]]:
    """The case a reply answers: the quoted code, the only open case, or the latest one.

    Returns (case, open cases); the case is None when the phone has several open cases and
    the reply quoted none of their codes.
    """
    every = [  # newest first; a case never offered was never told: no reply is to it
        r for r in await uow.cases.for_phone(phone) if r.case.state is not CaseState.NOT_OFFERED
    ]
    open_cases = [r for r in reversed(every) if r.case.state in OPEN]  # oldest first
    if reply.code is not None:
        quoted = [r for r in every if r.code == reply.code]
        if quoted:
            return quoted[0], open_cases
    if len(open_cases) == 1:
        return open_cases[0], open_cases
    if not open_cases:
        return (every[0] if every else None), open_cases
    return None, open_cases


async def _learn_language(uow: UnitOfWork, citizen: Citizen, reply: Reply) -> Citizen:
    """Keep the language the reply shows or asks for; a choice outranks the reply's words."""
    source: LanguageSource | None = None
    language: Language | None = None
    if reply.kind == "language" and reply.language is not None:
        source, language = "choice", reply.language
    elif reply.wrote_in is not None and citizen.language_source != "choice":
        source, language = "reply", reply.wrote_in
    if language is None or source is None:
        return citizen
    updated = citizen.model_copy(update={"language": language, "language_source": source})
    if updated != citizen:
        await uow.citizens.save(updated)
    return updated


async def _count_nonsense(uow: UnitOfWork, citizen: Citizen, reply: Reply) -> int:
    """Count replies in a row that meant nothing (0 after one that meant something)."""
    meaningless = reply.kind in {"unknown", "empty"}
    count = citizen.nonsense_count + 1 if meaningless else 0
    if count != citizen.nonsense_count:
        await uow.citizens.save(citizen.model_copy(update={"nonsense_count": count}))
    return count


async def _shell_reply(
    uow: UnitOfWork, record: CaseRecord, kind: ShellNotice, turn: Turn, **params: object
) -> None:
    lang = await language_of(uow, record.addressee_iin) or Language.KK
    rendered = render_shell(kind, lang, context(record, record.case, lang), **params)
    await queue(uow, record, rendered, f"{turn.ref}:1", turn)


async def _which_case(uow: UnitOfWork, open_cases: list[CaseRecord], turn: Turn) -> None:
    listed = [(r.code, r.case.service, r.subject_name) for r in open_cases]
    await _shell_reply(uow, open_cases[0], ShellNotice.WHICH_CASE, turn, cases=listed)


async def _invalid_iban(uow: UnitOfWork, record: CaseRecord, reason: str, turn: Turn) -> None:
    lang = await language_of(uow, record.addressee_iin) or Language.KK
    notice = Notice(kind=NoticeKind.INVALID_IBAN, params={"reason": reason})
    rendered = render_notice(notice, lang, context(record, record.case, lang))
    await queue(uow, record, rendered, f"{turn.ref}:1", turn)


async def _telegram(uow: UnitOfWork, record: CaseRecord, turn: Turn) -> None:
    """TG: the deep link into the Telegram bot, only to a citizen who asks for it (an
    unasked-for link in an SMS is what phishing looks like); its token is the case code,
    which names the case only to the phone's verified owner once linked."""
    username = await uow.telegram.username()
    if record.phone is not None and await uow.telegram.by_phone(record.phone) is not None:
        await _shell_reply(uow, record, ShellNotice.TELEGRAM_ALREADY_LINKED, turn)
    elif username is None:
        await _shell_reply(uow, record, ShellNotice.TELEGRAM_UNAVAILABLE, turn)
    else:
        link = f"t.me/{username}?start={record.code}"
        await _shell_reply(uow, record, ShellNotice.TELEGRAM_LINK, turn, link=link)


async def _handoff(uow: UnitOfWork, record: CaseRecord, turn: Turn) -> None:
    note = f"replies not understood more than {NONSENSE_LIMIT} times in a row"
    task = OperatorTask(case_id=record.case.id, kind="nonsense", note=note, created_at=turn.now)
    uow.tasks.add(task)
    await _shell_reply(uow, record, ShellNotice.OPERATOR_HANDOFF, turn)


async def _citizen(uow: UnitOfWork, record: CaseRecord) -> Citizen:
    known = await uow.citizens.get(record.addressee_iin)
    return known or Citizen(iin=record.addressee_iin, phone=record.phone)


async def _answer(
    uow: UnitOfWork,
    record: CaseRecord,
    reply: Reply,
    turn: Turn,
    intent: intents.Intent | None = None,
) -> str:
    """Carry out a reply on its case (a button gives its intent); the intent it was taken for."""
    citizen = await _learn_language(uow, await _citizen(uow, record), reply)
    nonsense = await _count_nonsense(uow, citizen, reply)
    if nonsense == NONSENSE_LIMIT + 1:
        await _handoff(uow, record, turn)
        return "handoff"
    if nonsense > NONSENSE_LIMIT + 1:
        return "ignored_after_handoff"  # an operator has it: no more automatic answers
    if (
        reply.kind == "iban"
        and reply.iban is None
        and record.case.state.value == "awaiting_account"
    ):
        await _invalid_iban(uow, record, reply.iban_error or "format", turn)
        return "invalid_iban"
    if reply.kind == "telegram":
        await _telegram(uow, record, turn)
        return "telegram_link"
    intent = intent or intent_of(reply)
    case, effects = step(record.case, intent, turn.now)
    await carry_out(uow, record, case, effects, turn)
    return type(intent).__name__


async def pressed(
    uow: UnitOfWork, message: InboundMessage
) -> tuple[CaseRecord | None, str | None]:
    """The case a pressed button answers and its action; the case alone when the press is
    stale (its step is over), neither when the button is not one this phone was shown."""
    press = None if message.button is None else parse_button(message.button)
    if press is None:
        return None, None
    shown = await uow.outbox.get(press.message_id)
    if shown is None or shown.markup is None or shown.case_id is None:
        return None, None
    if (press.case_id, press.step) != (shown.case_id, shown.markup.step):
        return None, None  # the data does not say what we sent with that message
    record = await uow.cases.get(shown.case_id)
    if record is None or record.phone != message.address:
        return None, None
    current = is_current(shown.markup, record.case.state, press.action)
    return record, press.action if current else None


async def _press(uow: UnitOfWork, message: InboundMessage, turn: Turn) -> tuple[str | None, str]:
    """Carry out a pressed button: as the reply it stands for, once, and only in its step."""
    record, action = await pressed(uow, message)
    if record is None:
        return None, "unknown_button"
    if action is None:
        return record.case.id, "stale_button"  # already answered: nothing changes
    reply, intent = MEANINGS[action]
    turn = turn.model_copy(update={"reply_kind": reply.kind})
    return record.case.id, await _answer(uow, record, reply, turn, intent)


async def _judge(uow: UnitOfWork, message: InboundMessage) -> Judgement:
    """Whether the sender's rate limit lets this message be read (`domain.flood`)."""
    earlier = await uow.inbound.heard_from(message.address, message.received_at - WINDOW)
    return judge(earlier, message.received_at)


async def _held_back(
    uow: UnitOfWork, message: InboundMessage, judgement: Judgement, turn: Turn
) -> tuple[str | None, str]:
    """A message over the rate limit, not read, kept with the phone's case: the first in
    its window is answered with the time the sender's messages are read again, unless the
    phone has no case or an operator has it (handed off); the others are only logged."""
    record, open_cases = await choose_case(uow, message.address, NO_WORDS)
    record = record or (open_cases[0] if open_cases else None)
    if record is None:
        return None, Taken.DROPPED.value  # a number the bot never wrote to: not answered
    again = judgement.read_again_at
    if judgement.taken is not Taken.SLOWED or again is None:
        return record.case.id, Taken.DROPPED.value
    if (await _citizen(uow, record)).nonsense_count > NONSENSE_LIMIT:
        return record.case.id, Taken.DROPPED.value  # handed off: no automatic answers
    await _shell_reply(
        uow, record, ShellNotice.SLOW_DOWN, turn, read_again_at=again, now=message.received_at
    )
    return record.case.id, Taken.SLOWED.value


async def handle(
    uow: UnitOfWork, message: InboundMessage, now: datetime
) -> tuple[str | None, str]:
    """Handle one logged message; (the case it went to, what it was taken for)."""
    if message.button is not None:  # a press answers a keyboard we sent, once: never a flood
        turn = Turn(now=now, ref=f"in:{message.provider_id}", actor="citizen", inbound=message)
        return await _press(uow, message, turn)
    judgement = await _judge(uow, message)
    if judgement.taken is not Taken.READ:
        turn = Turn(now=now, ref=f"in:{message.provider_id}", actor="citizen", inbound=message)
        return await _held_back(uow, message, judgement, turn)
    reply = parse_reply(message.text)
    turn = Turn(
        now=now,
        ref=f"in:{message.provider_id}",
        actor="citizen",
        inbound=message,
        reply_kind=reply.kind,
    )
    record, open_cases = await choose_case(uow, message.address, reply)
    if record is None and reply.kind == "stop":  # STOP without a code stops every open case
        for each in open_cases:
            await _answer(
                uow, each, reply, turn.model_copy(update={"ref": f"{turn.ref}:{each.case.id}"})
            )
        return None, "stop_all"
    if record is None and open_cases and reply.kind not in NEEDS_NO_CASE:
        await _which_case(uow, open_cases, turn)
        return None, "which_case"
    if record is None and open_cases:
        record = open_cases[0]
    if record is None:
        return None, "no_case"  # a number the bot never wrote to: logged, not answered
    return record.case.id, await _answer(uow, record, reply, turn)


async def log_inbound(storage: Storage, messages: list[InboundMessage]) -> int:
    """Log messages before handling them; each provider id once, only the first `MAX_CHARS`
    characters of its text kept (an SMSC may join far longer texts). The number new."""
    kept = [_capped(m) for m in messages]
    async with storage.unit_of_work() as uow:
        new = await uow.inbound.log(kept)
        await uow.commit()
    return new


def _capped(message: InboundMessage) -> InboundMessage:
    if len(message.text) <= MAX_CHARS:
        return message
    return message.model_copy(update={"text": message.text[:MAX_CHARS]})


BATCH = 200  # logged messages handled in one transaction


async def _read_ahead(uow: UnitOfWork, messages: Sequence[InboundMessage]) -> None:
    """Read ahead what handling these messages asks of the store, a query a kind: what their
    senders sent in the rate limit's window, the chats of their phones, the messages their
    buttons were under, every case of their phones and what a step of those asks
    (`read_ahead_cases`)."""
    phones = sorted({m.address for m in messages})
    await uow.cases.prefetch(phones=phones)
    ids = [r.case.id for phone in phones for r in await uow.cases.for_phone(phone)]
    buttons = [p.message_id for m in messages if m.button and (p := parse_button(m.button))]
    since = min(m.received_at for m in messages) - WINDOW
    await uow.inbound.prefetch_senders(phones, since)  # for the rate limit
    await uow.chats.prefetch(phones)  # a phone without a case may still have a chat
    await uow.outbox.prefetch(ids=buttons)
    await read_ahead_cases(uow, ids)


async def handle_pending(storage: Storage, now: datetime) -> int:
    """Handle every logged message not yet handled, in order, a batch per transaction."""

    async def pending(uow: UnitOfWork) -> list[InboundMessage]:
        return await uow.inbound.pending(limit=BATCH)

    async def handle_one(uow: UnitOfWork, message: InboundMessage) -> None:
        assert message.id is not None
        case_id, taken_as = await handle(uow, message, now)
        await uow.inbound.mark_handled(message.id, case_id, taken_as, now)

    return await drain(storage, pending, handle_one, _read_ahead)
