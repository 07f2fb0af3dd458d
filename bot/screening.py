"""Screening a feed event against the registries: which services, offered to whom, for how much.

The rules are `domain.screening` and the services' own; this module only asks the
registries for the facts they need. A registry that does not answer raises a Retriable
error, and the event waits for the next tick.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from domain.model import Service
from domain.parameters import ParameterUnavailable
from domain.screening import (
    burial_addressee,
    decision_path,
    disability_addressee,
    survivor_addressee,
)
from domain.services import burial, disability, survivor
from fake_registries.client import RegistryClient
from fake_registries.errors import NotFound
from fake_registries.models import Event, EventKind, Kin


class Proposal(BaseModel):
    """One case an event gives: the service, whom it is about, whom it is offered to."""

    model_config = ConfigDict(frozen=True)

    service: Service
    subject_iin: str
    addressee_iin: str
    automatic: bool
    term_working_days: int
    amount: Decimal | None = None
    monthly: bool = False


async def _alive(registries: RegistryClient, iin: str) -> bool:
    try:
        await registries.death(iin)
    except NotFound:
        return True
    return False


async def disability_proposals(
    registries: RegistryClient, event: Event, today: date
) -> list[Proposal]:
    """The disability benefit, offered to the person or a child's representative."""
    record = await registries.disability(event.payload["iin"])
    person = await registries.person(record.iin)
    if not await _alive(registries, record.iin):
        return []
    to = disability_addressee(record.iin, person.birth_date, record.representative_iin, today)
    path = decision_path(Service.DISABILITY, record.cause)
    try:
        amount: Decimal | None = disability.monthly_amount(record.group, record.cause, today)
    except (ValueError, ParameterUnavailable):
        amount = None  # inconsistent data: the decision will say so
    return [
        Proposal(
            service=Service.DISABILITY,
            subject_iin=record.iin,
            addressee_iin=to or record.iin,  # no representative: a no_contact case
            automatic=path.automatic,
            term_working_days=path.term_working_days,
            amount=amount,
            monthly=True,
        )
    ]


def _burial(deceased: str, declarant: str, today: date) -> Proposal:
    path = decision_path(Service.BURIAL)
    try:
        amount: Decimal | None = burial.amount(today)
    except ParameterUnavailable:
        amount = None
    return Proposal(
        service=Service.BURIAL,
        subject_iin=deceased,
        addressee_iin=burial_addressee(declarant),
        automatic=path.automatic,
        term_working_days=path.term_working_days,
        amount=amount,
    )


async def children_on(
    registries: RegistryClient, deceased: str, died_on: date
) -> list[tuple[Kin, survivor.Dependent]]:
    """The deceased's children, each with the facts survivor p.7 reads on the date of death."""
    found = []
    for kin in await registries.kin(deceased):
        if kin.relation == "child":
            study = await registries.education(kin.person.iin, died_on)
            facts = survivor.Dependent(
                birth_date=kin.person.birth_date, full_time_study=study.full_time
            )
            found.append((kin, facts))
    return found


async def _dependents(registries: RegistryClient, deceased: str, died_on: date) -> list[Kin]:
    children = await children_on(registries, deceased, died_on)
    return [kin for kin, facts in children if survivor.is_dependent(facts, died_on)]


async def _surviving_parent(registries: RegistryClient, child: Kin, deceased: str) -> str | None:
    """The other parent of a dependent, when alive."""
    for kin in await registries.kin(child.person.iin):
        is_other_parent = kin.relation == "parent" and kin.person.iin != deceased
        if is_other_parent and await _alive(registries, kin.person.iin):
            return kin.person.iin
    return None


async def survivor_proposals(
    registries: RegistryClient, deceased: str, died_on: date, today: date
) -> list[Proposal]:
    """The survivor benefit: one case per person answering for dependents
    (`domain.screening.survivor_addressee`); nobody to answer: a no_contact case."""
    groups: dict[str, int] = {}
    for child in await _dependents(registries, deceased, died_on):
        parent = await _surviving_parent(registries, child, deceased)
        born = child.person.birth_date
        answer = survivor_addressee(child.person.iin, born, parent, today)
        key = answer or child.person.iin
        groups[key] = groups.get(key, 0) + 1
    path = decision_path(Service.SURVIVOR)
    proposals = []
    for addressee_iin, count in sorted(groups.items()):
        try:
            amount: Decimal | None = survivor.monthly_amount(count, today)
        except ParameterUnavailable:
            amount = None
        proposals.append(
            Proposal(
                service=Service.SURVIVOR,
                subject_iin=deceased,
                addressee_iin=addressee_iin,
                automatic=path.automatic,
                term_working_days=path.term_working_days,
                amount=amount,
                monthly=True,
            )
        )
    return proposals


async def proposals(registries: RegistryClient, event: Event, today: date) -> list[Proposal]:
    """Every case an event gives (none for births and marriages)."""
    if event.kind is EventKind.DISABILITY_ESTABLISHED:
        return await disability_proposals(registries, event, today)
    if event.kind is EventKind.DEATH_REGISTERED:
        death = await registries.death(event.payload["deceased_iin"])
        found = [_burial(death.deceased_iin, death.declarant_iin, today)]
        return found + await survivor_proposals(
            registries, death.deceased_iin, death.died_on, today
        )
    return []
