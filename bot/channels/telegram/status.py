"""/status: a linked citizen's applications and decisions, one line each, newest first."""

from __future__ import annotations

from babel.dates import format_date, format_time

from bot.channels.telegram import texts
from bot.ports import Storage
from bot.records import CaseRecord
from bot.wording.notice_texts import DATE_PATTERN, OUTCOMES, SHORT_NAMES, TIME_PATTERN
from bot.wording.texts import BABEL_LOCALE, capitalized, format_money, language, render
from domain.calendar import ALMATY
from domain.cases import CaseState

SHOWN = 10  # the newest cases listed
TOLD = frozenset(CaseState) - {CaseState.NOT_OFFERED}  # every state the citizen was told of


def _state(record: CaseRecord, amount: str | None, lang: str) -> str:
    case = record.case
    if case.state.value in OUTCOMES:
        state = render(OUTCOMES[case.state.value], lang)
    else:
        state = render(texts.STATES.get(case.state.value, texts.STATES["registered"]), lang)
    if case.due_at is not None and case.state in {CaseState.REGISTERED, CaseState.UNDER_REVIEW}:
        local, locale = case.due_at.astimezone(ALMATY), BABEL_LOCALE[language(lang)]
        day = format_date(local.date(), DATE_PATTERN, locale=locale)
        time = format_time(local, TIME_PATTERN, locale=locale)
        state = render(texts.DECISION_BY, lang, state=state, date=day, time=time)
    if amount is not None and case.state is CaseState.ASSIGNED:
        state = render(texts.WITH_AMOUNT, lang, state=state, amount=amount)
    return state


async def status_lines(storage: Storage, phone: str, lang: str) -> list[str]:
    """One line per case of the phone (newest first), in `lang`; cases never offered (the
    registries showed they could not be assigned) left out, as nobody was told of them."""
    async with storage.unit_of_work() as uow:
        told = [r for r in await uow.cases.for_phone(phone) if r.case.state in TOLD]
        records = told[:SHOWN]
        paid = {r.case.id: await uow.payments.for_case(r.case.id) for r in records}
    lines = []
    for record in records:
        orders = paid[record.case.id]
        amount = format_money(orders[0].amount, lang) if orders else None
        service = capitalized(render(SHORT_NAMES[record.case.service], lang))
        state = _state(record, amount, lang)
        lines.append(
            render(texts.STATUS_LINE, lang, code=record.code, service=service, state=state)
        )
    return lines
