"""Operator commands: run due work, read the consent ledger and verify it, list the cases."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from typing import Any

from rich.console import Console

from bot import early_signals
from bot.app import App
from bot.composition import build_app
from bot.ports import StorageUnavailable
from bot.records import CaseRecord, DecisionRecord
from bot.service.replies import mask_personal
from bot.settings import Settings
from bot.storage.verify import verify_stored
from domain.calendar import ALMATY
from domain.cases import PROCESSING, is_overdue
from domain.identity import InvalidIin, parse_iin

OK, FAILED, INVALID = 0, 1, 2
Handler = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]


class PipeConsole(Console):
    """A rich console that lets a closed pipe end the command as `python -m bot` ends it
    (quietly, 141), where rich's own exits 1."""

    def on_broken_pipe(self) -> None:
        """Hand the closed pipe to the entry point."""
        raise BrokenPipeError


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
    if early_signals.requested():  # it came while the command was loading
        stop.set()
    return stop


async def with_app(
    settings: Settings, work: Callable[[App], Awaitable[int]], *, sending: bool = False
) -> int:
    """Build the app, run `work`, always close. Only a command that sends (`sending`) has
    the app connect to the SMSC or the Bot API."""
    app = await build_app(settings, sending=sending)
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

    return await with_app(settings, work, sending=True)


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

    return await with_app(settings, work, sending=True)


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
            said = None if e.raw_reply is None else mask_personal(e.raw_reply)
            reply = "" if said is None else f" reply {said!r} ({e.intent})"
            out(f"{row.seq:>5}  {local(e.at)}  {e.act.value:<9} {who} case {e.case_id}{reply}")
        if not rows and not args.json:
            out("(no consent acts)")
        return OK

    return await with_app(settings, work)


async def verify_ledger(settings: Settings, args: argparse.Namespace) -> int:
    """Check the ledger's chains and checkpoints; exit 1 when it was tampered with."""
    if settings.postgres_url is None and not settings.database.exists():
        return fail(f"no bot database in {settings.data_dir}")
    try:
        problems = await verify_stored(settings)
    except OSError as error:
        return fail(str(error))
    if problems:
        out(*problems)
        return fail(f"the consent ledger does not verify: {len(problems)} problem(s)", FAILED)
    out(
        "the consent ledger verifies: every row matches its hash, every case's chain is"
        " unbroken and every checkpoint seals exactly its rows"
    )
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
    """Add the operator commands to the parser: run due work, read the ledger and the cases."""
    commands.add_parser("tick", help="run all due work until idle").set_defaults(run=tick)
    scheduled = commands.add_parser("run", help="run due work on an interval until Ctrl-C")
    scheduled.add_argument("--interval", type=float, default=5.0, help="seconds (default 5)")
    scheduled.set_defaults(run=run_scheduled)
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


def run(handler: Handler, settings: Settings, args: argparse.Namespace) -> int:
    """Run an async command to its exit code; a database that cannot be opened is said on
    stderr in one line (exit 1)."""
    try:
        return asyncio.run(handler(settings, args))
    except StorageUnavailable as error:
        return fail(str(error), FAILED)
