"""`burial apply|pay|show`: a deceased's burial history in the payments system, set by hand."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bot.registries.facts import BurialFiling, BurialFilingKind
from fake_registries import actions, civil, payments
from fake_registries.cli.common import (
    OK,
    Commands,
    Context,
    Parser,
    add_command,
    argument,
    mask_iins,
    parse_date,
    say,
)
from fake_registries.cli.person_commands import burial_lines, known, section

DECEASED = "500314345180"  # the example scenario's pensioner, died 2026-01-09
WIDOW = "520702427345"  # his widow in the example scenario


def application(ctx: Context, args: argparse.Namespace) -> int:
    """Record an earlier burial application."""
    return _record(ctx, args, BurialFilingKind.APPLICATION)


def assignment(ctx: Context, args: argparse.Namespace) -> int:
    """Record an earlier assignment of the burial payment, with its application if none."""
    return _record(ctx, args, BurialFilingKind.ASSIGNMENT)


def _record(ctx: Context, args: argparse.Namespace, kind: BurialFilingKind) -> int:
    conn = ctx.conn
    filings = actions.record_burial_filing(conn, args.deceased, args.applicant, kind, args.on)
    who = f"deceased {args.deceased.strip()}, applicant {args.applicant.strip()}"
    say(*(f"recorded burial {f.kind.value} of {f.on}: {who}" for f in filings))
    return OK


def show(ctx: Context, args: argparse.Namespace) -> int:
    """List a deceased's burial applications and assignments, oldest first."""
    deceased = known(ctx.conn, args.deceased)
    filings = payments.burial_filings(ctx.conn, deceased.iin)
    if args.json:
        say(*(as_json(f, args.reveal) for f in filings))
        return OK
    death = civil.death_of(ctx.conn, deceased.iin)
    died = "no death registered" if death is None else f"died {death.died_on}"
    title = f"burial filings for {args.deceased.strip()} ({died})"
    say(*section(title, burial_lines(filings, args.reveal)))
    return OK


def as_json(filing: BurialFiling, reveal: bool) -> str:
    """One filing as a JSON line, the applicant's IIN masked unless revealed."""
    data: dict[str, Any] = filing.model_dump(mode="json")
    if not reveal:
        data["applicant_iin"] = mask_iins(data["applicant_iin"])
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def register(commands: Commands) -> None:
    """The `burial` command group."""
    group = commands.add_parser(
        "burial",
        help="set up a deceased's burial history: earlier applications, a payment assigned",
        description="Set up what the payments system already holds about a deceased's burial "
        "payment: applications filed earlier (through the portal or the State Corporation) "
        "and the payment assigned. The bot reads them for the checks of burial p.13: with an "
        "application already filed, or the payment already assigned, for the deceased, a new "
        "application is not accepted. No event goes on the feed.",
    )
    sub = group.add_subparsers(dest="action", required=True, metavar="action")
    register_apply(sub)
    register_pay(sub)
    register_show(sub)


def _filing_arguments(parser: Parser) -> None:
    parser.add_argument("--deceased", required=True, metavar="IIN", help="the deceased's IIN")
    parser.add_argument("--applicant", required=True, metavar="IIN", help="who applied")
    parser.add_argument(
        "--on",
        type=argument(parse_date),
        metavar="YYYY-MM-DD",
        help="the date (default: the simulated clock's date)",
    )


def register_apply(sub: Commands) -> None:
    """The `burial apply` arguments."""
    parser = add_command(
        sub,
        "apply",
        application,
        "record an earlier burial application for a deceased",
        f"python -m fake_registries burial apply --deceased {DECEASED} --applicant {WIDOW} "
        "--on 2026-01-10",
        "Both must be in the population registry. The death need not be registered yet; "
        "when it is, the date cannot be before it. Nor can it be after the simulated clock.",
    )
    _filing_arguments(parser)


def register_pay(sub: Commands) -> None:
    """The `burial pay` arguments."""
    parser = add_command(
        sub,
        "pay",
        assignment,
        "record an earlier assignment of the burial payment for a deceased",
        f"python -m fake_registries burial pay --deceased {DECEASED} --applicant {WIDOW} "
        "--on 2026-01-11",
        "One payment per deceased: a second is refused. It is assigned on the applicant's "
        "application: when they have none for the deceased, one of the same date is recorded "
        "too. The date as for apply: not before a registered death, not after the clock.",
    )
    _filing_arguments(parser)


def register_show(sub: Commands) -> None:
    """The `burial show` arguments."""
    parser = add_command(
        sub,
        "show",
        show,
        "list a deceased's burial applications and assignments, oldest first",
        f"python -m fake_registries burial show --deceased {DECEASED} --json",
        "The applicants' IINs are masked unless --reveal.",
    )
    parser.add_argument("--deceased", required=True, metavar="IIN", help="the deceased's IIN")
    parser.add_argument("--json", action="store_true", help="one JSON object a line")
    parser.add_argument("--reveal", action="store_true", help="the applicants' IINs in full")
