"""`events`: the registries' feed, as a readable table or as JSON lines, IINs masked."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bot.registries.facts import Event, EventKind
from domain.calendar import ALMATY
from fake_registries import feed
from fake_registries.cli.common import OK, Commands, Context, add_command, mask_iins, say

COLUMNS = ("id", "kind", "occurred", "recorded (Almaty)", "source id", "about")


def summary(event: Event) -> str:
    """What the event says, in a few words."""
    p = event.payload
    if event.kind is EventKind.DISABILITY_ESTABLISHED:
        group = "no group" if p.get("group") is None else f"group {p['group']}"
        rep = f", representative {p['representative_iin']}" if p.get("representative_iin") else ""
        return f"{p.get('iin')} {group}, {p.get('cause')}{rep}"
    if event.kind is EventKind.DEATH_REGISTERED:
        return f"{p.get('deceased_iin')} died, declared by {p.get('declarant_iin')}"
    if event.kind is EventKind.BIRTH_REGISTERED:
        parents = " and ".join(p[k] for k in ("mother_iin", "father_iin") if p.get(k))
        return f"{p.get('child_iin')} born to {parents or 'no recorded parent'}"
    return f"{p.get('spouse_a_iin')} married {p.get('spouse_b_iin')}"


def row(event: Event) -> tuple[str, ...]:
    """The table row of one event, IINs masked."""
    recorded = event.recorded_at.astimezone(ALMATY).strftime("%Y-%m-%d %H:%M")
    return tuple(
        mask_iins(cell)
        for cell in (
            str(event.id),
            event.kind.value,
            event.occurred_on.isoformat(),
            recorded,
            event.source_event_id,
            summary(event),
        )
    )


def table(events: list[Event]) -> list[str]:
    """The events as aligned text columns."""
    rows = [COLUMNS, *(row(e) for e in events)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def as_json(event: Event, reveal: bool) -> str:
    """One event as a JSON line, IINs masked unless revealed."""
    data: dict[str, Any] = event.model_dump(mode="json")
    return json.dumps(data if reveal else mask_iins(data), ensure_ascii=False, sort_keys=True)


def events(ctx: Context, args: argparse.Namespace) -> int:
    """Show the feed after a cursor."""
    page = feed.after(ctx.conn, args.after, args.limit)
    if args.json:
        say(*(as_json(e, args.reveal) for e in page))
        return OK
    if not page:
        say(f"no events after {args.after}")
        return OK
    say(*table(page))
    if page[-1].id < feed.last_id(ctx.conn):
        say(f"more: --after {page[-1].id}")
    return OK


def register(commands: Commands) -> None:
    """The `events` command."""
    parser = add_command(
        commands,
        "events",
        events,
        "list the events on the registries' feed, in order, by cursor",
        "python -m fake_registries events --after 10 --limit 20 --json",
        "IINs are masked (--reveal shows them in --json output). The injected feed faults "
        "(duplicates, reordering) apply to the bot's reads, not to this list.",
    )
    parser.add_argument("--after", type=int, default=0, metavar="ID", help="cursor (default 0)")
    parser.add_argument(
        "--limit", type=int, default=100, metavar="N", help=f"1 to {feed.MAX_PAGE} (default 100)"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object a line")
    parser.add_argument("--reveal", action="store_true", help="with --json: IINs in full")
