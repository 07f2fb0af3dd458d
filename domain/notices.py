"""What the citizen is told, as kinds and parameters; each channel words them from the catalogs."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class NoticeKind(StrEnum):
    """Every message the conversation can send; never wording, only what it is."""

    OFFER = "offer"  # the state writes first: the benefit and the consent question
    REMINDER = "reminder"  # one reminder before the offer expires
    ASK_ACCOUNT_CONFIRM = "ask_account_confirm"  # confirm the account on file or give another
    ASK_IBAN = "ask_iban"  # give an IBAN
    INVALID_IBAN = "invalid_iban"  # the IBAN given does not check out
    ACCEPTED = "accepted"  # application registered, notice certified by EDS (burial p.16)
    NOT_ACCEPTED = "not_accepted"  # a check failed (burial p.16, disability p.20-1)
    ASSIGNED = "assigned"  # the result: benefit assigned
    REFUSED = "refused"  # the result: refusal with reasons and the appeal right
    DECLINED = "declined"  # the citizen said no: how to apply later
    WITHDRAWN = "withdrawn"  # consent withdrawn, processing stopped
    EXPIRED = "expired"  # no answer in time: how to apply via egov.kz, the State Corporation, 1414
    HELP = "help"  # what can be answered now
    HOME_VISIT_REQUESTED = "home_visit_requested"  # App.2 row 10: documents taken at home
    LANGUAGE_CHANGED = "language_changed"
    UNRECOGNISED = "unrecognised"  # the reply was not understood: the options again
    STATUS = "status"  # the application is being processed; the due date
    CASE_CLOSED = "case_closed"  # nothing is open: the final state and the contacts


ParamValue = str | int | bool | Decimal | date | datetime | tuple[str, ...] | None


class Notice(BaseModel):
    """A notice to the citizen of one case: its kind and the values its text needs."""

    model_config = ConfigDict(frozen=True)

    kind: NoticeKind
    params: dict[str, ParamValue] = Field(default_factory=dict)
