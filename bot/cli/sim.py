"""Simulation commands: run due work, move the world clock, play a citizen's phone, read cases."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sqlite3
import sys
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from typing import Any

from bot.app import App, build_app
from bot.channels.sms_faults import GatewayFaults
from bot.channels.sms_gateway import SimulatedSmsGateway
from bot.clock import RegistryClock
from bot.ledger import verify_stored
from bot.records import CaseRecord, DecisionRecord
from bot.settings import Settings
from domain.calendar import ALMATY
from domain.cases import PROCESSING, is_overdue
from domain.identity import InvalidIin, parse_iin
from domain.phone import InvalidPhone, normalize_phone
from fake_registries import clock as world_clock
from fake_registries import db as registries_db
from fake_registries.cli.common import argument, parse_duration, parse_moment, parse_rate

OK, FAILED, INVALID = 0, 1, 2
Handler = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]


def out(*lines: str) -> None:
    """Write lines to standard output."""
    sys.stdout.write("".join(f"{line}\n" for line in lines))


def fail(message: str, code: int = INVALID) -> int:
    """One line on standard error; the exit code."""
    sys.stderr.write(f"error: {message}\n")
    return code


def local(moment: datetime) -> str:
    """A moment as Almaty local time."""
    return moment.astimezone(ALMATY).strftime("%Y-%m-%d %H:%M %Z")


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM: a long-running command waits on it, then stops."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stop.set)
    return stop


async def with_app(settings: Settings, work: Callable[[App], Awaitable[int]]) -> int:
    """Build the app, run `work`, always close."""
    app = await build_app(settings)
    try:
        return await work(app)
    finally:
        await app.close()


async def tick(settings: Settings, args: argparse.Namespace) -> int:
    """Run all due work until idle."""

    async def work(app: App) -> int:
        done = await app.tick()
        out(f"tick at {local(await app.clock.now())}: {done} steps done, now idle")
        return OK

    return await with_app(settings, work)


async def run_scheduled(settings: Settings, args: argparse.Namespace) -> int:
    """Run due work on an interval until interrupted (SIGINT or SIGTERM)."""
    from bot.scheduler import (  # noqa: PLC0415 (only this command needs it)
        build_scheduler,
        stop_gracefully,
    )

    async def work(app: App) -> int:
        stop = stop_on_signals()
        scheduler = build_scheduler(app, args.interval)
        scheduler.start()
        out(f"running due work every {args.interval} s; Ctrl-C stops")
        await stop.wait()
        await stop_gracefully(scheduler, app)
        out("stopped")
        return OK

    return await with_app(settings, work)


def _registries_conn(settings: Settings) -> sqlite3.Connection:
    return registries_db.connect(registries_db.path_in(settings.data_dir))


async def clock_cmd(settings: Settings, args: argparse.Namespace) -> int:
    """Show, set or advance the simulated world clock."""
    if not settings.simulation:
        return fail("the clock can only be moved in simulation mode")
    conn = _registries_conn(settings)
    try:
        if args.action == "set":
            world_clock.set_to(conn, args.moment)
        elif args.action == "advance":
            world_clock.advance(conn, args.duration)
        out(local(world_clock.now(conn)))
    except ValueError as error:
        return fail(str(error))
    finally:
        conn.close()
    return OK


async def _gateway(settings: Settings) -> tuple[SimulatedSmsGateway, Callable[[], None]]:
    from fake_registries.client import DirectClient  # noqa: PLC0415
    from fake_registries.service import RegistryService  # noqa: PLC0415

    conn = _registries_conn(settings)
    clock = RegistryClock(DirectClient(RegistryService(conn)))
    gateway = SimulatedSmsGateway(settings.sms_database, clock)

    def close() -> None:
        gateway.close()
        conn.close()

    return gateway, close


NOT_SIMULATED = "playing a citizen's phone is for simulation mode only (BOT_SIMULATION is false)"
PHONES_BEHIND_SMSC = (
    "SMS_GATEWAY=smpp: the phones are behind the SMSC, so play them there (an MO message"
    " to the short number); `sms send` and `sms inbox` play the simulated gateway's phones"
)

FAULTS_BEHIND_SMSC = (
    "SMS_GATEWAY=smpp: `sms faults` injects faults into the simulated gateway only; an SMSC"
    " fails by its own means"
)


async def sms_send(settings: Settings, args: argparse.Namespace) -> int:
    """A citizen's reply from a phone, as the gateway receives it."""
    if not settings.simulation:
        return fail(NOT_SIMULATED)
    if settings.sms_gateway != "simulated":
        return fail(PHONES_BEHIND_SMSC)
    gateway, close = await _gateway(settings)
    try:
        message = await gateway.send_from(args.phone, args.text)
    except ValueError as error:
        return fail(str(error))
    finally:
        close()
    out(f"received {message.provider_id} from {message.address}; run `tick` to handle it")
    return OK


async def sms_inbox(settings: Settings, args: argparse.Namespace) -> int:
    """What a phone received."""
    if not settings.simulation:
        return fail(NOT_SIMULATED)
    if settings.sms_gateway != "simulated":
        return fail(PHONES_BEHIND_SMSC)
    gateway, close = await _gateway(settings)
    try:
        inbox = await gateway.inbox(args.phone)
    finally:
        close()
    if args.json:
        out(*(m.model_dump_json() for m in inbox))
        return OK
    for m in inbox:
        out(f"--- {local(m.submitted_at)}  {m.encoding}, {m.segments} segment(s)  {m.provider_id}")
        out(m.text)
    if not inbox:
        out("(no messages)")
    return OK


def faults_line(value: GatewayFaults) -> str:
    """The gateway's injected faults, in one line."""
    return f"sms gateway: temporary failure rate {value.temporary_rate:g}, seed {value.seed}"


async def sms_faults(settings: Settings, args: argparse.Namespace) -> int:
    """Show the simulated gateway's injected faults, or change them (what is not given stays)."""
    if not settings.simulation:
        return fail(NOT_SIMULATED)
    if settings.sms_gateway != "simulated":
        return fail(FAULTS_BEHIND_SMSC)
    gateway, close = await _gateway(settings)
    try:
        value = await gateway.faults()
        given = {key: getattr(args, key) for key in ("temporary_rate", "seed")}
        changes = {key: number for key, number in given.items() if number is not None}
        if changes:
            value = value.model_copy(update=changes)
            await gateway.set_faults(value)
    finally:
        close()
    out(f"{'set ' if changes else ''}{faults_line(value)}")
    return OK


def phone(text: str) -> str:
    """A Kazakhstan mobile number in E.164."""
    try:
        return normalize_phone(text)
    except InvalidPhone as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def iin(text: str) -> str:
    """A valid IIN's digits."""
    try:
        return parse_iin(text).value
    except InvalidIin as error:
        raise argparse.ArgumentTypeError(str(error)) from None


async def consents(settings: Settings, args: argparse.Namespace) -> int:
    """The consent ledger, one citizen's or all."""

    async def work(app: App) -> int:
        async with app.storage.unit_of_work() as uow:
            rows = await uow.consents.rows(args.iin)
        for row in rows:
            e = row.entry
            if args.json:
                out(json.dumps(row.model_dump(mode="json"), ensure_ascii=False))
                continue
            who = parse_iin(e.iin).masked
            reply = "" if e.raw_reply is None else f" reply {e.raw_reply!r} ({e.intent})"
            out(f"{row.seq:>5}  {local(e.at)}  {e.act.value:<9} {who} case {e.case_id}{reply}")
        if not rows and not args.json:
            out("(no consent acts)")
        return OK

    return await with_app(settings, work)


async def verify_ledger(settings: Settings, args: argparse.Namespace) -> int:
    """Check the ledger's hash chain; exit 1 when it was tampered with."""
    if settings.postgres_url is None and not settings.database.exists():
        return fail(f"no bot database in {settings.data_dir}")
    try:
        problems = await verify_stored(settings)
    except OSError as error:
        return fail(str(error))
    if problems:
        out(*problems)
        return fail(f"the consent ledger does not verify: {len(problems)} problem(s)", FAILED)
    out("the consent ledger verifies: every row matches its hash and the chain is unbroken")
    return OK


def decided(record: DecisionRecord | None) -> tuple[str | None, str | None]:
    """(amount, start) of a signed assignment, as decimal and ISO text; (None, None) else."""
    if record is None or record.outcome != "assign":
        return None, None
    decision = record.signed["decision"]
    return decision.get("amount"), decision.get("start")


def case_json(record: CaseRecord, decision: DecisionRecord | None) -> str:
    """A case as one JSON object: the record, the offer's terms and the signed decision's
    figures under their own names (offered_amount, decided_amount; the start dates too)."""
    found = record.model_dump(mode="json")
    terms = record.terms
    amount, start = decided(decision)
    found["offered_start"] = None if terms is None or terms.start is None else str(terms.start)
    found["decided_amount"], found["decided_start"] = amount, start
    found["not_offered_reasons"] = [r.code.value for r in record.screened_out]
    return json.dumps(found, ensure_ascii=False)


def case_line(record: CaseRecord, decision: DecisionRecord | None) -> str:
    """A case in one line: id, code, service, state, whom (masked), offered and decided
    amounts, and why a case was not offered."""
    who = parse_iin(record.addressee_iin).masked
    line = f"{record.case.id}  {record.code}  {record.case.service.value:<10} "
    line += f"{record.case.state.value:<16} {who}"
    if record.offered_amount is not None:
        line += f"  offered {record.offered_amount}"
    amount, _ = decided(decision)
    if amount is not None:
        line += f"  decided {amount}"
    why = ", ".join(r.code.value for r in record.screened_out)
    return f"{line}  ({why})" if why else line


async def cases(settings: Settings, args: argparse.Namespace) -> int:
    """Cases, newest first."""

    async def work(app: App) -> int:
        async with app.storage.unit_of_work() as uow:
            if args.overdue:
                now = await app.clock.now()
                processing = await uow.cases.in_states(PROCESSING)
                records = [r for r in processing if is_overdue(r.case, now)]
            else:
                records = await uow.cases.all(args.limit)
            decisions = await uow.decisions.of_cases([r.case.id for r in records])
        for r in records:
            decision = decisions.get(r.case.id)
            out(case_json(r, decision) if args.json else case_line(r, decision))
        if not records and not args.json:
            out("(no cases)")
        return OK

    return await with_app(settings, work)


def register(commands: Any) -> None:  # argparse's subparsers action, of any parser class
    """Add the simulation commands to the parser."""
    commands.add_parser("tick", help="run all due work until idle").set_defaults(run=tick)
    scheduled = commands.add_parser("run", help="run due work on an interval until Ctrl-C")
    scheduled.add_argument("--interval", type=float, default=5.0, help="seconds (default 5)")
    scheduled.set_defaults(run=run_scheduled)
    clock = commands.add_parser("clock", help="show, set or advance the simulated clock")
    moves = clock.add_subparsers(dest="action", required=True, metavar="action")
    moves.add_parser("show", help="the simulated now").set_defaults(run=clock_cmd)
    to = moves.add_parser("set", help="set it (ISO 8601 with offset)")
    to.add_argument("moment", type=argument(parse_moment))
    to.set_defaults(run=clock_cmd)
    by = moves.add_parser("advance", help="move it forward, e.g. 25h, 3d")
    by.add_argument("duration", type=argument(parse_duration))
    by.set_defaults(run=clock_cmd)
    sms = commands.add_parser("sms", help="play a citizen's phone (simulation mode only)")
    sms_actions = sms.add_subparsers(dest="action", required=True, metavar="action")
    send = sms_actions.add_parser("send", help="reply from a phone")
    send.add_argument(
        "--from", dest="phone", required=True, type=phone, help="the phone, e.g. +77011234567"
    )
    send.add_argument("text", help="what the citizen writes, e.g. иә or 'да 417'")
    send.set_defaults(run=sms_send)
    inbox = sms_actions.add_parser("inbox", help="what a phone received")
    inbox.add_argument("phone", type=phone, help="the phone, e.g. +77011234567")
    inbox.add_argument("--json", action="store_true", help="one JSON object per message")
    inbox.set_defaults(run=sms_inbox)
    register_sms_faults(sms_actions)
    ledger = commands.add_parser("consents", help="the consent ledger")
    ledger.add_argument("--iin", type=iin)
    ledger.add_argument("--json", action="store_true")
    ledger.set_defaults(run=consents)
    commands.add_parser("verify-ledger", help="check the ledger's hash chain").set_defaults(
        run=verify_ledger
    )
    listing = commands.add_parser(
        "cases",
        help="cases, newest first",
        description="Cases, newest first: service, state, whom (masked), the amount offered "
        "and the amount decided, and why a case was not offered (pre-screening). With --json "
        "one object a case: the record, offered_amount and offered_start (the offer's terms), "
        "decided_amount and decided_start (the signed decision), not_offered_reasons.",
    )
    listing.add_argument("--json", action="store_true", help="one JSON object a line")
    listing.add_argument("--limit", type=int, default=100, help="at most this many (100)")
    listing.add_argument(
        "--overdue", action="store_true", help="only cases past their decision term, undecided"
    )
    listing.set_defaults(run=cases)


SMS_FAULTS = """\
Make a share of the simulated gateway's submissions end `temporary`: the bot
retries them with backoff. Each is drawn from the seed and the submission's
reference and attempt, so a run repeats. What is not given stays; with nothing
given, the faults are shown. The test numbers ...0001 and ...0002 keep their
own scripts."""


def register_sms_faults(sms_actions: Any) -> None:  # argparse's subparsers action
    """`sms faults`: the simulated gateway's temporary failures."""
    faults = sms_actions.add_parser(
        "faults",
        help="make a share of the gateway's submissions fail temporarily",
        description=SMS_FAULTS,
        epilog="example:\n  python -m bot sms faults --temporary-rate 0.2 --seed 7",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    faults.add_argument(
        "--temporary-rate",
        type=argument(parse_rate),
        metavar="X",
        help="share of submissions failing temporarily, 0 to 1 (0: none)",
    )
    faults.add_argument("--seed", type=int, metavar="S", help="seed of the draws")
    faults.set_defaults(run=sms_faults)


def run(handler: Handler, settings: Settings, args: argparse.Namespace) -> int:
    """Run an async command to its exit code."""
    return asyncio.run(handler(settings, args))
