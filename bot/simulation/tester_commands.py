"""Tester commands (simulation only): move the world clock, play a citizen's phone, make the
simulated SMS gateway fail."""

from __future__ import annotations

import argparse
import sqlite3
from collections.abc import Callable
from typing import Any

from bot.channels.sms_faults import GatewayFaults
from bot.channels.sms_gateway import SimulatedSmsGateway
from bot.cli.operations import OK, fail, local, out
from bot.service.clock import RegistryClock
from bot.settings import Settings
from domain.phone import InvalidPhone, normalize_phone
from fake_registries import clock as world_clock
from fake_registries import db as registries_db
from fake_registries.cli.common import argument, parse_duration, parse_moment, parse_rate


def _registries_conn(settings: Settings) -> sqlite3.Connection:
    return registries_db.connect(registries_db.path_in(settings.data_dir))


async def clock_cmd(settings: Settings, args: argparse.Namespace) -> int:
    """Show, set or advance the simulated world clock."""
    if not settings.simulation:
        return fail("the clock can only be moved in simulation mode")
    conn = _registries_conn(settings)
    try:
        if args.action == "set":
            world_clock.set_to(conn, args.moment)
        elif args.action == "advance":
            world_clock.advance(conn, args.duration)
        out(local(world_clock.now(conn)))
    except ValueError as error:
        return fail(str(error))
    finally:
        conn.close()
    return OK


async def _gateway(settings: Settings) -> tuple[SimulatedSmsGateway, Callable[[], None]]:
    from fake_registries.client import DirectClient  # noqa: PLC0415
    from fake_registries.service import RegistryService  # noqa: PLC0415

    conn = _registries_conn(settings)
    clock = RegistryClock(DirectClient(RegistryService(conn)))
    gateway = SimulatedSmsGateway(settings.sms_database, clock)

    def close() -> None:
        gateway.close()
        conn.close()

    return gateway, close


NOT_SIMULATED = "playing a citizen's phone is for simulation mode only (BOT_SIMULATION is false)"
PHONES_BEHIND_SMSC = (
    "SMS_GATEWAY=smpp: the phones are behind the SMSC, so play them there (an MO message"
    " to the short number); `sms send` and `sms inbox` play the simulated gateway's phones"
)

FAULTS_BEHIND_SMSC = (
    "SMS_GATEWAY=smpp: `sms faults` injects faults into the simulated gateway only; an SMSC"
    " fails by its own means"
)


async def sms_send(settings: Settings, args: argparse.Namespace) -> int:
    """A citizen's reply from a phone, as the gateway receives it."""
    if not settings.simulation:
        return fail(NOT_SIMULATED)
    if settings.sms_gateway != "simulated":
        return fail(PHONES_BEHIND_SMSC)
    gateway, close = await _gateway(settings)
    try:
        message = await gateway.send_from(args.phone, args.text)
    except ValueError as error:
        return fail(str(error))
    finally:
        close()
    out(f"received {message.provider_id} from {message.address}; run `tick` to handle it")
    return OK


async def sms_inbox(settings: Settings, args: argparse.Namespace) -> int:
    """What a phone received."""
    if not settings.simulation:
        return fail(NOT_SIMULATED)
    if settings.sms_gateway != "simulated":
        return fail(PHONES_BEHIND_SMSC)
    gateway, close = await _gateway(settings)
    try:
        inbox = await gateway.inbox(args.phone)
    finally:
        close()
    if args.json:
        out(*(m.model_dump_json() for m in inbox))
        return OK
    for m in inbox:
        out(f"--- {local(m.submitted_at)}  {m.encoding}, {m.segments} segment(s)  {m.provider_id}")
        out(m.text)
    if not inbox:
        out("(no messages)")
    return OK


def faults_line(value: GatewayFaults) -> str:
    """The gateway's injected faults, in one line."""
    return f"sms gateway: temporary failure rate {value.temporary_rate:g}, seed {value.seed}"


async def sms_faults(settings: Settings, args: argparse.Namespace) -> int:
    """Show the simulated gateway's injected faults, or change them (what is not given stays)."""
    if not settings.simulation:
        return fail(NOT_SIMULATED)
    if settings.sms_gateway != "simulated":
        return fail(FAULTS_BEHIND_SMSC)
    gateway, close = await _gateway(settings)
    try:
        value = await gateway.faults()
        given = {key: getattr(args, key) for key in ("temporary_rate", "seed")}
        changes = {key: number for key, number in given.items() if number is not None}
        if changes:
            value = value.model_copy(update=changes)
            await gateway.set_faults(value)
    finally:
        close()
    out(f"{'set ' if changes else ''}{faults_line(value)}")
    return OK


def phone(text: str) -> str:
    """A Kazakhstan mobile number in E.164."""
    try:
        return normalize_phone(text)
    except InvalidPhone as error:
        raise argparse.ArgumentTypeError(str(error)) from None


SMS_FAULTS = """\
Make a share of the simulated gateway's submissions end `temporary`: the bot
retries them with backoff. Each is drawn from the seed and the submission's
reference and attempt, so a run repeats. What is not given stays; with nothing
given, the faults are shown. The test numbers ...0001 and ...0002 keep their
own scripts."""


def register_sms_faults(sms_actions: Any) -> None:  # argparse's subparsers action
    """`sms faults`: the simulated gateway's temporary failures."""
    faults = sms_actions.add_parser(
        "faults",
        help="make a share of the gateway's submissions fail temporarily",
        description=SMS_FAULTS,
        epilog="example:\n  python -m bot sms faults --temporary-rate 0.2 --seed 7",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    faults.add_argument(
        "--temporary-rate",
        type=argument(parse_rate),
        metavar="X",
        help="share of submissions failing temporarily, 0 to 1 (0: none)",
    )
    faults.add_argument("--seed", type=int, metavar="S", help="seed of the draws")
    faults.set_defaults(run=sms_faults)


def register(commands: Any) -> None:  # argparse's subparsers action, of any parser class
    """Add the tester commands to the parser."""
    clock = commands.add_parser("clock", help="show, set or advance the simulated clock")
    moves = clock.add_subparsers(dest="action", required=True, metavar="action")
    moves.add_parser("show", help="the simulated now").set_defaults(run=clock_cmd)
    to = moves.add_parser("set", help="set it (ISO 8601 with offset)")
    to.add_argument("moment", type=argument(parse_moment))
    to.set_defaults(run=clock_cmd)
    by = moves.add_parser("advance", help="move it forward, e.g. 25h, 3d")
    by.add_argument("duration", type=argument(parse_duration))
    by.set_defaults(run=clock_cmd)
    sms = commands.add_parser("sms", help="play a citizen's phone (simulation mode only)")
    sms_actions = sms.add_subparsers(dest="action", required=True, metavar="action")
    send = sms_actions.add_parser("send", help="reply from a phone")
    send.add_argument(
        "--from", dest="phone", required=True, type=phone, help="the phone, e.g. +77011234567"
    )
    send.add_argument("text", help="what the citizen writes, e.g. иә or 'да 417'")
    send.set_defaults(run=sms_send)
    inbox = sms_actions.add_parser("inbox", help="what a phone received")
    inbox.add_argument("phone", type=phone, help="the phone, e.g. +77011234567")
    inbox.add_argument("--json", action="store_true", help="one JSON object per message")
    inbox.set_defaults(run=sms_inbox)
    register_sms_faults(sms_actions)
