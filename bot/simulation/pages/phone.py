"""Tester pages: a simulated phone. Pick a phone, read its SMS thread, reply as the citizen;
the bot answers and the answer lands in the thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from bot.simulation.pages.tester import (
    BAD_PHONE,
    NOT_SENT,
    NOT_SIMULATED,
    PHONES_LIMIT,
    Notice,
    person_href,
    phone_path,
    settle,
    sim,
    simulated_gateway,
)
from bot.web.app_state import console_of
from bot.web.audit import audited
from bot.web.render import page
from domain.phone import InvalidPhone, normalize_phone
from fake_registries import population

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
        simulated=simulated_gateway(console) is not None,
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
    raise web.HTTPSeeOther(phone_path(phone))


async def _thread(
    request: web.Request,
    phone: str,
    notice: Notice | None = None,
    status: int = 200,
    draft: str = "",
) -> web.Response:
    """A phone's messages in time order, received ones with encoding and segments."""
    console = console_of(request)
    gateway = simulated_gateway(console)
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
        owner_href=None if owner is None or conn is None else person_href(conn, owner),
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
        raise web.HTTPSeeOther(phone_path(phone))
    return await _thread(request, phone)


async def reply(request: web.Request) -> web.StreamResponse:
    """The citizen sends an SMS; the bot handles it and its answer lands in the thread."""
    console = console_of(request)
    phone = _phone_of(request)
    if isinstance(phone, Notice):
        return await _phones(request, phone, 400, request.match_info["phone"])
    gateway = simulated_gateway(console)
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
    await settle(console)
    raise web.HTTPSeeOther(phone_path(phone))


ROUTES = [
    sim("GET", "/sim/phone", phones, "sim_phones"),
    sim("GET", "/sim/phone/{phone}", thread, "sim_phone"),
    sim("POST", "/sim/phone/{phone}/reply", reply, "sim_reply"),
]
