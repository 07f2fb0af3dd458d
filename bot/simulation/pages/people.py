"""Tester pages: the population registry searched, a person's page, people added, and life
events (a disability established, a death registered) emitted as the registries would."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from aiohttp import web
from pydantic import ValidationError

from bot.registries.facts import Death, Disability, Kin, Person
from bot.simulation.pages.tester import (
    ALREADY,
    BAD_CAUSE,
    BAD_GROUP,
    BAD_LANGUAGE,
    BAD_SEX,
    GROUPS,
    NAME_NEEDED,
    NO_FREE_IIN,
    NO_SUCH_PERSON,
    REF,
    REFUSED,
    RELATIONS,
    REMOTE,
    SEARCH_LIMIT,
    Form,
    Notice,
    Refused,
    back_to,
    date_field,
    field_text,
    person_href,
    phone_path,
    refs,
    registries_of,
    resolved,
    settle,
    sim,
)
from bot.web.app_state import Console, console_of
from bot.web.audit import audited
from bot.web.pages.cases import case_href
from bot.web.render import mask_words, page
from bot.wording.texts import CAUSES
from domain.calendar import local_date
from domain.cases import CaseState
from domain.identity import SERIAL_MAX, Sex, make_iin
from domain.model import Service
from domain.phone import InvalidPhone, normalize_phone
from domain.services.disability import Cause
from fake_registries import actions, civil, disability, population
from fake_registries import clock as world_clock
from fake_registries.cli.common import (
    describe,
)

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
    """People by reference, phone, IIN (its start) or name."""
    found: list[Person] = []
    if REF.fullmatch(text):
        text = resolved(conn, text)
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
    if found:  # people's data were shown (IINs masked): whose, it says how many
        what = f"population searched ({_described(query)}): {len(found)} shown"
        await audited(request, "view_population", None, what)
    return page(
        request,
        "sim_population.html",
        status=status,
        error=notice,
        remote=conn is None,
        remote_notice=Notice(REMOTE),
        query=query,
        found=found,
        refs={} if conn is None else refs(conn, [r.person for r in found]),
        limit=SEARCH_LIMIT,
        today=today,
        groups=GROUPS,
        causes=CAUSES,
        back=request.path_qs if request.method == "GET" else "/sim/population",
    )


def _described(query: str) -> str:
    """A search as the audit keeps it: an IIN in it masked."""
    return f"for {mask_words(query)!r}" if query else "no text"


async def population_page(request: web.Request) -> web.StreamResponse:
    """Search the population registry; each person with the events a tester can emit."""
    return await _population(request, request.query.get("q", "").strip())


async def person_page(request: web.Request) -> web.StreamResponse:
    """One person in full (the IIN too: simulation data), their kin, and the event forms."""
    console = console_of(request)
    conn = console.registries
    if conn is None:
        return await _population(request, "", Notice(REMOTE), 400)
    iin = resolved(conn, request.match_info["person"])
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
        refs=refs(conn, [person, *(k.person for k, _ in kin)]),
        relations=RELATIONS,
        today=local_date(world_clock.now(conn)),
        groups=GROUPS,
        causes=CAUSES,
        back=request.path,
    )


def _names(form: Form) -> tuple[str, str, str | None]:
    surname, name = field_text(form, "surname"), field_text(form, "name")
    if not surname or not name:
        raise Refused(NAME_NEEDED)
    return surname, name, field_text(form, "patronymic") or None


def _sex(form: Form) -> Sex:
    sex = field_text(form, "sex")
    if sex == "M":
        return "M"
    if sex == "F":
        return "F"
    raise Refused(BAD_SEX)


def _language(form: Form) -> Literal["kk", "ru"] | None:
    language = field_text(form, "language")
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
    born = date_field(form, "birth")
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
            region=field_text(form, "region") or "Almaty",
            phone=field_text(form, "phone") or None,
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
        added = _new_person(registries_of(console), form)
    except Refused as refused:
        return await _population(request, field_text(form, "q"), refused.notice, 400)
    await audited(request, "sim_person", added.iin, "added a simulated person")
    raise web.HTTPSeeOther(person_href(registries_of(console), added))


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
    text = field_text(form, "group").lower()
    if text not in GROUPS:
        raise Refused(BAD_GROUP, value=text)
    return None if text == "none" else int(text)


def _cause(form: Form) -> Cause:
    text = field_text(form, "cause")
    try:
        return Cause(text)
    except ValueError:
        raise Refused(BAD_CAUSE, value=text) from None


def _disability(conn: sqlite3.Connection, form: Form) -> Disability:
    """The disability registry's record from the form, as `emit disability` takes it."""
    fields: dict[str, Any] = {
        "iin": resolved(conn, field_text(form, "iin")),
        "group": _group(form),
        "cause": _cause(form),
        "established_on": date_field(form, "established"),
        "valid_until": date_field(form, "valid_until", required=False),
        "representative_iin": field_text(form, "representative") or None,
    }
    try:
        return Disability.model_validate(fields)
    except ValidationError as error:
        raise Refused(REFUSED, reason=describe(error)) from None


async def _shown_after(console: Console, subject: str, service: Service, event: int) -> str | None:
    """Where the event's case is seen: the phone its offer went to; the case's page when it
    was not offered (pre-screening: the page says why); None when neither applies."""
    async with console.app.storage.unit_of_work() as uow:
        records = [r for r in await uow.cases.about(subject, service) if r.event_id == event]
    for record in records:
        if record.case.state is CaseState.NOT_OFFERED:
            return case_href(record.case.id)
        if record.phone is not None:
            return phone_path(record.phone)
    return None


async def _after_event(
    request: web.Request, form: Form, subject: str, service: Service, emitted: actions.Emitted
) -> web.StreamResponse:
    """The bot takes the event and its offer is delivered; the offer's phone (or the case not
    offered), else back."""
    console = console_of(request)
    event = emitted.event
    what = f"emitted {event.kind.value} event {event.id}"
    await audited(request, "sim_event", subject, what)
    await settle(console)
    shown = await _shown_after(console, subject, service, event.id)
    raise web.HTTPSeeOther(shown or back_to(form, "/sim/population"))


async def emit_disability(request: web.Request) -> web.StreamResponse:
    """Establish a disability; the bot offers the benefit."""
    console = console_of(request)
    form = await request.post()
    try:
        conn = registries_of(console)
        record = _disability(conn, form)
        emitted = _emitted(lambda: actions.emit_disability(conn, record))
    except Refused as refused:
        return await _population(request, field_text(form, "iin"), refused.notice, 400)
    return await _after_event(
        request, form, emitted.event.payload["iin"], Service.DISABILITY, emitted
    )


async def emit_death(request: web.Request) -> web.StreamResponse:
    """Register a death; the bot offers the burial payment to the declarant."""
    console = console_of(request)
    form = await request.post()
    deceased = field_text(form, "iin")
    try:
        conn = registries_of(console)
        deceased = resolved(conn, deceased)
        died = date_field(form, "died")
        assert died is not None
        declarant = field_text(form, "declarant")
        emitted = _emitted(lambda: actions.emit_death(conn, deceased, died, declarant))
    except Refused as refused:
        return await _population(request, deceased, refused.notice, 400)
    subject = emitted.event.payload["deceased_iin"]
    return await _after_event(request, form, subject, Service.BURIAL, emitted)


ROUTES = [
    sim("GET", "/sim/population", population_page, "sim_population"),
    sim("GET", "/sim/person/{person}", person_page, "sim_person"),
    sim("POST", "/sim/people", add_person, "sim_add_person"),
    sim("POST", "/sim/events/disability", emit_disability, "sim_emit_disability"),
    sim("POST", "/sim/events/death", emit_death, "sim_emit_death"),
]
