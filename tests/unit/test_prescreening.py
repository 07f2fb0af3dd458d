"""Pre-screening (domain.benefits.screen): what an event is offered, to whom, for how much.

SPEC "Offer only what the registries already allow", "The survivor benefit is one benefit
per family", "The amount offered is the amount decided": an event is offered only where the
registries allow the benefit; the offer states what a consent on the offer's day is assigned;
a family's survivor benefit is shared by N counted at the death.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.benefits import decide, screen
from domain.benefits.survivor import recipients as survivor_recipients
from domain.calendar import ALMATY, local_date
from domain.decisions import CaseFile, Outcome
from domain.model import PaymentKind, ReasonCode, Service
from domain.screening import DeathFacts, DisabilityFacts, Screening
from domain.services import survivor
from domain.services.burial import BurialFacts, PaymentPeriod
from domain.services.disability import Cause, DisabilityRecord
from domain.services.survivor import Dependent, SurvivorFacts

NOW = datetime(2026, 1, 12, 10, 0, tzinfo=ALMATY)
TODAY = local_date(NOW)
DIED_ON = date(2026, 1, 9)
DECEASED, DECLARANT, MOTHER, ADULT = "500314345180", "760520416255", "520702427345", "741103338717"
PENSION = PaymentPeriod(kind=PaymentKind.AGE_PENSION, start=date(2013, 3, 14))
PM_2026, PM_2025 = Decimal("50851"), Decimal("46228")


def burial_facts(**changes: object) -> BurialFacts:
    """A pensioner's death declared by their daughter; `changes` override facts."""
    fields: dict[str, object] = {
        "deceased_iin": DECEASED,
        "died_on": DIED_ON,
        "death_record_number": "D-2026-0000001",
        "declarant_iin": DECLARANT,
        "payments": (PENSION,),
    }
    return BurialFacts.model_validate({**fields, **changes})


def child(
    iin: str, born: date, *, studying: bool = False, parent: str | None = MOTHER
) -> Dependent:
    """A child of the deceased, with the surviving parent on record."""
    return Dependent(iin=iin, birth_date=born, full_time_study=studying, represented_by=parent)


def death(*children: Dependent, **burial: object) -> DeathFacts:
    """A death with these children; `burial` overrides burial facts (`died_on` both)."""
    died_on = burial.get("died_on", DIED_ON)
    assert isinstance(died_on, date)
    return DeathFacts(
        burial=burial_facts(**burial),
        survivor=SurvivorFacts(died_on=died_on, dependents=children),
    )


def by_service(found: list[Screening], service: Service) -> list[Screening]:
    return [s for s in found if s.service is service]


def reasons(screening: Screening) -> list[ReasonCode]:
    return [r.code for r in screening.reasons]


# ---------------------------------------------------------------- burial p.13 before the offer


def test_a_pensioners_death_is_offered_to_the_declarant_for_52_mrp_of_the_day() -> None:
    [burial] = screen(death(), NOW)
    assert (burial.service, burial.addressee_iin, burial.offered) == (
        Service.BURIAL,
        DECLARANT,
        True,
    )
    assert burial.terms is not None and burial.terms.amount == Decimal("224900.00")


@pytest.mark.parametrize(
    ("changes", "code", "basis"),
    [
        ({"already_assigned": True}, ReasonCode.BURIAL_ALREADY_ASSIGNED, "burial p.13(2)"),
        ({"already_filed": True}, ReasonCode.BURIAL_ALREADY_FILED, "burial p.13(3)"),
        ({"payments": ()}, ReasonCode.DECEASED_NOT_A_RECIPIENT, "burial p.13(4)"),
        ({"died_on": date(2022, 12, 31)}, ReasonCode.BURIAL_TOO_LATE, "burial p.13(5)"),
    ],
    ids=["assigned", "filed", "not a recipient", "over three years"],
)
def test_a_burial_check_that_fails_on_the_registries_facts_is_not_offered(
    changes: dict[str, object], code: ReasonCode, basis: str
) -> None:
    [burial] = screen(death(**changes), NOW)
    assert not burial.offered
    assert [(r.code, r.basis) for r in burial.reasons] == [(code, basis)]


def test_a_pension_that_ended_before_the_death_does_not_qualify() -> None:
    ended = PaymentPeriod(kind=PaymentKind.AGE_PENSION, start=date(2010, 1, 1), end=DIED_ON)
    assert screen(death(payments=(ended,)), NOW)[0].offered
    before = ended.model_copy(update={"end": DIED_ON - timedelta(days=1)})
    assert not screen(death(payments=(before,)), NOW)[0].offered


def test_a_death_three_years_ago_today_is_still_offered_and_a_day_later_is_not() -> None:
    anniversary = date(2023, 1, 12)
    assert screen(death(died_on=anniversary), NOW)[0].offered
    [late] = screen(death(died_on=anniversary - timedelta(days=1)), NOW)
    assert reasons(late) == [ReasonCode.BURIAL_TOO_LATE]


def test_every_failing_check_is_named_not_only_the_first() -> None:
    [burial] = screen(death(payments=(), already_filed=True), NOW)
    assert reasons(burial) == [
        ReasonCode.BURIAL_ALREADY_FILED,
        ReasonCode.DECEASED_NOT_A_RECIPIENT,
    ]


# ---------------------------------------------------------------- disability


def disability(established: date, **changes: object) -> DisabilityFacts:
    """Group II from general illness, established on `established`, of an adult."""
    record = DisabilityRecord(
        group=2,
        cause=Cause.GENERAL_ILLNESS,
        established_on=established,
        valid_until=established.replace(year=established.year + 1),
    )
    fields: dict[str, object] = {"iin": ADULT, "born": date(1974, 11, 3), "record": record}
    return DisabilityFacts.model_validate({**fields, **changes})


def test_a_disability_from_last_year_is_offered_at_the_rate_of_its_start_date() -> None:
    [offer] = screen(disability(date(2025, 12, 1)), NOW)
    assert offer.terms is not None
    assert offer.terms.start == date(2025, 12, 1)
    assert offer.terms.amount == Decimal("81361.28") == (Decimal("1.76") * PM_2025)


def test_a_disability_from_long_ago_starts_three_months_back_at_that_years_rate() -> None:
    [offer] = screen(disability(date(2025, 6, 1)), NOW)
    assert offer.terms is not None and offer.terms.start == date(2025, 10, 12)
    assert offer.terms.amount == Decimal("81361.28")


def test_a_disability_benefit_already_running_for_this_establishment_is_not_offered() -> None:
    paid = PaymentPeriod(kind=PaymentKind.STATE_SOCIAL_BENEFIT, start=date(2026, 1, 5))
    [offer] = screen(disability(date(2026, 1, 5), benefits_paid=(paid,)), NOW)
    assert not offer.offered
    assert [(r.code, r.basis) for r in offer.reasons] == [
        (ReasonCode.DISABILITY_ALREADY_ASSIGNED, "disability p.4, p.20-1")
    ]


def test_a_benefit_from_before_the_establishment_or_one_that_ended_stands_in_no_way() -> None:
    earlier = PaymentPeriod(kind=PaymentKind.STATE_SOCIAL_BENEFIT, start=date(2020, 1, 1))
    ended = PaymentPeriod(
        kind=PaymentKind.STATE_SOCIAL_BENEFIT, start=date(2026, 1, 5), end=date(2026, 1, 10)
    )
    [offer] = screen(disability(date(2026, 1, 5), benefits_paid=(earlier, ended)), NOW)
    assert offer.offered


def test_a_disability_with_an_inconsistent_group_is_not_offered_as_wrong_data() -> None:
    record = DisabilityRecord(group=None, cause=Cause.GENERAL_ILLNESS, established_on=TODAY)
    [offer] = screen(disability(TODAY, record=record), NOW)
    assert reasons(offer) == [ReasonCode.DATA_INCORRECT]


def test_a_childs_disability_is_offered_to_the_representative() -> None:
    record = DisabilityRecord(
        group=None, cause=Cause.CHILD_UNDER_7, established_on=date(2026, 1, 8)
    )
    facts = disability(
        date(2026, 1, 8), iin="210415662900", born=date(2021, 4, 15), record=record,
        representative_iin=DECLARANT,
    )  # fmt: skip
    [offer] = screen(facts, NOW)
    assert (offer.subject_iin, offer.addressee_iin, offer.offered) == (
        "210415662900",
        DECLARANT,
        True,
    )


# ---------------------------------------------------------------- survivor: one benefit a family

MINOR_A, MINOR_B, STUDENT, WORKER = "120601571539", "150303500012", "060101500011", "050505500013"


def family_of_three() -> DeathFacts:
    """Two minors (their mother receives for them) and a student of 20 for herself."""
    return death(
        child(MINOR_A, date(2012, 6, 1)),
        child(MINOR_B, date(2015, 3, 3)),
        child(STUDENT, date(2006, 1, 1), studying=True),
    )


def test_a_family_of_three_dependents_is_offered_one_benefit_split_by_recipient() -> None:
    found = by_service(screen(family_of_three(), NOW), Service.SURVIVOR)
    family = Decimal("2.25") * PM_2026  # 114,414.75 a month for the family
    share = family / 3  # 38,138.25
    offered = {s.addressee_iin: (s.received_for, s.terms and s.terms.amount) for s in found}
    assert offered == {
        MOTHER: ((MINOR_A, MINOR_B), 2 * share),
        STUDENT: ((STUDENT,), share),
    }
    assert sum(amount or 0 for _, amount in offered.values()) == family


def test_the_offer_shows_n_the_family_amount_and_the_share() -> None:
    [mother] = [s for s in screen(family_of_three(), NOW) if s.addressee_iin == MOTHER]
    assert mother.terms is not None and mother.terms.family is not None
    family = mother.terms.family
    assert (family.dependents, family.family_amount, family.share, family.paid_for) == (
        3,
        Decimal("114414.75"),
        Decimal("38138.25"),
        (MINOR_A, MINOR_B),
    )


def test_shares_are_rounded_down_to_the_tiyn_and_never_sum_over_the_family_amount() -> None:
    assert survivor.share_per_dependent(6, TODAY) == Decimal("25425.50")
    five = survivor.share_per_dependent(5, TODAY)  # 139,840.25 / 5 = 27,968.05
    assert five * 5 <= survivor.monthly_amount(5, TODAY)
    seven = survivor.share_per_dependent(7, TODAY)  # 152,553 / 7 = 21,793.2857…
    assert seven == Decimal("21793.28") and seven * 7 <= Decimal("152553.00")


def test_an_adult_child_not_studying_is_kept_as_not_offered_and_does_not_count() -> None:
    found = screen(death(child(MINOR_A, date(2012, 6, 1)), child(WORKER, date(2005, 5, 5))), NOW)
    survivors = {s.addressee_iin: s for s in by_service(found, Service.SURVIVOR)}
    assert reasons(survivors[WORKER]) == [ReasonCode.NO_ELIGIBLE_DEPENDENTS]
    mother = survivors[MOTHER].terms
    assert mother is not None and mother.family is not None
    assert mother.family.dependents == 1 and mother.amount == Decimal("0.92") * PM_2026


def test_a_death_without_children_under_23_gives_no_survivor_case() -> None:
    assert by_service(screen(death(child(WORKER, date(1990, 5, 5))), NOW), Service.SURVIVOR) == []


def test_a_minor_with_nobody_on_record_keeps_their_own_iin_to_be_seen_unreachable() -> None:
    facts = SurvivorFacts(
        died_on=DIED_ON, dependents=(child(MINOR_A, date(2012, 6, 1), parent=None),)
    )
    assert survivor_recipients(facts, TODAY) == {MINOR_A: (MINOR_A,)}


def test_a_dependent_who_no_longer_qualifies_on_the_start_is_not_paid_and_n_stays() -> None:
    died_on = date(2024, 3, 1)  # consent in 2026: the start is twelve months back, 2025-01-12
    turned_18 = child(MINOR_B, date(2006, 6, 1))  # 17 at the death, 18 and not studying since
    younger = child(MINOR_A, date(2012, 6, 1))
    facts = SurvivorFacts(
        died_on=died_on, dependents=(turned_18, younger), received_for=(MINOR_A, MINOR_B)
    )
    decision = decide(CaseFile(service=Service.SURVIVOR, consent_on=TODAY, survivor=facts), NOW)
    assert decision.start == date(2025, 1, 12)
    assert decision.family is not None
    assert (decision.family.dependents, decision.family.paid_for) == (2, (MINOR_A,))
    assert decision.amount == survivor.share_per_dependent(2, date(2025, 1, 12))


# ---------------------------------------------------------------- the offer is the decision


@pytest.mark.parametrize(
    "facts",
    [death(), disability(date(2025, 12, 1)), family_of_three()],
    ids=["burial", "disability", "survivor"],
)
def test_the_offered_terms_are_what_a_consent_on_the_same_day_is_decided(
    facts: DeathFacts | DisabilityFacts,
) -> None:
    for found in screen(facts, NOW):
        file = CaseFile(
            service=found.service,
            consent_on=TODAY,
            burial=facts.burial if isinstance(facts, DeathFacts) else None,
            disability=facts.record if isinstance(facts, DisabilityFacts) else None,
            survivor=facts.survivor.model_copy(update={"received_for": found.received_for})
            if isinstance(facts, DeathFacts) and found.service is Service.SURVIVOR
            else None,
        )
        assert found.terms == decide(file, NOW)


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        screen(death(), datetime(2026, 1, 12, 10))  # noqa: DTZ001


# ---------------------------------------------------------------- property: never over the family


@st.composite
def families(draw: st.DrawFn) -> tuple[SurvivorFacts, date]:
    """A death in 2025-2026 with 1 to 8 children of any age, studying or not, with or
    without a surviving parent; and a day of consent within a year and a half after it."""
    died_on = draw(st.dates(date(2025, 1, 1), date(2026, 6, 30)))
    count = draw(st.integers(1, 8))
    children = []
    for n in range(count):
        age_days = draw(st.integers(0, 25 * 365))
        parent = draw(st.sampled_from([MOTHER, "880101400012", None]))
        children.append(
            Dependent(
                iin=f"child-{n}",
                birth_date=died_on - timedelta(days=age_days),
                full_time_study=draw(st.booleans()),
                represented_by=parent,
            )
        )
    consent_on = died_on + timedelta(days=draw(st.integers(0, 540)))
    return SurvivorFacts(died_on=died_on, dependents=tuple(children)), consent_on


@settings(max_examples=300, deadline=None)
@given(families(), st.data())
def test_for_any_family_and_order_of_consents_the_shares_never_exceed_the_family_amount(
    family: tuple[SurvivorFacts, date], data: st.DataObject
) -> None:
    facts, consent_on = family
    groups = survivor_recipients(facts, consent_on)
    consenting = data.draw(st.permutations(sorted(groups)))[
        : data.draw(st.integers(0, len(groups)))
    ]
    paid = Decimal(0)
    caps = []
    for recipient in consenting:
        file = CaseFile(
            service=Service.SURVIVOR,
            consent_on=consent_on,
            survivor=facts.model_copy(update={"received_for": groups[recipient]}),
        )
        decision = decide(file, datetime.combine(consent_on, NOW.timetz()))
        if decision.outcome is Outcome.ASSIGN:
            assert decision.family is not None and decision.amount is not None
            assert decision.amount == decision.family.share * len(decision.family.paid_for)
            paid += decision.amount
            caps.append(decision.family.family_amount)
    start = survivor.benefit_start(facts.died_on, consent_on)
    eligible = {
        d.iin
        for d in facts.dependents
        if survivor.still_qualifies(d, facts.died_on, start)
        and any(d.iin in groups[r] for r in consenting)
    }
    if facts.count:
        assert paid == survivor.share_per_dependent(facts.count, start) * len(eligible)
    assert paid <= max(caps, default=Decimal(0))
