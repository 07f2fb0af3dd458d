"""The dashboard: the funnel per service, the cases not offered by reason, and SMS volume per
day, as server-rendered SVG and tables."""

from __future__ import annotations

from collections import Counter

from aiohttp import web

from bot.records import CaseRecord
from bot.web import charts
from bot.web.access import Permission
from bot.web.app_state import console_of
from bot.web.pages.cases import SERVICE_NAMES, reason_language
from bot.web.render import page
from bot.web.routing import Route
from bot.wording.texts import BENEFIT_NAMES, N_, reason_text
from domain.benefits import BENEFITS
from domain.cases import CaseState

STAGES = (
    ("screened", N_("screened")),
    ("offered", N_("offered")),
    ("consented", N_("consented")),
    ("registered", N_("registered")),
    ("decided", N_("decided")),
)
# each declared benefit's legal name, over its funnel
SERVICE_TITLES = {b.service.value: BENEFIT_NAMES[b.service].legal for b in BENEFITS}


async def dashboard(request: web.Request) -> web.StreamResponse:
    """Funnels and SMS per day."""
    async with console_of(request).app.storage.unit_of_work() as uow:
        funnel = await uow.reports.funnel()
        days = await uow.reports.sms_per_day()
        screened_out = await uow.cases.in_states(frozenset({CaseState.NOT_OFFERED}))
    funnels = [
        (row.service, *charts.funnel([(stage, getattr(row, stage)) for stage, _ in STAGES]))
        for row in funnel
    ]
    volume, width = charts.columns([(d.day.strftime("%d.%m"), d.messages) for d in days])
    return page(
        request,
        "dashboard.html",
        funnels=funnels,
        stage_names=dict(STAGES),
        service_titles=SERVICE_TITLES,
        volume=volume,
        volume_width=width,
        days=days,
        not_offered=not_offered_by_reason(screened_out, reason_language(request)),
        service_names=SERVICE_NAMES,
    )


def not_offered_by_reason(records: list[CaseRecord], lang: str) -> list[tuple[str, str, str, int]]:
    """(service, reason in words, legal basis, cases) of the cases not offered, most first."""
    counts = Counter(
        (r.case.service.value, reason.code, reason.basis)
        for r in records
        for reason in r.screened_out
    )
    return [
        (service, reason_text(code, lang), basis, n)
        for (service, code, basis), n in counts.most_common()
    ]


ROUTES = [Route("GET", "/", dashboard, Permission.OVERVIEW, "dashboard")]
