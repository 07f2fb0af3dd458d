"""Messages in SQLite: the outbox the dispatcher sends from, the log of inbound replies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from bot.instants import from_utc_text, utc_text
from bot.records import InboundMessage, OutboxMessage, OutboxStatus
from bot.storage.codec import column, inbound_from_row, keys, outbox_from_row
from bot.storage.session import Session
from domain.flood import Heard, Taken

SENDER_LOCKS = 0x736E64  # PostgreSQL: the advisory locks' class of the senders ("snd")
CLAIM_LOOKAHEAD = 4  # senders looked at per sender claimed: room to skip other instances'

_OUTBOX_COLUMNS = (
    "client_ref",
    "case_id",
    "channel",
    "address",
    "language",
    "template_id",
    "template_version",
    "text",
    "encoding",
    "segments",
    "status",
    "attempts",
    "next_attempt_at",
    "provider_id",
    "last_error",
    "created_at",
    "sent_at",
    "markup",
    "starts_timers",
)
_INBOUND_COLUMNS = (
    "channel",
    "address",
    "provider_id",
    "text",
    "received_at",
    "case_id",
    "intent",
    "handled_at",
    "button",
)


def _insert(table: str, columns: tuple[str, ...], conflict: str) -> str:
    """An INSERT of named parameters that does nothing on a conflict of `conflict`."""
    names = ", ".join(columns)
    marks = ", ".join(f":{name}" for name in columns)
    return f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT ({conflict}) DO NOTHING"


_INSERT_OUTBOX = _insert("outbox", _OUTBOX_COLUMNS, "client_ref")
_INSERT_INBOUND = _insert("inbound", _INBOUND_COLUMNS, "channel, provider_id")


class SqlOutbox:
    """Outgoing messages; one row per client reference. Within its unit of work it remembers
    the offers of the cases it read them for and the messages it read by id."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._offers: dict[str, list[OutboxMessage]] = {}  # every offer of these cases
        self._by_id: dict[int, OutboxMessage] = {}

    def _forget(self) -> None:
        """A message changed: what was remembered is read again when asked."""
        self._offers.clear()
        self._by_id.clear()

    async def prefetch(self, *, offers_of: Sequence[str] = (), ids: Sequence[int] = ()) -> None:
        """Read ahead the offers of these cases and the messages of these ids, in one query."""
        cases = [c for c in offers_of if c not in self._offers]
        ids = [i for i in ids if i not in self._by_id]
        if not cases and not ids:
            return
        rows = await self._session.rows(
            "SELECT * FROM outbox WHERE id IN (SELECT CAST(value AS BIGINT) FROM json_each(?))"
            " OR (case_id IN (SELECT value FROM json_each(?)) AND template_id LIKE 'offer%')"
            " ORDER BY id",
            (keys(ids), keys(cases)),
        )
        for case_id in cases:
            self._offers[case_id] = []
        for message in map(outbox_from_row, rows):
            assert message.id is not None
            if message.id in ids:
                self._by_id[message.id] = message
            if message.case_id in cases and _is_offer(message):
                self._offers[message.case_id].append(message)

    async def enqueue(self, message: OutboxMessage) -> OutboxMessage:
        """Queue a message now (idempotent by client reference); the stored row back."""
        params = {name: column(getattr(message, name)) for name in _OUTBOX_COLUMNS}
        row = await self._session.row(_INSERT_OUTBOX + " RETURNING *", params)
        if row is None:  # queued before under this reference: that row stands
            row = await self._session.row(
                "SELECT * FROM outbox WHERE client_ref = ?", (message.client_ref,)
            )
        assert row is not None  # inserted now or before
        stored = outbox_from_row(row)
        offers = self._offers.get(stored.case_id or "")
        if offers is not None and _is_offer(stored) and stored not in offers:
            offers.append(stored)
        return stored

    def put(self, message: OutboxMessage) -> None:
        """Queue a message with the unit of work's other writes (idempotent by reference).

        An offer of a case whose offers are known is new unless one of them has its
        reference (offers' references name their case); it is then remembered, without its
        id until the write is sent."""
        params = {name: column(getattr(message, name)) for name in _OUTBOX_COLUMNS}
        offers = self._offers.get(message.case_id or "")
        if offers is None or not _is_offer(message):
            self._session.defer("outbox", _INSERT_OUTBOX, params)
            return
        if any(known.client_ref == message.client_ref for known in offers):
            return  # queued before under this reference: that row stands
        self._session.defer("outbox", _INSERT_OUTBOX, params, expect=1)
        offers.append(message)

    async def offers(self, case_id: str) -> list[OutboxMessage]:
        """The offers a case's citizen was sent (template `offer.*`), in order."""
        if case_id not in self._offers:
            await self.prefetch(offers_of=[case_id])
        return list(self._offers[case_id])

    async def due(
        self, now: datetime, limit: int = 100, channel: str | None = None
    ) -> list[OutboxMessage]:
        """Queued messages whose next attempt is due, oldest first; of one channel if given."""
        by_channel = "" if channel is None else " AND channel = :channel"
        rows = await self._session.rows(
            f"SELECT * FROM outbox WHERE status = :queued AND next_attempt_at <= :now{by_channel}"
            " ORDER BY next_attempt_at, id LIMIT :limit",
            {
                "queued": OutboxStatus.QUEUED.value,
                "now": utc_text(now),
                "limit": limit,
                "channel": channel,
            },
        )
        return [outbox_from_row(row) for row in rows]

    async def mark_sent(self, message_id: int, provider_id: str, at: datetime) -> None:
        """The gateway accepted the message."""
        self._update(
            message_id,
            "status = ?, provider_id = ?, sent_at = ?",
            (OutboxStatus.SENT.value, provider_id, utc_text(at)),
        )

    async def mark_retry(self, message_id: int, next_attempt_at: datetime, error: str) -> None:
        """A temporary failure: try again later (one more attempt counted; queued again)."""
        self._update(
            message_id,
            "status = ?, attempts = attempts + 1, next_attempt_at = ?, last_error = ?",
            (OutboxStatus.QUEUED.value, utc_text(next_attempt_at), error),
        )

    async def mark_failed(self, message_id: int, error: str) -> None:
        """A permanent failure."""
        self._update(message_id, "status = ?, last_error = ?", (OutboxStatus.FAILED.value, error))

    async def mark_delivered(self, provider_id: str) -> None:
        """A delivery receipt said delivered (a receipt for an unknown id changes nothing)."""
        self._forget()
        self._session.defer(
            "outbox",
            "UPDATE outbox SET status = ? WHERE provider_id = ?",
            (OutboxStatus.DELIVERED.value, provider_id),
        )

    async def by_provider_ids(self, provider_ids: Sequence[str]) -> dict[str, OutboxMessage]:
        """The messages the gateway knows by these ids, by id, in one query."""
        rows = await self._session.rows(
            "SELECT * FROM outbox WHERE provider_id IN (SELECT value FROM json_each(?))",
            (keys(provider_ids),),
        )
        found = map(outbox_from_row, rows)
        return {message.provider_id: message for message in found if message.provider_id}

    async def get(self, message_id: int) -> OutboxMessage | None:
        """A message by its id."""
        if message_id not in self._by_id:
            await self.prefetch(ids=[message_id])
        return self._by_id.get(message_id)

    async def postpone(self, message_id: int, next_attempt_at: datetime, error: str) -> None:
        """Try again later without counting an attempt (the channel asked us to slow down)."""
        self._update(
            message_id,
            "status = ?, next_attempt_at = ?, last_error = ?",
            (OutboxStatus.QUEUED.value, utc_text(next_attempt_at), error),
        )

    async def cancel_queued(self, channel: str, address: str, error: str) -> int:
        """Give up every queued message to an address of a channel; how many."""
        self._forget()
        return await self._session.run(
            "UPDATE outbox SET status = ?, last_error = ? WHERE status = ? AND channel = ?"
            " AND address = ?",
            (OutboxStatus.FAILED.value, error, OutboxStatus.QUEUED.value, channel, address),
        )

    async def for_case(self, case_id: str) -> list[OutboxMessage]:
        """A case's messages in order."""
        return (await self.for_cases([case_id]))[case_id]

    async def for_cases(self, case_ids: Sequence[str]) -> dict[str, list[OutboxMessage]]:
        """Each of these cases' messages in order, in one query (a case without: empty)."""
        found: dict[str, list[OutboxMessage]] = {case_id: [] for case_id in case_ids}
        rows = await self._session.rows(
            "SELECT * FROM outbox WHERE case_id IN (SELECT value FROM json_each(?)) ORDER BY id",
            (keys(case_ids),),
        )
        for row in rows:
            found[row["case_id"]].append(outbox_from_row(row))
        return found

    def _update(self, message_id: int, assignments: str, params: tuple[object, ...]) -> None:
        """Change one message, with the unit of work's other writes; a message that does not
        exist is refused (`StaleWrite`, a LookupError) when the write is sent."""
        self._forget()
        self._session.defer(
            "outbox",
            f"UPDATE outbox SET {assignments} WHERE id = ?",
            (*params, message_id),
            expect=1,
        )


def _is_offer(message: OutboxMessage) -> bool:
    return message.template_id.startswith("offer")


class SqlInboundLog:
    """Inbound messages, each (channel, provider id) once. Within its unit of work it
    remembers what the senders it read ahead sent, and what it marked handled of that."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._since: dict[str, datetime] = {}  # address -> read ahead from then on
        self._sent: dict[str, dict[int, _Sent]] = {}  # address -> its messages by id
        self._address_of: dict[int, str] = {}

    def _forget(self) -> None:
        """What was remembered is read again when asked."""
        self._since.clear()
        self._sent.clear()
        self._address_of.clear()

    async def add(self, message: InboundMessage) -> InboundMessage | None:
        """Log a message; None when this provider id was logged before."""
        self._forget()
        params = {name: column(getattr(message, name)) for name in _INBOUND_COLUMNS}
        row = await self._session.row(_INSERT_INBOUND + " RETURNING *", params)
        return None if row is None else inbound_from_row(row)

    async def log(self, messages: Sequence[InboundMessage]) -> int:
        """Log messages in one statement run; how many were new."""
        self._forget()
        batch = [{n: column(getattr(m, n)) for n in _INBOUND_COLUMNS} for m in messages]
        return await self._session.run_many(_INSERT_INBOUND, batch)

    async def pending(self, limit: int = 100) -> list[InboundMessage]:
        """Logged but not yet handled, oldest first.

        On PostgreSQL they are claimed by sender: only the messages of senders whose advisory
        lock this transaction got without waiting (held until it ends), every waiting message
        of each such sender, so a sender's messages are handled in order by one instance at a
        time while instances handling at once each take different senders."""
        if self._session.dialect != "postgresql":
            rows = await self._session.rows(
                "SELECT * FROM inbound WHERE handled_at IS NULL ORDER BY received_at, id LIMIT ?",
                (limit,),
            )
            return [inbound_from_row(row) for row in rows]
        senders = await self._session.rows(
            "SELECT address FROM (SELECT address, min(received_at) AS first, min(id) AS first_id"
            " FROM inbound WHERE handled_at IS NULL GROUP BY address"
            " ORDER BY first, first_id LIMIT ?) AS waiting"
            " WHERE pg_try_advisory_xact_lock(?, hashtext(address)) LIMIT ?",
            (limit * CLAIM_LOOKAHEAD, SENDER_LOCKS, limit),
        )
        if not senders:
            return []
        rows = await self._session.rows(
            "SELECT * FROM inbound WHERE handled_at IS NULL"
            " AND address IN (SELECT value FROM json_each(?)) ORDER BY received_at, id LIMIT ?",
            (keys([row["address"] for row in senders]), limit),
        )
        return [inbound_from_row(row) for row in rows]

    async def mark_handled(
        self, message_id: int, case_id: str | None, intent: str, at: datetime
    ) -> None:
        """The message was handled: which case it went to and what it meant (with the unit
        of work's other writes; an unknown message is refused when they are sent)."""
        self._session.defer(
            "inbound",
            "UPDATE inbound SET case_id = ?, intent = ?, handled_at = ? WHERE id = ?",
            (case_id, intent, utc_text(at), message_id),
            expect=1,
        )
        address = self._address_of.get(message_id)
        if address is None:
            self._forget()  # not read ahead: what is remembered may miss it
            return
        known = self._sent[address][message_id]
        self._sent[address][message_id] = _Sent(known.received_at, intent)

    async def prefetch_senders(self, addresses: Sequence[str], since: datetime) -> None:
        """Read ahead what these addresses sent after `since`, in one query (by the index
        on address and time)."""
        wanted = sorted({a for a in addresses if not self._covers(a, since)})
        if not wanted:
            return
        rows = await self._session.rows(
            "SELECT id, address, received_at, intent FROM inbound"
            " WHERE address IN (SELECT value FROM json_each(?)) AND received_at > ?",
            (keys(wanted), utc_text(since)),
        )
        for address in wanted:
            self._since[address] = since
            self._sent[address] = {}
        for row in rows:
            self._sent[row["address"]][row["id"]] = _Sent(
                from_utc_text(row["received_at"]), row["intent"]
            )
            self._address_of[row["id"]] = row["address"]

    async def heard_from(self, address: str, since: datetime) -> list[Heard]:
        """The address's messages received after `since` and handled (in this unit of work
        too): when each came and whether it was read, oldest first."""
        if not self._covers(address, since):
            await self.prefetch_senders([address], since)
        sent = sorted(self._sent[address].items(), key=lambda item: (item[1].received_at, item[0]))
        return [
            Heard(received_at=each.received_at, taken=_taken(each.intent))
            for _, each in sent
            if each.intent is not None and each.received_at > since
        ]

    def _covers(self, address: str, since: datetime) -> bool:
        known = self._since.get(address)
        return known is not None and known <= since


class _Sent(NamedTuple):
    """A sender's message as the rate limit sees it."""

    received_at: datetime
    intent: str | None  # None: not handled yet


_HELD_BACK = {taken.value: taken for taken in (Taken.SLOWED, Taken.DROPPED)}


def _taken(intent: str) -> Taken:
    """What became of a handled message: held back by the rate limit, or read."""
    return _HELD_BACK.get(intent, Taken.READ)
