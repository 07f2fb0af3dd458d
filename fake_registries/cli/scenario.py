"""`scenario load FILE`: a whole situation from one TOML file, all or nothing.

Every entry is applied in the documented order inside one transaction: the first bad entry
rolls the whole file back and is reported as `section[n]: what is wrong` (n counts from 1
within its section).
"""

from __future__ import annotations

import argparse
import sqlite3
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

from fake_registries.cli import scenario_entries as entries
from fake_registries.cli.common import (
    OK,
    Commands,
    Context,
    Invalid,
    add_command,
    describe,
    say,
)
from fake_registries.db import transaction

# Applied in this order: the clock first, people before what refers to them, burial filings
# after the deaths they may not precede.
SECTIONS: dict[str, entries.Apply] = {
    "clock": entries.apply_clock,
    "person": entries.apply_person,
    "account": entries.apply_account,
    "payment": entries.apply_payment,
    "study": entries.apply_study,
    "birth": entries.apply_birth,
    "marriage": entries.apply_marriage,
    "event": entries.apply_event,
    "burial_filing": entries.apply_burial_filing,
    "fault": entries.apply_fault,
    "feed_faults": entries.apply_feed_faults,
}
SINGLE = frozenset({"clock", "feed_faults"})  # [table]; the others are [[array of tables]]

Step = tuple[str, str, dict[str, Any]]  # section, label, the entry's fields


def read(path: Path) -> dict[str, Any]:
    """The TOML document, or Invalid naming the file and what is wrong."""
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except OSError as error:
        raise Invalid(f"cannot read {path}: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise Invalid(f"{path} is not valid TOML: {error}") from None


def steps(document: dict[str, Any]) -> list[Step]:
    """The entries in the order they apply, each labelled `section[n]`."""
    unknown = sorted(set(document) - set(SECTIONS))
    if unknown:
        raise Invalid(f"unknown section {unknown[0]!r}; sections: {', '.join(SECTIONS)}")
    found: list[Step] = []
    for section in SECTIONS:
        value = document.get(section)
        if value is None:
            continue
        if section in SINGLE:
            if not isinstance(value, dict):
                raise Invalid(f"{section} must be a table: [{section}]")
            value = [value]
        elif not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
            raise Invalid(f"{section} must be an array of tables: [[{section}]]")
        found += [(section, f"{section}[{n}]", entry) for n, entry in enumerate(value, 1)]
    return found


def apply(conn: sqlite3.Connection, plan: list[Step]) -> None:
    """Apply each entry in turn; the first failure is Invalid naming its entry."""
    for section, label, fields in plan:
        try:
            SECTIONS[section](conn, fields)
        except (ValueError, sqlite3.IntegrityError) as error:
            raise Invalid(f"{label}: {describe(error)}") from error


def load(ctx: Context, args: argparse.Namespace) -> int:
    """Apply a scenario file in one transaction: every entry, or nothing."""
    plan = steps(read(args.file))
    with transaction(ctx.conn):
        apply(ctx.conn, plan)
    counts = Counter(section for section, _, _ in plan)
    parts = [f"{section} {counts[section]}" for section in SECTIONS if counts[section]]
    say(f"loaded {args.file}: {', '.join(parts) or 'nothing (empty file)'}")
    return OK


def register(commands: Commands) -> None:
    """The `scenario` command group."""
    group = commands.add_parser(
        "scenario",
        help="load a whole situation from a TOML file, all or nothing",
        description="Set up people, accounts, payments, studies, births, marriages, events, "
        "burial filings and faults from one TOML file (the README documents the format).",
    )
    sub = group.add_subparsers(dest="action", required=True, metavar="action")
    parser = add_command(
        sub,
        "load",
        load,
        "apply every entry of a scenario file in one transaction: all or nothing",
        "python -m fake_registries scenario load fake_registries/scenarios/example.toml",
        f"Sections, applied in this order: {', '.join(SECTIONS)}. The first bad entry is "
        "reported as section[n] (n from 1) and nothing is written.",
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="the scenario's TOML file")
