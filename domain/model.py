"""Shared vocabulary of the domain: services, languages, checks and refusal reasons."""

from __future__ import annotations

from enum import StrEnum


class Service(StrEnum):
    """A benefit offered proactively (проактивті қызмет / проактивная услуга)."""

    BURIAL = "burial"  # жерлеуге арналған біржолғы төлем
    DISABILITY = "disability"  # мүгедектігі бойынша мемлекеттік әлеуметтік жәрдемақы
    SURVIVOR = "survivor"  # асыраушысынан айырылу жағдайы бойынша мемлекеттік әлеуметтік жәрдемақы


class Trigger(StrEnum):
    """The registry event that starts a proactive service (its values are the feed's kinds)."""

    DISABILITY_ESTABLISHED = "disability_established"  # the disability registry
    DEATH_REGISTERED = "death_registered"  # the civil registry


class Language(StrEnum):
    """Languages the citizen is addressed in."""

    KK = "kk"
    RU = "ru"


class BurialCheck(StrEnum):
    """The five checks an application for the burial payment passes (burial p.13)."""

    DATA_COMPLETE = "data_complete"  # burial p.13(1)
    NOT_ALREADY_ASSIGNED = "not_already_assigned"  # burial p.13(2)
    NOT_ALREADY_FILED = "not_already_filed"  # burial p.13(3)
    RECIPIENT_ON_DEATH = "recipient_on_death"  # burial p.13(4)
    WITHIN_THREE_YEARS = "within_three_years"  # burial p.13(5)


class DisabilityCheck(StrEnum):
    """What an application for the disability benefit is checked for (disability p.20-1)."""

    NOT_ALREADY_ASSIGNED = "disability_not_already_assigned"  # SPEC pre-screening


class RefusalGround(StrEnum):
    """The three grounds of refusal of every service standard (App.2/3/4 row 9)."""

    UNRELIABLE_DATA = "unreliable_data"  # row 9(1): documents or data found unreliable
    NOT_ELIGIBLE = "not_eligible"  # row 9(2): the citizen or data do not meet the law
    NO_CONSENT = "no_consent"  # row 9(3): no consent to access restricted personal data


class ReasonCode(StrEnum):
    """Why a decision refuses; each reason belongs to one refusal ground."""

    DATA_MISSING = "data_missing"
    DATA_INCORRECT = "data_incorrect"
    BURIAL_ALREADY_ASSIGNED = "burial_already_assigned"
    BURIAL_ALREADY_FILED = "burial_already_filed"
    DECEASED_NOT_A_RECIPIENT = "deceased_not_a_recipient"
    BURIAL_TOO_LATE = "burial_too_late"
    DISABILITY_NOT_ESTABLISHED = "disability_not_established"
    DISABILITY_ALREADY_ASSIGNED = "disability_already_assigned"
    NO_ELIGIBLE_DEPENDENTS = "no_eligible_dependents"
    CONSENT_WITHDRAWN = "consent_withdrawn"


GROUND_OF: dict[ReasonCode, RefusalGround] = {
    ReasonCode.DATA_MISSING: RefusalGround.UNRELIABLE_DATA,
    ReasonCode.DATA_INCORRECT: RefusalGround.UNRELIABLE_DATA,
    ReasonCode.BURIAL_ALREADY_ASSIGNED: RefusalGround.NOT_ELIGIBLE,
    ReasonCode.BURIAL_ALREADY_FILED: RefusalGround.NOT_ELIGIBLE,
    ReasonCode.DECEASED_NOT_A_RECIPIENT: RefusalGround.NOT_ELIGIBLE,
    ReasonCode.BURIAL_TOO_LATE: RefusalGround.NOT_ELIGIBLE,
    ReasonCode.DISABILITY_NOT_ESTABLISHED: RefusalGround.NOT_ELIGIBLE,
    ReasonCode.DISABILITY_ALREADY_ASSIGNED: RefusalGround.NOT_ELIGIBLE,
    ReasonCode.NO_ELIGIBLE_DEPENDENTS: RefusalGround.NOT_ELIGIBLE,
    ReasonCode.CONSENT_WITHDRAWN: RefusalGround.NO_CONSENT,
}


class PaymentKind(StrEnum):
    """Pensions and benefits the pensions registry records (burial p.13(4) reads them)."""

    AGE_PENSION = "age_pension"  # жасына байланысты зейнетақы төлемдері
    BASIC_PENSION = "basic_pension"  # мемлекеттік базалық зейнетақы төлемі
    STATE_SOCIAL_BENEFIT = "state_social_benefit"  # мемлекеттік әлеуметтік жәрдемақылар
    SPECIAL_STATE_BENEFIT = "special_state_benefit"  # мемлекеттік арнаулы жәрдемақы
