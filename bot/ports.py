"""Role-named ports the shell depends on; adapters (SQLite, the SMS gateway) implement them."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Protocol, Self

from bot.records import (
    AuditEntry,
    CaseFilter,
    CaseRecord,
    ChatLink,
    Checkpoint,
    Citizen,
    ConsentEntry,
    ConsentRow,
    DayVolume,
    DecisionRecord,
    FunnelRow,
    InboundMessage,
    LedgerFilter,
    LoginLimits,
    Operator,
    OperatorTask,
    OutboxMessage,
    OutboxStatus,
    PaymentOrder,
    SystemCounts,
    TelegramChat,
    TimerKind,
    WebSession,
)
from domain.cases import Case, CaseState
from domain.flood import Heard
from domain.model import Language, Service


class Clock(Protocol):
    """The time the bot acts at: real, or the simulation's."""

    async def now(self) -> datetime:
        """The current instant, timezone-aware."""


class CaseStore(Protocol):
    """Cases and their conversations."""

    async def prefetch(
        self,
        *,
        ids: Sequence[str] = (),
        phones: Sequence[str] = (),
        event_ids: Sequence[int] = (),
    ) -> None:
        """Read ahead these cases, and every case of these phones and events: what the unit
        of work then asks of them is answered from memory (a hint: without it the same
        answers come, slower)."""

    async def add(self, record: CaseRecord) -> bool:
        """Add a case; False when one exists for the same (event, service, addressee)."""

    async def get(self, case_id: str) -> CaseRecord | None:
        """A case by id."""

    async def open_for_phone(self, phone: str) -> list[CaseRecord]:
        """Cases of a phone still waiting for the citizen (offered, awaiting_account), oldest
        first."""

    async def for_phone(self, phone: str) -> list[CaseRecord]:
        """Every case of a phone, newest first."""

    async def save(self, case: Case) -> None:
        """Store the case's new state (the record's other fields do not change)."""

    async def all(self, limit: int = 1000) -> list[CaseRecord]:
        """Cases, newest first."""

    async def count(self) -> int:
        """How many cases there are."""

    async def in_states(self, states: frozenset[CaseState]) -> list[CaseRecord]:
        """Every case in one of these states, oldest first."""

    async def about(self, subject_iin: str, service: Service) -> list[CaseRecord]:
        """Every case of a service about one person (e.g. one deceased), oldest first."""


class CitizenStore(Protocol):
    """Citizens' language and contact."""

    async def prefetch(self, iins: Sequence[str]) -> None:
        """Read ahead these citizens (a hint, as `CaseStore.prefetch`)."""

    async def get(self, iin: str) -> Citizen | None:
        """A citizen by IIN."""

    async def by_phone(self, phone: str) -> Citizen | None:
        """A citizen by phone."""

    async def remember(self, iin: str, phone: str | None, language: Language | None) -> None:
        """A new citizen with the registry's phone and language, or a known one's phone."""

    async def save(self, citizen: Citizen) -> None:
        """Insert or replace a citizen."""


class ConsentLog(Protocol):
    """The append-only consent ledger: a chain by hash per case, sealed in checkpoints."""

    async def prefetch(self, chains: Sequence[str]) -> None:
        """Read ahead the heads of these chains (a case's chain is its id), in one query."""

    async def append(self, entry: ConsentEntry) -> ConsentRow:
        """Append one act, chained to the row before it."""

    async def rows(self, iin: str | None = None) -> list[ConsentRow]:
        """Rows in order, all or one citizen's."""

    async def checkpoint(self, at: datetime, limit: int) -> Checkpoint | None:
        """Seal up to `limit` rows not yet sealed into the next checkpoint; None: none left."""

    async def checkpoints(self) -> list[Checkpoint]:
        """Every checkpoint, in order."""


class Outbox(Protocol):
    """Messages queued by committed transactions, sent by the dispatcher."""

    async def prefetch(self, *, offers_of: Sequence[str] = (), ids: Sequence[int] = ()) -> None:
        """Read ahead the offers of these cases and the messages of these ids (a hint)."""

    async def enqueue(self, message: OutboxMessage) -> OutboxMessage:
        """Queue a message now (idempotent by client reference); the stored row back."""

    def put(self, message: OutboxMessage) -> None:
        """Queue a message with the unit of work's other writes (idempotent by client
        reference, like `enqueue`); nothing comes back, so nothing waits for the database."""

    async def offers(self, case_id: str) -> list[OutboxMessage]:
        """The offers a case's citizen was sent (template `offer.*`), in order."""

    async def due(
        self, now: datetime, limit: int = 100, channel: str | None = None
    ) -> list[OutboxMessage]:
        """Queued messages whose next attempt is due, oldest first; of one channel if given."""

    async def mark_sent(self, message_id: int, provider_id: str, at: datetime) -> None:
        """The gateway accepted the message."""

    async def mark_retry(self, message_id: int, next_attempt_at: datetime, error: str) -> None:
        """A temporary failure: try again later."""

    async def mark_failed(self, message_id: int, error: str) -> None:
        """A permanent failure."""

    async def mark_delivered(self, provider_id: str) -> None:
        """A delivery receipt said delivered."""

    async def by_provider_ids(self, provider_ids: Sequence[str]) -> dict[str, OutboxMessage]:
        """The messages the gateway knows by these ids, by id (in one read)."""

    async def get(self, message_id: int) -> OutboxMessage | None:
        """A message by its id."""

    async def postpone(self, message_id: int, next_attempt_at: datetime, error: str) -> None:
        """Try again later without counting an attempt (the channel asked us to slow down)."""

    async def cancel_queued(self, channel: str, address: str, error: str) -> int:
        """Give up every queued message to an address of a channel; how many."""

    async def for_case(self, case_id: str) -> list[OutboxMessage]:
        """A case's messages in order."""

    async def for_cases(self, case_ids: Sequence[str]) -> dict[str, list[OutboxMessage]]:
        """Each of these cases' messages in order, in one query (a case without: empty)."""


class InboundLog(Protocol):
    """Inbound messages, logged before handling; each provider id once."""

    async def add(self, message: InboundMessage) -> InboundMessage | None:
        """Log a message; None when this provider id was logged before."""

    async def log(self, messages: Sequence[InboundMessage]) -> int:
        """Log messages in one go; how many were new (a provider id logged before is not)."""

    async def pending(self, limit: int = 100) -> list[InboundMessage]:
        """Logged but not yet handled, oldest first."""

    async def mark_handled(
        self, message_id: int, case_id: str | None, intent: str, at: datetime
    ) -> None:
        """The message was handled: which case it went to and what it meant."""

    async def prefetch_senders(self, addresses: Sequence[str], since: datetime) -> None:
        """Read ahead what these addresses sent after `since` (a hint: one query for all)."""

    async def heard_from(self, address: str, since: datetime) -> list[Heard]:
        """The address's messages received after `since` and handled (in this unit of work
        too): when each came and whether it was read (`domain.flood`), oldest first."""


class FeedCursor(Protocol):
    """How far the bot has read the registries' feed."""

    async def get(self) -> int:
        """The last event id taken (0 at first)."""

    async def set(self, cursor: int) -> None:
        """Move the cursor (only forward)."""


class Timers(Protocol):
    """Due times of cases; they live in the database and survive restarts."""

    async def prefetch(self, case_ids: Sequence[str]) -> None:
        """Read ahead these cases' timers (a hint)."""

    async def set(self, case_id: str, kind: TimerKind, due_at: datetime) -> None:
        """Set or replace a case's timer."""

    async def due_at(self, case_id: str, kind: TimerKind) -> datetime | None:
        """When a case's timer of this kind falls due; None when it is not set."""

    async def due(
        self, now: datetime, limit: int = 100, kinds: frozenset[TimerKind] = frozenset(TimerKind)
    ) -> list[tuple[str, TimerKind]]:
        """Timers (of these kinds) due at `now`, earliest first."""

    async def clear(self, case_id: str, kind: TimerKind | None = None) -> None:
        """Remove one timer of a case, or all of them."""


class OperatorTasks(Protocol):
    """Work handed to operators."""

    def add(self, task: OperatorTask) -> None:
        """Open a task, with the unit of work's other writes."""

    async def open(self) -> list[OperatorTask]:
        """Tasks not done, oldest first."""


class Journal(Protocol):
    """The electronic journal of applications (burial p.16, disability p.20-1)."""

    async def prefetch(self, case_ids: Sequence[str]) -> None:
        """Read ahead these cases' application numbers (a hint)."""

    async def register(self, case_id: str, at: datetime) -> str:
        """Enter an application; its number (the same number again for the same case)."""

    async def number_of(self, case_id: str) -> str | None:
        """A case's application number, once registered."""

    async def certify(self, case_id: str, signature: dict[str, object]) -> None:
        """Keep the authorised body's signature of the acceptance notice."""


class Decisions(Protocol):
    """Signed decisions and their case files."""

    async def prefetch(self, case_ids: Sequence[str]) -> None:
        """Read ahead which of these cases were decided (a hint)."""

    async def save(self, record: DecisionRecord) -> bool:
        """Keep a case's decision; False when the case was decided before."""

    async def get(self, case_id: str) -> DecisionRecord | None:
        """A case's decision."""

    async def of_cases(self, case_ids: Sequence[str]) -> dict[str, DecisionRecord]:
        """The decisions of these cases, by case id (undecided ones absent)."""

    async def all(self) -> list[DecisionRecord]:
        """Every decision, oldest first."""


class Payments(Protocol):
    """The payments queue standing for the payments system (ЦБД / ОДҚ)."""

    async def prefetch(
        self, *, case_ids: Sequence[str] = (), burials_of: Sequence[str] = ()
    ) -> None:
        """Read ahead the orders of these cases and the burial orders of these deceased."""

    async def place(self, order: PaymentOrder) -> bool:
        """Place an order; False when the case, or for burial the deceased, already has one,
        or when a survivor order would take the deceased's orders over the family amount."""

    async def for_case(self, case_id: str) -> list[PaymentOrder]:
        """A case's orders (at most one)."""

    async def burial_for(self, subject_iin: str) -> PaymentOrder | None:
        """The burial payment order for a deceased, if any."""

    async def of_subjects(self, service: str, iins: Sequence[str]) -> list[PaymentOrder]:
        """The orders of one service about these people (the deceased, the disabled)."""

    async def family_paid(self, deceased_iin: str) -> tuple[Decimal, Decimal] | None:
        """(family amount, paid so far) of a deceased's survivor orders; None before any."""

    async def all(self) -> list[PaymentOrder]:
        """Every order, oldest first."""


class ChatLinks(Protocol):
    """Which chats of every chat channel are linked to which verified phones."""

    async def prefetch(self, phones: Sequence[str]) -> None:
        """Read ahead the chats linked to these phones (a hint)."""

    async def of_phone(self, phone: str) -> list[ChatLink]:
        """The chats linked to a phone, one per channel at most, by channel name."""

    async def link(self, link: ChatLink) -> None:
        """Link a chat to a phone (replacing the channel's earlier link of either)."""

    async def unlink(self, channel: str, address: str) -> None:
        """Unlink a chat; nothing when it was not linked."""


class ChatSender(Protocol):
    """What the dispatcher asks of a chat channel: to send its own outbox messages (those
    whose `channel` is its `name`) within its own limits."""

    name: str

    async def dispatch(self, messages: Sequence[OutboxMessage], now: datetime) -> int:
        """Send what may be sent now; how many messages were settled."""


class ChatChannel(ChatSender, Protocol):
    """A chat channel (Telegram, or any other): it sends (`ChatSender`), links chats to
    verified phones (`ChatLinks`), and logs what citizens write or press as
    `InboundMessage`s of its channel (`bot.service.flow.log_inbound`, `pressed`).
    Registered in `bot.composition`, the one place that names one."""

    outcomes: Counter[str]  # this process's sends by outcome: sent, temporary, permanent …

    def not_ready(self) -> str | None:
        """Why it cannot serve now (for `/readyz`); None when it can."""

    async def start(self) -> None:
        """Get ready before the due work starts (Telegram: learn and keep the bot's name);
        a failure here is logged and tried again by `receive`, never fatal."""

    async def receive(
        self, wake: Callable[[], None], stop: asyncio.Event, say: Callable[[str], None]
    ) -> None:
        """Take citizens' messages until `stop` is set, calling `wake` once one is logged
        (the due work then runs now); `say` tells the operator how it is serving."""

    async def close(self) -> None:
        """Release what it opened."""


class TelegramChats(Protocol):
    """Chats with the Telegram bot and the verified phone each is linked to."""

    async def prefetch(self, phones: Sequence[str]) -> None:
        """Read ahead the chats linked to these phones (a hint)."""

    async def get(self, chat_id: int) -> TelegramChat | None:
        """A chat by id."""

    async def by_phone(self, phone: str) -> TelegramChat | None:
        """The chat linked to a phone."""

    async def save(self, chat: TelegramChat) -> None:
        """Insert or replace a chat."""

    async def linked(self) -> list[TelegramChat]:
        """Every linked chat."""

    async def username(self) -> str | None:
        """The bot's Telegram username, once the channel has run."""

    async def set_username(self, username: str, at: datetime) -> None:
        """Remember the bot's username."""


class Operators(Protocol):
    """Console accounts."""

    async def get(self, name: str) -> Operator | None:
        """An account by name."""

    async def add(self, operator: Operator) -> bool:
        """Create an account; False when the name is taken."""

    async def save(self, operator: Operator) -> None:
        """Replace an account (role, password, disabled)."""

    async def all(self) -> list[Operator]:
        """Every account, by name."""


class WebSessions(Protocol):
    """Signed-in browsers."""

    async def add(self, session: WebSession) -> None:
        """Keep a new session."""

    async def get(self, token_hash: str) -> WebSession | None:
        """A session by its token's hash."""

    async def delete(self, token_hash: str) -> None:
        """End a session."""

    async def delete_for(self, operator: str) -> int:
        """End every session of an account; how many."""

    async def attempt(
        self, name: str, address: str, at: datetime, limits: LoginLimits
    ) -> str | None:
        """Count a login of `name` from `address` as failed, unless the failures within the
        limits' window (of this name from this address, or of this name from anywhere) are at
        their limit already: then None. Counting and checking are one step, whatever other
        logins run at the same moment. The attempt's token, for `take_back`."""

    async def take_back(self, attempt: str) -> None:
        """The attempt's password was right: it is no failure."""


class Audit(Protocol):
    """The audit of operators' views and acts."""

    async def add(self, entry: AuditEntry) -> None:
        """Record one view or act."""

    async def page(
        self, offset: int, limit: int, operator: str | None = None
    ) -> tuple[list[AuditEntry], int]:
        """Entries newest first, and how many there are in all."""


class Reports(Protocol):
    """Read models for the console."""

    async def funnel(self) -> list[FunnelRow]:
        """How far the cases of each service got."""

    async def sms_per_day(self, days: int = 31) -> list[DayVolume]:
        """SMS queued per Almaty day, the latest days, oldest first."""


class Views(Protocol):
    """The console's filtered, paged reads."""

    async def ledger(
        self, f: LedgerFilter, offset: int = 0, limit: int | None = 50
    ) -> tuple[list[ConsentRow], int]:
        """Ledger rows matching the filter, newest first (all with no limit), and how many."""

    async def cases(
        self, f: CaseFilter, offset: int = 0, limit: int = 50
    ) -> tuple[list[CaseRecord], int]:
        """Cases matching the filter, newest first, and how many."""

    async def inbound_for_case(self, case_id: str) -> list[InboundMessage]:
        """The citizen's messages a case was answered by, in order."""

    async def retried_messages(
        self, limit: int = 100
    ) -> tuple[list[OutboxMessage], dict[OutboxStatus, int]]:
        """Messages that met a failure on their way (retried, postponed by the channel, or
        given up), newest first, and how many of them are in each status now."""

    async def system(self) -> SystemCounts:
        """Cases by service and state, the outbox by channel and status, the ledger's rows and
        the decisions by outcome (`/metrics`)."""

    async def due_work(self, now: datetime, channels: Sequence[str]) -> int:
        """What is due at `now` and not yet done by any instance: replies not handled,
        timers due, and messages of these channels queued and due."""


class UnitOfWork(Protocol):
    """One transaction over every store: rolled back unless `commit()` is called."""

    cases: CaseStore
    citizens: CitizenStore
    consents: ConsentLog
    outbox: Outbox
    inbound: InboundLog
    cursor: FeedCursor
    timers: Timers
    tasks: OperatorTasks
    journal: Journal
    decisions: Decisions
    payments: Payments
    chats: ChatLinks
    telegram: TelegramChats
    operators: Operators
    sessions: WebSessions
    audit: Audit
    reports: Reports
    views: Views

    async def __aenter__(self) -> Self:
        """Begin the transaction."""

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""

    async def commit(self) -> None:
        """Make the transaction's writes durable."""


class Storage(Protocol):
    """Opens units of work over one database."""

    def unit_of_work(self) -> UnitOfWork:
        """A new unit of work (use with `async with`)."""

    def claim(self, role: str) -> AbstractAsyncContextManager[bool]:
        """Hold `role` (a kind of work done outside transactions: "intake", "dispatch", …)
        while the `async with` lasts; True when held, False when another instance holds it
        now (skip the work: that instance is doing it)."""

    async def close(self) -> None:
        """Close the database."""


class SmsGateway(Protocol):
    """An SMS provider: submit with a client reference, receipts and replies come back."""

    async def submit(self, client_ref: str, to: str, text: str) -> str:
        """Submit a message; the provider's id (the same id again for the same reference).

        Raises `SendTemporaryError` or `SendPermanentError`."""

    async def receipts(self) -> Sequence[tuple[str, str]]:
        """Receipts not yet acknowledged: (provider id, "delivered" | "temporary" | "permanent").

        The same receipt comes again until `ack_receipts`: a crash loses none."""

    async def ack_receipts(self, provider_ids: Sequence[str]) -> None:
        """These receipts are applied and committed: do not hand them over again."""

    async def replies(self) -> Sequence[InboundMessage]:
        """Mobile-originated messages not yet acknowledged, oldest first; again until acked."""

    async def ack_replies(self, provider_ids: Sequence[str]) -> None:
        """These replies are logged and committed: do not hand them over again."""


class StorageUnavailable(OSError):
    """The database could not be opened (a server not answering, a refused login); the
    message says which and why, without the password."""


class Conflict(Exception):
    """Another instance's transaction held what this one needed, and the database ended this
    one to let both go on (a deadlock). Nothing of it was written: run the work again."""


class StaleWrite(LookupError):
    """A write sent later did not change the rows it had to: a row it was about is missing,
    or one the unit of work took to be new was there already. The unit of work rolls back."""


class SendTemporaryError(Exception):
    """The channel could not take the message now; try again later."""


class SendPermanentError(Exception):
    """The channel will never take this message (e.g. an unknown number)."""
