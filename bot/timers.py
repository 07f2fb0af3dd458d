"""Due work kept in the database: reminders and expiry of offers, swept at every tick."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from bot.effects import Turn, carry_out, record_consent
from bot.ports import Storage, UnitOfWork
from bot.records import ConsentAct, TimerKind
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


async def sweep(storage: Storage, now: datetime) -> int:
    """Fire every timer due at `now`, each in its own transaction; the number fired."""
    fired = 0
    while True:
        async with storage.unit_of_work() as uow:
            due = [t for t in await uow.timers.due(now, limit=10) if t[1] in TIMER_INTENTS]
            if not due:
                return fired
            case_id, kind = due[0]
            await _fire(uow, case_id, kind, now)
            await uow.commit()
        fired += 1
