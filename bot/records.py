"""Rows the bot keeps: what the storage ports take and give back."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from domain.cases import Case, CaseState
from domain.decisions import Decision, Reason
from domain.model import Language


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CaseRecord(_Row):
    """A case with what the shell needs around it: whom it concerns and how to reach them."""

    case: Case
    code: str  # 3 digits, unique among the phone's cases: quoted when a phone has two open
    subject_iin: str  # the person the event is about (the deceased, the disabled person)
    addressee_iin: str  # the person offered the service (declarant, representative, person)
    phone: str | None  # the addressee's e-government phone, E.164; None: no_contact
    event_id: int  # the registry feed event that started the case
    created_at: datetime
    offered_amount: Decimal | None = None  # what the offer said: one-time, or per month
    monthly: bool = False
    # The decision a consent on the offer's day would get (domain.screening): the offer's
    # terms, or for a case not offered its reasons and legal basis.
    terms: Decision | None = None
    received_for: tuple[str, ...] = ()  # survivor: the dependents the addressee receives for
    # The first name of whom the case is about when that is not the addressee (the child
    # with disability, the deceased): it tells two offers of one service apart.
    subject_name: str | None = None

    @property
    def screened_out(self) -> tuple[Reason, ...]:
        """Why the case was not offered (pre-screening); empty for every other case."""
        if self.case.state is not CaseState.NOT_OFFERED or self.terms is None:
            return ()
        return self.terms.reasons


LanguageSource = Literal["registry", "reply", "choice"]


class Citizen(_Row):
    """A person the bot talks to, with the language it addresses them in."""

    iin: str
    phone: str | None = None
    language: Language | None = None
    language_source: LanguageSource | None = None
    nonsense_count: int = 0  # replies in a row that meant nothing


class Channel(StrEnum):
    """The channels this product ships. A message's channel is a name (`str`): SMS, or the
    name of any chat channel registered at composition (`bot.ports.ChatChannel`)."""

    SMS = "sms"  # the legal channel: every notice goes by SMS
    TELEGRAM = "telegram"


class ChatLink(_Row):
    """A chat of a chat channel linked to a verified phone: that phone's notices go there too."""

    channel: str
    address: str  # the chat, as its channel addresses it
    phone: str  # E.164
    linked_at: datetime


class Button(_Row):
    """One button under a Telegram message: its label and what pressing it means."""

    text: str
    action: str  # see bot.service.choices: "yes", "no", "confirm", "another", "lang:kk", "lang:ru"


class Keyboard(_Row):
    """The buttons of a message, and the case state they answer (a press in another is stale).

    `inline` buttons sit under the text and are pressed; `contact` is the keyboard whose
    one button shares the person's own phone number; `remove` takes that keyboard away."""

    kind: Literal["inline", "contact", "remove"] = "inline"
    step: str = ""  # the case's state when the message was queued
    rows: tuple[tuple[Button, ...], ...] = ()


class OutboxStatus(StrEnum):
    """Where an outgoing message stands."""

    QUEUED = "queued"  # committed, waiting to be sent (or re-sent after a temporary failure)
    SENT = "sent"  # the gateway accepted it; a delivery receipt is awaited
    DELIVERED = "delivered"
    FAILED = "failed"  # permanently: operators see it


class OutboxMessage(_Row):
    """A message queued by a committed transaction; sent once per client reference."""

    id: int | None = None
    client_ref: str
    case_id: str | None
    channel: str  # `Channel.SMS` or a chat channel's name
    address: str  # phone (E.164) or chat id
    language: str  # "kk", "ru" or "kk+ru" for a bilingual offer
    template_id: str
    template_version: str = ""
    text: str
    encoding: str
    segments: int
    status: OutboxStatus = OutboxStatus.QUEUED
    attempts: int = 0
    next_attempt_at: datetime
    provider_id: str | None = None
    last_error: str | None = None
    created_at: datetime
    sent_at: datetime | None = None
    markup: Keyboard | None = None  # chat channels only: the buttons under the text
    starts_timers: bool = False  # an offer's SMS: once sent, its reminder and expiry start


class ConsentAct(StrEnum):
    """What a consent ledger row records."""

    OFFERED = "offered"
    REMINDED = "reminded"
    GIVEN = "given"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    LINKED = "linked"  # a chat linked to the person's verified phone: notices go there too
    UNLINKED = "unlinked"  # a chat unlinked (/stop, or the bot blocked): SMS only


class ConsentEntry(_Row):
    """One act of the consent ledger, before it is chained."""

    case_id: str | None  # None: an act about the person, not a case (linking Telegram)
    iin: str
    act: ConsentAct
    text: str  # the exact text shown to the citizen
    template_id: str
    template_version: str
    language: str
    channel: str  # `Channel.SMS` or a chat channel's name
    message_ids: tuple[str, ...] = ()  # outbox client references of the text shown
    raw_reply: str | None = None
    intent: str | None = None
    actor: str  # "citizen", "system", or an operator's name
    at: datetime  # stored UTC


class ConsentRow(_Row):
    """A chained ledger row: the entry, its sequence number, the text's hash and the chain.

    Rows written before the ledger had per-case chains (`chain` None) form one chain in `seq`
    order; every later row is link `link` of its case's chain (`chain`: the case id, or the
    citizen's for an act without a case), and `checkpoint` names the checkpoint that sealed
    it (None until one does). See `bot.evidence.ledger`."""

    seq: int
    entry: ConsentEntry
    text_hash: str
    prev_hash: str
    hash: str
    chain: str | None = None
    link: int | None = None
    checkpoint: int | None = None


class Checkpoint(_Row):
    """A batch of ledger rows sealed into the ledger's one log: the Merkle tree head of the
    rows' hashes (RFC 6962), chained to the checkpoint before it."""

    number: int  # 1, 2, … in order
    at: datetime  # stored UTC
    size: int  # the rows it seals
    root: str  # the RFC 6962 Merkle tree hash of their hashes, in `seq` order
    prev_hash: str  # the checkpoint before's hash; for number 1, the head of the old chain
    hash: str


class InboundMessage(_Row):
    """A message a citizen sent, logged before it is handled."""

    id: int | None = None
    channel: str  # `Channel.SMS` or a chat channel's name
    address: str
    provider_id: str  # the gateway's id: a message is taken once
    text: str
    received_at: datetime
    case_id: str | None = None
    intent: str | None = None
    handled_at: datetime | None = None
    button: str | None = None  # Telegram: "<outbox id>:<action>" of the button pressed


class TimerKind(StrEnum):
    """Timers of a case."""

    REMIND = "remind"
    EXPIRE = "expire"
    DECIDE = "decide"


class TelegramChat(_Row):
    """A private Telegram chat with the bot; linked once the person shared their own contact."""

    chat_id: int
    user_id: int
    language: Language | None = None  # chosen in the chat; a linked citizen's own wins
    start_token: str | None = None  # the deep link's payload of the last /start
    phone: str | None = None  # E.164, verified by Telegram; None: not linked
    iin: str | None = None
    linked_at: datetime | None = None
    updated_at: datetime

    @property
    def linked(self) -> bool:
        """Whether offers and notices of the phone's cases come to this chat."""
        return self.phone is not None


class OperatorTask(_Row):
    """Work the law or the conversation leaves to a person."""

    id: int | None = None
    case_id: str | None
    kind: Literal["home_visit", "nonsense", "no_contact", "send_failed"]
    note: str
    created_at: datetime
    done_at: datetime | None = None


class DecisionRecord(_Row):
    """A signed decision with the case file it rests on."""

    case_id: str
    outcome: Literal["assign", "refuse"]
    signed: dict[str, Any]  # bot.evidence.signing.SignedDecision as JSON
    case_file: dict[str, Any]  # the case file snapshot
    case_file_sha256: str
    decided_at: datetime
    decided_by: str  # "automatic" or the reviewer's name


class PaymentOrder(_Row):
    """An order placed in the payments queue (ЦБД / ОДҚ) for an assigned decision."""

    id: int | None = None
    case_id: str
    service: str
    subject_iin: str  # the deceased for the burial payment: one payment per deceased
    amount: Decimal
    iban: str
    start: date
    periodicity: Literal["one_time", "monthly"]
    created_at: datetime
    # survivor: the family amount this order is a share of; the storage keeps every order
    # for one deceased within it (SPEC "The survivor benefit is one benefit per family")
    family_amount: Decimal | None = None


class Role(StrEnum):
    """What a console account may do (see bot.web.access for each role's permissions)."""

    OPERATOR = "operator"  # reads the ledger and cases; reveals with a reason
    REVIEWER = "reviewer"  # also decides the cases the law leaves to a person
    TESTER = "tester"  # also plays the state and the citizen (simulation only)
    ADMIN = "admin"  # manages accounts and reads the audit


class Operator(_Row):
    """A console account."""

    name: str
    role: Role
    password_hash: str
    created_at: datetime
    disabled_at: datetime | None = None


class WebSession(_Row):
    """A signed-in browser: the cookie holds a token, the store only its hash."""

    token_hash: str
    operator: str
    csrf: str  # the token every form of this session carries
    created_at: datetime
    expires_at: datetime


class LoginLimits(_Row):
    """How many failed logins a name may have within `window`: from one address, and from
    all addresses together."""

    window: timedelta
    per_address: int
    per_name: int


class AuditEntry(_Row):
    """Who looked at whose data, or did what, when and why."""

    id: int | None = None
    at: datetime
    operator: str
    action: str
    subject: str | None = None
    what: str
    reason: str | None = None
    address: str | None = None


class FunnelRow(_Row):
    """How far the cases of one service got."""

    service: str
    screened: int  # every case an event gave
    not_offered: int  # screened out: the registries showed it could not be assigned
    offered: int  # reached the citizen (every case but no_contact and not_offered)
    consented: int
    registered: int
    decided: int  # assigned or refused


class DayVolume(_Row):
    """SMS queued on one Almaty day."""

    day: date
    messages: int
    segments: int


class OutboxCount(_Row):
    """The outbox's messages of one channel in one status: how many, the oldest's creation."""

    channel: str
    status: str
    count: int
    oldest: datetime | None


class SystemCounts(_Row):
    """What operators watch, counted in the database (all instances together)."""

    cases: dict[tuple[str, str], int]  # (service, state) → cases
    outbox: list[OutboxCount]
    ledger_rows: int
    decisions: dict[str, int]  # outcome → decisions signed


class LedgerFilter(_Row):
    """What the console's ledger page shows: every field optional."""

    since: datetime | None = None
    until: datetime | None = None
    service: str | None = None
    channel: str | None = None
    act: str | None = None
    iin: str | None = None


class CaseFilter(_Row):
    """What the console's case list shows: a search term (case id prefix, IIN, phone, code),
    a state, a service."""

    search: str | None = None
    state: str | None = None
    service: str | None = None
