"""A case: one offer of one service to one person, and where its conversation stands."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.banking import Iban
from domain.model import Language, Service


class CaseState(StrEnum):
    """Where a case stands."""

    NOT_OFFERED = "not_offered"  # the registries already show it cannot be assigned: no offer
    NO_CONTACT = "no_contact"  # no phone registered for e-government: operators see it
    OFFERED = "offered"  # the offer was sent; consent awaited
    AWAITING_ACCOUNT = "awaiting_account"  # consent given; account confirmation or IBAN awaited
    REGISTERED = "registered"  # application registered in the electronic journal
    NOT_ACCEPTED = "not_accepted"  # a check failed: notice of non-acceptance (burial p.16)
    UNDER_REVIEW = "under_review"  # registered; a reviewer decides (survivor, some disability)
    ASSIGNED = "assigned"  # decision: assigned, placed for payment
    REFUSED = "refused"  # decision: refused, with reasons and the appeal right
    DECLINED = "declined"  # the citizen said no (or STOP) to the offer
    WITHDRAWN = "withdrawn"  # consent withdrawn after it was given
    EXPIRED = "expired"  # no answer in time


OPEN = frozenset({CaseState.OFFERED, CaseState.AWAITING_ACCOUNT})  # a question is pending
PROCESSING = frozenset({CaseState.REGISTERED, CaseState.UNDER_REVIEW})
# Nothing more happens to these by the bot's hand; a no_contact case is final for the bot
# too (no channel reaches the person), and operators see it, as they see a case not offered
# (SPEC pre-screening: the registries show it would be refused; nobody was messaged).
FINAL = frozenset(
    {
        CaseState.NOT_OFFERED,
        CaseState.NO_CONTACT,
        CaseState.NOT_ACCEPTED,
        CaseState.ASSIGNED,
        CaseState.REFUSED,
        CaseState.DECLINED,
        CaseState.WITHDRAWN,
        CaseState.EXPIRED,
    }
)


class Case(BaseModel):
    """One service offered to one person (the applicant: өтініш беруші / заявитель)."""

    model_config = ConfigDict(frozen=True)

    id: str
    service: Service
    state: CaseState
    language: Language | None = None  # None: unknown, address in both languages
    automatic: bool  # the law lets it be decided without a person (burial p.19-1, dis. p.21-1)
    term_working_days: int  # the decision term (App.2/3/4 row 3)
    account_on_file: Iban | None = None
    account: Iban | None = None
    asked_for_iban: bool = False
    offered_at: datetime
    consent_at: datetime | None = None
    registered_at: datetime | None = None
    accepted: bool | None = None  # the acceptance checks' outcome, once known
    due_at: datetime | None = None
    reminders_sent: int = 0
    home_visit_requested: bool = False
    closed_at: datetime | None = None


def is_overdue(case: Case, now: datetime) -> bool:
    """Registered or under review, undecided past the decision term's 18:30 (App.2/3/4 row 3)."""
    return case.state in PROCESSING and case.due_at is not None and case.due_at < now
