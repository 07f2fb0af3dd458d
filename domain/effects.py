"""What a conversation step asks the shell to do, as data: the shell carries each one out."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict

from domain.banking import Iban
from domain.decisions import Decision
from domain.notices import Notice


class ConsentAct(StrEnum):
    """One act of the consent ledger (келісім / согласие)."""

    GIVEN = "given"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class AccountSource(StrEnum):
    """Where the bank account of an application came from."""

    ON_FILE = "on_file"  # confirmed by the citizen from the account registry
    CITIZEN = "citizen"  # given by the citizen in a reply


class _Effect(BaseModel):
    model_config = ConfigDict(frozen=True)


class SendNotice(_Effect):
    """Send a notice to the citizen of the case, on every channel they use."""

    type: Literal["send_notice"] = "send_notice"
    notice: Notice
    # The offer of a newly opened case: its reminder and expiry count from its sending (SPEC
    # Interpretation "Offer expiry and reminders"), so its SMS starts them once sent.
    starts_offer_timers: bool = False


class RecordConsent(_Effect):
    """Append an act to the consent ledger, with the text the citizen answered."""

    type: Literal["record_consent"] = "record_consent"
    act: ConsentAct


class SetAccount(_Effect):
    """Keep the account the benefit is paid to (App.2 row 8: confirmed or provided)."""

    type: Literal["set_account"] = "set_account"
    iban: Iban
    source: AccountSource


class RegisterApplication(_Effect):
    """Register the application in the electronic journal (burial p.16, disability p.20-1)."""

    type: Literal["register_application"] = "register_application"


class CheckApplication(_Effect):
    """Run the acceptance checks on fresh registry data and report them as ApplicationChecked."""

    type: Literal["check_application"] = "check_application"


class RequestDecision(_Effect):
    """Form the case file and decide automatically by `due_at` (burial p.19-1, dis. p.21-1)."""

    type: Literal["request_decision"] = "request_decision"
    due_at: datetime


class OpenReview(_Effect):
    """Put the case before a reviewer, to be decided by `due_at` (survivor p.24)."""

    type: Literal["open_review"] = "open_review"
    due_at: datetime


class CancelProcessing(_Effect):
    """Stop a pending decision or review: consent was withdrawn."""

    type: Literal["cancel_processing"] = "cancel_processing"


class PlacePayment(_Effect):
    """Place the approved decision in the payments system (ОДҚ / ЦБД), exactly once."""

    type: Literal["place_payment"] = "place_payment"
    decision: Decision


class RequestHomeVisit(_Effect):
    """Ask the State Corporation to take documents at home (App.2 row 10, via 1414)."""

    type: Literal["request_home_visit"] = "request_home_visit"


Effect = (
    SendNotice
    | RecordConsent
    | SetAccount
    | RegisterApplication
    | CheckApplication
    | RequestDecision
    | OpenReview
    | CancelProcessing
    | PlacePayment
    | RequestHomeVisit
)
