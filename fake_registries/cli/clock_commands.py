"""`clock show|set|advance`: the simulated now every registry and the bot read."""

from __future__ import annotations

import argparse
import sqlite3
from datetime import datetime

from domain.calendar import ALMATY
from fake_registries import clock
from fake_registries.cli.common import (
    OK,
    Commands,
    Context,
    add_command,
    argument,
    parse_duration,
    parse_moment,
    say,
)


def shown(moment: datetime) -> str:
    """A moment as given, and in Almaty when that differs."""
    local = moment.astimezone(ALMATY)
    text = moment.isoformat(timespec="seconds")
    if local.utcoffset() != moment.utcoffset():
        text += f" ({local.isoformat(timespec='seconds')} in Almaty)"
    return text


def status(conn: sqlite3.Connection) -> str:
    """The simulated now, saying whether it was set or follows real time."""
    if clock.is_set(conn):
        return f"simulated clock: {shown(clock.now(conn))}"
    return f"simulated clock not set: follows real time, now {shown(clock.now(conn))}"


def show(ctx: Context, args: argparse.Namespace) -> int:
    """Show the simulated now."""
    say(status(ctx.conn))
    return OK


def set_(ctx: Context, args: argparse.Namespace) -> int:
    """Set the simulated now (never back)."""
    clock.set_to(ctx.conn, args.moment)
    say(status(ctx.conn))
    return OK


def advance(ctx: Context, args: argparse.Namespace) -> int:
    """Move the simulated now forward."""
    clock.advance(ctx.conn, args.duration)
    say(status(ctx.conn))
    return OK


def register(commands: Commands) -> None:
    """The `clock` command group."""
    group = commands.add_parser(
        "clock",
        help="show, set or advance the simulated clock",
        description="The simulated now of the registries (and of the bot reading them). "
        "Unset, it follows real time; once set, it only moves forward.",
    )
    sub = group.add_subparsers(dest="action", required=True, metavar="action")
    add_command(
        sub, "show", show, "show the simulated now", "python -m fake_registries clock show"
    )
    register_moves(sub)


def register_moves(sub: Commands) -> None:
    """`clock set` and `clock advance`."""
    set_parser = add_command(
        sub,
        "set",
        set_,
        "set the simulated now (it cannot go back)",
        "python -m fake_registries clock set 2026-01-12T10:00+05:00",
        "A bare date (2026-01-12) means 09:00 Asia/Almaty.",
    )
    set_parser.add_argument(
        "moment", type=argument(parse_moment), metavar="DATETIME", help="ISO 8601 with offset"
    )
    advance_parser = add_command(
        sub,
        "advance",
        advance,
        "move the simulated now forward",
        "python -m fake_registries clock advance 3d",
        "Units: d (days), h (hours), m (minutes), s (seconds), combined as in 1d12h.",
    )
    advance_parser.add_argument(
        "duration", type=argument(parse_duration), metavar="DURATION", help="e.g. 3d, 48h, 90m"
    )
