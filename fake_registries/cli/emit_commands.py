"""`emit disability` and `emit death`: the state records a life event and it goes on the feed."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict

from bot.registries.facts import Disability
from domain.services.disability import Cause
from fake_registries import actions
from fake_registries.cli.common import (
    DUPLICATE,
    OK,
    Commands,
    Context,
    Invalid,
    add_command,
    argument,
    complain,
    parse_date,
    say,
)

NO_GROUP = "none"


def parse_group(value: object) -> int | None:
    """A disability group 1, 2 or 3, or None for "none" (a child under 7)."""
    if value is None or str(value).strip().lower() == NO_GROUP:
        return None
    if str(value).strip() in {"1", "2", "3"}:
        return int(str(value))
    raise Invalid(f"not a disability group: {value!r} (expected 1, 2, 3 or none)")


class DisabilityFields(BaseModel):
    """What a tester gives for a disability: `emit disability` or a scenario's [[event]]."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    iin: str
    group: Annotated[int | None, BeforeValidator(parse_group)]
    cause: Cause
    established: date
    representative: str | None = None
    valid_until: date | None = None
    repeat: bool = False
    source_id: str | None = None

    def record(self) -> Disability:
        """The disability registry's record."""
        return Disability(
            iin=self.iin,
            group=self.group,
            cause=self.cause,
            established_on=self.established,
            valid_until=self.valid_until,
            first_time=not self.repeat,
            representative_iin=self.representative,
        )


def reported(emitted: actions.Emitted, what: str) -> int:
    """Say what was recorded, or that it already was (exit code 3)."""
    event = emitted.event
    if not emitted.created:
        complain(
            f"already recorded as event {event.id} ({event.source_event_id}); nothing written"
        )
        return DUPLICATE
    say(f"recorded event {event.id} ({event.kind.value}, {event.source_event_id}): {what}")
    return OK


def disability(ctx: Context, args: argparse.Namespace) -> int:
    """Record an established disability."""
    fields = DisabilityFields(
        iin=args.iin,
        group=args.group,
        cause=args.cause,
        established=args.established,
        representative=args.representative,
        valid_until=args.valid_until,
        repeat=args.repeat,
        source_id=args.source_id,
    )
    record = fields.record()
    emitted = actions.emit_disability(ctx.conn, record, fields.source_id)
    group = "no group" if record.group is None else f"group {record.group}"
    return reported(emitted, f"{args.iin.strip()} {group}, {record.cause.value}")


def death(ctx: Context, args: argparse.Namespace) -> int:
    """Register a death."""
    emitted = actions.emit_death(ctx.conn, args.iin, args.died, args.declarant, args.source_id)
    what = f"{args.iin.strip()} died {args.died}, declared by {args.declarant.strip()}"
    return reported(emitted, what)


def register(commands: Commands) -> None:
    """The `emit` command group."""
    emit = commands.add_parser(
        "emit",
        help="record a disability or a death: an event on the registries' feed",
        description="Record a life event as the state would: the registry record and its "
        "feed event, once per source event id (again: exit code 3, nothing written).",
    )
    sub = emit.add_subparsers(dest="event", required=True, metavar="event")
    register_disability(sub)
    register_death(sub)


def _source_id(parser: argparse.ArgumentParser, default: str) -> None:
    parser.add_argument(
        "--source-id",
        metavar="ID",
        help=f"the registry's own event id; the same id is recorded once (default: {default})",
    )


def register_disability(sub: Commands) -> None:
    """The `emit disability` arguments."""
    parser = add_command(
        sub,
        "disability",
        disability,
        "record a disability established by medical-social expertise",
        "python -m fake_registries emit disability --iin 210415662900 --group none "
        "--cause child_under_7 --established 2026-01-05 --representative 760520416255",
        "A child (under 18) needs --representative; group none goes with child_under_7.",
    )
    parser.add_argument("--iin", required=True, help="the person's IIN")
    parser.add_argument("--group", required=True, type=argument(parse_group), metavar="1|2|3|none")
    causes = [c.value for c in Cause]
    parser.add_argument(
        "--cause", required=True, choices=causes, metavar="CAUSE", help=", ".join(causes)
    )
    parser.add_argument(
        "--established", required=True, type=argument(parse_date), metavar="YYYY-MM-DD"
    )
    parser.add_argument("--representative", metavar="IIN", help="a child's legal representative")
    parser.add_argument("--valid-until", type=argument(parse_date), metavar="YYYY-MM-DD")
    parser.add_argument("--repeat", action="store_true", help="a re-examination, not the first")
    _source_id(parser, "disability:IIN:ESTABLISHED")


def register_death(sub: Commands) -> None:
    """The `emit death` arguments."""
    parser = add_command(
        sub,
        "death",
        death,
        "register a death declared by a living person",
        "python -m fake_registries emit death --iin 500314345180 --died 2026-01-09 "
        "--declarant 760520416255",
        "The declarant is offered the burial payment.",
    )
    parser.add_argument("--iin", required=True, help="the deceased's IIN")
    parser.add_argument("--died", required=True, type=argument(parse_date), metavar="YYYY-MM-DD")
    parser.add_argument("--declarant", required=True, metavar="IIN", help="who declares it")
    _source_id(parser, "death:IIN")
