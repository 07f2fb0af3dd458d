"""Conversations end to end: registry events → offers by SMS → replies → registered, declined...

In process, through the composition root (`bot.composition.build_app`), on real SQLite files in
tmp_path: the registries' file (with the world clock the bot reads), the bot's file and the
simulated SMS gateway's. Texts are asserted by template id and kind, never by wording.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Literal

import pytest
from schwifty import IBAN

from bot.records import CaseRecord, ConsentAct, ConsentRow, OutboxMessage, OutboxStatus
from bot.registries.facts import EventKind
from bot.service.intake import intake, take_event
from domain.banking import bank_directory, parse_iban
from domain.calendar import ALMATY
from domain.cases import CaseState
from domain.identity import make_iin
from domain.model import Language
from domain.services.disability import Cause
from fake_registries import faults, feed, service
from fake_registries.faults import FaultRule, FaultSettings
from tests.e2e.world import START, World

ON_FILE = "KZ86125KZT5004100100"  # National Bank (125): an account on file
KASPI_ON_FILE = IBAN.generate("KZ", bank_code="722", account_code="0000000012345").compact
NEW_ACCOUNT = IBAN.generate("KZ", bank_code="722", account_code="0000000098765")
PHONE = "+77012345671"
OTHER_PHONE = "+77012345672"
THIRD_PHONE = "+77012345673"
FLAKY_PHONE = "+77010000001"  # the gateway fails it temporarily twice, then delivers
DEAD_PHONE = "+77010000002"  # the gateway fails it permanently
NONSENSE = ("qwerty", "asdf", "zzz", "blah")
OFFER = "offer.disability"


async def offered(
    world: World, phone: str, language: Literal["kk", "ru"] | None = "kk"
) -> tuple[str, CaseRecord]:
    """A person with a phone gets a disability established; the bot offers the benefit."""
    iin = world.person(phone=phone, language=language)
    world.disability(iin)
    return iin, await _started(world, phone)


async def _started(world: World, phone: str) -> CaseRecord:
    if world.app is None:
        await world.start()
    await world.settle()
    return await world.case_of(phone)


async def refreshed(world: World, record: CaseRecord) -> CaseRecord:
    """The case as the bot keeps it now."""
    async with world.bot.storage.unit_of_work() as uow:
        found = await uow.cases.get(record.case.id)
    assert found is not None
    return found


async def the_offer(world: World, record: CaseRecord) -> OutboxMessage:
    """The case's first offer, as queued."""
    offers = [m for m in await world.outbox(record.case.id) if m.template_id == OFFER]
    assert offers, "no offer was queued"
    return offers[0]


def assert_row(
    row: ConsentRow,
    act: ConsentAct,
    offer: OutboxMessage,
    *,
    reply: tuple[str, str] | None = None,
    intent: str | None = None,
) -> None:
    """A ledger row of `act` on the exact offer text; `reply` is (provider id, raw text)."""
    entry = row.entry
    assert entry.act is act
    assert entry.case_id == offer.case_id
    assert entry.text == offer.text
    assert entry.template_id == offer.template_id
    assert entry.template_version == offer.template_version
    assert entry.language == offer.language
    if reply is None:
        assert entry.actor == "system"
        assert entry.raw_reply is None
        assert entry.message_ids == (offer.client_ref,)
    else:
        provider_id, raw = reply
        assert entry.actor == "citizen"
        assert entry.raw_reply == raw
        assert entry.message_ids == (offer.client_ref, provider_id)
    assert entry.intent == intent


# ---------------------------------------------------------------- consent and account


async def test_an_offer_consented_with_the_account_on_file_confirmed_is_paid_to_it(
    world: World,
) -> None:
    iin = world.person(phone=PHONE, language="kk")
    world.account(iin, ON_FILE)
    world.disability(iin)
    record = await _started(world, PHONE)
    assert record.case.state is CaseState.OFFERED
    offer = await the_offer(world, record)
    inbox = await world.inbox(PHONE)
    assert [m.text for m in inbox] == [offer.text]
    assert offer.language == "kk"
    assert [row.entry.act for row in await world.ledger(iin)] == [ConsentAct.OFFERED]
    assert_row((await world.ledger(iin))[0], ConsentAct.OFFERED, offer)

    consent = await world.reply(PHONE, "1")
    record = await refreshed(world, record)
    assert record.case.state is CaseState.AWAITING_ACCOUNT
    assert await world.templates(record.case.id) == [OFFER, "ask_account_confirm"]
    question = (await world.inbox(PHONE))[-1].text
    on_file = parse_iban(ON_FILE)
    assert f"****{on_file.compact[-4:]}" in question  # the last four characters only
    assert on_file.compact not in question

    await world.reply(PHONE, "1")
    record = await refreshed(world, record)
    # general illness: registered, accepted and decided automatically at once (p.21-1)
    assert record.case.state is CaseState.ASSIGNED
    assert record.case.account == on_file
    assert record.case.registered_at is not None
    assert await world.templates(record.case.id) == [
        OFFER,
        "ask_account_confirm",
        "accepted",
        "assigned",
    ]
    async with world.bot.storage.unit_of_work() as uow:
        orders = await uow.payments.for_case(record.case.id)
    assert [(o.iban, o.periodicity) for o in orders] == [(on_file.compact, "monthly")]

    rows = await world.ledger(iin)
    assert await world.ledger_acts(iin) == ["offered", "given"]
    assert_row(rows[1], ConsentAct.GIVEN, offer, reply=(consent.provider_id, "1"), intent="yes")
    for message in await world.inbox(PHONE):
        assert ON_FILE not in message.text.replace(" ", "")
        assert on_file.formatted not in message.text
        assert ON_FILE[:4] not in message.text  # not even the check digits
    assert await world.verify_ledger() == []


async def test_a_new_iban_after_an_invalid_one_is_paid_to_and_the_invalid_one_is_refused(
    world: World,
) -> None:
    iin = world.person(phone=PHONE, language="ru")
    world.account(iin, KASPI_ON_FILE)
    world.disability(iin)
    record = await _started(world, PHONE)

    await world.reply(PHONE, "1")
    await world.reply(PHONE, "2")  # another account
    record = await refreshed(world, record)
    assert record.case.state is CaseState.AWAITING_ACCOUNT
    assert record.case.asked_for_iban
    assert await world.templates(record.case.id) == [OFFER, "ask_account_confirm", "ask_iban"]

    compact = NEW_ACCOUNT.compact
    wrong = f"KZ{'03' if compact[2:4] == '02' else '02'}{compact[4:]}"  # other check digits
    await world.reply(PHONE, wrong)
    record = await refreshed(world, record)
    assert record.case.state is CaseState.AWAITING_ACCOUNT
    assert record.case.account is None
    assert (await world.templates(record.case.id))[-1] == "invalid_iban.check_digits"

    await world.reply(PHONE, NEW_ACCOUNT.formatted)  # "KZxx 722x xxxx xxxx xxxx"
    record = await refreshed(world, record)
    assert record.case.state is CaseState.ASSIGNED
    assert record.case.account == parse_iban(NEW_ACCOUNT.compact)
    assert record.case.account_on_file == parse_iban(KASPI_ON_FILE)
    assert await world.templates(record.case.id) == [
        OFFER,
        "ask_account_confirm",
        "ask_iban",
        "invalid_iban.check_digits",
        "accepted",
        "assigned",
    ]
    async with world.bot.storage.unit_of_work() as uow:
        orders = await uow.payments.for_case(record.case.id)
    assert [o.iban for o in orders] == [NEW_ACCOUNT.compact]  # paid to the account given
    assert await world.ledger_acts(iin) == ["offered", "given"]
    assert all(m.language == "ru" for m in await world.outbox(record.case.id))
    assert await world.verify_ledger() == []


# ---------------------------------------------------------------- ends of an offer


async def test_a_declined_offer_stays_declined_and_a_later_yes_only_gets_a_case_closed_answer(
    world: World,
) -> None:
    iin, record = await offered(world, PHONE)
    offer = await the_offer(world, record)

    refusal = await world.reply(PHONE, "2")
    record = await refreshed(world, record)
    assert record.case.state is CaseState.DECLINED
    assert record.case.closed_at is not None
    assert await world.templates(record.case.id) == [OFFER, "declined"]
    rows = await world.ledger(iin)
    assert await world.ledger_acts(iin) == ["offered", "refused"]
    assert_row(rows[1], ConsentAct.REFUSED, offer, reply=(refusal.provider_id, "2"), intent="no")

    await world.reply(PHONE, "1")
    after = await refreshed(world, record)
    assert after.case == record.case
    assert await world.templates(record.case.id) == [OFFER, "declined", "case_closed"]
    assert await world.ledger(iin) == rows

    world.advance(timedelta(hours=80))  # the offer's timers find nothing open
    await world.settle()
    assert await world.templates(record.case.id) == [OFFER, "declined", "case_closed"]
    assert (await refreshed(world, record)).case == record.case
    assert await world.verify_ledger() == []


async def test_configured_terms_drive_the_timers_and_the_expiry_the_reminder_states(
    world: World,
) -> None:
    await world.start(remind_after=timedelta(hours=12), expire_after=timedelta(hours=24))
    iin, record = await offered(world, PHONE)
    sent = (await the_offer(world, record)).sent_at
    assert sent is not None
    world.advance_to(sent + timedelta(hours=12))
    await world.settle()
    reminder = next(m for m in await world.outbox(record.case.id) if m.template_id == "reminder")
    expires = (sent + timedelta(hours=24)).astimezone(ALMATY)
    assert expires.strftime("%d.%m.%Y") in reminder.text
    world.advance_to(sent + timedelta(hours=24))
    await world.settle()
    assert (await refreshed(world, record)).case.state is CaseState.EXPIRED
    assert await world.ledger_acts(iin) == ["offered", "reminded", "expired"]


async def test_an_unanswered_offer_is_reminded_once_at_48_hours_and_expires_at_72(
    world: World,
) -> None:
    iin, record = await offered(world, PHONE)
    offer = await the_offer(world, record)
    assert offer.sent_at is not None
    sent = offer.sent_at

    world.advance_to(sent + timedelta(hours=48) - timedelta(minutes=1))
    await world.tick()
    assert await world.templates(record.case.id) == [OFFER]

    world.advance_to(sent + timedelta(hours=48))
    await world.settle()
    templates = await world.templates(record.case.id)
    assert templates.count("reminder") == 1
    assert templates[:2] == [OFFER, "reminder"]
    reminder = next(m for m in await world.outbox(record.case.id) if m.template_id == "reminder")
    expires = (sent + timedelta(hours=72)).astimezone(ALMATY)
    assert expires.strftime("%d.%m.%Y") in reminder.text  # the expiry the timer will keep
    assert expires.strftime("%H:%M") in reminder.text
    assert (await refreshed(world, record)).case.reminders_sent == 1
    rows = await world.ledger(iin)
    assert await world.ledger_acts(iin) == ["offered", "reminded"]
    assert_row(rows[1], ConsentAct.REMINDED, offer)
    assert len(await world.inbox(PHONE)) == len(templates)

    world.advance_to(sent + timedelta(hours=72) - timedelta(minutes=1))
    await world.tick()
    assert (await refreshed(world, record)).case.state is CaseState.OFFERED

    world.advance_to(sent + timedelta(hours=72))
    await world.settle()
    record = await refreshed(world, record)
    assert record.case.state is CaseState.EXPIRED
    outbox = await world.outbox(record.case.id)
    assert outbox[-1].template_id == "expired"
    assert (await world.inbox(PHONE))[-1].text == outbox[-1].text
    rows = await world.ledger(iin)
    assert await world.ledger_acts(iin) == ["offered", "reminded", "expired"]
    offers = [m for m in outbox if m.template_id == OFFER]  # the first, and the reminder's
    assert {m.text for m in offers} == {offer.text}
    expiry = rows[2].entry
    assert (expiry.act, expiry.actor, expiry.raw_reply) == (ConsentAct.EXPIRED, "system", None)
    assert (expiry.text, expiry.template_id) == (offer.text, offer.template_id)
    assert len(expiry.message_ids) == 1
    assert expiry.message_ids[0] in {m.client_ref for m in offers}

    sent_before = len(await world.submissions())
    for _ in range(3):
        world.advance(timedelta(days=2))
        await world.settle()
    assert len(await world.submissions()) == sent_before
    assert await world.outbox(record.case.id) == outbox
    assert await world.verify_ledger() == []


async def test_stop_before_consent_declines_and_stop_after_consent_withdraws(
    world: World,
) -> None:
    early = world.person(phone=PHONE, language="kk")
    late = world.person(phone=OTHER_PHONE, language="ru")
    world.disability(early)
    world.disability(late)
    await world.start()
    await world.settle()
    early_case, late_case = await world.case_of(PHONE), await world.case_of(OTHER_PHONE)

    stop = await world.reply(PHONE, "STOP")
    early_case = await refreshed(world, early_case)
    assert early_case.case.state is CaseState.DECLINED
    assert await world.templates(early_case.case.id) == [OFFER, "declined"]
    assert await world.ledger_acts(early) == ["offered", "refused"]
    offer = await the_offer(world, early_case)
    row = (await world.ledger(early))[1]
    assert_row(row, ConsentAct.REFUSED, offer, reply=(stop.provider_id, "STOP"), intent="stop")

    await world.reply(OTHER_PHONE, "1")
    stop = await world.reply(OTHER_PHONE, "STOP")
    late_case = await refreshed(world, late_case)
    assert late_case.case.state is CaseState.WITHDRAWN
    assert late_case.case.consent_at is not None
    assert (await world.templates(late_case.case.id))[-1] == "withdrawn"
    assert await world.ledger_acts(late) == ["offered", "given", "withdrawn"]
    offer = await the_offer(world, late_case)
    row = (await world.ledger(late))[2]
    assert_row(row, ConsentAct.WITHDRAWN, offer, reply=(stop.provider_id, "STOP"), intent="stop")

    sent_before = len(await world.submissions())
    world.advance(timedelta(hours=80))  # nothing more goes to either phone
    await world.settle()
    assert len(await world.submissions()) == sent_before
    assert await world.verify_ledger() == []


# ---------------------------------------------------------------- language


async def test_a_citizen_who_chooses_russian_is_written_to_in_russian_and_kazakh_words_keep_it(
    world: World,
) -> None:
    iin = world.person(phone=PHONE, language="kk")
    world.account(iin, KASPI_ON_FILE)
    world.disability(iin)
    record = await _started(world, PHONE)
    assert [m.language for m in await world.outbox(record.case.id)] == ["kk"]

    await world.reply(PHONE, "RU")
    outbox = await world.outbox(record.case.id)
    assert [(m.template_id, m.language) for m in outbox] == [
        (OFFER, "kk"),
        ("language_changed", "ru"),
        (OFFER, "ru"),  # the question again, in the language chosen
    ]
    citizen = await world.citizen(iin)
    assert citizen is not None
    assert (citizen.language, citizen.language_source) == (Language.RU, "choice")
    assert (await refreshed(world, record)).case.state is CaseState.OFFERED

    await world.reply(PHONE, "иә")  # Kazakh "yes": the consent counts, the choice stays
    record = await refreshed(world, record)
    assert record.case.state is CaseState.AWAITING_ACCOUNT
    outbox = await world.outbox(record.case.id)
    assert outbox[-1].template_id == "ask_account_confirm"
    assert [m.language for m in outbox[1:]] == ["ru", "ru", "ru"]
    citizen = await world.citizen(iin)
    assert citizen is not None
    assert (citizen.language, citizen.language_source) == (Language.RU, "choice")
    assert await world.ledger_acts(iin) == ["offered", "given"]
    assert [m.text for m in await world.inbox(PHONE)] == [m.text for m in outbox]
    assert await world.verify_ledger() == []


async def test_the_account_question_in_russian_names_the_bank_in_russian(world: World) -> None:
    iin = world.person(phone=PHONE, language="ru")
    world.account(iin, KASPI_ON_FILE)
    world.disability(iin)
    await _started(world, PHONE)
    await world.reply(PHONE, "1")
    question = (await world.inbox(PHONE))[-1].text
    assert bank_directory()["722"].name_ru in question
    assert bank_directory()["722"].name_kk not in question
    assert await world.verify_ledger() == []


async def test_consent_after_a_language_switch_records_the_offer_in_the_language_answered(
    world: World,
) -> None:
    iin, record = await offered(world, PHONE, language="kk")
    await world.reply(PHONE, "RU")
    russian = (await world.outbox(record.case.id))[-1]
    assert (russian.template_id, russian.language) == (OFFER, "ru")
    await world.reply(PHONE, "1")
    given = (await world.ledger(iin))[-1].entry
    assert given.act is ConsentAct.GIVEN
    assert (given.text, given.language) == (russian.text, "ru")


# ---------------------------------------------------------------- choosing the case


async def test_a_reply_without_a_code_on_a_phone_with_two_open_cases_asks_which_one(
    world: World,
) -> None:
    mother = world.person(phone=PHONE, sex="F", born=date(1990, 2, 1), language="ru")
    for born in (date(2021, 4, 15), date(2022, 6, 1)):
        child = world.person(born=born, phone=None, language=None)
        world.disability(child, cause=Cause.CHILD_UNDER_7, group=None, representative=mother)
    await world.start()
    await world.settle()
    first, second = await world.cases_of(PHONE)
    assert first.code != second.code
    assert {first.addressee_iin, second.addressee_iin} == {mother}
    assert len(await world.inbox(PHONE)) == 2
    before = [r.entry for r in await world.ledger(mother)]
    assert [e.act for e in before] == [ConsentAct.OFFERED, ConsentAct.OFFERED]

    await world.reply(PHONE, "1")
    asked = (await world.inbox(PHONE))[-1]
    which = [m for m in await world.outbox(first.case.id) if m.template_id == "which_case"]
    assert len(which) == 1
    assert asked.text == which[0].text
    assert first.code in asked.text
    assert second.code in asked.text
    assert (await refreshed(world, first)).case == first.case
    assert (await refreshed(world, second)).case == second.case
    assert [r.entry for r in await world.ledger(mother)] == before

    consent = await world.reply(PHONE, f"1 {second.code}")
    assert (await refreshed(world, first)).case == first.case
    moved = await refreshed(world, second)
    assert moved.case.state is CaseState.AWAITING_ACCOUNT
    assert (await world.templates(second.case.id))[-1] == "ask_iban"  # nothing on file
    rows = await world.ledger(mother)
    assert await world.ledger_acts(mother) == ["offered", "offered", "given"]
    offer = await the_offer(world, second)
    reply = (consent.provider_id, f"1 {second.code}")
    assert_row(rows[2], ConsentAct.GIVEN, offer, reply=reply, intent="yes")
    assert await world.verify_ledger() == []


async def test_stop_without_a_code_stops_every_open_case_of_the_phone(world: World) -> None:
    mother = world.person(phone=PHONE, sex="F", born=date(1990, 2, 1), language="ru")
    for born in (date(2021, 4, 15), date(2022, 6, 1)):
        child = world.person(born=born, phone=None, language=None)
        world.disability(child, cause=Cause.CHILD_UNDER_7, group=None, representative=mother)
    await world.start()
    await world.settle()
    first, second = await world.cases_of(PHONE)
    await world.reply(PHONE, f"1 {first.code}")
    await world.reply(PHONE, "СТОП")
    states = {(await refreshed(world, r)).case.state for r in (first, second)}
    assert states == {CaseState.WITHDRAWN, CaseState.DECLINED}
    acts = await world.ledger_acts(mother)
    assert sorted(acts) == sorted(["offered", "offered", "given", "withdrawn", "refused"])
    assert await world.verify_ledger() == []


async def test_replies_not_understood_four_times_in_a_row_go_to_an_operator_and_a_valid_one_resets(
    world: World,
) -> None:
    iin, record = await offered(world, PHONE)

    for count, text in enumerate(NONSENSE[:3], start=1):
        await world.reply(PHONE, text)
        templates = await world.templates(record.case.id)
        assert templates.count("unrecognised") == count
        citizen = await world.citizen(iin)
        assert citizen is not None
        assert citizen.nonsense_count == count
    assert await world.tasks() == []

    await world.reply(PHONE, NONSENSE[3])
    templates = await world.templates(record.case.id)
    assert templates.count("unrecognised") == 3
    assert templates[-1] == "operator_handoff"
    tasks = await world.tasks()
    assert [(t.kind, t.case_id) for t in tasks] == [("nonsense", record.case.id)]
    assert (await refreshed(world, record)).case.state is CaseState.OFFERED
    assert await world.ledger_acts(iin) == ["offered"]

    sent_before = len(await world.templates(record.case.id))
    await world.reply(PHONE, NONSENSE[0])  # handed off already: no second task, no answer
    assert len(await world.templates(record.case.id)) == sent_before
    assert len(await world.tasks()) == 1

    await world.reply(PHONE, "1")
    assert (await refreshed(world, record)).case.state is CaseState.AWAITING_ACCOUNT
    citizen = await world.citizen(iin)
    assert citizen is not None
    assert citizen.nonsense_count == 0

    await world.reply(PHONE, NONSENSE[0])  # counting starts again: no operator yet
    assert (await world.templates(record.case.id))[-2:] == ["unrecognised", "ask_iban"]
    assert len(await world.tasks()) == 1
    assert await world.ledger_acts(iin) == ["offered", "given"]
    assert await world.verify_ledger() == []


# ---------------------------------------------------------------- reaching people


async def test_a_person_without_a_phone_gets_a_no_contact_case_for_an_operator_and_no_sms(
    world: World,
) -> None:
    iin = world.person(phone=None, language="kk")
    world.disability(iin)
    await world.start()
    await world.settle()

    (record,) = await world.all_cases()
    assert record.addressee_iin == iin
    assert record.phone is None
    assert record.case.state is CaseState.NO_CONTACT
    tasks = await world.tasks()
    assert [(t.kind, t.case_id) for t in tasks] == [("no_contact", record.case.id)]
    assert await world.outbox(record.case.id) == []
    assert await world.submissions() == []
    assert await world.ledger() == []

    world.advance(timedelta(hours=80))  # no timers: nothing was sent
    await world.settle()
    assert (await refreshed(world, record)).case == record.case
    assert await world.submissions() == []
    assert await world.verify_ledger() == []


async def test_a_feed_read_again_with_duplicates_opens_each_case_and_sends_each_offer_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "FAULTS_REFRESH_SECONDS", 0.0)
    faults.set_settings(world.conn, FaultSettings(duplicate_rate=1.0, reorder_rate=0.5, seed=1))
    phones = (PHONE, OTHER_PHONE, THIRD_PHONE)
    people = [world.person(phone=phone, language="ru") for phone in phones]
    for iin in people:
        world.disability(iin)
    events = world.events()
    app = await world.start()
    delivered = await app.registries.events_after(0, 100)
    assert len(delivered) > len(events)  # the feed does repeat itself

    await world.settle()
    await world.settle()
    assert await intake(app.storage, app.registries, app.clock) == 0
    for event in events:
        await take_event(app.storage, app.registries, event, world.now())
    await world.settle()

    assert await world.cursor() == events[-1].id
    assert len(await world.all_cases()) == len(people)
    for phone, iin in zip(phones, people, strict=True):
        record = await world.case_of(phone)
        assert await world.templates(record.case.id) == [OFFER]
        assert len(await world.inbox(phone)) == 1
        assert await world.ledger_acts(iin) == ["offered"]
    assert len(await world.submissions()) == len(people)
    assert await world.verify_ledger() == []


async def test_a_registry_that_does_not_answer_delays_intake_and_loses_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(service, "FAULTS_REFRESH_SECONDS", 0.0)
    faults.set_rule(world.conn, FaultRule(registry="population", error_rate=1.0))
    iin = world.person(phone=PHONE)
    world.disability(iin)
    await world.start()

    with caplog.at_level(logging.WARNING, logger="bot.app"):
        await world.settle()
    assert "registries did not answer" in caplog.text
    assert await world.all_cases() == []
    assert await world.cursor() == 0
    assert await world.submissions() == []

    faults.clear(world.conn)
    await world.settle()
    record = await world.case_of(PHONE)
    assert record.addressee_iin == iin
    assert await world.cursor() == world.events()[-1].id
    assert len(await world.inbox(PHONE)) == 1
    assert await world.ledger_acts(iin) == ["offered"]
    assert await world.verify_ledger() == []


# ---------------------------------------------------------------- delivery


async def test_a_temporary_failure_is_retried_with_backoff_and_a_dead_number_goes_to_operators(
    world: World,
) -> None:
    flaky = world.person(phone=FLAKY_PHONE, language="ru")
    dead = world.person(phone=DEAD_PHONE, language=None)
    world.disability(flaky)
    world.disability(dead)
    await world.start()
    start = world.now()
    await world.tick()  # both offers submitted
    flaky_case, dead_case = await world.case_of(FLAKY_PHONE), await world.case_of(DEAD_PHONE)

    world.advance(timedelta(minutes=1))  # receipts: temporary, permanent
    await world.tick()
    (message,) = await world.outbox(flaky_case.case.id)
    assert (message.status, message.attempts) == (OutboxStatus.QUEUED, 1)
    assert message.next_attempt_at == start + timedelta(minutes=2)  # backoff 1 min
    (failed,) = await world.outbox(dead_case.case.id)
    assert failed.status is OutboxStatus.FAILED
    tasks = await world.tasks()
    assert [(t.kind, t.case_id) for t in tasks] == [("send_failed", dead_case.case.id)]
    assert await world.inbox(DEAD_PHONE) == []

    world.advance(timedelta(seconds=30))  # inside the backoff: nothing is resent
    await world.tick()
    assert len(await world.submissions()) == 2

    world.advance_to(start + timedelta(minutes=2))  # second attempt
    await world.tick()
    world.advance(timedelta(minutes=1))  # its receipt: temporary again
    await world.tick()
    (message,) = await world.outbox(flaky_case.case.id)
    assert (message.status, message.attempts) == (OutboxStatus.QUEUED, 2)
    assert message.next_attempt_at == start + timedelta(minutes=8)  # backoff 5 min
    assert await world.inbox(FLAKY_PHONE) == []

    world.advance_to(start + timedelta(minutes=8))  # third attempt: delivered
    await world.settle()
    (message,) = await world.outbox(flaky_case.case.id)
    assert message.status is OutboxStatus.DELIVERED
    inbox = await world.inbox(FLAKY_PHONE)
    assert [m.text for m in inbox] == [message.text]
    to_flaky = [s for s in await world.submissions() if s.to == FLAKY_PHONE]
    assert sorted(s.client_ref for s in to_flaky) == [
        f"{message.client_ref}#{n}" for n in range(3)
    ]
    assert await world.inbox(DEAD_PHONE) == []
    assert len(await world.tasks()) == 1
    assert await world.ledger_acts(flaky) == ["offered"]
    assert await world.verify_ledger() == []


async def test_an_event_naming_a_record_the_registries_lack_is_passed_and_intake_goes_on(
    world: World,
) -> None:
    ghost = make_iin(date(1970, 1, 1), "M", 77)
    assert ghost is not None
    feed.append(
        world.conn,
        EventKind.DISABILITY_ESTABLISHED,
        date(2026, 1, 5),
        START,
        {"iin": ghost.value},
        "disability:ghost",
    )
    iin, record = await offered(world, PHONE)  # a real event after the ghost's
    assert record.case.state is CaseState.OFFERED
    async with world.bot.storage.unit_of_work() as uow:
        assert len(await uow.cases.all()) == 1
        assert await uow.cursor.get() == 2
