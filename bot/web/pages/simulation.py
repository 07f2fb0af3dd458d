"""The tester pages (simulation mode only): the world clock, faults, the population with its
life events, and a simulated phone to play the citizen.

They make the same library calls as the testers' command line (`fake_registries.actions`,
`clock`, `faults`, `population`) on the registries' file, then let the bot run its due work
(`App.tick`) so what follows an act shows at once; an SMS lands in a phone's inbox once its
receipt is due, so acts that send one also move the world clock a minute and tick again.
With remote registries the pages that change the state say so instead of failing.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from aiohttp import web
from pydantic import ValidationError

from bot.channels.sms_gateway import DEFAULT_RECEIPT_DELAY, SimulatedSmsGateway
from bot.texts import CAUSES, N_
from bot.web.access import Permission
from bot.web.app_state import Console, console_of
from bot.web.audit import audited
from bot.web.render import page
from bot.web.routing import Handler, Route
from domain.calendar import ALMATY, local_date
from domain.identity import SERIAL_MAX, Sex, make_iin
from domain.model import Service
from domain.phone import InvalidPhone, normalize_phone
from domain.services.disability import Cause
from fake_registries import actions, civil, disability, faults, population
from fake_registries import clock as world_clock
from fake_registries.cli.common import (
    Invalid,
    describe,
    parse_date,
    parse_duration,
    parse_moment,
    parse_rate,
)
from fake_registries.errors import RegistryError
from fake_registries.models import Death, Disability, Kin, Person

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


def _field(form: Form, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _back(form: Form, default: str) -> str:
    """Where to go after a form: a tester page of this console, never elsewhere."""
    target = _field(form, "back")
    if target.startswith("/sim") and "//" not in target and "\\" not in target:
        return target
    return default


def _state(console: Console) -> sqlite3.Connection:
    """The registries' file, or Refused when the registries are remote."""
    if console.registries is None:
        raise Refused(REMOTE)
    return console.registries


def _gateway(console: Console) -> SimulatedSmsGateway | None:
    sms = console.app.sms
    return sms if isinstance(sms, SimulatedSmsGateway) else None


def _phone_path(phone: str) -> str:
    return f"/sim/phone/{phone}"


def _almaty(moment: datetime) -> str:
    """A moment as a tester writes it back: Almaty time, to the minute."""
    return moment.astimezone(ALMATY).strftime("%Y-%m-%d %H:%M")


def _date(form: Form, name: str, *, required: bool = True) -> date | None:
    text = _field(form, name)
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


async def _settle(console: Console) -> None:
    """Run the bot's due work, let the gateway's receipts fall due, and run it again."""
    app = console.app
    await app.tick()
    conn = console.registries
    if conn is not None and world_clock.is_set(conn):
        world_clock.advance(conn, SETTLE)
    else:  # the clock follows real time (or is remote): wait for the receipts instead
        await asyncio.sleep(DEFAULT_RECEIPT_DELAY.total_seconds() + 0.2)
    await app.tick()


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
    action = _field(form, "action")
    if action == "advance":
        text = _field(form, "duration")
        try:
            by = parse_duration(text)
        except Invalid:
            raise Refused(BAD_DURATION, value=text) from None
        return world_clock.advance(conn, by)
    if action != "set":
        raise Refused(UNKNOWN_ACTION)
    moment = _moment(_field(form, "moment"))
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
        moment = _move_clock(_state(console), form)
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
    start_text, end_text = _field(form, "outage_from"), _field(form, "outage_to")
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
    registry = _field(form, "registry")
    if registry not in faults.REGISTRIES:
        raise Refused(UNKNOWN_REGISTRY, value=registry)
    latency = _whole(_field(form, "latency_ms"), 0)
    if not 0 <= latency <= MAX_LATENCY_MS:
        raise Refused(BAD_LATENCY)
    start, end = _outage(form)
    return faults.FaultRule(
        registry=registry,
        operation=_field(form, "operation") or faults.ANY,
        latency_ms=latency,
        error_rate=_rate(_field(form, "error_rate"), 0.0),
        outage_from=start,
        outage_to=end,
    )


def _feed(conn: sqlite3.Connection, form: Form) -> faults.FaultSettings:
    """The feed's faults and the seed from the form, as `faults feed`: blank fields stay."""
    was = faults.settings(conn)
    return faults.FaultSettings(
        seed=_whole(_field(form, "seed"), was.seed),
        duplicate_rate=_rate(_field(form, "duplicate_rate"), was.duplicate_rate),
        reorder_rate=_rate(_field(form, "reorder_rate"), was.reorder_rate),
    )


def _change_faults(conn: sqlite3.Connection, form: Form) -> str:
    action = _field(form, "action")
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
        what = _change_faults(_state(console), form)
    except Refused as refused:
        return await _index(request, refused.notice, 400)
    await audited(request, "sim_faults", None, what)
    await console.app.tick()
    raise web.HTTPSeeOther("/sim")


# ---------------------------------------------------------------- the population


@dataclass(frozen=True)
class Resident:
    """A person as the population page shows them: with their death and disability."""

    person: Person
    death: Death | None
    disability: Disability | None


def _resident(conn: sqlite3.Connection, person: Person) -> Resident:
    return Resident(person, civil.death_of(conn, person.iin), disability.latest(conn, person.iin))


def _search(conn: sqlite3.Connection, text: str) -> list[Resident]:
    """People by phone, IIN (its start) or name."""
    found: list[Person] = []
    if text:
        try:
            owner = population.by_phone(conn, normalize_phone(text))
        except InvalidPhone:
            owner = None
        if owner is not None:
            found.append(owner)
    found += [p for p in population.search(conn, text, SEARCH_LIMIT) if p not in found]
    return [_resident(conn, p) for p in found]


async def _population(
    request: web.Request, query: str, notice: Notice | None = None, status: int = 200
) -> web.Response:
    conn = console_of(request).registries
    found = [] if conn is None else _search(conn, query)
    today = local_date(world_clock.now(conn)) if conn is not None else None
    return page(
        request,
        "sim_population.html",
        status=status,
        error=notice,
        remote=conn is None,
        remote_notice=Notice(REMOTE),
        query=query,
        found=found,
        limit=SEARCH_LIMIT,
        today=today,
        groups=GROUPS,
        causes=CAUSES,
        back=request.path_qs if request.method == "GET" else "/sim/population",
    )


async def population_page(request: web.Request) -> web.StreamResponse:
    """Search the population registry; each person with the events a tester can emit."""
    return await _population(request, request.query.get("q", "").strip())


async def person_page(request: web.Request) -> web.StreamResponse:
    """One person in full (the IIN too: simulation data), their kin, and the event forms."""
    console = console_of(request)
    conn = console.registries
    iin = request.match_info["iin"]
    if conn is None:
        return await _population(request, "", Notice(REMOTE), 400)
    person = population.get(conn, iin)
    if person is None:
        return await _population(request, "", Notice(NO_SUCH_PERSON, {"value": iin}), 404)
    await audited(request, "view_person", iin, "simulated person")
    kin: list[tuple[Kin, Resident]] = [
        (k, _resident(conn, k.person)) for k in civil.kin_of(conn, iin)
    ]
    return page(
        request,
        "sim_person.html",
        person=person,
        resident=_resident(conn, person),
        kin=kin,
        relations=RELATIONS,
        today=local_date(world_clock.now(conn)),
        groups=GROUPS,
        causes=CAUSES,
        back=request.path,
    )


def _names(form: Form) -> tuple[str, str, str | None]:
    surname, name = _field(form, "surname"), _field(form, "name")
    if not surname or not name:
        raise Refused(NAME_NEEDED)
    return surname, name, _field(form, "patronymic") or None


def _sex(form: Form) -> Sex:
    sex = _field(form, "sex")
    if sex == "M":
        return "M"
    if sex == "F":
        return "F"
    raise Refused(BAD_SEX)


def _language(form: Form) -> Literal["kk", "ru"] | None:
    language = _field(form, "language")
    if language == "kk":
        return "kk"
    if language == "ru":
        return "ru"
    if language:
        raise Refused(BAD_LANGUAGE)
    return None


def _free_iin(conn: sqlite3.Connection, born: date, sex: Sex) -> str:
    """A valid IIN for the birth date and sex that nobody has yet."""
    start = population.count(conn) % (SERIAL_MAX + 1)
    for step in range(SERIAL_MAX + 1):
        try:
            made = make_iin(born, sex, (start + step) % (SERIAL_MAX + 1))
        except ValueError as error:  # a year no IIN encodes
            raise Refused(REFUSED, reason=describe(error)) from None
        if made is not None and population.get(conn, made.value) is None:
            return made.value
    raise Refused(NO_FREE_IIN)


def _new_person(conn: sqlite3.Connection, form: Form) -> Person:
    surname, name, patronymic = _names(form)
    born = _date(form, "birth")
    assert born is not None
    sex = _sex(form)
    language = _language(form)
    iin = _free_iin(conn, born, sex)
    try:
        person = Person(
            iin=iin,
            surname=surname,
            name=name,
            patronymic=patronymic,
            birth_date=born,
            sex=sex,
            region=_field(form, "region") or "Almaty",
            phone=_field(form, "phone") or None,
            language=language,
        )
        return actions.add_person(conn, person)
    except ValueError as error:  # actions.Rejected, or the record's own validation
        raise Refused(REFUSED, reason=describe(error)) from None


async def add_person(request: web.Request) -> web.StreamResponse:
    """Add a person with a generated valid IIN, as `person add` does."""
    console = console_of(request)
    form = await request.post()
    try:
        added = _new_person(_state(console), form)
    except Refused as refused:
        return await _population(request, _field(form, "q"), refused.notice, 400)
    await audited(request, "sim_person", added.iin, "added a simulated person")
    raise web.HTTPSeeOther(f"/sim/person/{added.iin}")


# ---------------------------------------------------------------- life events


def _emitted(emit: Callable[[], actions.Emitted]) -> actions.Emitted:
    try:
        emitted = emit()
    except ValueError as error:  # actions.Rejected, or a record the registry will not take
        raise Refused(REFUSED, reason=describe(error)) from None
    if not emitted.created:
        raise Refused(ALREADY)
    return emitted


def _group(form: Form) -> int | None:
    text = _field(form, "group").lower()
    if text not in GROUPS:
        raise Refused(BAD_GROUP, value=text)
    return None if text == "none" else int(text)


def _cause(form: Form) -> Cause:
    text = _field(form, "cause")
    try:
        return Cause(text)
    except ValueError:
        raise Refused(BAD_CAUSE, value=text) from None


def _disability(form: Form) -> Disability:
    """The disability registry's record from the form, as `emit disability` takes it."""
    fields: dict[str, Any] = {
        "iin": _field(form, "iin"),
        "group": _group(form),
        "cause": _cause(form),
        "established_on": _date(form, "established"),
        "valid_until": _date(form, "valid_until", required=False),
        "representative_iin": _field(form, "representative") or None,
    }
    try:
        return Disability.model_validate(fields)
    except ValidationError as error:
        raise Refused(REFUSED, reason=describe(error)) from None


async def _offered_to(console: Console, subject: str, service: Service, event: int) -> str | None:
    """The phone the event's offer went to, if it went to one."""
    async with console.app.storage.unit_of_work() as uow:
        records = await uow.cases.about(subject, service)
    phones = [r.phone for r in records if r.event_id == event and r.phone is not None]
    return phones[0] if phones else None


async def _after_event(
    request: web.Request, form: Form, subject: str, service: Service, emitted: actions.Emitted
) -> web.StreamResponse:
    """The bot takes the event and its offer is delivered; the offer's phone, else back."""
    console = console_of(request)
    event = emitted.event
    what = f"emitted {event.kind.value} event {event.id}"
    await audited(request, "sim_event", subject, what)
    await _settle(console)
    phone = await _offered_to(console, subject, service, event.id)
    if phone is not None:
        raise web.HTTPSeeOther(_phone_path(phone))
    raise web.HTTPSeeOther(_back(form, "/sim/population"))


async def emit_disability(request: web.Request) -> web.StreamResponse:
    """Establish a disability; the bot offers the benefit."""
    console = console_of(request)
    form = await request.post()
    try:
        conn = _state(console)
        record = _disability(form)
        emitted = _emitted(lambda: actions.emit_disability(conn, record))
    except Refused as refused:
        return await _population(request, _field(form, "iin"), refused.notice, 400)
    return await _after_event(
        request, form, emitted.event.payload["iin"], Service.DISABILITY, emitted
    )


async def emit_death(request: web.Request) -> web.StreamResponse:
    """Register a death; the bot offers the burial payment to the declarant."""
    console = console_of(request)
    form = await request.post()
    deceased = _field(form, "iin")
    try:
        conn = _state(console)
        died = _date(form, "died")
        assert died is not None
        declarant = _field(form, "declarant")
        emitted = _emitted(lambda: actions.emit_death(conn, deceased, died, declarant))
    except Refused as refused:
        return await _population(request, deceased, refused.notice, 400)
    subject = emitted.event.payload["deceased_iin"]
    return await _after_event(request, form, subject, Service.BURIAL, emitted)


# ---------------------------------------------------------------- the phone simulator


@dataclass(frozen=True)
class Bubble:
    """One message of a phone's thread: received (with its encoding) or the citizen's own."""

    at: datetime
    mine: bool
    text: str
    encoding: str | None = None
    segments: int | None = None


async def _phones(
    request: web.Request, notice: Notice | None = None, status: int = 200, typed: str = ""
) -> web.Response:
    console = console_of(request)
    async with console.app.storage.unit_of_work() as uow:
        records = await uow.cases.all(limit=PHONES_LIMIT)
    counts: dict[str, int] = {}
    for record in records:  # newest first: the phones of the latest cases lead
        if record.phone is not None:
            counts[record.phone] = counts.get(record.phone, 0) + 1
    return page(
        request,
        "sim_phones.html",
        status=status,
        error=notice,
        typed=typed,
        phones=list(counts.items()),
        simulated=_gateway(console) is not None,
        not_simulated=Notice(NOT_SIMULATED),
    )


async def phones(request: web.Request) -> web.StreamResponse:
    """Pick a phone: by number, or one of the phones the bot has cases for."""
    typed = request.query.get("phone", "").strip()
    if not typed:
        return await _phones(request)
    try:
        phone = normalize_phone(typed)
    except InvalidPhone as error:
        return await _phones(
            request, Notice(BAD_PHONE, {"value": typed, "reason": str(error)}), 400, typed
        )
    raise web.HTTPSeeOther(_phone_path(phone))


async def _thread(
    request: web.Request,
    phone: str,
    notice: Notice | None = None,
    status: int = 200,
    draft: str = "",
) -> web.Response:
    """A phone's messages in time order, received ones with encoding and segments."""
    console = console_of(request)
    gateway = _gateway(console)
    if gateway is None:
        return await _phones(request, Notice(NOT_SIMULATED), 400)
    await audited(request, "view_phone", phone, "phone simulator")
    received = [
        Bubble(m.delivered_at, False, m.text, m.encoding, m.segments)
        for m in await gateway.inbox(phone)
    ]
    sent = [Bubble(m.received_at, True, m.text) for m in await gateway.sent_by(phone)]
    bubbles = sorted(received + sent, key=lambda b: b.at)  # stable: ties keep their order
    conn = console.registries
    owner = None if conn is None else population.by_phone(conn, phone)
    return page(
        request,
        "sim_phone.html",
        status=status,
        error=notice,
        phone=phone,
        owner=owner,
        bubbles=bubbles,
        draft=draft,
        remote=conn is None,
    )


def _phone_of(request: web.Request) -> str | Notice:
    typed = request.match_info["phone"]
    try:
        return normalize_phone(typed)
    except InvalidPhone as error:
        return Notice(BAD_PHONE, {"value": typed, "reason": str(error)})


async def thread(request: web.Request) -> web.StreamResponse:
    """The phone's thread and a reply form (viewing it is audited)."""
    phone = _phone_of(request)
    if isinstance(phone, Notice):
        return await _phones(request, phone, 400, request.match_info["phone"])
    if phone != request.match_info["phone"]:
        raise web.HTTPSeeOther(_phone_path(phone))
    return await _thread(request, phone)


async def reply(request: web.Request) -> web.StreamResponse:
    """The citizen sends an SMS; the bot handles it and its answer lands in the thread."""
    console = console_of(request)
    phone = _phone_of(request)
    if isinstance(phone, Notice):
        return await _phones(request, phone, 400, request.match_info["phone"])
    gateway = _gateway(console)
    if gateway is None:
        return await _phones(request, Notice(NOT_SIMULATED), 400)
    form = await request.post()
    text = form.get("text")
    text = text if isinstance(text, str) else ""
    try:
        await gateway.send_from(phone, text)
    except ValueError as error:
        return await _thread(request, phone, Notice(NOT_SENT, {"reason": str(error)}), 400, text)
    await audited(request, "sim_reply", phone, "sent an SMS from a simulated phone")
    await _settle(console)
    raise web.HTTPSeeOther(_phone_path(phone))


def _sim(method: str, path: str, handler: Handler, name: str) -> Route:
    """A tester route: SIMULATE, and only in simulation mode."""
    return Route(method, path, handler, Permission.SIMULATE, name, simulation_only=True)


ROUTES = [
    _sim("GET", "/sim", index, "sim"),
    _sim("POST", "/sim/clock", move_clock, "sim_clock"),
    _sim("POST", "/sim/faults", change_faults, "sim_faults"),
    _sim("GET", "/sim/population", population_page, "sim_population"),
    _sim("GET", "/sim/person/{iin}", person_page, "sim_person"),
    _sim("POST", "/sim/people", add_person, "sim_add_person"),
    _sim("POST", "/sim/events/disability", emit_disability, "sim_emit_disability"),
    _sim("POST", "/sim/events/death", emit_death, "sim_emit_death"),
    _sim("GET", "/sim/phone", phones, "sim_phones"),
    _sim("GET", "/sim/phone/{phone}", thread, "sim_phone"),
    _sim("POST", "/sim/phone/{phone}/reply", reply, "sim_reply"),
]
