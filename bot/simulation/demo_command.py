"""`python -m bot demo`: the whole product on a generated population, in one command.

A fresh data directory (temporary unless `--data-dir` names a new or empty one) gets the
registries, the bot and the simulated SMS gateway; `bot.simulation.demo` plays the citizens on the
gateway's handsets (what each phone received, its replies) and the reviewer; the end is a
summary per service (one JSON object with `--json`). The directory stays: `python -m
bot --data-dir D cases|consents|verify-ledger` look at the same world. A demo whose process
died goes on where it stopped with `demo --resume --data-dir D`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, SecretStr
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from bot.app import App
from bot.channels.smpp.gateway import SmppSmsGateway
from bot.channels.sms_gateway import SimulatedSmsGateway
from bot.cli.operations import FAILED, OK, PipeConsole, fail, local, out
from bot.composition import build_app
from bot.records import CaseRecord, DecisionRecord, OutboxStatus
from bot.settings import Settings
from bot.simulation import demo as world
from bot.storage.verify import verify_stored
from domain.cases import CaseState
from domain.model import Service

DEMO_SMS_RATE = 1_000_000.0  # simulated hours pass in milliseconds: no real-time throttle
SMPP_ACCOUNT, SMPP_PASSWORD = "demo", "demo-pw"  # the bind of `--sms smpp` to the simulator
STAGES = ("screened", "offered", "consented", "registered")
BUCKETS = (  # where a case ended: every state is in exactly one bucket
    "assigned", "refused", "not_accepted", "declined", "withdrawn", "expired",
    "under_review", "awaiting_decision", "awaiting_reply", "no_contact", "not_offered",
)  # fmt: skip
_WAITING = {"registered": "awaiting_decision", "offered": "awaiting_reply"}
BUCKET_OF = {s: _WAITING.get(s.value, s.value) for s in CaseState}
BUCKET_OF[CaseState.AWAITING_ACCOUNT] = "awaiting_reply"
SENT = frozenset({OutboxStatus.SENT, OutboxStatus.DELIVERED})


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Funnel(_Model):
    """One service's cases: how far they came, and the one bucket each ended in."""

    screened: int  # every case opened: the events' cases, offered or not
    offered: int  # screened and offered (pre-screening passed), reachable or not
    consented: int
    registered: int
    end: dict[str, int]  # bucket → cases; the buckets add up to `screened`
    payments: int


class SmppTraffic(_Model):
    """What crossed the SMPP line in a demo over SMPP (`--sms smpp`)."""

    binds: int
    parts_submitted: int  # submit_sm accepted by the SMSC
    throttled: int  # submit_sm answered ESME_RTHROTTLED / ESME_RMSGQFUL, then sent again
    receipts: int  # delivery receipts stored and answered
    reply_parts: int  # mobile-originated deliver_sm stored and answered
    refused: int  # deliver_sm the bot could not read
    protocol_errors: int  # departures from SMPP 3.4 the SMSC simulator noticed


class Summary(_Model):
    """What the demo did; `seconds` and `data_dir` aside, the same seed gives the same one.

    Over SMPP the funnels, messages and ledger are the simulated gateway's; the timing is
    one step (30 min) quicker, as the SMSC delivers at once and the simulated gateway two
    seconds later, which the citizens then read at the next step."""

    citizens: int
    seed: int
    data_dir: str
    sms_gateway: str  # "simulated" or "smpp"
    smpp: SmppTraffic | None  # over SMPP only
    events: int  # the registries' feed: deaths, disabilities, births, marriages
    started_at: datetime
    ended_at: datetime
    cases: int
    left_open: int  # neither final nor with operators: visible, never hidden
    services: dict[str, Funnel]  # per service, and "all"
    sms: dict[str, dict[str, int]]  # language ("kk", "ru", "kk+ru", "all") → messages, segments
    median_consent_to_decision_hours: float | None
    deadline_breaches: int  # decided after the case's due time
    overdue_undecided: int  # still undecided at the end, past the due time
    decided_by: dict[str, int]
    payments: int
    payment_mismatches: int  # assigned cases without exactly one order, others with any
    ledger_rows: int
    ledger_verified: bool
    behaviours: dict[str, int]  # phones per behaviour
    # pre-screening: the cases not offered, by service ("all" too) and reason code
    not_offered: dict[str, dict[str, int]]
    # registered cases told "not accepted" after consent, in % of registered (SPEC: what the
    # registries already showed is screened out before the offer)
    not_accepted_pct: float
    seconds: float


def funnel(records: list[CaseRecord], payments: Counter[str]) -> Funnel:
    """The funnel of a group of cases."""
    ends = Counter(BUCKET_OF[r.case.state] for r in records)
    return Funnel(
        screened=len(records),
        offered=len(records) - ends["not_offered"],
        consented=sum(r.case.consent_at is not None for r in records),
        registered=sum(r.case.registered_at is not None for r in records),
        end={bucket: ends[bucket] for bucket in BUCKETS},
        payments=sum(payments[r.case.id] for r in records),
    )


def funnels(records: list[CaseRecord], payments: Counter[str]) -> dict[str, Funnel]:
    """Per service, then all together."""
    groups = {s.value: [r for r in records if r.case.service is s] for s in Service}
    groups["all"] = records
    return {name: funnel(group, payments) for name, group in groups.items()}


def timing(
    records: list[CaseRecord], decisions: list[DecisionRecord], now: datetime
) -> tuple[float | None, int, int]:
    """Median consent-to-decision hours, decisions after the due time, undecided and overdue."""
    decided = {d.case_id: d.decided_at for d in decisions}
    hours, late, overdue = [], 0, 0
    for r in records:
        at, due = decided.get(r.case.id), r.case.due_at
        if at is not None and r.case.consent_at is not None:
            hours.append((at - r.case.consent_at).total_seconds() / 3600)
        late += at is not None and due is not None and at > due
        overdue += at is None and due is not None and due < now
    return (round(statistics.median(hours), 2) if hours else None), late, overdue


async def sms_counts(app: App, records: list[CaseRecord]) -> dict[str, dict[str, int]]:
    """Messages handed to the gateway, by the language of their text."""
    messages, segments = Counter[str](), Counter[str]()
    async with app.storage.unit_of_work() as uow:
        sent = await uow.outbox.for_cases([r.case.id for r in records])
    for found in sent.values():
        for m in found:
            if m.status in SENT:
                messages[m.language] += 1
                segments[m.language] += m.segments
    languages = [*sorted(messages), "all"]
    messages["all"], segments["all"] = messages.total(), segments.total()
    return {lang: {"messages": messages[lang], "segments": segments[lang]} for lang in languages}


def not_offered(records: list[CaseRecord]) -> dict[str, dict[str, int]]:
    """The cases not offered, counted by reason, per service and for all (a case not offered
    for two reasons counts under each)."""
    found: dict[str, Counter[str]] = {s.value: Counter() for s in Service}
    found["all"] = Counter()
    for r in records:
        for reason in r.screened_out:
            found[r.case.service.value][reason.code.value] += 1
            found["all"][reason.code.value] += 1
    return {name: dict(sorted(counts.items())) for name, counts in found.items()}


def not_accepted_pct(records: list[CaseRecord]) -> float:
    """Cases not accepted after consent, in % of the registered ones."""
    registered = sum(r.case.registered_at is not None for r in records)
    refused = sum(r.case.state is CaseState.NOT_ACCEPTED for r in records)
    return round(100 * refused / registered, 2) if registered else 0.0


def mismatches(records: list[CaseRecord], payments: Counter[str]) -> int:
    """Assigned cases without exactly one payment order, and other cases with any."""
    assigned = {r.case.id for r in records if r.case.state is CaseState.ASSIGNED}
    wrong = sum(payments[case_id] != 1 for case_id in assigned)
    return wrong + sum(n for case_id, n in payments.items() if case_id not in assigned)


async def outcomes(app: App, records: list[CaseRecord], now: datetime) -> dict[str, Any]:
    """The funnels, decisions, their timing and the payment orders."""
    async with app.storage.unit_of_work() as uow:
        decisions, orders = await uow.decisions.all(), await uow.payments.all()
    payments = Counter(order.case_id for order in orders)
    median, late, overdue = timing(records, decisions, now)
    return {
        "services": funnels(records, payments),
        "median_consent_to_decision_hours": median,
        "deadline_breaches": late,
        "overdue_undecided": overdue,
        "decided_by": dict(sorted(Counter(d.decided_by for d in decisions).items())),
        "payments": len(orders),
        "payment_mismatches": mismatches(records, payments),
        "not_offered": not_offered(records),
        "not_accepted_pct": not_accepted_pct(records),
    }


def traffic(app: App, smsc: world.Smsc | None) -> SmppTraffic | None:
    """The SMPP line's counts, when the demo ran over it."""
    if smsc is None or not isinstance(app.sms, SmppSmsGateway):
        return None
    counters = app.sms.counters
    return SmppTraffic(
        binds=counters.binds,
        parts_submitted=counters.submitted,
        throttled=counters.throttled,
        receipts=counters.receipts,
        reply_parts=counters.replies,
        refused=counters.refused,
        protocol_errors=len(smsc.protocol_errors),
    )


async def summarize(
    app: App, citizens: world.Citizens, events: int, args: Any, smsc: world.Smsc | None = None
) -> Summary:
    """Read the demo's outcome back from the bot's storage."""
    records, now = await world.all_cases(app), await app.clock.now()
    async with app.storage.unit_of_work() as uow:
        ledger_rows = len(await uow.consents.rows())
    behaviours = Counter(p.behaviour for p in citizens.phones.values())
    return Summary(
        citizens=args.citizens,
        seed=args.seed,
        data_dir=str(app.settings.data_dir),
        sms_gateway=app.settings.sms_gateway,
        smpp=traffic(app, smsc),
        events=events,
        started_at=world.START,
        ended_at=now,
        cases=len(records),
        left_open=sum(not world.settled(r) for r in records),
        sms=await sms_counts(app, records),
        ledger_rows=ledger_rows,
        ledger_verified=not await verify_stored(app.settings),
        behaviours={b.value: behaviours[b] for b in world.MIX},
        seconds=0.0,
        **await outcomes(app, records, now),
    )


def funnel_table(summary: Summary) -> Table:
    """Rows: the funnel's stages and end buckets; columns: the services and all together."""
    table = Table(title="Cases per service: how far each came, where each ended")
    table.add_column("")
    for name in summary.services:
        table.add_column(name, justify="right")
    every = summary.services.values()
    rows = [(stage, [getattr(f, stage) for f in every]) for stage in STAGES]
    rows += [(f"  {bucket}", [f.end[bucket] for f in every]) for bucket in BUCKETS]
    for label, values in [*rows, ("payments", [f.payments for f in every])]:
        table.add_row(label.replace("_", " "), *map(str, values))
    return table


def sms_table(summary: Summary) -> Table:
    """SMS handed to the gateway and their segments, by language."""
    table = Table(title="SMS sent")
    for column in ("language", "messages", "segments"):
        table.add_column(column, justify="left" if column == "language" else "right")
    for lang, count in summary.sms.items():
        table.add_row(lang, str(count["messages"]), str(count["segments"]))
    return table


def _reasons(counts: dict[str, int]) -> str:
    return ", ".join(f"{code} {n}" for code, n in counts.items()) or "none"


def facts(summary: Summary) -> list[str]:
    """The lines under the tables."""
    median, late = summary.median_consent_to_decision_hours, summary.deadline_breaches
    ledger = "verifies" if summary.ledger_verified else "DOES NOT VERIFY"
    mix = ", ".join(f"{name} {n}" for name, n in summary.behaviours.items())
    deciders = ", ".join(f"{name} {n}" for name, n in summary.decided_by.items()) or "-"
    return [
        f"simulated {local(summary.started_at)} → {local(summary.ended_at)}",
        f"cases left open (not final): {summary.left_open} of {summary.cases}",
        "median consent → decision: " + ("-" if median is None else f"{median} h"),
        f"deadline breaches: {late} decided late, {summary.overdue_undecided} overdue undecided",
        f"decisions by: {deciders}",
        f"payment orders: {summary.payments} ({summary.payment_mismatches} mismatched)",
        f"not accepted after consent: {summary.not_accepted_pct} % of registered",
        "not offered (pre-screening), by reason: " + (_reasons(summary.not_offered["all"])),
        f"consent ledger: {summary.ledger_rows} rows, {ledger}",
        *smpp_facts(summary.smpp),
        f"phones by behaviour: {mix}",
        f"wall time: {summary.seconds:.1f} s",
        f"data directory: {summary.data_dir}",
        f"  python -m bot --data-dir {summary.data_dir} cases|consents|verify-ledger",
    ]


def smpp_facts(smpp: SmppTraffic | None) -> list[str]:
    """The SMPP line, when the demo ran over it."""
    if smpp is None:
        return ["SMS gateway: simulated (its own file)"]
    return [
        f"SMS over SMPP 3.4 to the SMSC simulator: {smpp.binds} bind(s),"
        f" {smpp.parts_submitted} parts submitted ({smpp.throttled} throttled),"
        f" {smpp.receipts} receipts, {smpp.reply_parts} reply parts, {smpp.refused} refused,"
        f" {smpp.protocol_errors} protocol errors seen by the SMSC"
    ]


def show(summary: Summary) -> None:
    """The human summary on standard output."""
    console = PipeConsole(highlight=False)
    console.print(funnel_table(summary), sms_table(summary), *facts(summary), sep="\n")


def chosen_dir(args: argparse.Namespace) -> Path | None:
    """The directory the command line names: `demo --data-dir`, else the global one."""
    chosen: Path | None = args.demo_dir or args.data_dir
    return chosen


def target(args: argparse.Namespace) -> Path | str:
    """The data directory to fill, or why not (a string): one that already holds data."""
    chosen = chosen_dir(args)
    if chosen is None:
        return Path(tempfile.mkdtemp(prefix="bot-demo-"))
    if chosen.exists() and (not chosen.is_dir() or any(chosen.iterdir())):
        return f"{chosen} already holds data; the demo needs a new or empty directory"
    chosen.mkdir(parents=True, exist_ok=True)
    return chosen


def handsets(app: App, smsc: world.Smsc | None) -> world.Handsets | str:
    """The phones the citizens play, or why none (a string): the gateway is neither the
    simulated one nor SMPP to the SMSC simulator."""
    if smsc is not None:
        return world.SmscHandsets(smsc, app.settings.smpp_source)
    if not isinstance(app.sms, SimulatedSmsGateway):
        kind = type(app.sms).__name__
        return f"the demo plays phones on the simulated SMS gateway, not on {kind}"
    return world.SimulatedHandsets(app.sms)


def smsc_simulator() -> Callable[[str, str], AbstractAsyncContextManager[world.Smsc]] | str:
    """The SMSC simulator of the tests (tests/fakes/smsc.py), or why it is missing."""
    try:
        from tests.fakes.smsc import Smsc  # noqa: PLC0415 (a source checkout's test fake)
    except ModuleNotFoundError:
        return "--sms smpp plays the SMSC simulator of tests/fakes/smsc.py: run from a checkout"
    return Smsc


async def play(settings: Settings, args: argparse.Namespace, events: int) -> Summary | str:
    """Over SMPP, the same as `simulate` with the SMSC simulator on loopback in between."""
    if args.sms != "smpp":
        return await simulate(settings, args, events, None)
    simulator = smsc_simulator()
    if isinstance(simulator, str):
        return simulator
    async with simulator(SMPP_ACCOUNT, SMPP_PASSWORD) as smsc:
        changes = {
            "sms_gateway": "smpp",
            "smpp_host": "127.0.0.1",
            "smpp_port": smsc.port,
            "smpp_system_id": SMPP_ACCOUNT,
            "smpp_password": SecretStr(SMPP_PASSWORD),
            "smpp_tps": DEMO_SMS_RATE,
        }
        return await simulate(settings.model_copy(update=changes), args, events, smsc)


async def simulate(
    settings: Settings, args: argparse.Namespace, events: int, smsc: world.Smsc | None
) -> Summary | str:
    """Build the bot on the prepared world, run the simulation, summarize (or why not)."""
    console = Console(stderr=True)  # standard output stays clean for --json
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    off = not console.is_terminal
    with Progress(*columns, console=console, transient=True, disable=off) as bar:
        task = bar.add_task("simulating", total=None)

        def progress(now: datetime, settled: int, cases: int) -> None:
            bar.update(task, completed=settled, total=cases, description=f"simulated {local(now)}")

        app = await build_app(settings)
        try:
            phones = handsets(app, smsc)
            if isinstance(phones, str):
                return phones
            if isinstance(app.sms, SmppSmsGateway) and not await app.sms.wait_bound(10.0):
                return f"the SMSC did not bind the bot: {app.sms.counters.last_error}"
            citizens = await world.simulate(app, args.seed, phones, progress)
            return await summarize(app, citizens, events, args, smsc)
        finally:
            await app.close()


def resumed(args: argparse.Namespace) -> tuple[Path, world.WorldRecord] | str:
    """The directory of the demo to resume and the world prepared in it, or why not."""
    chosen = chosen_dir(args)
    if chosen is None:
        return "--resume needs --data-dir: the directory of the demo to go on with"
    if args.sms != "simulated":
        return "--resume goes on with a demo on the simulated SMS gateway only"
    record = world.recorded(chosen)
    if record is None and world.preparation_only(chosen):
        # killed before it recorded its start: nothing of it ran, so it starts now
        sys.stderr.write(f"no demo had started in {chosen}: starting it\n")
        world.start_over(chosen)
        return fresh(args)
    if record is None:
        return f"{chosen} holds no demo to resume (no {world.RECORD_FILE} from a demo's start)"
    asked = {"--citizens": (args.citizens, record.citizens), "--seed": (args.seed, record.seed)}
    for option, (given, held) in asked.items():
        if given is not None and given != held:
            return f"{chosen} holds a demo with {option} {held}, not {given}"
    return chosen, record


def fresh(args: argparse.Namespace) -> tuple[Path, world.WorldRecord] | str:
    """A new directory with a new world in it, or why not."""
    citizens = 1000 if args.citizens is None else args.citizens
    seed = 1 if args.seed is None else args.seed
    if citizens < 1:
        return f"--citizens must be at least 1, got {citizens}"
    latency = args.registry_latency_ms
    if not 0 <= latency <= world.MAX_LATENCY_MS:
        return f"--registry-latency-ms must be 0 to {world.MAX_LATENCY_MS}, got {latency}"
    data_dir = target(args)
    if isinstance(data_dir, str):
        return data_dir
    report = world.prepare(data_dir, citizens, seed, latency_ms=latency)
    return data_dir, world.WorldRecord(citizens, seed, sum(report.events.values()))


async def run_demo(settings: Settings, args: argparse.Namespace) -> int:
    """The `demo` command: exit 0, 1 when the ledger does not verify, 2 for a used directory,
    nothing to resume or an SMS gateway that is not the simulated one."""
    began = time.perf_counter()
    if not settings.simulation:
        return fail("the demo is for simulation mode only (BOT_SIMULATION is false)")
    found = resumed(args) if args.resume else fresh(args)
    if isinstance(found, str):
        return fail(found)
    data_dir, record = found
    args = argparse.Namespace(**{**vars(args), "citizens": record.citizens, "seed": record.seed})
    rate = max(settings.sms_rate, DEMO_SMS_RATE)
    changes = {"data_dir": data_dir, "registries_url": None, "simulation": True, "sms_rate": rate}
    settings = settings.model_copy(update=changes)
    summary = await play(settings, args, record.events)
    if isinstance(summary, str):
        return fail(summary)
    summary = summary.model_copy(update={"seconds": round(time.perf_counter() - began, 2)})
    if args.json:
        out(summary.model_dump_json())
    else:
        show(summary)
    return OK if summary.ledger_verified else FAILED


def register(commands: Any) -> None:  # argparse's subparsers action, of any parser class
    """Add the `demo` command to the parser."""
    demo = commands.add_parser(
        "demo",
        help="the end-to-end demo on a generated population",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    demo.add_argument("--citizens", type=int, default=None, help="people (default 1000)")
    demo.add_argument("--seed", type=int, default=None, help="the random seed (default 1)")
    where = "a new or empty directory (default: a fresh temporary one)"
    demo.add_argument("--data-dir", dest="demo_dir", type=Path, default=None, help=where)
    demo.add_argument(
        "--resume",
        action="store_true",
        help="go on with the demo in --data-dir whose process died, where it stopped"
        " (its citizens and seed are the directory's; simulated SMS gateway only); one"
        " killed before its world was prepared starts again",
    )
    demo.add_argument(
        "--registry-latency-ms",
        type=int,
        default=0,
        metavar="N",
        help="every registry call waits 0.5 to 1.5 times N ms, as `python -m fake_registries"
        " faults set --latency-ms N` makes it (default 0; a new demo only)",
    )
    demo.add_argument("--json", action="store_true", help="the summary as one JSON object")
    demo.add_argument(
        "--sms",
        choices=("simulated", "smpp"),
        default="simulated",
        help="simulated: the SMS gateway's own file (default); smpp: SMPP 3.4 to the SMSC"
        " simulator of tests/fakes/smsc.py on loopback (from a source checkout)",
    )
    demo.set_defaults(run=run_demo)
