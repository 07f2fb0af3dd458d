"""What every command shares: exit codes, the one-line error, input parsers, output, masking."""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, NoReturn, Protocol, TypeVar

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from domain.calendar import ALMATY
from fake_registries.db import connect, path_in

OK = 0
FAILED = 1  # the registries could not run: the file or the port could not be used
INVALID = 2  # bad input: nothing was written
DUPLICATE = 3  # the source event was already recorded: nothing was written

EXIT_CODES = """\
exit codes:
  0  done
  1  the registries could not run (the data file or the port cannot be used)
  2  invalid input: one line on stderr says what is wrong; nothing was written
  3  duplicate event: the source event was already recorded; nothing was written"""

HELP_WIDTH = 79
MAX_FIELD_ERRORS = 3
MORNING = time(9, 0)  # a bare date given for a moment means 09:00 in Almaty
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_IIN_LIKE = re.compile(r"(?<!\d)\d{12}(?!\d)")

T = TypeVar("T")


class Invalid(ValueError):
    """Input the command line refuses; the message says why, in one line."""


class Failed(RuntimeError):
    """The registries could not do what was asked, through no fault of the input."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr, exit code 2."""

    def error(self, message: str) -> NoReturn:
        """Report a usage error in one line and exit with code 2."""
        self.exit(INVALID, f"error: {message} (see {self.prog} --help)\n")


class Commands(Protocol):
    """The subcommand registry argparse hands out (`add_subparsers()`)."""

    def add_parser(self, name: str, **kwargs: Any) -> Parser:
        """A new subcommand's parser."""


@dataclass
class Context:
    """The data directory, with its registries file opened on first use."""

    data_dir: Path
    _conn: sqlite3.Connection | None = field(default=None, repr=False)

    @property
    def conn(self) -> sqlite3.Connection:
        """The registries' connection (opened, and migrated, on first use)."""
        if self._conn is None:
            self._conn = connect(path_in(self.data_dir))
        return self._conn

    def close(self) -> None:
        """Close the connection if one was opened."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


Handler = Callable[[Context, argparse.Namespace], int]


def add_command(
    commands: Commands, name: str, run: Handler, summary: str, example: str, about: str = ""
) -> Parser:
    """A subcommand with its help line, description and an example in its --help."""
    description = f"{summary[0].upper()}{summary[1:]}.{f' {about}' if about else ''}"
    parser = commands.add_parser(
        name,
        help=summary,
        description=textwrap.fill(description, width=HELP_WIDTH),
        epilog=f"example:\n  {shell_lines(example)}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(run=run)
    return parser


def shell_lines(command: str, width: int = 74) -> str:
    """A long shell command broken before its options, lines continued with a backslash."""
    parts = re.split(r" (?=--)", command)
    lines = [parts[0]]
    for part in parts[1:]:
        if len(lines[-1]) + 1 + len(part) > width:
            lines.append(part)
        else:
            lines[-1] += f" {part}"
    return " \\\n      ".join(lines)


# ---------------------------------------------------------------- input


def parse_date(text: str) -> date:
    """A calendar date written YYYY-MM-DD."""
    if not _ISO_DATE.fullmatch(text.strip()):
        raise Invalid(f"not a date: {text!r} (expected YYYY-MM-DD)")
    try:
        return date.fromisoformat(text.strip())
    except ValueError as error:
        raise Invalid(f"not a valid date: {text!r} ({error})") from None


def parse_moment(text: str) -> datetime:
    """An ISO 8601 date-time with a UTC offset; a bare date means 09:00 in Asia/Almaty."""
    if _ISO_DATE.fullmatch(text.strip()):
        return datetime.combine(parse_date(text), MORNING, tzinfo=ALMATY)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(
            f"not a date-time: {text!r} (expected e.g. 2026-01-12T10:00+05:00 or 2026-01-12)"
        ) from None
    return aware(moment, text)


def aware(moment: datetime, text: object) -> datetime:
    """The moment if it has a UTC offset, else Invalid saying how to write one."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise Invalid(
            f"{text!s} has no UTC offset: write e.g. 2026-01-12T10:00+05:00, "
            "or a bare date for 09:00 Asia/Almaty"
        )
    return moment


def parse_duration(text: str) -> timedelta:
    """A positive duration such as 3d, 48h, 90m, 30s or 1d12h."""
    match = _DURATION.fullmatch(text.strip())
    if match is None or not any(match.groups()):
        raise Invalid(f"not a duration: {text!r} (expected e.g. 3d, 48h, 90m or 1d12h)")
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    span = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if span <= timedelta(0):
        raise Invalid(f"the duration {text!r} is zero: the clock only moves forward")
    return span


def parse_rate(text: str) -> float:
    """A probability between 0 and 1."""
    try:
        rate = float(text)
    except ValueError:
        raise Invalid(f"not a number: {text!r} (expected a rate between 0 and 1)") from None
    if not 0.0 <= rate <= 1.0:
        raise Invalid(f"{text} is not a rate between 0 and 1")
    return rate


def argument(parse: Callable[[str], T]) -> Callable[[str], T]:
    """An argparse `type=` whose message names what is wrong (argparse hides a ValueError's)."""

    def parsed(text: str) -> T:
        try:
            return parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    parsed.__name__ = parse.__name__.removeprefix("parse_")
    return parsed


# ---------------------------------------------------------------- output


def say(*lines: str) -> None:
    """Write lines to stdout."""
    sys.stdout.write("".join(f"{line}\n" for line in lines))


def complain(message: str) -> None:
    """Write one line to stderr."""
    sys.stderr.write(f"{one_line(message)}\n")


def one_line(text: str) -> str:
    """The text with its line breaks folded, so an error stays one line."""
    return "; ".join(part.strip() for part in text.splitlines() if part.strip())


def describe(error: BaseException) -> str:
    """One line saying what is wrong; a pydantic error names the field, rule and input."""
    if isinstance(error, ValidationError):
        # an unknown field first: it is most often a misspelt one, and explains a missing one
        found = sorted(error.errors(), key=lambda e: e["type"] != "extra_forbidden")
        return "; ".join(_field_error(e) for e in found[:MAX_FIELD_ERRORS])
    return one_line(str(error)) or type(error).__name__


def _field_error(error: ErrorDetails) -> str:
    """One field's problem: `name: missing`, `nme: unknown field`, `group: not a group...`."""
    where = ".".join(str(part) for part in error["loc"]) or "value"
    kind, ctx = error["type"], error.get("ctx", {})
    tag = str(ctx.get("discriminator", "kind")).strip("'")
    if kind == "missing":
        return f"{where}: missing"
    if kind == "extra_forbidden":
        return f"{where}: unknown field"
    if kind == "union_tag_invalid":
        return f"{tag}: {ctx['tag']!r} is not one of {ctx['expected_tags']}"
    if kind == "union_tag_not_found":
        return f"{tag}: missing"
    if kind == "value_error":
        return f"{where}: {one_line(str(ctx.get('error', error['msg'])))}"
    return f"{where}: {error['msg']} (got {error['input']!r})"


def mask_iins(value: Any) -> Any:
    """The value with every 12-digit number (an IIN) masked, in strings, lists and dicts."""
    if isinstance(value, str):
        return _IIN_LIKE.sub(lambda m: "*" * 8 + m.group()[-4:], value)
    if isinstance(value, dict):
        return {key: mask_iins(item) for key, item in value.items()}
    if isinstance(value, list):
        return [mask_iins(item) for item in value]
    return value


def aligned(rows: Iterable[tuple[str, str]], indent: str = "") -> list[str]:
    """Label/value rows with the values lined up."""
    rows = list(rows)
    width = max((len(label) for label, _ in rows), default=0)
    return [f"{indent}{label.ljust(width)}  {value}".rstrip() for label, value in rows]


def or_dash(value: object) -> str:
    """The value as text, or an em dash when it is None."""
    return "—" if value is None else str(value)
