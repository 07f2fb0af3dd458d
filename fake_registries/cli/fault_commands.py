"""`faults set|feed|show|clear`: make registries slow, spiking, failing or down, and the feed
unreliable."""

from __future__ import annotations

import argparse
import sqlite3
from collections.abc import Mapping
from typing import Any

from fake_registries import faults
from fake_registries.cli.common import (
    OK,
    Commands,
    Context,
    Invalid,
    add_command,
    argument,
    parse_moment,
    parse_rate,
    say,
)


def new_rule(fields: Mapping[str, Any]) -> faults.FaultRule:
    """A fault rule from a tester's fields, checked before anything is written."""
    rule = faults.FaultRule.model_validate(fields)
    if rule.registry not in faults.REGISTRIES:
        raise Invalid(f"unknown registry {rule.registry!r}; one of {', '.join(faults.REGISTRIES)}")
    if (rule.spike_rate > 0) != (rule.spike_ms > 0):
        raise Invalid("a latency spike needs both --spike-rate and --spike-ms above 0")
    start, end = rule.outage_from, rule.outage_to
    if (start is None) != (end is None):
        raise Invalid("an outage needs both --outage-from and --outage-to")
    if start is not None and end is not None and end <= start:
        raise Invalid(f"the outage ends ({end}) before it starts ({start})")
    return rule


def rule_line(rule: faults.FaultRule) -> str:
    """One rule, in one line."""
    outage = "none"
    if rule.outage_from is not None and rule.outage_to is not None:
        outage = f"{rule.outage_from.isoformat()} to {rule.outage_to.isoformat()}"
    spikes = "none"
    if rule.spike_rate:
        spikes = f"{rule.spike_rate:g} of calls +{rule.spike_ms} ms"
    return (
        f"{rule.registry}.{rule.operation}: latency {rule.latency_ms} ms, "
        f"error rate {rule.error_rate:g}, spikes {spikes}, outage {outage}"
    )


def settings_line(value: faults.FaultSettings) -> str:
    """The feed's faults and the seed, in one line."""
    return (
        f"feed: duplicate rate {value.duplicate_rate:g}, reorder rate {value.reorder_rate:g}, "
        f"seed {value.seed}"
    )


def listing(conn: sqlite3.Connection) -> list[str]:
    """Every rule and the feed's faults."""
    lines = [rule_line(r) for r in faults.rules(conn)] or ["no registry faults"]
    return [*lines, settings_line(faults.settings(conn))]


def set_rule(ctx: Context, args: argparse.Namespace) -> int:
    """Add or replace the faults of a registry (or one of its operations)."""
    rule = new_rule({key: getattr(args, key) for key in faults.FaultRule.model_fields})
    faults.set_rule(ctx.conn, rule)
    say(f"set {rule_line(rule)}")
    return OK


def set_feed(ctx: Context, args: argparse.Namespace) -> int:
    """Change the feed's faults; what is not given stays."""
    given = {
        key: getattr(args, key)
        for key in ("duplicate_rate", "reorder_rate", "seed")
        if getattr(args, key) is not None
    }
    value = faults.FaultSettings.model_validate(
        {**faults.settings(ctx.conn).model_dump(), **given}
    )
    faults.set_settings(ctx.conn, value)
    say(f"set {settings_line(value)}")
    return OK


def show(ctx: Context, args: argparse.Namespace) -> int:
    """Show every fault."""
    say(*listing(ctx.conn))
    return OK


def clear(ctx: Context, args: argparse.Namespace) -> int:
    """Remove every fault (the seed stays)."""
    faults.clear(ctx.conn)
    say("cleared every fault", *listing(ctx.conn))
    return OK


def register(commands: Commands) -> None:
    """The `faults` command group."""
    group = commands.add_parser(
        "faults",
        help="inject latency, spikes, errors and outages into registries, duplicates into "
        "the feed",
        description="Faults the registries' service applies to the bot's calls, drawn from a "
        "seed so a run repeats. A running server picks changes up within a second.",
    )
    sub = group.add_subparsers(dest="action", required=True, metavar="action")
    register_set(sub)
    feed_parser = add_command(
        sub,
        "feed",
        set_feed,
        "make the feed deliver some events twice or out of order",
        "python -m fake_registries faults feed --duplicate-rate 0.2 --reorder-rate 0.1 --seed 7",
        "What is not given stays as it was. The seed also drives the registries' faults.",
    )
    for flag in ("--duplicate-rate", "--reorder-rate"):
        feed_parser.add_argument(flag, type=argument(parse_rate), metavar="X", help="0 to 1")
    feed_parser.add_argument("--seed", type=int, metavar="S", help="seed of every random fault")
    add_command(sub, "show", show, "show every fault", "python -m fake_registries faults show")
    add_command(
        sub,
        "clear",
        clear,
        "remove every fault (the seed stays)",
        "python -m fake_registries faults clear",
    )


def register_set(sub: Commands) -> None:
    """The `faults set` arguments."""
    parser = add_command(
        sub,
        "set",
        set_rule,
        "add or replace the faults of a registry or one of its operations",
        "python -m fake_registries faults set --registry pensions --error-rate 0.5 "
        "--latency-ms 800 --spike-rate 0.05 --spike-ms 5000",
        f"Registries: {', '.join(faults.REGISTRIES)}. Each call waits 0.5 to 1.5 times the "
        "latency; a spike, drawn for that share of calls, adds its milliseconds on top. An "
        "outage is a window of the simulated clock; a bare date means 09:00 Asia/Almaty.",
    )
    parser.add_argument("--registry", required=True, metavar="R")
    parser.add_argument(
        "--operation", default=faults.ANY, metavar="OP", help="e.g. death (default: every one)"
    )
    parser.add_argument("--latency-ms", type=int, default=0, metavar="N", help="added latency")
    parser.add_argument(
        "--error-rate", type=argument(parse_rate), default=0.0, metavar="X", help="0 to 1"
    )
    parser.add_argument(
        "--spike-rate",
        type=argument(parse_rate),
        default=0.0,
        metavar="X",
        help="share of calls with a latency spike, 0 to 1 (with --spike-ms)",
    )
    parser.add_argument(
        "--spike-ms", type=int, default=0, metavar="N", help="what a spike adds, up to 60000"
    )
    for flag in ("--outage-from", "--outage-to"):
        parser.add_argument(flag, type=argument(parse_moment), metavar="DATETIME")
