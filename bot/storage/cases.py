"""Cases and citizens in SQLite.

Within its unit of work each store remembers what it read and wrote, and what it knows in
full (every case of a phone, every case of an event), so asking again costs no trip; what it
does not know it reads, after the unit of work's deferred writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from bot.instants import utc_text
from bot.records import CaseRecord, Citizen, LanguageSource
from bot.storage.codec import case_from_row, case_to_json, citizen_from_row, column, keys
from bot.storage.session import Row, Session
from domain.cases import OPEN, Case, CaseState
from domain.model import Language, Service

_INSERT = (
    "INSERT INTO cases (id, event_id, service, subject_iin, addressee_iin, phone, code,"
    " state, created_at, amount, monthly, terms, received_for, subject_name, body)"
    " VALUES (:id, :event_id, :service, :subject_iin, :addressee_iin, :phone, :code, :state,"
    " :created_at, :amount, :monthly, :terms, :received_for, :subject_name, :body)"
    " ON CONFLICT (event_id, service, addressee_iin) DO NOTHING"
)
_UPDATE = "UPDATE cases SET body = ?, state = ? WHERE id = ?"
NEW_ROWS = 1 << 62  # the order of cases added in this unit of work: after every stored rowid


def _params(record: CaseRecord) -> dict[str, object]:
    case = record.case
    return {
        "id": case.id,
        "event_id": record.event_id,
        "service": column(case.service),
        "subject_iin": record.subject_iin,
        "addressee_iin": record.addressee_iin,
        "phone": record.phone,
        "code": record.code,
        "state": column(case.state),
        "created_at": utc_text(record.created_at),
        "amount": None if record.offered_amount is None else str(record.offered_amount),
        "monthly": int(record.monthly),
        "terms": None if record.terms is None else record.terms.model_dump_json(),
        "received_for": json.dumps(list(record.received_for)),
        "subject_name": record.subject_name,
        "body": case_to_json(case),
    }


class SqlCaseStore:
    """Cases: one per (event, service, addressee); the Case itself kept as JSON."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._by_id: dict[str, CaseRecord] = {}
        self._order: dict[str, int] = {}  # rowid, or NEW_ROWS + n for a case added here
        self._phones: dict[str, list[str]] = {}  # every case id of these phones
        self._events: dict[int, set[tuple[str, str]]] = {}  # every (service, addressee) so

    def _locked(self) -> str:
        """PostgreSQL: the cases read are locked until the transaction ends, in the order of
        their ids (two units of work on one case take turns; on different cases neither
        waits). SQLite's one writer needs nothing."""
        return " ORDER BY id FOR UPDATE" if self._session.dialect == "postgresql" else ""

    def _known(self, rows: Iterable[Row]) -> list[CaseRecord]:
        """Rows read (after this unit of work's writes were sent) as records, remembered."""
        found = []
        for row in rows:
            record = case_from_row(row)
            case_id = record.case.id
            self._by_id.setdefault(case_id, record)  # the same, or what was saved since
            self._order.setdefault(case_id, row["rowid"])
            found.append(self._by_id[case_id])
        return found

    async def prefetch(
        self,
        *,
        ids: Sequence[str] = (),
        phones: Sequence[str] = (),
        event_ids: Sequence[int] = (),
    ) -> None:
        """Read ahead these cases, and every case of these phones and events, in one query."""
        ids = [i for i in ids if i not in self._by_id]
        phones = [p for p in phones if p not in self._phones]
        event_ids = [e for e in event_ids if e not in self._events]
        if not ids and not phones and not event_ids:
            return
        rows = await self._session.rows(
            "SELECT rowid, * FROM cases WHERE id IN (SELECT value FROM json_each(?))"
            " OR phone IN (SELECT value FROM json_each(?))"
            " OR event_id IN (SELECT CAST(value AS BIGINT) FROM json_each(?))" + self._locked(),
            (keys(ids), keys(phones), keys(event_ids)),
        )
        for phone in phones:
            self._phones[phone] = []
        for event_id in event_ids:
            self._events[event_id] = set()
        for record in self._known(rows):
            self._index(record, phones, event_ids)

    def _index(self, record: CaseRecord, phones: Sequence[str], events: Sequence[int]) -> None:
        if record.phone in phones and record.phone is not None:
            self._phones[record.phone].append(record.case.id)
        if record.event_id in events:
            self._events[record.event_id].add((record.case.service.value, record.addressee_iin))

    async def add(self, record: CaseRecord) -> bool:
        """Add a case; False when one exists for the same (event, service, addressee)."""
        known = self._events.get(record.event_id)
        key = (record.case.service.value, record.addressee_iin)
        if known is not None:
            if key in known:
                return False
            known.add(key)
            self._session.defer("cases", _INSERT, _params(record), expect=1)
        elif await self._session.run(_INSERT, _params(record)) != 1:
            return False
        case_id = record.case.id
        self._by_id[case_id] = record
        self._order[case_id] = NEW_ROWS + len(self._order)
        if record.phone is not None and record.phone in self._phones:
            self._phones[record.phone].append(case_id)
        return True

    async def get(self, case_id: str) -> CaseRecord | None:
        """A case by id."""
        if case_id not in self._by_id:
            found = self._known(
                await self._session.rows(
                    "SELECT rowid, * FROM cases WHERE id = ?" + self._locked(), (case_id,)
                )
            )
            return found[0] if found else None
        return self._by_id[case_id]

    async def open_for_phone(self, phone: str) -> list[CaseRecord]:
        """Cases of a phone still waiting for the citizen (offered, awaiting_account), oldest
        first."""
        return [r for r in reversed(await self.for_phone(phone)) if r.case.state in OPEN]

    async def for_phone(self, phone: str) -> list[CaseRecord]:
        """Every case of a phone, newest first."""
        if phone not in self._phones:
            await self.prefetch(phones=[phone])
        records = [self._by_id[case_id] for case_id in self._phones[phone]]
        return sorted(records, key=lambda r: (r.created_at, self._order[r.case.id]), reverse=True)

    async def save(self, case: Case) -> None:
        """Store the case's new state (the record's other fields do not change); a case never
        added is refused (`StaleWrite`, a LookupError) when the write is sent."""
        self._session.defer(
            "cases", _UPDATE, (case_to_json(case), column(case.state), case.id), expect=1
        )
        known = self._by_id.get(case.id)
        if known is not None:
            self._by_id[case.id] = known.model_copy(update={"case": case})

    async def all(self, limit: int = 1000) -> list[CaseRecord]:
        """Cases, newest first."""
        rows = await self._session.rows(
            "SELECT rowid, * FROM cases ORDER BY created_at DESC, rowid DESC LIMIT ?", (limit,)
        )
        return self._known(rows)

    async def count(self) -> int:
        """How many cases there are."""
        row = await self._session.row("SELECT count(*) AS n FROM cases")
        return 0 if row is None else int(row["n"])

    async def in_states(self, states: frozenset[CaseState]) -> list[CaseRecord]:
        """Every case in one of these states, oldest first (the state column is indexed)."""
        names = sorted(state.value for state in states)
        marks = ", ".join("?" for _ in names)
        rows = await self._session.rows(
            f"SELECT rowid, * FROM cases WHERE state IN ({marks}) ORDER BY created_at, rowid",
            names,
        )
        return self._known(rows)

    async def about(self, subject_iin: str, service: Service) -> list[CaseRecord]:
        """Every case of a service about one person (e.g. one deceased), oldest first."""
        rows = await self._session.rows(
            "SELECT rowid, * FROM cases WHERE subject_iin = ? AND service = ?"
            " ORDER BY created_at, rowid",
            (subject_iin, service.value),
        )
        return self._known(rows)


_CITIZEN = "iin, phone, language, language_source, nonsense_count"  # not PostgreSQL's rowid

_UPSERT_CITIZEN = (
    "INSERT INTO citizens (iin, phone, language, language_source, nonsense_count)"
    " VALUES (:iin, :phone, :language, :language_source, :nonsense_count)"
    " ON CONFLICT (iin) DO UPDATE SET phone = excluded.phone,"
    " language = excluded.language, language_source = excluded.language_source,"
    " nonsense_count = excluded.nonsense_count"
)
_REMEMBER = (
    "INSERT INTO citizens (iin, phone, language, language_source, nonsense_count)"
    " VALUES (?, ?, ?, ?, 0) ON CONFLICT (iin) DO UPDATE SET phone = excluded.phone"
)


class SqlCitizenStore:
    """Citizens by IIN, found by phone too. Within its unit of work it remembers who it read
    or wrote (a step reads its citizen for the reply, then again for the answer's language)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._seen: dict[str, Citizen | None] = {}

    async def prefetch(self, iins: Sequence[str]) -> None:
        """Read ahead these citizens, in one query."""
        wanted = [iin for iin in iins if iin not in self._seen]
        if not wanted:
            return
        rows = await self._session.rows(
            f"SELECT {_CITIZEN} FROM citizens WHERE iin IN (SELECT value FROM json_each(?))",
            (keys(wanted),),
        )
        self._seen.update(dict.fromkeys(wanted))
        self._seen.update((row["iin"], citizen_from_row(row)) for row in rows)

    async def get(self, iin: str) -> Citizen | None:
        """A citizen by IIN."""
        if iin not in self._seen:
            row = await self._session.row(f"SELECT {_CITIZEN} FROM citizens WHERE iin = ?", (iin,))
            self._seen[iin] = None if row is None else citizen_from_row(row)
        return self._seen[iin]

    async def by_phone(self, phone: str) -> Citizen | None:
        """A citizen by phone (the first saved, should several share it)."""
        row = await self._session.row(
            f"SELECT {_CITIZEN} FROM citizens WHERE phone = ? ORDER BY rowid LIMIT 1", (phone,)
        )
        return None if row is None else citizen_from_row(row)

    async def remember(self, iin: str, phone: str | None, language: Language | None) -> None:
        """A citizen as the registry gives them, in one statement: a new one takes the
        registry's phone and language; a known one takes the phone and keeps the rest."""
        source: LanguageSource | None = None if language is None else "registry"
        self._session.defer("citizens", _REMEMBER, (iin, phone, column(language), source))
        if iin not in self._seen:
            return  # what is stored decides the rest: read afresh when asked
        known = self._seen[iin]
        if known is None:
            self._seen[iin] = Citizen(
                iin=iin, phone=phone, language=language, language_source=source
            )
        else:
            self._seen[iin] = known.model_copy(update={"phone": phone})

    async def save(self, citizen: Citizen) -> None:
        """Insert or replace a citizen."""
        self._seen[citizen.iin] = citizen
        params = {name: column(value) for name, value in citizen}
        self._session.defer("citizens", _UPSERT_CITIZEN, params)
