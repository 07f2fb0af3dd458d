"""Cases and citizens in SQLite."""

from __future__ import annotations

from bot.records import CaseRecord, Citizen
from bot.storage.codec import case_from_row, case_to_json, citizen_from_row, column, utc_text
from bot.storage.session import Session
from domain.cases import OPEN, Case, CaseState
from domain.model import Language, Service

_OPEN_STATES = tuple(sorted(state.value for state in OPEN))
_OPEN_MARKS = ", ".join("?" * len(_OPEN_STATES))


class SqliteCaseStore:
    """Cases: one per (event, service, addressee); the Case itself kept as JSON."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def add(self, record: CaseRecord) -> bool:
        """Add a case; False when one exists for the same (event, service, addressee)."""
        case = record.case
        params = {
            "id": case.id,
            "event_id": record.event_id,
            "service": column(case.service),
            "subject_iin": record.subject_iin,
            "addressee_iin": record.addressee_iin,
            "phone": record.phone,
            "code": record.code,
            "state": column(case.state),
            "created_at": utc_text(record.created_at),
            "amount": None if record.amount is None else str(record.amount),
            "monthly": int(record.monthly),
            "body": case_to_json(case),
        }
        inserted = await self._session.run(
            "INSERT INTO cases (id, event_id, service, subject_iin, addressee_iin, phone, code,"
            " state, created_at, amount, monthly, body) VALUES (:id, :event_id, :service,"
            " :subject_iin, :addressee_iin, :phone, :code, :state, :created_at, :amount,"
            " :monthly, :body)"
            " ON CONFLICT (event_id, service, addressee_iin) DO NOTHING",
            params,
        )
        return inserted == 1

    async def get(self, case_id: str) -> CaseRecord | None:
        """A case by id."""
        row = await self._session.row("SELECT * FROM cases WHERE id = ?", (case_id,))
        return None if row is None else case_from_row(row)

    async def open_for_phone(self, phone: str) -> list[CaseRecord]:
        """Cases of a phone still waiting for the citizen (offered, awaiting_account), oldest
        first."""
        rows = await self._session.rows(
            f"SELECT * FROM cases WHERE phone = ? AND state IN ({_OPEN_MARKS})"
            " ORDER BY created_at, rowid",
            (phone, *_OPEN_STATES),
        )
        return [case_from_row(row) for row in rows]

    async def for_phone(self, phone: str) -> list[CaseRecord]:
        """Every case of a phone, newest first."""
        rows = await self._session.rows(
            "SELECT * FROM cases WHERE phone = ? ORDER BY created_at DESC, rowid DESC", (phone,)
        )
        return [case_from_row(row) for row in rows]

    async def save(self, case: Case) -> None:
        """Store the case's new state (the record's other fields do not change)."""
        changed = await self._session.run(
            "UPDATE cases SET body = ?, state = ? WHERE id = ?",
            (case_to_json(case), column(case.state), case.id),
        )
        if changed != 1:
            raise LookupError(f"no case {case.id!r} to save: add it first")

    async def all(self, limit: int = 1000) -> list[CaseRecord]:
        """Cases, newest first."""
        rows = await self._session.rows(
            "SELECT * FROM cases ORDER BY created_at DESC, rowid DESC LIMIT ?", (limit,)
        )
        return [case_from_row(row) for row in rows]

    async def count(self) -> int:
        """How many cases there are."""
        row = await self._session.row("SELECT count(*) AS n FROM cases")
        return 0 if row is None else int(row["n"])

    async def in_states(self, states: frozenset[CaseState]) -> list[CaseRecord]:
        """Every case in one of these states, oldest first (the state column is indexed)."""
        names = sorted(state.value for state in states)
        marks = ", ".join("?" for _ in names)
        rows = await self._session.rows(
            f"SELECT * FROM cases WHERE state IN ({marks}) ORDER BY created_at, rowid", names
        )
        return [case_from_row(row) for row in rows]

    async def about(self, subject_iin: str, service: Service) -> list[CaseRecord]:
        """Every case of a service about one person (e.g. one deceased), oldest first."""
        rows = await self._session.rows(
            "SELECT * FROM cases WHERE subject_iin = ? AND service = ? ORDER BY created_at, rowid",
            (subject_iin, service.value),
        )
        return [case_from_row(row) for row in rows]


class SqliteCitizenStore:
    """Citizens by IIN, found by phone too. Within its unit of work it remembers who it read
    or wrote (a step reads its citizen for the reply, then again for the answer's language)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._seen: dict[str, Citizen | None] = {}

    async def get(self, iin: str) -> Citizen | None:
        """A citizen by IIN."""
        if iin not in self._seen:
            row = await self._session.row("SELECT * FROM citizens WHERE iin = ?", (iin,))
            self._seen[iin] = None if row is None else citizen_from_row(row)
        return self._seen[iin]

    async def by_phone(self, phone: str) -> Citizen | None:
        """A citizen by phone (the first saved, should several share it)."""
        row = await self._session.row(
            "SELECT * FROM citizens WHERE phone = ? ORDER BY rowid LIMIT 1", (phone,)
        )
        return None if row is None else citizen_from_row(row)

    async def remember(self, iin: str, phone: str | None, language: Language | None) -> None:
        """A citizen as the registry gives them, in one statement: a new one takes the
        registry's phone and language; a known one takes the phone and keeps the rest."""
        await self._session.run(
            "INSERT INTO citizens (iin, phone, language, language_source, nonsense_count)"
            " VALUES (?, ?, ?, ?, 0) ON CONFLICT (iin) DO UPDATE SET phone = excluded.phone",
            (iin, phone, column(language), None if language is None else "registry"),
        )
        self._seen.pop(iin, None)  # read afresh: the row now depends on what was there

    async def save(self, citizen: Citizen) -> None:
        """Insert or replace a citizen."""
        self._seen[citizen.iin] = citizen
        params = {name: column(value) for name, value in citizen}
        await self._session.run(
            "INSERT INTO citizens (iin, phone, language, language_source, nonsense_count)"
            " VALUES (:iin, :phone, :language, :language_source, :nonsense_count)"
            " ON CONFLICT (iin) DO UPDATE SET phone = excluded.phone,"
            " language = excluded.language, language_source = excluded.language_source,"
            " nonsense_count = excluded.nonsense_count",
            params,
        )
