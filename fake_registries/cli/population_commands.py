"""`population generate`: a synthetic population with kin, payments, accounts and events."""

from __future__ import annotations

import argparse
import time

from pydantic import BaseModel

from fake_registries import generator
from fake_registries.cli.common import (
    OK,
    Commands,
    Context,
    add_command,
    argument,
    parse_date,
    parse_rate,
    say,
)


def generate(ctx: Context, args: argparse.Namespace) -> int:
    """Generate people into empty registries and say how many of what, and how fast."""
    share = {} if args.events is None else {"event_share": args.events}
    started = time.perf_counter()
    report = generator.generate(ctx.conn, args.size, args.seed, args.start, args.end, **share)
    seconds = time.perf_counter() - started
    say(*(f"{name}: {value}" for name, value in counts(report)), f"seconds: {seconds:.2f}")
    return OK


def counts(report: BaseModel) -> list[tuple[str, str]]:
    """The report's counts, in its order; a breakdown as its total, then its parts."""
    found = []
    for name, value in report.model_dump(mode="json").items():
        if name == "seconds":
            continue
        shown = str(value)
        if isinstance(value, dict):
            parts = ", ".join(f"{key} {n}" for key, n in value.items())
            shown = f"{sum(value.values())} ({parts})"
        found.append((name.replace("_", " "), shown))
    return found


def register(commands: Commands) -> None:
    """The `population` command group."""
    group = commands.add_parser(
        "population",
        help="generate a synthetic population",
        description="Generate a synthetic population into the registries: people with valid "
        "IINs and phones, families, pensions, studies, accounts, and events on the feed.",
    )
    sub = group.add_subparsers(dest="action", required=True, metavar="action")
    parser = add_command(
        sub,
        "generate",
        generate,
        "generate people with their kin, payments, accounts and events",
        "python -m fake_registries population generate --size 10000 --seed 42 "
        "--from 2025-01-01 --to 2025-12-31 --events 0.05",
        "Into empty registries only. Events (disabilities, deaths, births, marriages) fall "
        "between --from and --to, never after the simulated clock. The same size, seed, dates "
        "and clock give the same population.",
    )
    parser.add_argument("--size", type=int, required=True, metavar="N", help="how many people")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="default 0")
    add_range(parser)
    parser.add_argument(
        "--events",
        type=argument(parse_rate),
        metavar="SHARE",
        help="share of people with a disability or a death, 0 to 1 (default 0.05)",
    )


def add_range(parser: argparse.ArgumentParser) -> None:
    """--from and --to: the days the events fall on."""
    for flag, dest, default, what in (
        ("--from", "start", generator.DEFAULT_START, "first"),
        ("--to", "end", generator.DEFAULT_END, "last"),
    ):
        parser.add_argument(
            flag,
            dest=dest,
            type=argument(parse_date),
            default=default,
            metavar="DATE",
            help=f"{what} day of the events (default {default})",
        )
