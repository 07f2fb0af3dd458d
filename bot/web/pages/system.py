"""The system page: what `/readyz` and `/metrics` tell the people who run the bot, for
operators in the console (no personal data on it: channels, statuses, registries only)."""

from __future__ import annotations

from aiohttp import web

from bot.metrics import not_ready
from bot.records import Channel, OutboxStatus
from bot.registries.port import OPERATIONS
from bot.registries.retrying import RetryingClient
from bot.web.access import Permission
from bot.web.app_state import console_of
from bot.web.render import page
from bot.web.routing import Route
from domain.cases import PROCESSING


async def system(request: web.Request) -> web.StreamResponse:
    """Readiness, the outbox, this process's sends and registry calls, the ledger and the
    decisions' deadlines."""
    app = console_of(request).app
    now = await app.clock.now()
    problems = await not_ready(app)
    async with app.storage.unit_of_work() as uow:
        counts = await uow.views.system()
        waiting = [r.case for r in await uow.cases.in_states(PROCESSING) if r.case.due_at]
    queued = {
        row.channel: (now - row.oldest).total_seconds()
        for row in counts.outbox
        if row.status == OutboxStatus.QUEUED.value and row.oldest is not None
    }
    sends = [(Channel.SMS, o, n) for o, n in sorted(app.dispatcher.outcomes.items())] + [
        (chat.name, o, n) for chat in app.chats for o, n in sorted(chat.outcomes.items())
    ]
    calls = []
    if isinstance(app.registries, RetryingClient):
        calls = [
            (OPERATIONS[op].registry, op, s.calls, s.errors, 1000 * s.seconds / max(s.calls, 1))
            for op, s in sorted(app.registries.stats.items())
        ]
    margins = [(c.due_at - now).total_seconds() for c in waiting if c.due_at]
    return page(
        request,
        "system.html",
        problems=problems,
        outbox=sorted(counts.outbox, key=lambda r: (r.channel, r.status)),
        queued=queued,
        sends=sends,
        calls=calls,
        ledger_rows=counts.ledger_rows,
        decisions=sorted(counts.decisions.items()),
        overdue=sum(1 for m in margins if m < 0),
        nearest_hours=None if not margins else min(margins) / 3600,
    )


ROUTES = [Route("GET", "/system", system, Permission.OVERVIEW, "system")]
