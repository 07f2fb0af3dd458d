"""The tester pages (simulation mode only): what they share, and the index with the world
clock and faults. The population with its life events is `sim_people`, the simulated phone
to play the citizen `sim_phone`.

They make the same library calls as the testers' command line (`fake_registries.actions`,
`clock`, `faults`, `population`) on the registries' file, then let the bot run its due work
(`App.tick`) so what follows an act shows at once; an SMS lands in a phone's inbox once its
receipt is due, so acts that send one also move the world clock a minute and tick again.
With remote registries the pages that change the state say so instead of failing.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from aiohttp import web

from bot.channels.sms_gateway import DEFAULT_RECEIPT_DELAY, SimulatedSmsGateway
from bot.registries.errors import RegistryError
from bot.registries.facts import Person
from bot.web.access import Permission
from bot.web.app_state import Console, console_of
from bot.web.audit import audited
from bot.web.render import page
from bot.web.routing import Handler, Route
from bot.web.security import local_target
from bot.wording.texts import N_
from domain.calendar import ALMATY
from fake_registries import clock as world_clock
from fake_registries import faults, population
from fake_registries.cli.common import (
    Invalid,
    parse_date,
    parse_duration,
    parse_moment,
    parse_rate,
)

Form = Mapping[str, object]  # a posted form (aiohttp's MultiDictProxy)
SETTLE = timedelta(minutes=1)  # past the gateway's receipt delay, as tests/e2e/world.settle
SEARCH_LIMIT = 50
PHONES_LIMIT = 1000  # the newest cases whose phones the phone picker lists
MAX_LATENCY_MS = 60_000
GROUPS = ("1", "2", "3", "none")
RELATIONS = {"child": N_("child"), "parent": N_("parent"), "spouse": N_("spouse")}

REMOTE = N_(
    "The registries are remote: change the clock, faults and people with their own command line."
)
NOT_SIMULATED = N_("The SMS gateway is not the simulated one: there is no phone to play.")
UNKNOWN_ACTION = N_("This form asked for nothing this page does.")
BAD_DURATION = N_("Not a duration: %(value)s. Write e.g. 1m, 25h, 3d or 1d12h.")
BAD_MOMENT = N_(
    "Not a date-time: %(value)s. Write e.g. 2026-01-12T10:00 (Asia/Almaty) or 2026-01-12."
)
NO_GOING_BACK = N_("The clock cannot go back: it is already %(now)s (Asia/Almaty).")
BAD_DATE = N_("Not a date: %(value)s. Write YYYY-MM-DD.")
BAD_NUMBER = N_("Not a whole number: %(value)s.")
BAD_RATE = N_("Not a rate between 0 and 1: %(value)s.")
BAD_LATENCY = N_("The latency must be 0 to 60000 ms.")
UNKNOWN_REGISTRY = N_("Unknown registry: %(value)s.")
HALF_AN_OUTAGE = N_("An outage needs both its start and its end.")
OUTAGE_BACKWARDS = N_("The outage must end after it starts.")
REFUSED = N_("The registries refused: %(reason)s")
ALREADY = N_("This event was already recorded: nothing was written.")
BAD_GROUP = N_("Not a disability group: %(value)s. Choose 1, 2, 3 or none.")
BAD_CAUSE = N_("Not a cause of disability: %(value)s.")
NAME_NEEDED = N_("A surname and a name are needed.")
BAD_SEX = N_("Sex is M or F.")
BAD_LANGUAGE = N_("The language is kk, ru or unknown.")
NO_FREE_IIN = N_("No IIN is left for this birth date and sex.")
BAD_PHONE = N_("Not a Kazakh mobile number: %(value)s (%(reason)s).")
NOT_SENT = N_("The message was not sent: %(reason)s")
NO_SUCH_PERSON = N_("No person with IIN %(value)s in the population registry.")


# ---------------------------------------------------------------- shared


@dataclass(frozen=True)
class Notice:
    """A message for the page: a msgid and its values, translated when rendered."""

    text: str
    values: dict[str, str] = field(default_factory=dict)


class Refused(Exception):
    """A tester's input the page will not act on; the notice says why."""

    def __init__(self, text: str, **values: str) -> None:
        super().__init__(text)
        self.notice = Notice(text, values)


def field_text(form: Form, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def back_to(form: Form, default: str) -> str:
    """Where to go after a form: a tester page of this console, never elsewhere."""
    target = local_target(field_text(form, "back"), default)
    return target if target == "/sim" or target.startswith(("/sim/", "/sim?")) else default


REF = re.compile(r"p[0-9]{1,12}")  # a person's reference in the registry (`person_href`)


def refs(conn: sqlite3.Connection, people: list[Person]) -> dict[str, str]:
    """The reference of each of these people ("p123", see `person_href`), by IIN."""
    return {iin: f"p{n}" for iin, n in population.numbers(conn, (p.iin for p in people)).items()}


def person_href(conn: sqlite3.Connection, person: Person) -> str:
    """A person's page, addressed by the registry's reference to them, not their IIN: a link
    is kept in a browser's history and a proxy's log, where an IIN must not be."""
    return f"/sim/person/{refs(conn, [person]).get(person.iin, person.iin)}"


def resolved(conn: sqlite3.Connection, text: str) -> str:
    """The IIN a form or a link names: by the person's reference ("p123") or in full."""
    if REF.fullmatch(text):
        person = population.by_number(conn, int(text[1:]))
        return text if person is None else person.iin
    return text


def registries_of(console: Console) -> sqlite3.Connection:
    """The registries' file, or Refused when the registries are remote."""
    if console.registries is None:
        raise Refused(REMOTE)
    return console.registries


def simulated_gateway(console: Console) -> SimulatedSmsGateway | None:
    sms = console.app.sms
    return sms if isinstance(sms, SimulatedSmsGateway) else None


def phone_path(phone: str) -> str:
    return f"/sim/phone/{phone}"


def _almaty(moment: datetime) -> str:
    """A moment as a tester writes it back: Almaty time, to the minute."""
    return moment.astimezone(ALMATY).strftime("%Y-%m-%d %H:%M")


def date_field(form: Form, name: str, *, required: bool = True) -> date | None:
    text = field_text(form, name)
    if not text and not required:
        return None
    try:
        return parse_date(text)
    except Invalid:
        raise Refused(BAD_DATE, value=text) from None


def _moment(text: str) -> datetime:
    """An ISO date-time; without an offset it is Almaty time, a bare date 09:00 Almaty."""
    try:
        return parse_moment(text)
    except Invalid:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Refused(BAD_MOMENT, value=text) from None
    if moment.tzinfo is not None:  # pragma: no cover - parse_moment took those
        raise Refused(BAD_MOMENT, value=text)
    return moment.replace(tzinfo=ALMATY)


async def settle(console: Console) -> None:
    """Run the bot's due work, let the gateway's receipts fall due, and run it again."""
    app = console.app
    await app.tick()
    conn = console.registries
    if conn is not None and world_clock.is_set(conn):
        world_clock.advance(conn, SETTLE)
    else:  # the clock follows real time (or is remote): wait for the receipts instead
        await asyncio.sleep(DEFAULT_RECEIPT_DELAY.total_seconds() + 0.2)
    await app.tick()


def sim(method: str, path: str, handler: Handler, name: str) -> Route:
    """A tester route: SIMULATE, and only in simulation mode."""
    return Route(method, path, handler, Permission.SIMULATE, name, simulation_only=True)


# ---------------------------------------------------------------- the index: clock and faults


async def _index(
    request: web.Request, notice: Notice | None = None, status: int = 200
) -> web.Response:
    console = console_of(request)
    conn = console.registries
    now: datetime | None = None
    rules: list[faults.FaultRule] = []
    feed = faults.FaultSettings()
    clock_set = False
    if conn is not None:
        now, clock_set = world_clock.now(conn), world_clock.is_set(conn)
        rules, feed = faults.rules(conn), faults.settings(conn)
    else:
        try:
            now = await console.app.clock.now()
        except RegistryError:
            now = None
    return page(
        request,
        "sim.html",
        status=status,
        error=notice,
        remote=conn is None,
        remote_notice=Notice(REMOTE),
        now=now,
        local_now="" if now is None else now.astimezone(ALMATY).strftime("%Y-%m-%dT%H:%M"),
        clock_set=clock_set,
        rules=rules,
        feed=feed,
        registries=faults.REGISTRIES,
        any_operation=faults.ANY,
    )


async def index(request: web.Request) -> web.StreamResponse:
    """The simulated clock, the faults, and the way to the population and the phones."""
    return await _index(request)


def _move_clock(conn: sqlite3.Connection, form: Form) -> datetime:
    action = field_text(form, "action")
    if action == "advance":
        text = field_text(form, "duration")
        try:
            by = parse_duration(text)
        except Invalid:
            raise Refused(BAD_DURATION, value=text) from None
        return world_clock.advance(conn, by)
    if action != "set":
        raise Refused(UNKNOWN_ACTION)
    moment = _moment(field_text(form, "moment"))
    if world_clock.is_set(conn) and moment < world_clock.now(conn):
        raise Refused(NO_GOING_BACK, now=_almaty(world_clock.now(conn)))
    try:
        return world_clock.set_to(conn, moment)
    except ValueError:  # moved meanwhile
        raise Refused(NO_GOING_BACK, now=_almaty(world_clock.now(conn))) from None


async def move_clock(request: web.Request) -> web.StreamResponse:
    """Advance the world clock by a duration, or set it (never back); the bot catches up."""
    console = console_of(request)
    form = await request.post()
    try:
        moment = _move_clock(registries_of(console), form)
    except Refused as refused:
        return await _index(request, refused.notice, 400)
    await audited(request, "sim_clock", None, f"moved the simulated clock to {moment.isoformat()}")
    await console.app.tick()
    raise web.HTTPSeeOther("/sim")


def _whole(text: str, default: int) -> int:
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise Refused(BAD_NUMBER, value=text) from None


def _rate(text: str, default: float) -> float:
    if not text:
        return default
    try:
        return parse_rate(text)
    except Invalid:
        raise Refused(BAD_RATE, value=text) from None


def _outage(form: Form) -> tuple[datetime | None, datetime | None]:
    start_text, end_text = field_text(form, "outage_from"), field_text(form, "outage_to")
    if not start_text and not end_text:
        return None, None
    if not start_text or not end_text:
        raise Refused(HALF_AN_OUTAGE)
    start, end = _moment(start_text), _moment(end_text)
    if end <= start:
        raise Refused(OUTAGE_BACKWARDS)
    return start, end


def _rule(form: Form) -> faults.FaultRule:
    """A fault rule from the form, as `faults set` takes it."""
    registry = field_text(form, "registry")
    if registry not in faults.REGISTRIES:
        raise Refused(UNKNOWN_REGISTRY, value=registry)
    latency = _whole(field_text(form, "latency_ms"), 0)
    if not 0 <= latency <= MAX_LATENCY_MS:
        raise Refused(BAD_LATENCY)
    start, end = _outage(form)
    return faults.FaultRule(
        registry=registry,
        operation=field_text(form, "operation") or faults.ANY,
        latency_ms=latency,
        error_rate=_rate(field_text(form, "error_rate"), 0.0),
        outage_from=start,
        outage_to=end,
    )


def _feed(conn: sqlite3.Connection, form: Form) -> faults.FaultSettings:
    """The feed's faults and the seed from the form, as `faults feed`: blank fields stay."""
    was = faults.settings(conn)
    return faults.FaultSettings(
        seed=_whole(field_text(form, "seed"), was.seed),
        duplicate_rate=_rate(field_text(form, "duplicate_rate"), was.duplicate_rate),
        reorder_rate=_rate(field_text(form, "reorder_rate"), was.reorder_rate),
    )


def _change_faults(conn: sqlite3.Connection, form: Form) -> str:
    action = field_text(form, "action")
    if action == "rule":
        rule = _rule(form)
        faults.set_rule(conn, rule)
        return f"set the faults of {rule.registry}.{rule.operation}"
    if action == "feed":
        faults.set_settings(conn, _feed(conn, form))
        return "set the feed's faults"
    if action == "clear":
        faults.clear(conn)
        return "cleared every fault"
    raise Refused(UNKNOWN_ACTION)


async def change_faults(request: web.Request) -> web.StreamResponse:
    """Set a registry's faults or the feed's, or clear them all; the bot runs its due work."""
    console = console_of(request)
    form = await request.post()
    try:
        what = _change_faults(registries_of(console), form)
    except Refused as refused:
        return await _index(request, refused.notice, 400)
    await audited(request, "sim_faults", None, what)
    await console.app.tick()
    raise web.HTTPSeeOther("/sim")


ROUTES = [
    sim("GET", "/sim", index, "sim"),
    sim("POST", "/sim/clock", move_clock, "sim_clock"),
    sim("POST", "/sim/faults", change_faults, "sim_faults"),
]
