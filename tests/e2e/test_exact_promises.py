"""Exact promises, end to end: what the state offers is what the registries allow, what a
family is paid is one benefit shared, and the amount offered is the amount decided.

In process, through the composition root, on real SQLite files (as test_decision_flows, whose
world and helpers these tests share): the registries with the world clock, the bot, the
simulated SMS gateway. SPEC "Offer only what the registries already allow", "The survivor
benefit is one benefit per family", "The amount offered is the amount decided".
"""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import main
from bot.records import PaymentOrder
from bot.registries.facts import BurialFilingKind, Study
from bot.service.decide import ReviewRefused, review
from bot.wording.texts import format_money
from domain.calendar import ALMATY
from domain.cases import CaseState
from domain.model import ReasonCode, Service
from domain.services import burial, disability, survivor
from fake_registries import education
from fake_registries.db import transaction
from tests.e2e.test_decision_flows import (
    DECLARANT_ACCOUNT,
    DECLARANT_PHONE,
    DIED_ON,
    MOTHER_PHONE,
    REVIEWER,
    all_orders,
    burial_filing,
    case_about,
    consent_and_confirm,
    decision_of,
    die,
    family_of_a_pensioner,
    refreshed,
    sent,
    started,
)
from tests.e2e.world import World, open_world

STUDENT_PHONE = "+77012345674"
STUDENT_ACCOUNT = "KZ75125KZT2069100100"


def parents(world: World) -> tuple[str, str]:
    """A father who will die and a mother with a phone and an account on file."""
    father = world.person(born=date(1980, 3, 3), phone=None, name="Бауыржан")
    mother = world.person(born=date(1984, 7, 7), sex="F", phone=MOTHER_PHONE, name="Гүлнар")
    world.account(mother, DECLARANT_ACCOUNT)
    return father, mother


def study(world: World, iin: str) -> None:
    """Full-time study since September 2024, still going."""
    with transaction(world.conn):
        education.add_many(
            world.conn,
            [Study(iin=iin, institution="ӘФУ", full_time=True, start=date(2024, 9, 1))],
        )


async def cli(world: World, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """`python -m bot --data-dir D ARGS` through the real entry point, in a thread of its
    own (its own event loop, the test's database); what it printed."""
    capsys.readouterr()
    code = await asyncio.to_thread(main, ["--data-dir", str(world.data_dir), *args])
    assert code == 0
    return capsys.readouterr().out


async def cases_json(world: World, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """`python -m bot cases --json`, as parsed objects."""
    return [
        json.loads(line) for line in (await cli(world, capsys, "cases", "--json")).splitlines()
    ]


# ---------------------------------------------------------------- one benefit a family


async def test_two_minors_with_their_mother_and_a_student_share_one_family_benefit(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    father, mother = parents(world)
    minors = [
        world.child(mother, father, born=born) for born in (date(2014, 9, 1), date(2018, 4, 4))
    ]
    student = world.child(
        mother, father, born=date(2005, 10, 10), sex="F", phone=STUDENT_PHONE, name="Дана",
        language="kk",
    )  # fmt: skip
    world.account(student, STUDENT_ACCOUNT)
    study(world, student)
    die(world, father, mother)
    await started(world)

    family = survivor.monthly_amount(3, DIED_ON)  # 2.25 subsistence minimums of 2026
    share = survivor.share_per_dependent(3, DIED_ON)
    mothers = await case_about(world, Service.SURVIVOR, MOTHER_PHONE)
    students = await case_about(world, Service.SURVIVOR, STUDENT_PHONE)
    assert (mothers.received_for, students.received_for) == (tuple(minors), (student,))
    assert (mothers.offered_amount, students.offered_amount) == (2 * share, share)
    offer = await sent(world, mothers, "offer.survivor")
    assert format_money(2 * share, "kk") in offer.text

    for phone, record in ((MOTHER_PHONE, mothers), (STUDENT_PHONE, students)):
        await consent_and_confirm(world, phone)
        await review(world.bot.decider, record.case.id, assign=True, code=None, reviewer=REVIEWER)
        await world.settle()
    orders = await all_orders(world)
    assert sorted(o.amount for o in orders) == [share, 2 * share]
    assert sum(o.amount for o in orders) == family == Decimal("114414.75")

    listed = {c["case"]["id"]: c for c in await cases_json(world, capsys)}
    for record in (mothers, students):
        shown = listed[record.case.id]
        assert shown["offered_amount"] == shown["decided_amount"] == str(record.offered_amount)
    kept = await decision_of(world, await refreshed(world, mothers))
    assert kept is not None
    assert kept.case_file["family"] == {
        "dependents": 3,
        "family_amount": str(family),
        "share": str(share),
        "paid_for": minors,
    }


async def test_a_reviewer_cannot_assign_what_the_family_amount_has_no_room_for(
    world: World,
) -> None:
    father, mother = parents(world)
    world.child(mother, father, born=date(2014, 9, 1))
    die(world, father, mother)
    await started(world)
    record = await case_about(world, Service.SURVIVOR, MOTHER_PHONE)
    burial_case = await case_about(world, Service.BURIAL, MOTHER_PHONE)
    await consent_and_confirm(world, MOTHER_PHONE)
    family = survivor.monthly_amount(1, DIED_ON)
    taken = PaymentOrder(  # an order already holding the whole family amount
        case_id=burial_case.case.id,
        service="survivor",
        subject_iin=father,
        amount=family,
        iban=DECLARANT_ACCOUNT,
        start=DIED_ON,
        periodicity="monthly",
        created_at=world.now(),
        family_amount=family,
    )
    async with world.bot.storage.unit_of_work() as uow:
        assert await uow.payments.place(taken)
        await uow.commit()
    with pytest.raises(ReviewRefused, match="exceed the family amount"):
        await review(world.bot.decider, record.case.id, assign=True, code=None, reviewer=REVIEWER)
    assert [o.case_id for o in await all_orders(world)] == [burial_case.case.id]
    assert (await refreshed(world, record)).case.state is CaseState.UNDER_REVIEW


# ---------------------------------------------------------------- burial p.13 before the offer


async def test_a_death_of_someone_who_received_nothing_is_not_offered_and_nobody_is_messaged(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    deceased = world.person(born=date(1970, 4, 20), name="Серік", phone=None)
    declarant = world.person(born=date(1980, 6, 1), sex="F", phone=DECLARANT_PHONE, name="Әсел")
    die(world, deceased, declarant)
    await started(world)
    [record] = await world.cases_of(DECLARANT_PHONE)
    assert record.case.state is CaseState.NOT_OFFERED
    assert [r.code for r in record.screened_out] == [ReasonCode.DECEASED_NOT_A_RECIPIENT]
    assert await world.inbox(DECLARANT_PHONE) == []
    assert await world.ledger_acts(declarant) == []
    [shown] = await cases_json(world, capsys)
    assert shown["case"]["state"] == "not_offered"
    assert shown["not_offered_reasons"] == ["deceased_not_a_recipient"]
    assert "(deceased_not_a_recipient)" in await cli(world, capsys, "cases")


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        (BurialFilingKind.APPLICATION, ReasonCode.BURIAL_ALREADY_FILED),
        (BurialFilingKind.ASSIGNMENT, ReasonCode.BURIAL_ALREADY_ASSIGNED),
    ],
)
async def test_a_burial_already_filed_or_paid_before_the_offer_is_not_offered(
    world: World, kind: BurialFilingKind, code: ReasonCode
) -> None:
    deceased, _ = family_of_a_pensioner(world)
    burial_filing(world, deceased, kind)
    die(world, deceased, _)
    await started(world)
    record = await case_about(world, Service.BURIAL, DECLARANT_PHONE)
    assert record.case.state is CaseState.NOT_OFFERED
    assert code in [r.code for r in record.screened_out]
    assert await world.inbox(DECLARANT_PHONE) == []


async def test_an_application_filed_elsewhere_after_the_offer_is_not_accepted_after_consent(
    world: World,
) -> None:
    deceased, declarant = family_of_a_pensioner(world)
    die(world, deceased, declarant)
    await started(world)
    record = await case_about(world, Service.BURIAL, DECLARANT_PHONE)
    assert record.case.state is CaseState.OFFERED
    burial_filing(world, deceased, BurialFilingKind.APPLICATION)  # through the portal, meanwhile
    await consent_and_confirm(world, DECLARANT_PHONE)
    record = await refreshed(world, record)
    assert record.case.state is CaseState.NOT_ACCEPTED
    assert await all_orders(world) == []


# ---------------------------------------------------------------- the amount offered is decided


async def test_a_burial_offered_on_31_december_and_consented_in_january_is_paid_at_the_new_mrp(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    late = open_world(tmp_path, datetime(2025, 12, 31, 16, 0, tzinfo=ALMATY))
    try:
        deceased, declarant = family_of_a_pensioner(late)
        die(late, deceased, declarant, died_on=date(2025, 12, 29))
        await started(late)
        record = await case_about(late, Service.BURIAL, DECLARANT_PHONE)
        offered = burial.amount(date(2025, 12, 31))  # 52 × 3,932
        assert record.offered_amount == offered == Decimal("204464.00")
        late.advance_to(datetime(2026, 1, 2, 11, 0, tzinfo=ALMATY))
        await consent_and_confirm(late, DECLARANT_PHONE)
        decided = burial.amount(date(2026, 1, 2))  # 52 × 4,325
        [order] = await all_orders(late)
        assert order.amount == decided == Decimal("224900.00")
        result = await sent(late, await refreshed(late, record), "assigned")
        assert format_money(decided, "kk") in result.text
        [shown] = [c for c in await cases_json(late, capsys) if c["offered_amount"]]
        assert (shown["offered_amount"], shown["decided_amount"]) == ("204464.00", "224900.00")
    finally:
        await late.close()


async def test_a_disability_established_in_december_is_offered_and_paid_at_decembers_rate(
    world: World,
) -> None:
    person = world.person(born=date(1974, 11, 3), phone=DECLARANT_PHONE, name="Ерлан")
    world.account(person, DECLARANT_ACCOUNT)
    world.disability(person, established=date(2025, 12, 1))
    await started(world)
    record = await case_about(world, Service.DISABILITY, DECLARANT_PHONE)
    expected = disability.monthly_amount(2, "general_illness", date(2025, 12, 1))
    assert record.offered_amount == expected == Decimal("81361.28")
    await consent_and_confirm(world, DECLARANT_PHONE)
    [order] = await all_orders(world)
    assert (order.amount, order.start) == (expected, date(2025, 12, 1))
