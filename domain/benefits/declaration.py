"""What every benefit declares, in the one module of its own under `domain.benefits`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from domain.decisions import CaseFile, Decision, Periodicity
from domain.model import Service, Trigger
from domain.screening import DecisionPath, Screening


@dataclass(frozen=True)
class Benefit:
    """One proactive service: when it starts, to whom, on which facts, for how much, and how
    it is decided. Screening, decisions, the console and the CLI read the declarations
    registered in `domain.benefits.BENEFITS`; none of them names a benefit.

    The facts a benefit needs are its trigger's facts (`screen`, `domain.screening.FACTS_OF`)
    and the sections of the case file it names (`decide`); the shell gathers both from the
    registries, a reader per kind of fact, so a benefit on facts already read needs none.
    """

    service: Service
    trigger: Trigger  # the registry event that starts it
    periodicity: Periodicity  # paid once, or every month
    decision_basis: str  # the paragraph a decision on it rests on
    case_file: tuple[str, ...]  # the sections of `CaseFile` its decision reads
    # the trigger's facts and `now` → one screening per addressee: offered with its terms
    # (start and amount), or not offered with the reasons (its checks on the registries)
    screen: Callable[[Any, datetime], list[Screening]]
    decide: Callable[[CaseFile, datetime], Decision]  # a case file → assign or refuse
    path: Callable[[str | None], DecisionPath]  # automatic or a reviewer, and the term; the
    # argument is the variant that changes it (a disability's cause), None for the others
    # the acceptance checks after consent that fail on the case file (burial p.13, p.16);
    # None: none runs before the decision (its case file is read only to decide)
    acceptance_failures: Callable[[CaseFile], tuple[str, ...]] | None
    # every check run on a case file, passed or not, as the decision keeps it with its
    # basis (burial p.13); None: the benefit keeps none
    checks_run: Callable[[CaseFile], Sequence[BaseModel]] | None = None
