"""The consent ledger: filtered and paged, exported as CSV, its chain checked, an IIN revealed.

IINs are shown masked. Filtering by an IIN is a view of a citizen's data and is audited, as
is every export; revealing a row's full IIN needs the REVEAL permission and a reason, and
is audited with that reason.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.instants import utc_text
from bot.ports import UnitOfWork
from bot.records import Channel, ConsentAct, ConsentRow, LedgerFilter
from bot.storage.verify import verify_stored
from bot.web.access import Permission, may
from bot.web.app_state import console_of
from bot.web.audit import MIN_REASON, audited, reason_given
from bot.web.render import catalog, language_of, mask_iin, mask_words, page
from bot.web.routing import Route
from bot.web.security import current
from bot.wording.texts import N_
from domain.calendar import ALMATY
from domain.identity import InvalidIin, parse_iin

PAGE_SIZE = 50
MAX_PAGE = 1_000_000  # beyond this an offset is nonsense (and SQLite's integers end)
FIELDS = ("since", "until", "service", "channel", "act", "iin")
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
SERVICES = {
    "burial": N_("one-time burial payment"),
    "disability": N_("state social benefit for disability"),
    "survivor": N_("state social benefit in case of loss of a breadwinner"),
}
CHANNELS = {Channel.SMS.value: "SMS", Channel.TELEGRAM.value: "Telegram"}  # names, not words
ACTS = {
    ConsentAct.OFFERED.value: N_("offered"),
    ConsentAct.REMINDED.value: N_("reminded"),
    ConsentAct.GIVEN.value: N_("consent given"),
    ConsentAct.REFUSED.value: N_("refused"),
    ConsentAct.WITHDRAWN.value: N_("withdrawn"),
    ConsentAct.EXPIRED.value: N_("expired"),
    ConsentAct.LINKED.value: N_("Telegram linked"),
    ConsentAct.UNLINKED.value: N_("Telegram unlinked"),
}
ACTORS = {"citizen": N_("citizen"), "system": N_("system")}  # else an operator's name
CSV_COLUMNS = (
    "seq",
    "at",
    "act",
    "channel",
    "case_id",
    "iin",
    "language",
    "template_id",
    "template_version",
    "text_hash",
    "raw_reply",
    "actor",
    "hash",
)
FORMULA = frozenset("=+-@")  # a cell starting so is a formula to a spreadsheet...

BAD_SINCE = N_("The start date must be a date like 2026-01-31.")
BAD_UNTIL = N_("The end date must be a date like 2026-01-31.")
BAD_RANGE = N_("The start date is after the end date.")
BAD_SERVICE = N_("Choose a service from the list.")
BAD_CHANNEL = N_("Choose a channel from the list.")
BAD_ACT = N_("Choose an act from the list.")
BAD_IIN = N_("The IIN is not valid: it is 12 digits, the last one a check digit.")
BAD_PAGE = N_("The page must be a whole number from 1.")
UNREADABLE_ROWS = N_("Some ledger rows could not be read: see the chain status above.")
SHORT_REASON = N_("Give a reason of at least %(n)s characters.")
BAD_SEQ = N_("There is no such ledger row.")


@dataclass(frozen=True)
class Query:
    """The ledger's filters as typed (to refill the form), as a filter, and what was wrong."""

    fields: dict[str, str]
    filter: LedgerFilter
    page: int
    errors: tuple[str, ...]  # msgids


def _start_of(text: str, *, next_day: bool = False) -> datetime | None:
    """00:00 in Almaty of a YYYY-MM-DD day (or of the day after), in UTC; None if not a day."""
    if not DAY.fullmatch(text):
        return None
    try:
        day = date.fromisoformat(text) + timedelta(days=1 if next_day else 0)
        return datetime.combine(day, time(), tzinfo=ALMATY).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _choice(text: str, allowed: Mapping[str, str], problem: str, errors: list[str]) -> str | None:
    if not text:
        return None
    if text not in allowed:
        errors.append(problem)
        return None
    return text


def parse_query(query: Mapping[str, str]) -> Query:
    """The ledger's filters from a query string; every problem as a msgid, never an error."""
    fields = {name: query.get(name, "").strip() for name in FIELDS}
    errors: list[str] = []
    since = until = None
    if fields["since"]:
        since = _start_of(fields["since"])
        if since is None:
            errors.append(BAD_SINCE)
    if fields["until"]:
        until = _start_of(fields["until"], next_day=True)
        if until is None:
            errors.append(BAD_UNTIL)
    if since is not None and until is not None and since >= until:
        errors.append(BAD_RANGE)
    service = _choice(fields["service"], SERVICES, BAD_SERVICE, errors)
    channel = _choice(fields["channel"], CHANNELS, BAD_CHANNEL, errors)
    act = _choice(fields["act"], ACTS, BAD_ACT, errors)
    iin = None
    if fields["iin"]:
        try:
            iin = parse_iin(fields["iin"]).value
        except InvalidIin:
            errors.append(BAD_IIN)
    number = 1
    text = query.get("page", "").strip()
    if text:
        if text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_PAGE:
            number = int(text)
        else:
            errors.append(BAD_PAGE)
    found = LedgerFilter(
        since=since, until=until, service=service, channel=channel, act=act, iin=iin
    )
    return Query(fields, found, number, tuple(errors))


def _href(path: str, fields: Mapping[str, str], page_number: int | None = None) -> str:
    """A link keeping the filters that were given."""
    params = [(name, value) for name, value in fields.items() if value]
    if page_number is not None and page_number > 1:
        params.append(("page", str(page_number)))
    return f"{path}?{urlencode(params)}" if params else path


async def chain_status(request: web.Request) -> tuple[list[str], int]:
    """The chain's problems in the bot's file (empty: intact) and how many rows it has."""
    app = console_of(request).app
    try:
        problems = await verify_stored(app.settings)
    except (OSError, sqlite3.Error) as error:
        problems = [f"the ledger could not be read: {error}"]
    async with app.storage.unit_of_work() as uow:
        _, rows = await uow.views.ledger(LedgerFilter(), 0, 0)
    return problems, rows


async def _show(request: web.Request, query: Query, status: int = 200) -> web.Response:
    problems, ledger_rows = await chain_status(request)
    rows: list[ConsentRow] = []
    total = 0
    errors = list(query.errors)
    if not errors:
        try:
            async with console_of(request).app.storage.unit_of_work() as uow:
                rows, total = await uow.views.ledger(
                    query.filter, (query.page - 1) * PAGE_SIZE, PAGE_SIZE
                )
        except ValueError:  # a row edited past reading: the chain status says which
            errors.append(UNREADABLE_ROWS)
        if query.filter.iin is not None and not errors:
            await audited(request, "view_ledger", query.filter.iin, "ledger filtered by IIN")
        elif not errors:  # citizens' rows, IINs masked: which page and filters, audited too
            what = f"ledger page {query.page} ({_described(query)}): {len(rows)} rows shown"
            await audited(request, "view_ledger", None, what)
    pages = max(1, -(-total // PAGE_SIZE))
    words = catalog(language_of(request))
    return page(
        request,
        "ledger.html",
        status=status,
        fields=query.fields,
        errors=[words.gettext(message) for message in errors],
        rows=rows,
        total=total,
        page_number=query.page,
        pages=pages,
        previous_href=(  # past the end: back to the last page
            _href("/ledger", query.fields, min(query.page - 1, pages)) if query.page > 1 else None
        ),
        next_href=_href("/ledger", query.fields, query.page + 1) if query.page < pages else None,
        csv_href=_href("/ledger.csv", query.fields),
        problems=problems,
        ledger_rows=ledger_rows,
        services=SERVICES,
        channels=CHANNELS,
        acts=ACTS,
        actors=ACTORS,
        may_reveal=may(current(request).operator.role, Permission.REVEAL),
        min_reason=MIN_REASON,
    )


async def ledger(request: web.Request) -> web.StreamResponse:
    """The ledger, filtered and paged, with the chain's status."""
    return await _show(request, parse_query(request.query))


def _formula_like(text: str) -> bool:
    """Whether a spreadsheet could read the text as a formula: its first character that is
    not a space, a line break or an invisible one is one of FORMULA (a full-width "＝" too),
    or it starts with a tab or a line break."""
    if text[:1] in ("\t", "\r", "\n"):
        return True
    for char in text:
        if char.isspace() or unicodedata.category(char)[0] == "C":
            continue
        return unicodedata.normalize("NFKC", char)[:1] in FORMULA
    return False


def _cell(value: Any) -> Any:
    """A spreadsheet shows a cell as text, never evaluates it as a formula."""
    if isinstance(value, str) and _formula_like(value):
        return "'" + value
    return value


def _described(query: Query) -> str:
    """The filters of an export, for the audit (the IIN masked: the subject holds it)."""
    used = [
        f"{name}={mask_iin(value) if name == 'iin' else value}"
        for name, value in query.fields.items()
        if value
    ]
    return ", ".join(used) if used else "no filters"


async def ledger_csv(request: web.Request) -> web.StreamResponse:
    """Every row matching the filters as CSV (UTF-8 with a BOM, for Excel), IINs masked, and
    the IINs and IBANs in citizens' replies."""
    query = parse_query(request.query)
    if query.errors:
        return await _show(request, query, status=400)
    try:
        async with console_of(request).app.storage.unit_of_work() as uow:
            rows, _ = await uow.views.ledger(query.filter, 0, None)
    except ValueError:
        return await _show(request, Query(query.fields, query.filter, 1, (UNREADABLE_ROWS,)), 400)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        entry = row.entry
        writer.writerow(
            _cell(value)
            for value in (
                row.seq,
                utc_text(entry.at),
                entry.act.value,
                entry.channel,
                entry.case_id or "",
                mask_iin(entry.iin),
                entry.language,
                entry.template_id,
                entry.template_version,
                row.text_hash,
                mask_words(entry.raw_reply),
                entry.actor,
                row.hash,
            )
        )
    await audited(
        request,
        "export_ledger",
        query.filter.iin,
        f"ledger exported as CSV ({_described(query)}): {len(rows)} rows",
    )
    response = web.Response(body=out.getvalue().encode("utf-8"))
    response.content_type = "text/csv"
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="consent-ledger.csv"'
    return response


async def find_row(uow: UnitOfWork, seq: int) -> ConsentRow | None:
    """A ledger row by its sequence number: rows are numbered 1, 2, 3..., so the newest row
    tells where to look; a ledger with gaps (tampered) is searched row by row."""
    newest, _ = await uow.views.ledger(LedgerFilter(), 0, 1)
    if not newest or not 1 <= seq <= newest[0].seq:
        return None
    guess, _ = await uow.views.ledger(LedgerFilter(), newest[0].seq - seq, 1)
    if guess and guess[0].seq == seq:
        return guess[0]
    return next((row for row in await uow.consents.rows() if row.seq == seq), None)


async def reveal(request: web.Request) -> web.StreamResponse:
    """A row's full IIN and the citizen's words as written, for a reason (`reason_given`),
    audited."""
    form = await request.post()
    text = str(form.get("seq", "")).strip()
    reason = str(form.get("reason", "")).strip()
    words = catalog(language_of(request))
    row = None
    if text.isascii() and text.isdigit() and len(text) <= 18:
        try:
            async with console_of(request).app.storage.unit_of_work() as uow:
                row = await find_row(uow, int(text))
        except ValueError:
            row = None
    if row is None:
        return page(
            request, "reveal.html", status=404, row=None, revealed=None, reason=reason,
            error=words.gettext(BAD_SEQ), acts=ACTS, min_reason=MIN_REASON,
        )  # fmt: skip
    if not reason_given(reason):
        return page(
            request, "reveal.html", status=400, row=row, revealed=None, reason=reason,
            error=words.gettext(SHORT_REASON) % {"n": MIN_REASON}, acts=ACTS,
            min_reason=MIN_REASON,
        )  # fmt: skip
    await audited(request, "reveal_iin", row.entry.iin, f"ledger row {row.seq}", reason)
    return page(
        request, "reveal.html", row=row, revealed=row.entry.iin, reason=reason, error=None,
        acts=ACTS, min_reason=MIN_REASON,
    )  # fmt: skip


ROUTES = [
    Route("GET", "/ledger", ledger, Permission.READ, "ledger"),
    Route("GET", "/ledger.csv", ledger_csv, Permission.READ, "ledger_csv"),
    Route("POST", "/reveal", reveal, Permission.REVEAL, "ledger_reveal"),
]
