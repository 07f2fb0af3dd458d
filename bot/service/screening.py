"""The facts a feed event is screened on, asked of the registries and of our own payments.

The rules are `domain.benefits.screen` (which services, offered to whom, for how much, or
why not); this module only gathers what it reads. A registry that does not answer raises a
Retriable error, and the event waits for the next tick: it is never screened out for that.
The decider builds its case files from the same readers, so an offer and its decision read
the same facts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import date

from bot.ports import UnitOfWork
from bot.records import PaymentOrder
from bot.registries.errors import NotFound
from bot.registries.facts import Event, Kin, Payment
from bot.registries.port import RegistryClient
from domain.dates import full_years
from domain.model import PaymentKind, Service, Trigger
from domain.screening import DeathFacts, DisabilityFacts, TriggerFacts
from domain.services import survivor
from domain.services.burial import BurialFacts, PaymentPeriod
from domain.services.disability import DisabilityRecord
from domain.services.survivor import Dependent, SurvivorFacts

EventFacts = TriggerFacts


async def _alive(registries: RegistryClient, iin: str) -> bool:
    """No death is registered for the person."""
    try:
        await registries.death(iin)
    except NotFound:
        return True
    return False


def periods(payments: Sequence[Payment]) -> tuple[PaymentPeriod, ...]:
    """The pensions registry's payments as the domain reads them."""
    return tuple(PaymentPeriod(kind=p.kind, start=p.start, end=p.end) for p in payments)


def disability_record(found: object) -> DisabilityRecord:
    """The disability registry's record as the domain reads it."""
    return DisabilityRecord.model_validate(found, from_attributes=True)


async def disability_facts(
    registries: RegistryClient, iin: str, on: date
) -> DisabilityFacts | None:
    """The disability established for a person, with the benefits they receive on `on`;
    None when the person died meanwhile (nobody to offer it to)."""
    found = await registries.disability(iin)
    person = await registries.person(found.iin)
    if not await _alive(registries, found.iin):
        return None
    return DisabilityFacts(
        iin=found.iin,
        born=person.birth_date,
        record=disability_record(found),
        representative_iin=found.representative_iin,
        benefits_paid=periods(await registries.payments_on(found.iin, on)),
    )


async def registry_burial_facts(
    registries: RegistryClient, deceased: str, declarant: str
) -> BurialFacts:
    """What the civil, pensions and payments registries say of a death (burial p.13);
    without a death on record, the facts lack the date and act (p.13(1) fails)."""
    try:
        death = await registries.death(deceased)
    except NotFound:
        return BurialFacts(
            deceased_iin=deceased, died_on=None, death_record_number=None, declarant_iin=declarant
        )
    paid = await registries.payments_on(death.deceased_iin, death.died_on)
    filings = await registries.burial_filings(death.deceased_iin)
    return BurialFacts(
        deceased_iin=death.deceased_iin,
        died_on=death.died_on,
        death_record_number=death.act_number,
        declarant_iin=declarant,
        payments=periods(paid),
        already_assigned=any(f.kind == "assignment" for f in filings),  # burial p.13(2)
        already_filed=any(f.kind == "application" for f in filings),  # burial p.13(3)
    )


async def _surviving_parent(registries: RegistryClient, child: Kin, deceased: str) -> str | None:
    """The other parent of a child, when alive: who receives for the child while a minor."""
    for kin in await registries.kin(child.person.iin):
        is_other_parent = kin.relation == "parent" and kin.person.iin != deceased
        if is_other_parent and await _alive(registries, kin.person.iin):
            return kin.person.iin
    return None


async def children_on(registries: RegistryClient, deceased: str, died_on: date) -> list[Dependent]:
    """The deceased's children under 23 on the date of death, each with the facts survivor
    p.7 reads then (full-time study) and who receives for them (the surviving parent)."""
    found = []
    for kin in await registries.kin(deceased):
        age = full_years(kin.person.birth_date, died_on)
        if kin.relation != "child" or not 0 <= age < survivor.STUDY_LIMIT:
            continue
        study = await registries.education(kin.person.iin, died_on)
        found.append(
            Dependent(
                iin=kin.person.iin,
                birth_date=kin.person.birth_date,
                full_time_study=study.full_time,
                represented_by=await _surviving_parent(registries, kin, deceased),
            )
        )
    return found


async def survivor_facts(registries: RegistryClient, deceased: str) -> SurvivorFacts | None:
    """The death and the deceased's children as the registries show them; None without a
    death on record."""
    try:
        death = await registries.death(deceased)
    except NotFound:
        return None
    children = await children_on(registries, deceased, death.died_on)
    return SurvivorFacts(died_on=death.died_on, dependents=tuple(children))


async def _disability_event(
    registries: RegistryClient, event: Event, on: date
) -> DisabilityFacts | None:
    return await disability_facts(registries, event.payload["iin"], on)


async def _death_event(registries: RegistryClient, event: Event, _on: date) -> DeathFacts:
    death = await registries.death(event.payload["deceased_iin"])
    burial = await registry_burial_facts(registries, death.deceased_iin, death.declarant_iin)
    family = await survivor_facts(registries, death.deceased_iin)
    assert family is not None  # the death was just read
    return DeathFacts(burial=burial, survivor=family)


# How each trigger's event is read: the facts `domain.screening.FACTS_OF` says it gives to the
# benefits it starts (`domain.benefits`); a benefit on a trigger read here needs no reader.
READERS: dict[Trigger, Callable[[RegistryClient, Event, date], Awaitable[EventFacts | None]]] = {
    Trigger.DISABILITY_ESTABLISHED: _disability_event,
    Trigger.DEATH_REGISTERED: _death_event,
}


async def event_facts(registries: RegistryClient, event: Event, on: date) -> EventFacts | None:
    """What an event is screened on, as the registries show it on `on`; None for events
    that start no benefit (births, marriages) or nobody can be offered (a person with
    disability who died since)."""
    try:
        read = READERS[Trigger(event.kind.value)]
    except (ValueError, KeyError):
        return None  # no benefit starts with this kind of event
    return await read(registries, event, on)


def subject_of(facts: EventFacts) -> str:
    """Whom the event is about: the person with disability, or the deceased."""
    if isinstance(facts, DisabilityFacts):
        return facts.iin
    return facts.burial.deceased_iin or ""


def running_benefits(orders: Iterable[PaymentOrder]) -> tuple[PaymentPeriod, ...]:
    """Disability benefits we placed for payment, as state social benefits running since
    their start (the pensions registry does not know of them yet)."""
    return tuple(
        PaymentPeriod(kind=PaymentKind.STATE_SOCIAL_BENEFIT, start=o.start) for o in orders
    )


async def with_our_payments(uow: UnitOfWork, facts: Sequence[EventFacts]) -> list[EventFacts]:
    """The facts with what our own payments queue adds: a burial payment we assigned for a
    deceased (burial p.13(2)), a disability benefit we assigned to a person (p.20-1)."""
    deaths = [f.burial.deceased_iin or "" for f in facts if isinstance(f, DeathFacts)]
    disabled = [f.iin for f in facts if isinstance(f, DisabilityFacts)]
    buried = {o.subject_iin for o in await uow.payments.of_subjects(Service.BURIAL.value, deaths)}
    benefits: dict[str, list[PaymentOrder]] = {}
    for order in await uow.payments.of_subjects(Service.DISABILITY.value, disabled):
        benefits.setdefault(order.subject_iin, []).append(order)
    return [_with_ours(f, buried, benefits) for f in facts]


def _with_ours(
    facts: EventFacts, buried: set[str], benefits: dict[str, list[PaymentOrder]]
) -> EventFacts:
    """One event's facts with our burial order for its deceased, our disability orders."""
    if isinstance(facts, DeathFacts) and facts.burial.deceased_iin in buried:
        burial = facts.burial.model_copy(update={"already_assigned": True})
        return facts.model_copy(update={"burial": burial})
    if isinstance(facts, DisabilityFacts) and facts.iin in benefits:
        paid = facts.benefits_paid + running_benefits(benefits[facts.iin])
        return facts.model_copy(update={"benefits_paid": paid})
    return facts
