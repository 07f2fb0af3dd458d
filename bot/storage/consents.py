"""The consent ledger in SQLite: append-only, each row chained to the one before it."""

from __future__ import annotations

from bot.evidence.ledger import GENESIS, seal
from bot.instants import as_utc
from bot.records import ConsentEntry, ConsentRow
from bot.storage.codec import consent_from_row, consent_params
from bot.storage.session import Session

_COLUMNS = (
    "seq",
    "case_id",
    "iin",
    "act",
    "text",
    "template_id",
    "template_version",
    "language",
    "channel",
    "message_ids",
    "raw_reply",
    "intent",
    "actor",
    "at",
    "text_hash",
    "prev_hash",
    "hash",
)
_INSERT = (
    f"INSERT INTO consents ({', '.join(_COLUMNS)})"
    f" VALUES ({', '.join(':' + name for name in _COLUMNS)})"
)


class SqlConsentLog:
    """The ledger; the unit of work's write lock keeps appends in one line."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._head: tuple[int, str] | None = None  # the last row's seq and hash, once read

    async def append(self, entry: ConsentEntry) -> ConsentRow:
        """Append one act, chained to the row before it; `at` is kept in UTC.

        The chain's head is read once per unit of work (whose write lock keeps every other
        writer out), and the row goes with the unit of work's other writes."""
        at = as_utc(entry.at)
        if at is not entry.at:
            entry = entry.model_copy(update={"at": at})
        if self._head is None:
            last = await self._session.row(
                "SELECT seq, hash FROM consents ORDER BY seq DESC LIMIT 1"
            )
            self._head = (0, GENESIS) if last is None else (last["seq"], last["hash"])
        seq, prev_hash = self._head
        row = seal(entry, seq=seq + 1, prev_hash=prev_hash)
        self._session.defer("consents", _INSERT, consent_params(row), expect=1)
        self._head = (row.seq, row.hash)
        return row

    async def rows(self, iin: str | None = None) -> list[ConsentRow]:
        """Rows in order, all or one citizen's."""
        if iin is None:
            found = await self._session.rows("SELECT * FROM consents ORDER BY seq")
        else:
            found = await self._session.rows(
                "SELECT * FROM consents WHERE iin = ? ORDER BY seq", (iin,)
            )
        return [consent_from_row(row) for row in found]
