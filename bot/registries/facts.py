"""Records of the simulated state registries, as they travel over either transport (JSON)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.model import PaymentKind
from domain.services.disability import Cause


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Person(_Record):
    """Population registry (ГБД ФЛ / "Жеке тұлғалар" МДҚ)."""

    iin: str
    surname: str
    name: str
    patronymic: str | None = None
    birth_date: date
    sex: Literal["M", "F"]
    region: str
    phone: str | None = None  # registered for e-government, E.164; None: no phone
    language: Literal["kk", "ru"] | None = None  # preferred; None: unknown


class Disability(_Record):
    """Disability registry (ЦБДИ): a disability established by medical-social expertise."""

    iin: str
    group: int | None = Field(default=None, ge=1, le=3)  # None for a child under 7
    cause: Cause
    established_on: date
    valid_until: date | None = None
    first_time: bool = True
    representative_iin: str | None = None  # a child's legal representative


class Death(_Record):
    """Civil registry (АХАЖ / ЗАГС): a registered death."""

    deceased_iin: str
    died_on: date
    registered_at: datetime
    act_number: str
    declarant_iin: str


class Birth(_Record):
    """Civil registry: a registered birth with both parents (kinship)."""

    child_iin: str
    mother_iin: str | None = None
    father_iin: str | None = None
    born_on: date
    act_number: str


class Marriage(_Record):
    """Civil registry: a registered marriage."""

    spouse_a_iin: str
    spouse_b_iin: str
    married_on: date
    act_number: str


class Payment(_Record):
    """Pensions and benefits: who received what, from when to when (burial p.13(4) reads it)."""

    iin: str
    kind: PaymentKind
    start: date
    end: date | None = None


class Study(_Record):
    """Education registries (ҰБДҚ, ЖББП): full-time study of a person."""

    iin: str
    institution: str
    full_time: bool = True
    start: date
    end: date | None = None


class BurialFilingKind(StrEnum):
    """A burial application filed, or a burial payment assigned, in the payments system."""

    APPLICATION = "application"
    ASSIGNMENT = "assignment"


class BurialFiling(_Record):
    """Payments system (ЦБД / ОДҚ): a burial application or assignment for a deceased."""

    deceased_iin: str
    applicant_iin: str
    kind: BurialFilingKind
    on: date


class AccountSource(StrEnum):
    """Where an account on file came from."""

    BANK = "bank"  # reported by the bank
    PAYMENT = "payment"  # used for an earlier state payment
    CITIZEN = "citizen"  # given by the citizen


class Account(_Record):
    """Accounts on file: the account a person is paid to."""

    iin: str
    iban: str
    bank_code: str
    source: AccountSource
    updated_on: date


class Kin(_Record):
    """A person related to another, with how (from births and marriages)."""

    relation: Literal["child", "spouse", "parent"]
    person: Person


class StudyStatus(_Record):
    """Whether a person studies full time on a date."""

    iin: str
    on: date
    full_time: bool


class EventKind(StrEnum):
    """What the registries report on their feed."""

    DISABILITY_ESTABLISHED = "disability_established"
    DEATH_REGISTERED = "death_registered"
    BIRTH_REGISTERED = "birth_registered"
    MARRIAGE_REGISTERED = "marriage_registered"


class Event(_Record):
    """One event of the append-only feed, read by cursor (`id`) in order."""

    id: int
    kind: EventKind
    occurred_on: date
    recorded_at: datetime
    payload: dict[str, Any]
    source_event_id: str
