"""The dashboard: the funnel per service and SMS volume per day, as server-rendered SVG."""

from __future__ import annotations

from aiohttp import web

from bot.texts import N_
from bot.web import charts
from bot.web.access import Permission
from bot.web.app_state import console_of
from bot.web.render import page
from bot.web.routing import Route

STAGES = (
    ("offered", N_("offered")),
    ("consented", N_("consented")),
    ("registered", N_("registered")),
    ("decided", N_("decided")),
)
SERVICE_TITLES = {
    "burial": N_("one-time burial payment"),
    "disability": N_("state social benefit for disability"),
    "survivor": N_("state social benefit in case of loss of a breadwinner"),
}


async def dashboard(request: web.Request) -> web.StreamResponse:
    """Funnels and SMS per day."""
    async with console_of(request).app.storage.unit_of_work() as uow:
        funnel = await uow.reports.funnel()
        days = await uow.reports.sms_per_day()
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
    )


ROUTES = [Route("GET", "/", dashboard, Permission.READ, "dashboard")]
