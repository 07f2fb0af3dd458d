"""The review queue, reviewers' decisions, and cases past their decision term.

A reviewer decides through `bot.service.decide.review`, the same signing and payment path as
`python -m bot review assign|refuse`; the decide form is on the case's page (only for roles
that may decide). Overdue cases follow the rule of `python -m bot cases --overdue`.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from aiohttp import web
from babel.units import format_unit

from bot.records import CaseRecord
from bot.registries.errors import Retriable
from bot.service.decide import ReviewRefused, review
from bot.web.access import Permission
from bot.web.app_state import console_of
from bot.web.audit import audited
from bot.web.pages.cases import (
    REGISTRY_UNAVAILABLE,
    SERVICE_NAMES,
    STATE_NAMES,
    case_href,
    case_page,
    past_due,
    world_now,
)
from bot.web.render import LOCALES, language_of, page
from bot.web.routing import Route
from bot.web.security import current
from bot.wording.texts import N_
from domain.cases import PROCESSING, CaseState
from domain.model import ReasonCode
from domain.parameters import ParameterUnavailable

UNDER_REVIEW = frozenset({CaseState.UNDER_REVIEW})
ACTIONS = ("assign", "refuse")


def how_long(delta: timedelta, locale: str) -> str:
    """A span as days and hours (minutes under an hour), in the interface's locale."""
    hours = delta.seconds // 3600
    parts = []
    if delta.days:
        parts.append(format_unit(delta.days, "duration-day", length="short", locale=locale))
    if hours:
        parts.append(format_unit(hours, "duration-hour", length="short", locale=locale))
    if not parts:
        minutes = delta.seconds // 60
        parts.append(format_unit(minutes, "duration-minute", length="short", locale=locale))
    return " ".join(parts)


async def queue(request: web.Request) -> web.StreamResponse:
    """Cases under review, oldest first, with their due time."""
    app = console_of(request).app
    async with app.storage.unit_of_work() as uow:
        records = await uow.cases.in_states(UNDER_REVIEW)  # as `python -m bot review list`
    await audited(request, "view_review", None, f"review queue: {len(records)} cases shown")
    now = await world_now(app)
    return page(
        request,
        "review.html",
        records=records,
        now=now,
        problem=None if now is not None else REGISTRY_UNAVAILABLE,
        late={r.case.id for r in records if now is not None and past_due(r, now)},
        service_names=SERVICE_NAMES,
        case_href=case_href,
    )


async def decide(request: web.Request) -> web.StreamResponse:
    """A reviewer assigns or refuses a case under review; the case's page shows the result."""
    case_id = request.match_info["case_id"]
    form = await request.post()
    action = str(form.get("action", ""))
    chosen = str(form.get("reason", "")).strip()
    if action not in ACTIONS:
        return await case_page(request, case_id, status=400, error=N_("Choose: assign or refuse."))
    reason: ReasonCode | None = None
    if action == "refuse":
        if not chosen:
            error = N_("A refusal needs a reason: choose one.")
            return await case_page(request, case_id, status=400, error=error)
        try:
            reason = ReasonCode(chosen)
        except ValueError:
            return await case_page(request, case_id, status=400, error=N_("Unknown reason."))
    reviewer = current(request).operator.name
    try:
        await review(
            console_of(request).app.decider,
            case_id,
            assign=action == "assign",
            code=reason,
            reviewer=reviewer,
        )
    except ReviewRefused as refused:
        error = N_("The decision was not taken.")
        return await case_page(request, case_id, status=400, error=error, detail=str(refused))
    except ParameterUnavailable as missing:
        error = N_("The decision was not taken.")
        return await case_page(request, case_id, status=400, error=error, detail=str(missing))
    except Retriable:
        error = N_("A registry did not answer; nothing was decided. Try again.")
        return await case_page(request, case_id, status=503, error=error)
    what = f"{action} by {reviewer}" + ("" if reason is None else f": {reason.value}")
    await audited(request, "decide", case_id, what)
    await console_of(request).app.tick()  # the result SMS goes now, as with the CLI
    raise web.HTTPSeeOther(case_href(quote(case_id, safe="")))


async def overdue(request: web.Request) -> web.StreamResponse:
    """Undecided cases past their decision term, the longest overdue first."""
    app = console_of(request).app
    now = await world_now(app)
    rows: list[tuple[CaseRecord, str]] = []
    if now is not None:
        async with app.storage.unit_of_work() as uow:
            found = [r for r in await uow.cases.in_states(PROCESSING) if past_due(r, now)]
        locale = LOCALES[language_of(request)]
        found.sort(key=lambda r: r.case.due_at or now)
        rows = [(r, how_long(now - (r.case.due_at or now), locale)) for r in found]
    await audited(request, "view_overdue", None, f"overdue cases: {len(rows)} shown")
    return page(
        request,
        "overdue.html",
        status=200 if now is not None else 503,
        rows=rows,
        now=now,
        problem=None if now is not None else REGISTRY_UNAVAILABLE,
        service_names=SERVICE_NAMES,
        state_names=STATE_NAMES,
        case_href=case_href,
    )


ROUTES = [
    Route("GET", "/review", queue, Permission.READ, "review"),
    Route("POST", "/review/{case_id}/decide", decide, Permission.DECIDE, "review_decide"),
    Route("GET", "/overdue", overdue, Permission.READ, "overdue"),
]
