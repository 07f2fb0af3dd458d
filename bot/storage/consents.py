"""The consent ledger in SQLite: append-only, each row chained to the one before it."""

from __future__ import annotations

from bot.ledger import GENESIS, seal
from bot.records import ConsentEntry, ConsentRow
from bot.storage.codec import as_utc, consent_from_row, consent_params
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


class SqliteConsentLog:
    """The ledger; the unit of work's write lock keeps appends in one line."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def append(self, entry: ConsentEntry) -> ConsentRow:
        """Append one act, chained to the row before it; `at` is kept in UTC."""
        entry = entry.model_copy(update={"at": as_utc(entry.at)})
        last = await self._session.row("SELECT seq, hash FROM consents ORDER BY seq DESC LIMIT 1")
        if last is None:
            row = seal(entry, seq=1, prev_hash=GENESIS)
        else:
            row = seal(entry, seq=last["seq"] + 1, prev_hash=last["hash"])
        await self._session.insert(_INSERT, consent_params(row))
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
