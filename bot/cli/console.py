"""`python -m bot operators …` (console accounts), `python -m bot console` (the console alone)."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime
from typing import Any

from bot.app import App
from bot.cli.sim import FAILED, OK, fail, out, stop_on_signals, with_app
from bot.records import Role
from bot.settings import Settings


def _password(args: argparse.Namespace) -> str:
    """From standard input with --password-stdin (one line), else asked twice."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise ValueError("the two passwords differ")
    return first


async def operators_add(settings: Settings, args: argparse.Namespace) -> int:
    """Create a console account."""
    from bot.web.accounts import add_operator  # noqa: PLC0415

    try:
        password = _password(args)
    except ValueError as error:
        return fail(str(error))

    async def work(app: App) -> int:
        try:
            account = await add_operator(
                app.storage, args.name, Role(args.role), password, datetime.now(UTC)
            )
        except ValueError as error:
            return fail(str(error))
        out(f"account {account.name} ({account.role.value}) created")
        return OK

    return await with_app(settings, work)


async def operators_list(settings: Settings, args: argparse.Namespace) -> int:
    """The console accounts."""

    async def work(app: App) -> int:
        async with app.storage.unit_of_work() as uow:
            accounts = await uow.operators.all()
        for account in accounts:
            state = "disabled" if account.disabled_at else "active"
            out(f"{account.name:<20} {account.role.value:<9} {state}")
        if not accounts:
            out("(no accounts: python -m bot operators add NAME --role admin)")
        return OK

    return await with_app(settings, work)


async def operators_disable(settings: Settings, args: argparse.Namespace) -> int:
    """Disable an account and end its sessions."""
    from bot.web.accounts import disable_operator  # noqa: PLC0415

    async def work(app: App) -> int:
        try:
            await disable_operator(app.storage, args.name, datetime.now(UTC))
        except ValueError as error:
            return fail(str(error), FAILED)
        out(f"account {args.name} disabled; its sessions ended")
        return OK

    return await with_app(settings, work)


async def operators_passwd(settings: Settings, args: argparse.Namespace) -> int:
    """Set an account's password and end its sessions."""
    from bot.web.accounts import set_password  # noqa: PLC0415

    try:
        password = _password(args)
    except ValueError as error:
        return fail(str(error))

    async def work(app: App) -> int:
        try:
            await set_password(app.storage, args.name, password)
        except ValueError as error:
            return fail(str(error))
        out(f"password of {args.name} changed; its sessions ended")
        return OK

    return await with_app(settings, work)


async def console(settings: Settings, args: argparse.Namespace) -> int:
    """Serve the console alone until Ctrl-C."""
    from bot.web.app import start_console  # noqa: PLC0415

    async def work(app: App) -> int:
        stop = stop_on_signals()
        runner = await start_console(app, settings.console_host, settings.console_port)
        out(f"console on http://{settings.console_host}:{settings.console_port}/ ; Ctrl-C stops")
        try:
            await stop.wait()
        finally:
            await runner.cleanup()
        out("stopped")
        return OK

    return await with_app(settings, work)


def register(commands: Any) -> None:  # argparse's subparsers action
    """Add `operators` and `console`."""
    accounts = commands.add_parser("operators", help="console accounts")
    actions = accounts.add_subparsers(dest="action", required=True, metavar="action")
    add = actions.add_parser(
        "add",
        help="create an account",
        description="Create a console account. Roles: operator reads the ledger and cases; "
        "reviewer also decides review cases; tester also plays the state and the citizen "
        "(simulation only); admin manages accounts and reads the audit.",
    )
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=[role.value for role in Role])
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    add.set_defaults(run=operators_add)
    actions.add_parser("list", help="the accounts").set_defaults(run=operators_list)
    passwd = actions.add_parser("passwd", help="set an account's password, ending its sessions")
    passwd.add_argument("name")
    passwd.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    passwd.set_defaults(run=operators_passwd)
    disable = actions.add_parser("disable", help="disable an account, ending its sessions")
    disable.add_argument("name")
    disable.set_defaults(run=operators_disable)
    commands.add_parser(
        "console",
        help="serve the console alone (BOT_CONSOLE_HOST, BOT_CONSOLE_PORT; loopback:8080)",
    ).set_defaults(run=console)
