"""`python -m bot operators …` (console accounts), `python -m bot console` (the console alone),
`python -m bot retries` (the messages that met a failure on their way)."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.app import App
from bot.cli.operations import FAILED, OK, fail, out, stop_on_signals, with_app
from bot.records import OutboxMessage, OutboxStatus, Role
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.web.app_state import AddPages


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
        host, port = settings.console_host, settings.console_port
        extra = None if args.pages is None else args.pages(app)
        runner = await start_console(app, host, port, extra)
        out(f"console on http://{settings.console_host}:{settings.console_port}/ ; Ctrl-C stops")
        try:
            await stop.wait()
        finally:
            await runner.cleanup()
        out("stopped")
        return OK

    # a reviewer's decision and the tester pages run due work: the result SMS goes at once
    return await with_app(settings, work, sending=True)


def _address(message: OutboxMessage) -> str:
    """The address masked as the console masks it."""
    from bot.web.render import mask_phone_filter  # noqa: PLC0415 (the console's masking)

    return mask_phone_filter(message.address)


def retry_line(message: OutboxMessage) -> str:
    """One message that met a failure, in one line: what it is, where it got, and why."""
    from bot.web.render import mask_words  # noqa: PLC0415 (the console's masking)

    return (
        f"{message.id:>7}  {message.case_id or '-':<16}  {message.channel:<8}  "
        f"{message.template_id:<22} {_address(message):<16}  {message.status.value:<9}  "
        f"failed attempts {message.attempts}  last error: {mask_words(message.last_error)}"
    )


def retry_summary(shown: int, states: dict[OutboxStatus, int]) -> str:
    """How many messages met a failure, and where they are now."""
    total = sum(states.values())
    latest = "" if total == shown else f" (the latest {shown} below)"
    return (
        f"{total} messages met a failure on their way{latest}: "
        f"{states[OutboxStatus.DELIVERED]} delivered, {states[OutboxStatus.SENT]} sent, "
        f"{states[OutboxStatus.QUEUED]} waiting for another attempt, "
        f"{states[OutboxStatus.FAILED]} given up"
    )


async def retries(settings: Settings, args: argparse.Namespace) -> int:
    """The messages that met a failure: retried, postponed by the channel, or given up."""

    async def work(app: App) -> int:
        async with app.storage.unit_of_work() as uow:
            messages, states = await uow.views.retried_messages(args.limit)
        if args.json:
            masked = (m.model_copy(update={"address": _address(m)}) for m in messages)
            out(*(m.model_dump_json(exclude={"text", "markup"}) for m in masked))
            return OK
        out(retry_summary(len(messages), states), *(retry_line(m) for m in messages))
        return OK

    return await with_app(settings, work)


def _limit(text: str) -> int:
    """A number of messages from 1 to 10,000."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= number <= 10_000:
        raise argparse.ArgumentTypeError(f"{number} is not from 1 to 10000")
    return number


def register_retries(commands: Any) -> None:  # argparse's subparsers action
    """Add `retries`."""
    shown = commands.add_parser(
        "retries",
        help="messages that met a failure on their way: retried, postponed or given up",
        description="The outbox's messages that met a failure on their way, newest first: "
        "retried after a temporary failure (failed attempts), postponed by the channel (a "
        "Telegram 429), or given up (a permanent failure, too many attempts, a blocked "
        "chat), each with its status now and the last error. Addresses are masked.",
    )
    shown.add_argument(
        "--limit", type=_limit, default=100, metavar="N", help="how many, 1 to 10000 (default 100)"
    )
    shown.add_argument(
        "--json", action="store_true", help="one JSON object a message (no text, masked address)"
    )
    shown.set_defaults(run=retries)


def register(commands: Any, pages: AddPages | None = None) -> None:  # argparse's subparsers
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
    ).set_defaults(run=console, pages=pages)
    register_retries(commands)
