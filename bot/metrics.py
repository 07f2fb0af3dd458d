"""What the people who run the bot watch: `GET /healthz`, `/readyz` and `/metrics` (the
Prometheus text format, `prometheus_client`) on BOT_METRICS_HOST:BOT_METRICS_PORT.

`/metrics` reads the database at each scrape (cases, the outbox, the ledger, decisions: all
instances together) and this process's counters (sends by outcome, SMPP, registry calls,
work done). No label or value carries personal data: services, states, channels, registries
and operations only. README "Operating it" lists every family.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import datetime

from aiohttp import web
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from bot.app import App
from bot.channels.smpp.gateway import SmppSmsGateway
from bot.records import Channel, OutboxStatus, SystemCounts
from bot.registries.port import OPERATIONS
from bot.registries.retrying import LATENCY_BUCKETS, RetryingClient
from domain.cases import PROCESSING

log = logging.getLogger(__name__)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# every family /metrics exports, with its meaning (the README lists the same)
FAMILIES: dict[str, str] = {
    "bot_cases": "cases by service and state (all instances)",
    "bot_outbox_messages": "outbox messages by channel and status (all instances)",
    "bot_outbox_oldest_queued_seconds": "age of the oldest message still queued, by channel",
    "bot_sends": "sends by channel and outcome in this process: sent, temporary (retried"
    " later), permanent (given up), throttled (Telegram 429)",
    "bot_smpp_bound": "1 while the SMPP session is bound (SMS_GATEWAY=smpp)",
    "bot_smpp_binds": "SMPP binds made by this process",
    "bot_smpp_throttled": "submit_sm answered ESME_RTHROTTLED or ESME_RMSGQFUL",
    "bot_registry_calls": "registry calls by registry and operation (retries inside one call)",
    "bot_registry_errors": "registry calls that failed after their retries",
    "bot_registry_call_seconds": "registry call latency, retries included",
    "bot_ledger_rows": "rows of the consent ledger",
    "bot_decisions": "signed decisions by outcome",
    "bot_decisions_overdue": "cases registered or under review past their decision term",
    "bot_decision_margin_seconds": "time left before the nearest decision term ends among"
    " undecided cases (negative: overdue); absent when none is waiting",
    "bot_work": "work this process did, by role (intake, replies, timers, decisions, dispatch…)",
}


class _Scrape(Collector):
    """One scrape's families, gathered beforehand (the database is read asynchronously)."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self._families = list(families)

    def collect(self) -> Iterator[Metric]:
        """The families."""
        return iter(self._families)


def _gauge(name: str, labels: list[str]) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, FAMILIES[name], labels=labels)


def _counter(name: str, labels: list[str]) -> CounterMetricFamily:
    return CounterMetricFamily(name, FAMILIES[name], labels=labels)


def stored(counts: SystemCounts, now: datetime) -> list[Metric]:
    """The families read from the database."""
    cases = _gauge("bot_cases", ["service", "state"])
    for (service, state), n in sorted(counts.cases.items()):
        cases.add_metric([service, state], n)
    outbox = _gauge("bot_outbox_messages", ["channel", "status"])
    oldest = _gauge("bot_outbox_oldest_queued_seconds", ["channel"])
    for row in sorted(counts.outbox, key=lambda r: (r.channel, r.status)):
        outbox.add_metric([row.channel, row.status], row.count)
        if row.status == OutboxStatus.QUEUED.value and row.oldest is not None:
            oldest.add_metric([row.channel], max(0.0, (now - row.oldest).total_seconds()))
    ledger = _gauge("bot_ledger_rows", [])
    ledger.add_metric([], counts.ledger_rows)
    decisions = _gauge("bot_decisions", ["outcome"])
    for outcome, n in sorted(counts.decisions.items()):
        decisions.add_metric([outcome], n)
    return [cases, outbox, oldest, ledger, decisions]


def in_process(app: App) -> list[Metric]:
    """The families this process counted."""
    sends = _counter("bot_sends", ["channel", "outcome"])
    for outcome, n in sorted(app.dispatcher.outcomes.items()):
        sends.add_metric([Channel.SMS, outcome], n)
    for chat in app.chats:
        for outcome, n in sorted(chat.outcomes.items()):
            sends.add_metric([chat.name, outcome], n)
    families: list[Metric] = [sends, *_smpp(app), *_registry_calls(app)]
    work = _counter("bot_work", ["role"])
    for role, n in sorted(app.work.items()):
        work.add_metric([role], n)
    families.append(work)
    return families


def _smpp(app: App) -> list[Metric]:
    bound, binds = _gauge("bot_smpp_bound", []), _counter("bot_smpp_binds", [])
    throttled = _counter("bot_smpp_throttled", [])
    if isinstance(app.sms, SmppSmsGateway):
        bound.add_metric([], 1 if app.sms.bound else 0)
        binds.add_metric([], app.sms.counters.binds)
        throttled.add_metric([], app.sms.counters.throttled)
    return [bound, binds, throttled]


def _registry_calls(app: App) -> list[Metric]:
    labels = ["registry", "operation"]
    calls, errors = _counter("bot_registry_calls", labels), _counter("bot_registry_errors", labels)
    seconds = HistogramMetricFamily(
        "bot_registry_call_seconds", FAMILIES["bot_registry_call_seconds"], labels=labels
    )
    if isinstance(app.registries, RetryingClient):
        for operation, stats in sorted(app.registries.stats.items()):
            where = [OPERATIONS[operation].registry, operation]
            calls.add_metric(where, stats.calls)
            errors.add_metric(where, stats.errors)
            buckets = [
                (str(b), float(n)) for b, n in zip(LATENCY_BUCKETS, stats.buckets, strict=True)
            ]
            seconds.add_metric(where, [*buckets, ("+Inf", float(stats.calls))], stats.seconds)
    return [calls, errors, seconds]


async def deadlines(app: App, now: datetime) -> list[Metric]:
    """Undecided cases past their term, and the least time left before a term ends."""
    async with app.storage.unit_of_work() as uow:
        waiting = [r.case for r in await uow.cases.in_states(PROCESSING) if r.case.due_at]
    overdue = _gauge("bot_decisions_overdue", [])
    overdue.add_metric([], sum(1 for case in waiting if case.due_at and case.due_at < now))
    margin = _gauge("bot_decision_margin_seconds", [])
    if waiting:
        margin.add_metric([], min((c.due_at - now).total_seconds() for c in waiting if c.due_at))
    return [overdue, margin]


async def exposition(app: App) -> bytes:
    """The Prometheus text of one scrape."""
    now = await app.clock.now()
    async with app.storage.unit_of_work() as uow:
        counts = await uow.views.system()
    families = [*stored(counts, now), *await deadlines(app, now), *in_process(app)]
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Scrape(families))
    return generate_latest(registry)


async def not_ready(app: App) -> list[str]:
    """Why the bot cannot serve now: the storage does not answer, a channel is not connected.
    Empty when ready."""
    problems = []
    try:
        async with app.storage.unit_of_work() as uow:
            await uow.cursor.get()
    except Exception as error:  # noqa: BLE001 (any failure of the storage means not ready)
        problems.append(f"storage: {type(error).__name__}: {error}")
    if isinstance(app.sms, SmppSmsGateway) and not app.sms.bound:
        problems.append(f"sms: not bound to the SMSC ({app.sms.counters.last_error or 'yet'})")
    for chat in app.chats:
        why = chat.not_ready()
        if why is not None:
            problems.append(f"{chat.name}: {why}")
    return problems


def observed(app: App) -> web.Application:
    """The operators' endpoints: alive, ready, metrics."""

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def readyz(_: web.Request) -> web.Response:
        problems = await not_ready(app)
        body = {"status": "ready" if not problems else "not ready", "problems": problems}
        return web.json_response(body, status=503 if problems else 200)

    async def metrics(_: web.Request) -> web.Response:
        return web.Response(body=await exposition(app), headers={"Content-Type": CONTENT_TYPE})

    site = web.Application()
    site.router.add_get("/healthz", healthz)
    site.router.add_get("/readyz", readyz)
    site.router.add_get("/metrics", metrics)
    return site


async def start_observed(app: App, host: str, port: int) -> tuple[web.AppRunner, int] | None:
    """Serve the endpoints; the runner and the port bound (0 asks for any free one), or
    None when the address cannot be bound (a warning: serving goes on without them)."""
    runner = web.AppRunner(observed(app), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as error:
        await runner.cleanup()
        log.warning(
            "metrics: cannot listen on %s:%d (%s); serving without them", host, port, error
        )
        return None
    bound = runner.addresses[0][1] if runner.addresses else port
    return runner, int(bound)
