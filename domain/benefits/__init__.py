"""The benefits the product offers, each declared in one module of this package.

`BENEFITS` is the registration: screening an event, deciding a case, choosing its path and
running its acceptance checks go through the declarations, never through a benefit's name.
A new benefit is its module here (with its rules), its texts, its tests and one line below.
"""

from __future__ import annotations

from datetime import datetime

from domain.benefits import burial, disability, survivor
from domain.benefits.declaration import Benefit
from domain.decisions import GROUND_BASIS, CaseFile, Decision, reason, refuse
from domain.model import GROUND_OF, ReasonCode, Service
from domain.screening import FACTS_OF, DecisionPath, Screening, TriggerFacts

BENEFITS: tuple[Benefit, ...] = (burial.BENEFIT, disability.BENEFIT, survivor.BENEFIT)
_BY_SERVICE = {b.service: b for b in BENEFITS}


def benefit(service: Service | str) -> Benefit:
    """The declaration of a service (KeyError for one not registered)."""
    return _BY_SERVICE[Service(service)]


def decide(case_file: CaseFile, now: datetime) -> Decision:
    """Decide a case from its case file: assign, or refuse with reasons and their bases.

    Raises ParameterUnavailable when no amount is in force on the start date (before 2024,
    earlier than any start this order allows): no refusal ground fits, so the shell hands
    such a case to a reviewer rather than refusing it.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    declared = benefit(case_file.service)
    if not case_file.consent_in_force:  # App.2/3/4 row 9(3): no consent
        code = ReasonCode.CONSENT_WITHDRAWN
        reasons = (reason(code, GROUND_BASIS[GROUND_OF[code]]),)
        return refuse(case_file, now, reasons, declared.decision_basis)
    return declared.decide(case_file, now)


def screen(facts: TriggerFacts, now: datetime) -> list[Screening]:
    """Every case an event gives, offered or not, with its terms (SPEC pre-screening): the
    screenings of each benefit the event's trigger starts, in the order registered."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return [
        found
        for declared in BENEFITS
        if isinstance(facts, FACTS_OF[declared.trigger])
        for found in declared.screen(facts, now)
    ]


def decision_path(service: Service, variant: str | None = None) -> DecisionPath:
    """How a registered case of a service is decided (App.2/3/4 row 3); `variant` is what
    changes it for the service (a disability's cause)."""
    return benefit(service).path(variant)
