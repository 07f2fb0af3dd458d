"""Decisions end to end: consent → journal → acceptance checks → signed decision → payment → SMS.

In process, through the composition root, on real SQLite files in tmp_path (as
test_conversation_flows): the registries' file with the world clock, the bot's file and the
simulated SMS gateway's. The world clock reads Monday 12 January 2026, 10:00 in Almaty, so
every consent in these tests is given on 2026-01-12. Texts are asserted by template id, and
by the Babel-formatted amounts and the catalog phrases they must carry, never by wording.
"""

from __future__ import annotations

import asyncio
import copy
import json
import sqlite3
from collections.abc import Callable
from contextlib import closing
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bot.__main__ import main
from bot.evidence.signing import (
    Signature,
    SignedDecision,
    Signer,
    notice_payload,
    sign_decision,
    verify,
    verify_decision,
)
from bot.records import (
    CaseRecord,
    Citizen,
    ConsentAct,
    DecisionRecord,
    OutboxMessage,
    PaymentOrder,
    TimerKind,
)
from bot.registries.facts import BurialFiling, BurialFilingKind, Event, Payment
from bot.service.decide import ReviewRefused, case_file, review
from bot.service.effects import Turn, carry_out, record_consent
from bot.service.intake import addressee, case_id
from bot.storage.verify import verify_file
from bot.wording.notice_texts import (
    APPEAL_SHORT,
    CHECK_SHORT,
    NOTICE_SEGMENTS,
    REASON_SHORT,
    REFUSAL_SEGMENTS,
)
from bot.wording.texts import format_money, translations
from domain.banking import parse_iban
from domain.benefits import decision_path
from domain.calendar import deadline, local_date
from domain.cases import Case, CaseState
from domain.conversation import open_case
from domain.decisions import Decision
from domain.model import BurialCheck, Language, PaymentKind, ReasonCode, Service
from domain.parameters import parameter
from domain.screening import Screening
from domain.services import burial, disability, survivor
from domain.services.disability import Cause
from fake_registries import actions, faults, payments, pensions, service
from fake_registries.db import transaction
from fake_registries.faults import FaultRule
from tests.e2e.world import World
from tests.postgres import on_postgresql, rows_of

DECLARANT_PHONE = "+77012345671"
SECOND_PHONE = "+77012345672"
MOTHER_PHONE = "+77012345673"
DECLARANT_ACCOUNT = "KZ86125KZT5004100100"  # National Bank (125)
SECOND_ACCOUNT = "KZ75125KZT2069100100"
TODAY = date(2026, 1, 12)  # the consent date of every test: START's Almaty date
DIED_ON = date(2026, 1, 10)
PENSION_FROM = date(2015, 5, 1)
REVIEWER = "Айгүл Серікқызы"
KK = Language.KK


# ---------------------------------------------------------------- the state's side


def pension(world: World, iin: str, start: date = PENSION_FROM, end: date | None = None) -> None:
    """The pensions registry records an age pension (open-ended unless `end`)."""
    paid = Payment(iin=iin, kind=PaymentKind.AGE_PENSION, start=start, end=end)
    with transaction(world.conn):
        pensions.add_many(world.conn, [paid])


def burial_filing(world: World, deceased: str, kind: BurialFilingKind) -> None:
    """The payments system already holds a burial application or assignment for a deceased."""
    applicant = world.person(born=date(1978, 2, 2), name="Асқар")
    filing = BurialFiling(deceased_iin=deceased, applicant_iin=applicant, kind=kind, on=DIED_ON)
    with transaction(world.conn):
        payments.add_many(world.conn, [filing])


def die(world: World, deceased: str, declarant: str, died_on: date = DIED_ON) -> Event:
    """The civil registry records a death; the feed event it gave."""
    emitted = actions.emit_death(world.conn, deceased, died_on, declarant)
    assert emitted.created
    return emitted.event


def family_of_a_pensioner(world: World, *, pension_end: date | None = None) -> tuple[str, str]:
    """A pensioner (age pension from 2015) and an adult child with a phone and an account on
    file, who will declare the death; (deceased, declarant)."""
    deceased = world.person(born=date(1950, 4, 20), name="Серік", phone=None)
    pension(world, deceased, end=pension_end)
    declarant = world.person(born=date(1980, 6, 1), sex="F", phone=DECLARANT_PHONE, name="Әсел")
    world.account(declarant, DECLARANT_ACCOUNT)
    return deceased, declarant


# ---------------------------------------------------------------- the bot's side


async def started(world: World) -> None:
    """Start the bot (once) and let it read the feed and deliver its offers."""
    if world.app is None:
        await world.start()
    await world.settle()


async def consent_and_confirm(world: World, phone: str) -> None:
    """The citizen consents (1) and confirms the account on file (1)."""
    await world.reply(phone, "1")
    await world.reply(phone, "1")


async def refreshed(world: World, record: CaseRecord) -> CaseRecord:
    """The case as the bot keeps it now."""
    async with world.bot.storage.unit_of_work() as uow:
        found = await uow.cases.get(record.case.id)
    assert found is not None
    return found


async def case_about(world: World, service_: Service, phone: str) -> CaseRecord:
    """The one case of a service on a phone."""
    found = [r for r in await world.cases_of(phone) if r.case.service is service_]
    assert len(found) == 1, f"{phone} has {len(found)} {service_.value} cases"
    return found[0]


async def decision_of(world: World, record: CaseRecord) -> DecisionRecord | None:
    """The case's signed decision, if any."""
    async with world.bot.storage.unit_of_work() as uow:
        return await uow.decisions.get(record.case.id)


async def orders_of(world: World, record: CaseRecord) -> list[PaymentOrder]:
    """The case's payment orders."""
    async with world.bot.storage.unit_of_work() as uow:
        return await uow.payments.for_case(record.case.id)


async def all_orders(world: World) -> list[PaymentOrder]:
    """Every payment order of the queue."""
    async with world.bot.storage.unit_of_work() as uow:
        return await uow.payments.all()


async def sent(world: World, record: CaseRecord, template_id: str) -> OutboxMessage:
    """The case's one message of a template."""
    found = [m for m in await world.outbox(record.case.id) if m.template_id == template_id]
    assert len(found) == 1, f"{len(found)} messages {template_id!r}"
    return found[0]


def journal_row(world: World, record: CaseRecord) -> tuple[str, dict[str, Any] | None]:
    """The case's application number and the signature of its acceptance notice, as stored."""
    query = "SELECT number, notice_signature FROM journal WHERE case_id = ?"
    if on_postgresql():
        row = next(iter(rows_of(query.replace("?", "$1"), record.case.id)), None)
    else:
        with closing(sqlite3.connect(world.bot.settings.database)) as conn:
            row = conn.execute(query, (record.case.id,)).fetchone()
    assert row is not None, "the case is not in the journal"
    number, signature = row
    return str(number), None if signature is None else json.loads(signature)


def kk(msgid: str) -> str:
    """A catalog phrase as the Kazakh SMS words it."""
    return translations(KK).gettext(msgid)


def assert_decision_verifies(world: World, decision: DecisionRecord) -> SignedDecision:
    """The decision's signature verifies over its case file, by the authorised person's key."""
    signed = SignedDecision.model_validate(decision.signed)
    key = world.bot.decider.signer.public_key_hex
    assert verify_decision(signed, decision.case_file, public_key_hex=key) == []
    assert signed.case_file_sha256 == decision.case_file_sha256
    return signed


def assert_certified(world: World, record: CaseRecord, accepted: OutboxMessage) -> str:
    """The acceptance notice names its journal number and its exact text is signed there."""
    number, signature = journal_row(world, record)
    assert number.startswith("2026-")
    assert number in accepted.text
    assert signature is not None, "the acceptance notice was not certified"
    payload = notice_payload(accepted.text, record.case.id, "accepted")
    key = world.bot.decider.signer.public_key_hex
    assert verify(payload, Signature.model_validate(signature), public_key_hex=key)
    return number


async def assert_no_decision_and_no_payment(world: World, record: CaseRecord) -> None:
    """Nothing was decided and nothing paid on the case."""
    assert await decision_of(world, record) is None
    assert await orders_of(world, record) == []


# ---------------------------------------------------------------- burial: assigned


async def test_a_pensioners_child_who_consents_is_assigned_52_mrp_once_to_her_account(
    world: World,
) -> None:
    deceased, declarant = family_of_a_pensioner(world)
    die(world, deceased, declarant)
    await started(world)
    record = await case_about(world, Service.BURIAL, DECLARANT_PHONE)
    assert record.subject_iin == deceased
    assert record.addressee_iin == declarant
    assert record.case.state is CaseState.OFFERED

    await consent_and_confirm(world, DECLARANT_PHONE)
    record = await refreshed(world, record)
    assert record.case.state is CaseState.ASSIGNED
    assert record.case.accepted is True
    assert record.case.consent_at is not None
    assert local_date(record.case.consent_at) == TODAY
    assert await world.templates(record.case.id) == [
        "offer.burial",
        "ask_account_confirm",
        "accepted",
        "assigned",
    ]
    assert_certified(world, record, await sent(world, record, "accepted"))

    amount = burial.amount(TODAY)
    assert amount == 52 * parameter("mrp", TODAY).value  # 52 MRP on the consent date
    decision = await decision_of(world, record)
    assert decision is not None
    assert (decision.outcome, decision.decided_by) == ("assign", "automatic")
    signed = assert_decision_verifies(world, decision)
    assert Decimal(signed.decision["amount"]) == amount
    assert signed.decision["start"] == TODAY.isoformat()
    assert signed.decision["periodicity"] == "one_time"
    assert {p["name"] for p in signed.decision["parameters"]} == {"burial_multiple", "mrp"}
    checks = decision.case_file["checks"]
    assert [c["check"] for c in checks] == [c.value for c in BurialCheck]
    assert all(c["passed"] for c in checks)

    account = parse_iban(DECLARANT_ACCOUNT)
    orders = await all_orders(world)
    assert [(o.case_id, o.service, o.subject_iin) for o in orders] == [
        (record.case.id, "burial", deceased)
    ]
    assert [(o.amount, o.iban, o.start, o.periodicity) for o in orders] == [
        (amount, account.compact, TODAY, "one_time")
    ]

    result = await sent(world, record, "assigned")
    assert result.segments <= NOTICE_SEGMENTS
    assert format_money(amount, "kk") in result.text
    assert (await world.inbox(DECLARANT_PHONE))[-1].text == result.text
    assert await world.ledger_acts(declarant) == ["offered", "given"]
    assert await world.verify_ledger() == []


# ---------------------------------------------------------------- burial: not accepted
#
# What the registries show before the offer is screened out (test_exact_promises); these
# checks fail only because the registries changed after the offer was made: they run again
# at acceptance (burial p.13, p.16), and only then is a notice of non-acceptance sent.


def _already_assigned(world: World, deceased: str) -> None:
    burial_filing(world, deceased, BurialFilingKind.ASSIGNMENT)


def _already_filed(world: World, deceased: str) -> None:
    burial_filing(world, deceased, BurialFilingKind.APPLICATION)


def _pension_corrected_to_end_before_the_death(world: World, deceased: str) -> None:
    with transaction(world.conn):
        world.conn.execute("UPDATE payment SET end_on = '2025-12-31' WHERE iin = ?", (deceased,))


def _a_day_passes(world: World, deceased: str) -> None:
    world.advance(timedelta(days=1))


NotAccepted = tuple[BurialCheck, Callable[[World, str], None], date]
NOT_ACCEPTED: list[NotAccepted] = [
    # (check failed, what changed in the registries after the offer, date of death)
    (BurialCheck.NOT_ALREADY_ASSIGNED, _already_assigned, DIED_ON),
    (BurialCheck.NOT_ALREADY_FILED, _already_filed, DIED_ON),
    (BurialCheck.RECIPIENT_ON_DEATH, _pension_corrected_to_end_before_the_death, DIED_ON),
    # offered on the third anniversary of the death, consented to the day after
    (BurialCheck.WITHIN_THREE_YEARS, _a_day_passes, date(2023, 1, 12)),
]


@pytest.mark.sqlite_only  # reads the bot's SQLite file
@pytest.mark.parametrize(
    ("check", "meanwhile", "died_on"),
    NOT_ACCEPTED,
    ids=["2-already-assigned", "3-already-filed", "4-no-pension-on-death", "5-too-late"],
)
async def test_a_burial_check_failing_after_the_offer_is_not_accepted_with_that_check_named(
    world: World,
    check: BurialCheck,
    meanwhile: Callable[[World, str], None],
    died_on: date,
) -> None:
    deceased, declarant = family_of_a_pensioner(world)
    die(world, deceased, declarant, died_on)
    await started(world)
    record = await case_about(world, Service.BURIAL, DECLARANT_PHONE)
    assert record.case.state is CaseState.OFFERED  # the registries allowed it then
    meanwhile(world, deceased)

    await consent_and_confirm(world, DECLARANT_PHONE)
    record = await refreshed(world, record)
    assert record.case.state is CaseState.NOT_ACCEPTED
    assert record.case.accepted is False
    assert record.case.closed_at is not None
    assert await world.templates(record.case.id) == [
        "offer.burial",
        "ask_account_confirm",
        "not_accepted",
    ]
    notice = await sent(world, record, "not_accepted")
    assert notice.segments <= NOTICE_SEGMENTS
    assert kk(CHECK_SHORT[check]) in notice.text  # the check named in plain words
    for other in set(BurialCheck) - {check}:
        assert kk(CHECK_SHORT[other]) not in notice.text
    assert (await world.inbox(DECLARANT_PHONE))[-1].text == notice.text
    number, signature = journal_row(world, record)  # registered, but nothing certified
    assert number.startswith("2026-")
    assert signature is None
    await assert_no_decision_and_no_payment(world, record)
    assert await all_orders(world) == []
    assert await world.ledger_acts(declarant) == ["offered", "given"]
    assert await world.verify_ledger() == []


# ---------------------------------------------------------------- burial: two declarants


async def offer_to_another_declarant(world: World, event: Event, declarant: str) -> CaseRecord:
    """Open a second burial case about the same deceased for another declarant, as intake does.

    The registries record one death once (a second `emit_death` is refused), so the second
    declarant's case is put into the bot's storage directly: the same event, the same
    deceased, another addressee, with its offer queued and recorded in the consent ledger
    exactly as `bot.service.intake` opens a case.
    """
    app = world.bot
    now = await app.clock.now()
    path = decision_path(Service.BURIAL)
    screening = Screening(
        service=Service.BURIAL,
        subject_iin=event.payload["deceased_iin"],
        addressee_iin=declarant,
        path=path,
        terms=None,
    )
    who = await addressee(app.registries, declarant)
    assert who.phone is not None
    draft = Case(
        id=case_id(event, screening),
        service=Service.BURIAL,
        state=CaseState.OFFERED,
        language=who.language,
        automatic=path.automatic,
        term_working_days=path.term_working_days,
        account_on_file=who.account,
        offered_at=now,
    )
    record = CaseRecord(
        case=draft,
        code="417",
        subject_iin=screening.subject_iin,
        addressee_iin=declarant,
        phone=who.phone,
        event_id=event.id,
        created_at=now,
        offered_amount=burial.amount(local_date(now)),
    )
    async with app.storage.unit_of_work() as uow:
        assert await uow.cases.add(record)
        await uow.citizens.save(
            Citizen(iin=declarant, phone=who.phone, language=who.language, language_source=None)
        )
        case, effects = open_case(draft, offered=True, reachable=True)
        record = record.model_copy(update={"case": case})
        turn = Turn(now=now, ref=f"offer:{draft.id}")
        await carry_out(uow, record, case, effects, turn)
        await record_consent(uow, record, ConsentAct.OFFERED, turn)
        await uow.commit()
    await world.settle()
    return record


async def two_declarants(world: World) -> tuple[str, CaseRecord, CaseRecord]:
    """A pensioner's death declared by one child; a second child offered too (same deceased);
    (deceased, first case, second case), both offered."""
    deceased, declarant = family_of_a_pensioner(world)
    event = die(world, deceased, declarant)
    second = world.person(born=date(1983, 9, 9), phone=SECOND_PHONE, name="Нұрлан")
    world.account(second, SECOND_ACCOUNT)
    await started(world)
    first = await case_about(world, Service.BURIAL, DECLARANT_PHONE)
    other = await offer_to_another_declarant(world, event, second)
    assert (first.subject_iin, other.subject_iin) == (deceased, deceased)
    assert first.case.id != other.case.id
    assert await world.templates(other.case.id) == ["offer.burial"]
    return deceased, first, other


async def test_two_declarants_registered_in_the_same_minute_get_one_payment_the_other_is_filed(
    world: World,
) -> None:
    """Both children consent and confirm their accounts before the bot ticks, so both are
    registered at the same instant and checked in one sweep:
    `domain.benefits.burial.filed_before` orders
    them by (registration time, case id); the first is accepted and assigned, the second fails
    burial p.13(3) alone (not yet p.13(2): the first is not decided when it is checked)."""
    deceased, first, other = await two_declarants(world)
    for phone in (DECLARANT_PHONE, SECOND_PHONE):
        await world.gateway.send_from(phone, "1")
    await world.settle()
    for phone in (DECLARANT_PHONE, SECOND_PHONE):
        await world.gateway.send_from(phone, "1")
    await world.settle()

    cases = [await refreshed(world, r) for r in (first, other)]
    assert cases[0].case.registered_at == cases[1].case.registered_at
    winner, loser = sorted(cases, key=lambda r: r.case.id)
    assert winner.case.state is CaseState.ASSIGNED
    assert (await world.templates(winner.case.id))[-2:] == ["accepted", "assigned"]
    assert loser.case.state is CaseState.NOT_ACCEPTED
    assert (await world.templates(loser.case.id))[-1] == "not_accepted"
    notice = await sent(world, loser, "not_accepted")
    assert kk(CHECK_SHORT[BurialCheck.NOT_ALREADY_FILED]) in notice.text
    assert kk(CHECK_SHORT[BurialCheck.NOT_ALREADY_ASSIGNED]) not in notice.text
    await assert_no_decision_and_no_payment(world, loser)

    orders = await all_orders(world)
    assert [(o.case_id, o.subject_iin, o.service) for o in orders] == [
        (winner.case.id, deceased, "burial")
    ]
    decision = await decision_of(world, winner)
    assert decision is not None
    assert_decision_verifies(world, decision)
    for record in cases:
        assert await world.ledger_acts(record.addressee_iin) == ["offered", "given"]
    assert await world.verify_ledger() == []


async def test_a_second_declarant_after_the_payment_is_assigned_is_not_accepted_nor_paid(
    world: World,
) -> None:
    """The first child's case is assigned and paid; the second child then consents: burial
    p.13(2) and p.13(3) fail on our own journal and payments queue. The queue itself refuses a
    second burial order for the deceased (index `payments_one_burial`), whatever the case."""
    deceased, first, other = await two_declarants(world)
    await consent_and_confirm(world, DECLARANT_PHONE)
    first = await refreshed(world, first)
    assert first.case.state is CaseState.ASSIGNED

    await consent_and_confirm(world, SECOND_PHONE)
    other = await refreshed(world, other)
    assert other.case.state is CaseState.NOT_ACCEPTED
    assert await world.templates(other.case.id) == [
        "offer.burial",
        "ask_account_confirm",
        "not_accepted",
    ]
    notice = await sent(world, other, "not_accepted")
    for check in (BurialCheck.NOT_ALREADY_ASSIGNED, BurialCheck.NOT_ALREADY_FILED):
        assert kk(CHECK_SHORT[check]) in notice.text
    await assert_no_decision_and_no_payment(world, other)

    (paid,) = await all_orders(world)
    assert (paid.case_id, paid.subject_iin) == (first.case.id, deceased)
    second_order = paid.model_copy(
        update={"id": None, "case_id": other.case.id, "iban": parse_iban(SECOND_ACCOUNT).compact}
    )
    async with world.bot.storage.unit_of_work() as uow:
        assert await uow.payments.place(second_order) is False
        await uow.commit()
    assert await all_orders(world) == [paid]
    assert await world.ledger_acts(other.addressee_iin) == ["offered", "given"]
    assert await world.verify_ledger() == []


async def test_a_first_declarant_who_withdraws_before_the_check_does_not_block_the_second(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first child registers while the civil registry is down (the checks wait), then
    sends STOP: the application is withdrawn, never accepted. The second child's application
    should then pass burial p.13(3) and be assigned."""
    monkeypatch.setattr(service, "FAULTS_REFRESH_SECONDS", 0.0)
    _, first, other = await two_declarants(world)
    await world.reply(DECLARANT_PHONE, "1")
    faults.set_rule(world.conn, FaultRule(registry="civil", error_rate=1.0))
    await world.reply(DECLARANT_PHONE, "1")
    await world.reply(DECLARANT_PHONE, "STOP")
    first = await refreshed(world, first)
    assert (first.case.state, first.case.accepted) == (CaseState.WITHDRAWN, None)
    assert first.case.registered_at is not None

    faults.clear(world.conn)
    world.advance(timedelta(minutes=2))
    await consent_and_confirm(world, SECOND_PHONE)
    other = await refreshed(world, other)
    assert other.case.state is CaseState.ASSIGNED
    assert await world.verify_ledger() == []


# ---------------------------------------------------------------- disability


async def test_a_disability_established_five_months_before_consent_is_paid_from_three_months_back(
    world: World,
) -> None:
    iin = world.person(phone=DECLARANT_PHONE)
    world.account(iin, DECLARANT_ACCOUNT)
    established = date(2025, 8, 12)  # five months before the consent
    world.disability(iin, cause=Cause.GENERAL_ILLNESS, group=2, established=established)
    await started(world)
    record = await case_about(world, Service.DISABILITY, DECLARANT_PHONE)

    await consent_and_confirm(world, DECLARANT_PHONE)
    record = await refreshed(world, record)
    assert record.case.state is CaseState.ASSIGNED
    assert await world.templates(record.case.id) == [
        "offer.disability",
        "ask_account_confirm",
        "accepted",
        "assigned",
    ]
    start = date(2025, 10, 12)  # the consent date less three months (not the 12 August)
    assert start == disability.benefit_start(established, TODAY)
    amount = disability.monthly_amount(2, Cause.GENERAL_ILLNESS, start)
    assert amount != disability.monthly_amount(2, Cause.GENERAL_ILLNESS, TODAY)  # 2025's rate

    decision = await decision_of(world, record)
    assert decision is not None
    assert (decision.outcome, decision.decided_by) == ("assign", "automatic")
    signed = assert_decision_verifies(world, decision)
    assert Decimal(signed.decision["amount"]) == amount
    assert signed.decision["start"] == start.isoformat()
    assert signed.decision["periodicity"] == "monthly"
    orders = await orders_of(world, record)
    assert [(o.amount, o.start, o.periodicity, o.iban) for o in orders] == [
        (amount, start, "monthly", parse_iban(DECLARANT_ACCOUNT).compact)
    ]
    result = await sent(world, record, "assigned")
    assert result.segments <= NOTICE_SEGMENTS
    assert format_money(amount, "kk") in result.text
    assert start.strftime("%d.%m.%Y") in result.text
    assert await world.ledger_acts(iin) == ["offered", "given"]
    assert await world.verify_ledger() == []


async def since_childhood_under_review(world: World, phone: str) -> CaseRecord:
    """An adult disabled since childhood consents and confirms: the case waits for a reviewer."""
    iin = world.person(born=date(1995, 2, 2), phone=phone)
    world.account(iin, DECLARANT_ACCOUNT)
    world.disability(iin, cause=Cause.SINCE_CHILDHOOD, group=1, established=date(2026, 1, 5))
    await started(world)
    record = await case_about(world, Service.DISABILITY, phone)
    assert not record.case.automatic
    await consent_and_confirm(world, phone)
    return await refreshed(world, record)


async def test_a_disability_since_childhood_waits_for_a_reviewer_and_is_assigned_by_them(
    world: World,
) -> None:
    record = await since_childhood_under_review(world, DECLARANT_PHONE)
    assert record.case.state is CaseState.UNDER_REVIEW
    assert record.case.accepted is True
    assert record.case.registered_at is not None
    due_at = deadline(record.case.registered_at, disability.TERM_WORKING_DAYS)  # 7 working days
    assert record.case.due_at == due_at
    assert await world.templates(record.case.id) == [
        "offer.disability",
        "ask_account_confirm",
        "accepted",
    ]
    accepted = await sent(world, record, "accepted")
    assert_certified(world, record, accepted)
    assert local_date(due_at).strftime("%d.%m.%Y") in accepted.text
    await assert_no_decision_and_no_payment(world, record)

    decision = await review(
        world.bot.decider, record.case.id, assign=True, code=None, reviewer=REVIEWER
    )
    await world.settle()
    record = await refreshed(world, record)
    assert record.case.state is CaseState.ASSIGNED
    assert (await world.templates(record.case.id))[-1] == "assigned"
    kept = await decision_of(world, record)
    assert kept is not None
    assert (kept.outcome, kept.decided_by) == ("assign", REVIEWER)
    signed = assert_decision_verifies(world, kept)
    start = disability.benefit_start(date(2026, 1, 5), TODAY)
    amount = disability.monthly_amount(1, Cause.SINCE_CHILDHOOD, start)
    assert (decision.amount, decision.start) == (amount, start)
    assert Decimal(signed.decision["amount"]) == amount
    orders = await orders_of(world, record)
    assert [(o.amount, o.start, o.periodicity) for o in orders] == [(amount, start, "monthly")]
    result = await sent(world, record, "assigned")
    assert result.segments <= NOTICE_SEGMENTS
    assert format_money(amount, "kk") in result.text

    with pytest.raises(ReviewRefused, match="not under review"):
        await review(world.bot.decider, record.case.id, assign=True, code=None, reviewer=REVIEWER)
    assert await orders_of(world, record) == orders
    assert await world.ledger_acts(record.addressee_iin) == ["offered", "given"]
    assert await world.verify_ledger() == []


async def test_a_reviewer_refusing_a_case_under_review_sends_the_reason_and_the_appeal_right(
    world: World,
) -> None:
    record = await since_childhood_under_review(world, DECLARANT_PHONE)
    assert record.case.state is CaseState.UNDER_REVIEW
    with pytest.raises(ReviewRefused, match="reason code"):
        await review(world.bot.decider, record.case.id, assign=False, code=None, reviewer=REVIEWER)
    await review(
        world.bot.decider,
        record.case.id,
        assign=False,
        code=ReasonCode.DATA_INCORRECT,
        reviewer=REVIEWER,
    )
    await world.settle()
    record = await refreshed(world, record)
    assert record.case.state is CaseState.REFUSED
    assert (await world.templates(record.case.id))[-1] == "refused"
    refused = await sent(world, record, "refused")
    assert refused.segments <= REFUSAL_SEGMENTS
    assert kk(REASON_SHORT[ReasonCode.DATA_INCORRECT]) in refused.text
    assert kk(APPEAL_SHORT) in refused.text  # the right to appeal
    kept = await decision_of(world, record)
    assert kept is not None
    assert (kept.outcome, kept.decided_by) == ("refuse", REVIEWER)
    signed = assert_decision_verifies(world, kept)
    assert [r["code"] for r in signed.decision["reasons"]] == ["data_incorrect"]
    assert await orders_of(world, record) == []
    assert await all_orders(world) == []
    with pytest.raises(ReviewRefused, match="not under review"):
        await review(world.bot.decider, record.case.id, assign=True, code=None, reviewer=REVIEWER)
    assert await world.ledger_acts(record.addressee_iin) == ["offered", "given"]
    assert await world.verify_ledger() == []


# ---------------------------------------------------------------- survivor


async def test_a_widow_with_two_minor_children_is_assigned_the_survivor_benefit_by_a_reviewer(
    world: World,
) -> None:
    father = world.person(born=date(1982, 3, 3), phone=None, name="Бауыржан")
    mother = world.person(born=date(1986, 7, 7), sex="F", phone=MOTHER_PHONE, name="Гүлнар")
    world.account(mother, DECLARANT_ACCOUNT)
    uncle = world.person(born=date(1979, 1, 1), phone=None, name="Данияр")  # declares the death
    children = [
        (world.child(mother, father, born=born), born)
        for born in (date(2015, 9, 1), date(2019, 4, 4))
    ]
    die(world, father, uncle)
    await started(world)

    record = await case_about(world, Service.SURVIVOR, MOTHER_PHONE)
    assert (record.subject_iin, record.addressee_iin) == (father, mother)
    await consent_and_confirm(world, MOTHER_PHONE)
    record = await refreshed(world, record)
    assert record.case.state is CaseState.UNDER_REVIEW
    assert record.case.registered_at is not None
    assert record.case.due_at == deadline(record.case.registered_at, survivor.TERM_WORKING_DAYS)
    assert await world.templates(record.case.id) == [
        "offer.survivor",
        "ask_account_confirm",
        "accepted",
    ]
    await assert_no_decision_and_no_payment(world, record)

    async with world.bot.storage.unit_of_work() as uow:
        file = await case_file(uow, world.bot.registries, record)
    assert file.survivor is not None
    assert file.survivor.died_on == DIED_ON
    assert sorted(d.birth_date for d in file.survivor.dependents) == [b for _, b in children]

    await review(world.bot.decider, record.case.id, assign=True, code=None, reviewer=REVIEWER)
    await world.settle()
    record = await refreshed(world, record)
    assert record.case.state is CaseState.ASSIGNED
    amount = survivor.monthly_amount(2, DIED_ON)  # from the day of death, for two dependents
    kept = await decision_of(world, record)
    assert kept is not None
    assert kept.decided_by == REVIEWER
    signed = assert_decision_verifies(world, kept)
    assert Decimal(signed.decision["amount"]) == amount
    assert signed.decision["start"] == DIED_ON.isoformat()
    orders = await all_orders(world)
    assert [(o.case_id, o.amount, o.start, o.periodicity) for o in orders] == [
        (record.case.id, amount, DIED_ON, "monthly")
    ]
    result = await sent(world, record, "assigned")
    assert format_money(amount, "kk") in result.text
    assert await world.ledger_acts(mother) == ["offered", "given"]
    assert await world.verify_ledger() == []


# ---------------------------------------------------------------- registries down


async def test_a_registry_outage_during_the_decision_refuses_nothing_and_it_is_decided_after(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "FAULTS_REFRESH_SECONDS", 0.0)
    deceased, declarant = family_of_a_pensioner(world)
    die(world, deceased, declarant)
    await started(world)
    record = await case_about(world, Service.BURIAL, DECLARANT_PHONE)
    await world.reply(DECLARANT_PHONE, "1")
    await world.gateway.send_from(DECLARANT_PHONE, "1")  # the account confirmed...

    faults.set_rule(world.conn, FaultRule(registry="civil", error_rate=1.0))
    now = world.now()
    await world.tick()  # ...and the civil registry does not answer the checks
    record = await refreshed(world, record)
    assert record.case.state is CaseState.REGISTERED
    assert record.case.accepted is None  # not yet checked: neither accepted nor refused
    assert record.case.registered_at == now
    await assert_no_decision_and_no_payment(world, record)
    async with world.bot.storage.unit_of_work() as uow:
        assert await uow.timers.due_at(record.case.id, TimerKind.DECIDE) == now + timedelta(
            minutes=1
        )
    templates = await world.templates(record.case.id)
    assert templates == ["offer.burial", "ask_account_confirm"]

    world.advance(timedelta(seconds=30))  # before the retry: nothing happens
    await world.tick()
    assert (await refreshed(world, record)).case == record.case

    faults.clear(world.conn)
    world.advance_to(now + timedelta(minutes=1))
    await world.settle()
    record = await refreshed(world, record)
    assert record.case.state is CaseState.ASSIGNED
    assert await world.templates(record.case.id) == [*templates, "accepted", "assigned"]
    decision = await decision_of(world, record)
    assert decision is not None
    assert_decision_verifies(world, decision)
    assert len(await orders_of(world, record)) == 1
    assert await world.ledger_acts(declarant) == ["offered", "given"]
    assert await world.verify_ledger() == []


# ---------------------------------------------------------------- signatures


def _altered(value: str) -> str:
    """`value` with its last character changed."""
    return value[:-1] + ("1" if value[-1] != "1" else "2")


@pytest.mark.sqlite_only  # reads the bot's SQLite file
async def test_a_decisions_signature_verifies_and_fails_once_one_byte_of_its_case_file_changes(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    iin = world.person(phone=DECLARANT_PHONE)
    world.account(iin, DECLARANT_ACCOUNT)
    world.disability(iin)
    await started(world)
    record = await case_about(world, Service.DISABILITY, DECLARANT_PHONE)
    await consent_and_confirm(world, DECLARANT_PHONE)
    decision = await decision_of(world, record)
    assert decision is not None
    signed = SignedDecision.model_validate(decision.signed)
    assert verify_decision(signed, decision.case_file) == []

    tampered = copy.deepcopy(decision.case_file)
    facts = tampered["facts"]["disability"]
    facts["established_on"] = _altered(facts["established_on"])
    problems = verify_decision(signed, tampered)
    assert len(problems) == 1
    assert problems[0].startswith("case file changed")
    assert await world.verify_ledger() == []

    database = world.bot.settings.database
    data_dir = str(world.data_dir)
    await world.stop()
    argv = ["--data-dir", data_dir, "verify-decision", record.case.id]
    assert await asyncio.to_thread(main, argv) == 0
    assert "verifies" in capsys.readouterr().out

    with closing(sqlite3.connect(database)) as conn, conn:
        conn.execute(
            "UPDATE decisions SET case_file = ? WHERE case_id = ?",
            (json.dumps(tampered, sort_keys=True, ensure_ascii=False), record.case.id),
        )
    assert await asyncio.to_thread(main, argv) == 1
    captured = capsys.readouterr()
    assert "case file changed" in captured.out
    assert "does not verify" in captured.err

    forger = Signer(Ed25519PrivateKey.generate(), name=signed.signature.signer)
    forged = sign_decision(forger, Decision.model_validate(signed.decision), tampered)
    with closing(sqlite3.connect(database)) as conn, conn:
        conn.execute(
            "UPDATE decisions SET signed = ? WHERE case_id = ?",
            (forged.model_dump_json(), record.case.id),
        )
    assert verify_decision(forged, tampered) == []  # consistent in itself...
    assert await asyncio.to_thread(main, argv) == 1  # ...but not by the authorised person's key
    assert "signed by another key" in capsys.readouterr().out
    assert await verify_file(database) == []  # the consent ledger is untouched by all this
