"""Cases: the list (search, filters, pages) and one case's whole timeline on one page.

The timeline reads what the bot keeps (messages out and in, the consent rows, the journal,
the decision and its payment) and asks the registries for the event that started the case;
a registry that does not answer is said so, never a server error. The decision's signature
is checked on the spot, with the authorised person's key, as `python -m bot verify-decision`
does. IINs and IBANs are masked everywhere, free text included (a citizen may send an IBAN).
Also the helpers the review pages share: names of states and services, the simulated "now".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal
from urllib.parse import urlencode

from aiohttp import web
from pydantic import ValidationError

from bot.app import App
from bot.evidence.signing import SignedDecision, verify_decision
from bot.records import CaseFilter, CaseRecord, DecisionRecord, InboundMessage, OutboxMessage
from bot.registries.errors import RegistryError, Retriable
from bot.registries.facts import Event
from bot.service.decide import case_file
from bot.web.access import Permission, may
from bot.web.app_state import console_of
from bot.web.audit import MIN_REASON, audited, reason_given
from bot.web.render import language_of, mask_iban, mask_iin, mask_words, page
from bot.web.routing import Route
from bot.web.security import current
from bot.wording.texts import BENEFIT_NAMES, N_, ground_text, reason_text
from domain.benefits import BENEFITS
from domain.cases import PROCESSING, CaseState, is_overdue
from domain.identity import InvalidIin, parse_iin
from domain.model import ReasonCode, RefusalGround
from domain.parameters import Parameter
from domain.phone import InvalidPhone, normalize_phone
from domain.services.survivor import FamilyShare

PAGE_SIZE = 50
# the services' names in the lists and filters: each declared benefit's brief name
SERVICE_NAMES: dict[str, str] = {b.service.value: BENEFIT_NAMES[b.service].brief for b in BENEFITS}
STATE_NAMES: dict[str, str] = {
    CaseState.NOT_OFFERED.value: N_("not offered"),
    CaseState.NO_CONTACT.value: N_("no contact"),
    CaseState.OFFERED.value: N_("offered"),
    CaseState.AWAITING_ACCOUNT.value: N_("awaiting the account"),
    CaseState.REGISTERED.value: N_("registered"),
    CaseState.NOT_ACCEPTED.value: N_("not accepted"),
    CaseState.UNDER_REVIEW.value: N_("under review"),
    CaseState.ASSIGNED.value: N_("assigned"),
    CaseState.REFUSED.value: N_("refused"),
    CaseState.DECLINED.value: N_("declined"),
    CaseState.WITHDRAWN.value: N_("withdrawn"),
    CaseState.EXPIRED.value: N_("expired"),
}
REGISTRY_UNAVAILABLE = N_("registry unavailable")
REASON_LANGUAGES = ("kk", "ru")  # the languages reason texts exist in; otherwise Russian

_PHONE_LIKE = re.compile(r"\+?[\d ()\-]{10,20}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}.*")


# ---------------------------------------------------------------- shared helpers


async def world_now(app: App) -> datetime | None:
    """The bot's "now" (in simulation the registries' world clock); None when unreadable."""
    try:
        return await app.clock.now()
    except Retriable:
        return None


def past_due(record: CaseRecord, now: datetime) -> bool:
    """Undecided and past the decision term: the rule of `python -m bot cases --overdue`."""
    return is_overdue(record.case, now)


def reason_language(request: web.Request) -> str:
    """The language of reason texts: the interface's when kk or ru, else Russian."""
    lang = language_of(request)
    return lang if lang in REASON_LANGUAGES else "ru"


def case_href(case_id: str) -> str:
    """The path of a case's page."""
    return f"/cases/{case_id}"


# ---------------------------------------------------------------- the list


SearchKind = Literal["none", "iin", "phone", "text"]


@dataclass(frozen=True)
class Search:
    """What the search box asks the store for, and what kind of term it was."""

    term: str | None
    kind: SearchKind


def parse_search(text: str) -> Search:
    """An IIN, a phone (any usual writing, as E.164), else a case id prefix or a code."""
    text = text.strip()
    if not text:
        return Search(None, "none")
    try:
        return Search(parse_iin(text).value, "iin")
    except InvalidIin:
        pass
    if _PHONE_LIKE.fullmatch(text) and sum(ch.isdigit() for ch in text) >= 10:
        try:
            return Search(normalize_phone(text), "phone")
        except InvalidPhone:
            pass
    return Search(text.lower(), "text")


def _page_number(text: str) -> int | None:
    """A page number from the query: a positive whole number, else None."""
    if not text.isdigit() or len(text) > 6:
        return None
    number = int(text)
    return number if number >= 1 else None


def _href(q: str, state: str, service: str, number: int) -> str:
    """The list's path with its filters and a page."""
    params = {"q": q, "state": state, "service": service}
    kept = {key: value for key, value in params.items() if value}
    if number > 1:
        kept["page"] = str(number)
    return "/cases" + (f"?{urlencode(kept)}" if kept else "")


async def list_cases(request: web.Request) -> web.StreamResponse:
    """Cases, newest first, 50 a page: searched, filtered by state and service."""
    query = request.query
    q = query.get("q", "").strip()
    state = query.get("state", "").strip()
    service = query.get("service", "").strip()
    errors: list[str] = []
    if state and state not in STATE_NAMES:
        errors.append(N_("Unknown state."))
    if service and service not in SERVICE_NAMES:
        errors.append(N_("Unknown service."))
    if len(q) > 64:
        errors.append(N_("The search is too long."))
    number = _page_number(query.get("page", "1").strip() or "1")
    if number is None:
        errors.append(N_("The page must be a whole number from 1."))
    context: dict[str, Any] = {
        "q": q,
        "state": state,
        "service": service,
        "state_names": STATE_NAMES,
        "service_names": SERVICE_NAMES,
        "case_href": case_href,
        "searched": None,
    }
    if errors or number is None:
        return page(
            request,
            "cases.html",
            status=400,
            errors=errors,
            records=[],
            total=0,
            page_number=1,
            pages=1,
            previous=None,
            following=None,
            **context,
        )
    search = parse_search(q)
    if search.kind in ("iin", "phone"):
        await audited(request, "search_cases", search.term, f"searched cases by {search.kind}")
        context["q"] = ""  # not echoed: the page shows personal data masked only
        context["searched"] = (search.kind, search.term)
    wanted = CaseFilter(search=search.term, state=state or None, service=service or None)
    async with console_of(request).app.storage.unit_of_work() as uow:
        records, total = await uow.views.cases(wanted, (number - 1) * PAGE_SIZE, PAGE_SIZE)
    if search.kind not in ("iin", "phone"):  # citizens' cases, masked: the view is audited
        used = ", ".join(f"{k}={v}" for k, v in (("q", mask_words(q)), ("state", state),
                                                  ("service", service)) if v)  # fmt: skip
        what = f"cases page {number} ({used or 'no filters'}): {len(records)} shown"
        await audited(request, "view_cases", None, what)
    pages = max(1, -(-total // PAGE_SIZE))
    previous = _href(q, state, service, number - 1) if number > 1 else None
    following = _href(q, state, service, number + 1) if number * PAGE_SIZE < total else None
    return page(
        request,
        "cases.html",
        errors=[],
        records=records,
        total=total,
        page_number=number,
        pages=pages,
        previous=previous,
        following=following,
        **context,
    )


# ---------------------------------------------------------------- the case file as tables


Cell = tuple[str, Any]  # (kind, value); kind: "text", "date", "moment", "yes", "no", "none"


@dataclass(frozen=True)
class FileTable:
    """One section of a case file: label/value fields, or a table of like items."""

    title: str
    fields: list[tuple[str, Cell]]
    columns: list[str]
    rows: list[list[Cell]]


def _label(key: str) -> str:
    return key.replace("_", " ")


def _joined(title: str, key: str) -> str:
    return f"{title} › {_label(key)}" if title else _label(key)


def _moment(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _text_cell(key: str, value: str) -> Cell:
    name = key.lower()
    if name == "iin" or name.endswith("_iin"):
        return ("text", mask_iin(value))
    if name in ("iban", "account") or name.endswith(("_iban", "_account")):
        return ("text", mask_iban(value))
    if _ISO_DATE.fullmatch(value):
        try:
            return ("date", date.fromisoformat(value))
        except ValueError:
            return ("text", value)
    if _ISO_MOMENT.fullmatch(value) and (moment := _moment(value)) is not None:
        return ("moment", moment)
    return ("text", mask_words(value))


def _cell(key: str, value: Any) -> Cell:
    """A value of the case file as shown: dates and moments formatted, personal data masked."""
    if value is None or value in ([], {}):
        return ("none", "")
    if isinstance(value, bool):
        return ("yes" if value else "no", "")
    if isinstance(value, str):
        return _text_cell(key, value)
    if isinstance(value, list | tuple):
        return ("text", ", ".join(str(_cell(key, item)[1]) for item in value))
    if isinstance(value, Mapping):
        parts = (f"{_label(k)}: {_cell(k, v)[1]}" for k, v in value.items())
        return ("text", "; ".join(parts))
    return ("text", mask_words(str(value)))


def _items(title: str, items: Sequence[Mapping[str, Any]]) -> FileTable:
    columns: list[str] = []
    for item in items:
        columns.extend(key for key in item if key not in columns)
    rows = [[_cell(key, item.get(key)) for key in columns] for item in items]
    return FileTable(title, [], [_label(key) for key in columns], rows)


def file_tables(data: Mapping[str, Any], title: str = "") -> list[FileTable]:
    """A case file (its JSON) as sections: the fields of each level, then its parts, and each
    list of items (payments, dependents, checks, parameters) as a table."""
    fields: list[tuple[str, Cell]] = []
    parts: list[FileTable] = []
    for key, value in data.items():
        if isinstance(value, Mapping) and value:
            parts.extend(file_tables(value, _joined(title, key)))
        elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            parts.append(_items(_joined(title, key), value))
        else:
            fields.append((_label(key), _cell(key, value)))
    head = [FileTable(title, fields, [], [])] if fields else []
    return head + parts


# ---------------------------------------------------------------- the decision


@dataclass(frozen=True)
class ReasonView:
    """One refusal reason: its words, its ground and its legal basis."""

    code: str
    text: str
    ground: str
    basis: str


@dataclass(frozen=True)
class OfferView:
    """What pre-screening found: the offer's terms (what a consent on the offer's day would
    be decided), or why the case was not offered; for a survivor case, the family's shares."""

    offered: bool
    amount: Decimal | None
    start: date | None
    periodicity: str | None
    parameters: list[Parameter]
    family: FamilyShare | None
    reasons: list[ReasonView]
    screened_at: datetime


def offer_view(record: CaseRecord, lang: str) -> OfferView | None:
    """The case's screening as operators read it; None for a case opened before screening."""
    terms = record.terms
    if terms is None:
        return None
    return OfferView(
        offered=record.case.state is not CaseState.NOT_OFFERED,
        amount=terms.amount,
        start=terms.start,
        periodicity=None if terms.periodicity is None else terms.periodicity.value,
        parameters=list(terms.parameters),
        family=terms.family,
        reasons=[_reason(r.model_dump(mode="json"), lang) for r in terms.reasons],
        screened_at=terms.decided_at,
    )


@dataclass(frozen=True)
class DecisionView:
    """A decision as signed, and what its signature check found (nothing: valid)."""

    record: DecisionRecord
    outcome: str
    amount: Decimal | None
    start: date | None
    periodicity: str | None
    basis: str
    reasons: list[ReasonView]
    family: FamilyShare | None
    signer: str
    key_id: str
    problems: list[str]

    @property
    def valid(self) -> bool:
        """Whether the signature verifies over the stored case file, by the right key."""
        return not self.problems


def _decimal(value: Any) -> Decimal | None:
    try:
        return None if value is None else Decimal(str(value))
    except InvalidOperation:
        return None


def _date(value: Any) -> date | None:
    try:
        return None if value is None else date.fromisoformat(str(value))
    except ValueError:
        return None


def _reason(item: Any, lang: str) -> ReasonView:
    found: Mapping[str, Any] = item if isinstance(item, Mapping) else {}
    code, ground = str(found.get("code", "")), str(found.get("ground", ""))
    try:
        text = reason_text(ReasonCode(code), lang)
    except ValueError:
        text = code
    try:
        ground_words = ground_text(RefusalGround(ground), lang)
    except ValueError:
        ground_words = ground
    return ReasonView(code, text, ground_words, str(found.get("basis", "")))


def _family(value: Any) -> FamilyShare | None:
    """A signed decision's family shares, when it has readable ones."""
    try:
        return None if value is None else FamilyShare.model_validate(value)
    except ValidationError:
        return None


def decision_view(app: App, record: DecisionRecord, lang: str) -> DecisionView:
    """The decision as signed, its signature checked with the authorised person's key."""
    try:
        signed = SignedDecision.model_validate(record.signed)
    except ValidationError:
        unread = ["the signed decision cannot be read"]
        return DecisionView(record, record.outcome, None, None, None, "", [], None, "", "", unread)
    key = app.decider.signer.public_key_hex  # the authorised person's own key, not any
    problems = verify_decision(signed, record.case_file, public_key_hex=key)
    decided = signed.decision
    reasons = decided.get("reasons") or []
    return DecisionView(
        record=record,
        outcome=str(decided.get("outcome", record.outcome)),
        amount=_decimal(decided.get("amount")),
        start=_date(decided.get("start")),
        periodicity=None if decided.get("periodicity") is None else str(decided["periodicity"]),
        basis=str(decided.get("basis", "")),
        reasons=[_reason(item, lang) for item in reasons] if isinstance(reasons, list) else [],
        family=_family(decided.get("family")),
        signer=signed.signature.signer,
        key_id=signed.signature.key_id,
        problems=problems,
    )


# ---------------------------------------------------------------- the timeline


@dataclass(frozen=True)
class Said:
    """One message of the conversation: the bot's (outgoing) or the citizen's (incoming)."""

    at: datetime
    outgoing: OutboxMessage | None = None
    incoming: InboundMessage | None = None


async def started_by(app: App, record: CaseRecord) -> tuple[Event | None, str | None]:
    """The registry event that started a case, or why it cannot be shown."""
    try:
        found = await app.registries.events_after(record.event_id - 1, limit=1)
    except Retriable:
        return None, REGISTRY_UNAVAILABLE
    except RegistryError:
        return None, N_("The registry does not give this event.")
    if not found or found[0].id != record.event_id:
        return None, N_("The registry does not give this event.")
    return found[0], None


async def case_page(
    request: web.Request,
    case_id: str,
    *,
    status: int = 200,
    error: str | None = None,
    detail: str | None = None,
    revealed: tuple[str, str] | None = None,
) -> web.Response:
    """One case's timeline, audited; `error` (a msgid) and `detail` say why an act failed;
    `revealed` is (the account's full IBAN, the reason given) after a reveal."""
    app = console_of(request).app
    async with app.storage.unit_of_work() as uow:
        record = await uow.cases.get(case_id)
        if record is None:
            return page(request, "case.html", status=404, record=None, case_id=case_id)
        sent = await uow.outbox.for_case(case_id)
        replies = await uow.views.inbound_for_case(case_id)
        rows = await uow.consents.rows(record.addressee_iin)
        consents = [row for row in rows if row.entry.case_id == case_id]
        number = await uow.journal.number_of(case_id)
        decision = await uow.decisions.get(case_id)
        payments = await uow.payments.for_case(case_id)
        live: list[FileTable] | None = None
        file_problem: str | None = None
        if decision is None and record.case.state in PROCESSING and record.case.consent_at:
            try:  # what a decision would rest on now, as `python -m bot review show` shows it
                file = await case_file(uow, app.registries, record)
                live = file_tables(file.model_dump(mode="json"))
            except RegistryError:
                file_problem = REGISTRY_UNAVAILABLE
    await audited(request, "view_case", case_id, "case timeline")
    event, event_problem = await started_by(app, record)
    now = await world_now(app)
    lang = reason_language(request)
    conversation = sorted(
        [Said(m.created_at, outgoing=m) for m in sent]
        + [Said(m.received_at, incoming=m) for m in replies],
        key=lambda said: (said.at, said.outgoing is not None),  # a reply, then the answer
    )
    decide = record.case.state is CaseState.UNDER_REVIEW and may(
        current(request).operator.role, Permission.DECIDE
    )
    return page(
        request,
        "case.html",
        status=status,
        record=record,
        case_id=case_id,
        event=event,
        event_problem=event_problem,
        conversation=conversation,
        consents=consents,
        application=number,
        decision=None if decision is None else decision_view(app, decision, lang),
        offer=offer_view(record, lang),
        signed_file=None if decision is None else file_tables(decision.case_file),
        live_file=live,
        file_problem=file_problem,
        payments=payments,
        now=now,
        overdue=now is not None and past_due(record, now),
        can_decide=decide,
        can_reveal=may(current(request).operator.role, Permission.REVEAL),
        revealed=revealed,
        min_reason=MIN_REASON,
        reasons=[(code.value, reason_text(code, lang)) for code in ReasonCode],
        error=error,
        detail=detail,
        state_names=STATE_NAMES,
        service_names=SERVICE_NAMES,
    )


async def show_case(request: web.Request) -> web.StreamResponse:
    """GET /cases/{case_id}."""
    return await case_page(request, request.match_info["case_id"])


SHORT_REASON = N_("The account is shown in full only for a reason of at least 10 characters.")


async def reveal_iban(request: web.Request) -> web.StreamResponse:
    """The case's account in full, for a reason (`reason_given`), audited."""
    case_id = request.match_info["case_id"]
    form = await request.post()
    reason = str(form.get("reason", "")).strip()
    async with console_of(request).app.storage.unit_of_work() as uow:
        record = await uow.cases.get(case_id)
    if record is None:
        return await case_page(request, case_id)
    account = record.case.account or record.case.account_on_file
    if not reason_given(reason) or account is None:
        return await case_page(request, case_id, status=400, error=SHORT_REASON)
    await audited(
        request, "reveal_iban", record.addressee_iin, f"account of case {case_id}", reason
    )
    return await case_page(request, case_id, revealed=(account.compact, reason))


ROUTES = [
    Route("GET", "/cases", list_cases, Permission.READ, "cases"),
    Route("GET", "/cases/{case_id}", show_case, Permission.READ, "case"),
    Route("POST", "/cases/{case_id}/reveal-iban", reveal_iban, Permission.REVEAL, "reveal_iban"),
]
