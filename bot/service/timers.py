"""Due work kept in the database: reminders and expiry of offers, swept at every tick."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from bot.ports import Storage, UnitOfWork
from bot.records import ConsentAct, TimerKind
from bot.service.batches import drain
from bot.service.effects import Turn, carry_out, read_ahead_cases, record_consent
from domain import intents
from domain.conversation import EXPIRE_AFTER, REMIND_AFTER, offer_timers, step

TIMER_INTENTS: dict[TimerKind, intents.Intent] = {
    TimerKind.REMIND: intents.Remind(),
    TimerKind.EXPIRE: intents.Expire(),
}


class OfferTimers(BaseModel):
    """When an unanswered offer is reminded of and expires, counted from sending."""

    model_config = ConfigDict(frozen=True)

    remind_after: timedelta = REMIND_AFTER
    expire_after: timedelta = EXPIRE_AFTER


async def start_offer_timers(
    uow: UnitOfWork, case_id: str, sent_at: datetime, config: OfferTimers
) -> None:
    """Reminder and expiry, counted from the offer being sent (SPEC: 48 h and 72 h)."""
    remind_at, expire_at = offer_timers(sent_at, config.remind_after, config.expire_after)
    await uow.timers.set(case_id, TimerKind.REMIND, remind_at)
    await uow.timers.set(case_id, TimerKind.EXPIRE, expire_at)


async def _fire(uow: UnitOfWork, case_id: str, kind: TimerKind, now: datetime) -> None:
    record = await uow.cases.get(case_id)
    await uow.timers.clear(case_id, kind)
    if record is None or kind not in TIMER_INTENTS:
        return  # a decision timer: decisions arrive with issue 5
    turn = Turn(now=now, ref=f"timer:{kind.value}:{case_id}")
    case, effects = step(record.case, TIMER_INTENTS[kind], now)
    if kind is TimerKind.REMIND and case.reminders_sent > record.case.reminders_sent:
        await record_consent(uow, record, ConsentAct.REMINDED, turn)
    await carry_out(uow, record, case, effects, turn)


BATCH = 200  # timers fired in one transaction


async def sweep(storage: Storage, now: datetime) -> int:
    """Fire every reminder and expiry due at `now`, a batch per transaction; the number."""
    kinds = frozenset(TIMER_INTENTS)

    async def due(uow: UnitOfWork) -> list[tuple[str, TimerKind]]:
        return await uow.timers.due(now, BATCH, kinds)

    async def read_ahead(uow: UnitOfWork, timers: Sequence[tuple[str, TimerKind]]) -> None:
        await read_ahead_cases(uow, [case_id for case_id, _ in timers])

    async def fire(uow: UnitOfWork, timer: tuple[str, TimerKind]) -> None:
        await _fire(uow, *timer, now)

    return await drain(storage, due, fire, read_ahead)
