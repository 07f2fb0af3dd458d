"""`python -m bot`: the bot's command line.

`serve` runs everything (the bot, the console, Telegram with a token); `operators` manages
console accounts; the simulation commands (`tick`, `clock`, `sms`, `cases`, `consents`,
`review`, `demo`) let testers drive and read the world; `rates` shows the parameters and
amounts in force on a date. Bad input is one line on stderr and exit code 2, never a
traceback.
"""

from __future__ import annotations

from bot import early_signals

if __name__ == "__main__":  # run as `python -m bot`, not imported
    early_signals.install()  # first of all: a SIGTERM while the rest loads must not kill serve

import argparse
import os
import re
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text

from bot.cli import console, operations, review, serve
from bot.settings import Settings
from bot.simulation import demo_command as demo
from bot.simulation import tester_commands as sim
from bot.wording.catalogs import PROJECT, Layout, project_version
from bot.wording.texts import (
    N_,
    N_plural,
    capitalized,
    cause_text,
    format_date,
    format_money,
    format_number,
    render,
    render_plural,
    service_name,
)
from domain.benefits import BENEFITS
from domain.calendar import ALMATY
from domain.model import Language, Service
from domain.parameters import Amount, ParameterUnavailable, all_parameters, parameter
from domain.services import burial, disability, survivor

if TYPE_CHECKING:
    from bot.app import App
    from bot.web.app_state import Extension

USAGE_ERROR = 2
LONG_RUNNING = frozenset({"serve", "run", "console"})  # they stop cleanly on SIGTERM
CLOSED_PIPE = 141  # 128 + SIGPIPE: the reader of the output went away (`cases | head`)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ROMAN = {1: "I", 2: "II", 3: "III"}
DASH = "—"
UNVERIFIED_MARK = "*"  # explained by FOOTNOTE

DESCRIPTION = """\
A simulated proactive-service bot for Kazakhstan's social benefits. The state notices a
life event in its registries (a death, an established disability), offers the one-time
burial payment, the state social benefit for disability or the benefit for loss of a
breadwinner by SMS or Telegram in Kazakh or Russian, takes the citizen's consent and bank
account by reply, decides and answers by SMS."""

EPILOG = """\
running for real:
  python -m bot --data-dir D operators add aigul --role admin   a console account
  BOT_TOKEN=123:ABC python -m bot --data-dir D serve      SMS, Telegram and the console
                                                          (http://127.0.0.1:8080/) until Ctrl-C

simulation (files in --data-dir; testers fill the registries with python -m fake_registries):
  python -m bot --data-dir D tick                         run all due work until idle
  python -m bot --data-dir D sms send --from +77011234567 1
  python -m bot --data-dir D sms inbox +77011234567

example:
  python -m bot rates --on 2026-01-15 --lang kk"""

# TRANSLATORS: {date} is a date in words, e.g. "25 ноября 2026 г." / "2026 ж. 25 қараша".
TITLE = N_("Rates in force on {date}")
PARAMETERS = N_("Parameters")
PARAMETER = N_("Parameter")
VALUE = N_("Value")
IN_FORCE_SINCE = N_("In force since")
# TRANSLATORS: column header; its cells say "verified" or "unverified".
CHECK = N_("Check")
SOURCE = N_("Source")
# TRANSLATORS: said of a parameter or an amount checked against a published source.
VERIFIED = N_("verified")
UNVERIFIED = N_("unverified")
AMOUNT = N_("Amount")
# TRANSLATORS: column header: how the amount is computed, e.g. "52 × MRP".
BASIS = N_("Basis")
TIMES_MRP = N_("{multiple} × MRP")
PER_MONTH = N_("Per month")
CAUSE = N_("Cause of disability")
# TRANSLATORS: a disability group; {group} is a Roman numeral I, II or III.
GROUP = N_("Group {group}")
NO_GROUP = N_("No group")
DEPENDENTS = N_("Dependents")
DEPENDENT_COUNT = N_plural("{n} dependent", "{n} dependents")
MOST_DEPENDENTS = N_("{n} or more dependents, shared equally")
FOOTNOTE = N_(
    "* unverified: a parameter behind the amount has not yet been checked against a "
    "published source."
)
# TRANSLATORS: {date} and {earliest} are dates in words.
NOTHING_IN_FORCE = N_("{date}: no parameter is in force (the earliest date is {earliest})")
PARAMETER_NAMES = {
    "mrp": N_("monthly calculation index (MRP)"),
    "subsistence_minimum": N_("subsistence minimum"),
}


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr, exit code 2."""

    def error(self, message: str) -> NoReturn:
        """Report a usage error in one line and exit with code 2."""
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message} (see --help)\n")


def iso_date(text: str) -> date:
    """A calendar date written YYYY-MM-DD."""
    try:
        if not ISO_DATE.fullmatch(text):
            raise ValueError("expected YYYY-MM-DD")
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a valid date: {text!r} ({error})") from None


def today() -> date:
    """Today's date in Almaty."""
    return datetime.now(ALMATY).date()


def package_version() -> str:
    """The installed version, or the source tree's when not installed."""
    try:
        return version(PROJECT)
    except PackageNotFoundError:
        return project_version(Layout())


def simulation_pages(app: App) -> Extension:
    """The console's tester pages (simulation mode), imported only when a console starts."""
    from bot.simulation.pages import simulation_pages as pages  # noqa: PLC0415

    return pages(app)


def build_parser() -> Parser:
    """The `python -m bot` command line."""
    parser = Parser(
        prog="python -m bot",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="where the bot, the registries and the SMS gateway keep their files "
        "(default: $BOT_DATA_DIR or ./data)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    serve.register(commands, pages=simulation_pages)  # in simulation mode, the tester pages
    console.register(commands, pages=simulation_pages)
    operations.register(commands)
    sim.register(commands)
    demo.register(commands)
    review.register(commands)
    rates = commands.add_parser(
        "rates",
        help="show the parameters and benefit amounts in force on a date",
        description="The MRP, the subsistence minimum and the amounts of the three benefits "
        "in force on a date, each marked verified or unverified.",
    )
    rates.add_argument(
        "--on",
        type=iso_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="the date (default: today in Asia/Almaty)",
    )
    rates.add_argument(
        "--lang",
        choices=[member.value for member in Language],
        default=Language.RU.value,
        help="the language of the labels (default: ru)",
    )
    return parser


# ---------------------------------------------------------------- the rates tables


def mark(verified: bool, lang: str) -> Text:
    """The verified or unverified mark of a parameter."""
    if verified:
        return Text(render(VERIFIED, lang), style="green")
    return Text(render(UNVERIFIED, lang), style="bold yellow")


def amount_cell(amount: Amount, lang: str) -> Text:
    """An amount in tenge, with the UNVERIFIED_MARK when a parameter behind it is not verified."""
    money = format_money(amount.value, lang)
    if amount.verified:
        return Text(f"{money}  ")
    return Text(f"{money} {UNVERIFIED_MARK}", style="bold yellow")


def parameters_table(on: date, lang: str) -> Table:
    """The MRP and the subsistence minimum in force, with source and mark."""
    table = Table(title=render(PARAMETERS, lang), title_justify="left")
    table.add_column(render(PARAMETER, lang))
    table.add_column(render(VALUE, lang), justify="right", no_wrap=True)
    for label in (IN_FORCE_SINCE, CHECK, SOURCE):
        table.add_column(render(label, lang))
    for name, label in PARAMETER_NAMES.items():
        found = parameter(name, on)
        table.add_row(
            render(label, lang),
            format_money(found.value, lang),
            format_date(found.valid_from, lang),
            mark(found.verified, lang),
            found.source,
        )
    return table


def burial_table(on: date, lang: str) -> Table:
    """The one-time burial payment: amount, basis and mark."""
    amount = burial.amount_detail(on)
    multiple = parameter("burial_multiple", on)
    table = Table(title=capitalized(service_name(Service.BURIAL, lang)), title_justify="left")
    table.add_column(render(AMOUNT, lang), justify="right", no_wrap=True)
    for label in (BASIS, CHECK, SOURCE):
        table.add_column(render(label, lang))
    basis = render(TIMES_MRP, lang, multiple=format_number(multiple.value, lang))
    table.add_row(amount_cell(amount, lang), basis, mark(amount.verified, lang), multiple.source)
    return table


def _disability_row(cause: disability.Cause, on: date, lang: str) -> list[Text]:
    if cause is disability.Cause.CHILD_UNDER_7:
        amounts = [Text(DASH)] * len(disability.GROUPS)
        return [*amounts, amount_cell(disability.monthly_amount_detail(None, cause, on), lang)]
    amounts = [
        amount_cell(disability.monthly_amount_detail(group, cause, on), lang)
        for group in disability.GROUPS
    ]
    return [*amounts, Text(DASH)]


def disability_table(on: date, lang: str) -> Table:
    """The disability benefit per month by cause and group."""
    title = capitalized(service_name(Service.DISABILITY, lang))
    table = Table(title=title, title_justify="left", caption=render(PER_MONTH, lang))
    table.add_column(render(CAUSE, lang))
    for group in disability.GROUPS:
        table.add_column(render(GROUP, lang, group=ROMAN[group]), justify="right", no_wrap=True)
    table.add_column(render(NO_GROUP, lang), justify="right", no_wrap=True)
    for cause in disability.Cause:
        table.add_row(capitalized(cause_text(cause, lang)), *_disability_row(cause, on, lang))
    return table


def dependents_label(n: int, lang: str) -> str:
    """ "3 dependents", or "6 or more dependents, shared equally" for the last row."""
    if n == survivor.MOST_SHARES:
        return render(MOST_DEPENDENTS, lang, n=format_number(n, lang))
    return render_plural(DEPENDENT_COUNT, n, lang)


def survivor_table(on: date, lang: str) -> Table:
    """The survivor benefit per month for the family, by number of dependents."""
    title = capitalized(service_name(Service.SURVIVOR, lang))
    table = Table(title=title, title_justify="left")
    table.add_column(render(DEPENDENTS, lang))
    table.add_column(render(PER_MONTH, lang), justify="right", no_wrap=True)
    for n in range(1, survivor.MOST_SHARES + 1):
        amount = survivor.monthly_amount_detail(n, on)
        table.add_row(dependents_label(n, lang), amount_cell(amount, lang))
    return table


# each declared benefit's amounts, as `rates` prints them (a test holds them together)
RATE_TABLES: dict[Service, Callable[[date, str], Table]] = {
    Service.BURIAL: burial_table,
    Service.DISABILITY: disability_table,
    Service.SURVIVOR: survivor_table,
}


def show_rates(on: date, lang: str, console: Console) -> None:
    """Print every table of `rates`."""
    tables = [parameters_table(on, lang)] + [RATE_TABLES[b.service](on, lang) for b in BENEFITS]
    console.print(Text(render(TITLE, lang, date=format_date(on, lang)), style="bold"))
    for table in tables:
        console.print()
        console.print(table)
    console.print()
    console.print(Text(render(FOOTNOTE, lang), style="italic"))


def earliest_date() -> date:
    """The first date on which every parameter has a value in force."""
    first: dict[str, date] = {}
    for found in all_parameters():
        first.setdefault(found.name, found.valid_from)
    return max(first.values())


def rates(on: date, lang: str) -> int:
    """The `rates` command; exit code 2 when nothing is in force on the date."""
    try:
        show_rates(on, lang, operations.PipeConsole(highlight=False))
    except ParameterUnavailable:
        message = render(
            NOTHING_IN_FORCE,
            lang,
            date=format_date(on, lang),
            earliest=format_date(earliest_date(), lang),
        )
        sys.stderr.write(f"python -m bot rates: {message}\n")
        return USAGE_ERROR
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; the exit code."""
    args = build_parser().parse_args(argv)
    if args.command not in LONG_RUNNING:
        early_signals.release()  # SIGTERM ends it as it ends any Unix tool
    if args.command == "rates":
        on: date = args.on or today()
        return rates(on, args.lang)
    try:
        settings = Settings() if args.data_dir is None else Settings(data_dir=args.data_dir)
    except ValidationError as error:
        sys.stderr.write(configuration_error(error))
        return USAGE_ERROR
    return operations.run(args.run, settings, args)


def configuration_error(error: ValidationError) -> str:
    """What is wrong with the environment's settings, a line each, never the value given
    (it may be a password or a token)."""
    lines = []
    for problem in error.errors(include_input=False, include_url=False):
        where = ".".join(str(part) for part in problem["loc"])
        where = where if where.isupper() else f"BOT_{where.upper()}"  # the variable to fix
        lines.append(f"python -m bot: configuration: {where}: {problem['msg']}\n")
    return "".join(lines)


def main_quiet_on_closed_pipe() -> int:
    """`main`, ending quietly with 141 (128 + SIGPIPE, as Unix tools do) when the reader of
    its output goes away (`python -m bot cases | head`)."""
    try:
        code = main()
        sys.stdout.flush()  # a closed pipe shows here for what was buffered
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return CLOSED_PIPE
    return code


if __name__ == "__main__":
    sys.exit(main_quiet_on_closed_pipe())
