"""`python -m fake_registries`: testers stand in for the state.

The parser and the dispatch; each command group lives in `fake_registries.cli`. Bad input is
one line on stderr and exit code 2, never a traceback, and nothing is written.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from fake_registries.actions import Rejected
from fake_registries.cli import (
    burial_commands,
    clock_commands,
    emit_commands,
    event_commands,
    fault_commands,
    person_commands,
    population_commands,
    scenario,
    serve_command,
)
from fake_registries.cli.common import (
    EXIT_CODES,
    FAILED,
    INVALID,
    Context,
    Failed,
    Parser,
    complain,
    describe,
)

DATA_DIR_VARIABLE = "REGISTRIES_DATA_DIR"
INTERRUPTED = 130  # the shell's code for Ctrl-C
CLOSED_PIPE = 141  # 128 + SIGPIPE: the reader of the output went away (`events | head`)

DESCRIPTION = """\
The simulated state registries of Kazakhstan (population, disability, civil registry,
pensions, education, payments, accounts) in one SQLite file, with the event feed the bot
watches, a simulated clock and fault injection.

Testers stand in for the state: generate a population or load a scenario, add people,
record disabilities and deaths (each becomes an event on the feed, once per source event),
set up a deceased's earlier burial applications and payment, move the clock, make
registries slow or failing, and serve it all over HTTP to the bot.
IINs are masked in listings and messages except where you typed them; `person show`
shows them in full."""

EPILOG = f"""\
{EXIT_CODES}

data directory: --data-dir, else ${DATA_DIR_VARIABLE}, else ./data

examples:
  python -m fake_registries scenario load fake_registries/scenarios/example.toml
  python -m fake_registries clock set 2026-01-12T10:00+05:00
  python -m fake_registries emit death --iin 500314345180 --died 2026-01-09 \\
      --declarant 760520416255
  python -m fake_registries events --after 0
  python -m fake_registries serve --port 8765"""

GROUPS = (
    population_commands,
    person_commands,
    emit_commands,
    burial_commands,
    event_commands,
    clock_commands,
    fault_commands,
    scenario,
    serve_command,
)


def build_parser() -> Parser:
    """The `python -m fake_registries` command line."""
    parser = Parser(
        prog="python -m fake_registries",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get(DATA_DIR_VARIABLE) or "data"),
        metavar="D",
        help=f"where the registries' file lives (default: ${DATA_DIR_VARIABLE} or ./data)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    for group in GROUPS:
        group.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit code says how it went (see EXIT_CODES)."""
    args = build_parser().parse_args(argv)
    ctx = Context(args.data_dir)
    try:
        code: int = args.run(ctx, args)
        sys.stdout.flush()  # a closed pipe shows here for what was buffered
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
        return CLOSED_PIPE
    except (Rejected, ValueError) as error:  # Invalid, pydantic's and TOML's errors among them
        complain(f"error: {describe(error)}")
        return INVALID
    except (Failed, sqlite3.Error, OSError) as error:
        complain(f"error: {describe(error)}")
        return FAILED
    except KeyboardInterrupt:
        complain("interrupted")
        return INTERRUPTED
    finally:
        ctx.close()
    return code


if __name__ == "__main__":
    sys.exit(main())
