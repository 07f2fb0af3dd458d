"""The console's cases: the list searched, filtered and paged, and one case's whole timeline.

Lists run on cases put straight into the bot's store (many, exactly as wanted); timelines on
cases the simulated world brought about: the registry event, the offer over the simulated
SMS gateway, the citizen's replies, the signed decision and its payment order.
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
from contextlib import closing
from datetime import date, timedelta

import pytest
from aiohttp.test_utils import TestServer

from bot.records import AuditEntry, CaseRecord
from domain.cases import Case, CaseState
from domain.model import Service
from domain.services.disability import Cause
from fake_registries import actions, faults, service
from fake_registries.faults import FaultRule
from tests.console.support import Browser, browser
from tests.e2e.world import START, World, iin_for

PHONE = "+77015550133"
OTHER_PHONE = "+77015550144"
ON_FILE = "KZ86125KZT5004100100"
SENT_IBAN = "KZ75125KZT2069100100"
LINK = re.compile(r'href="(/cases\?[^"]*)"')


# ---------------------------------------------------------------- helpers (also test_review)


async def signed_in(you: Browser, role: str) -> None:
    """Sign in as the account named after the role, and read the console in English."""
    assert (await you.sign_in(role)).status == 303
    chosen = await you.post("/language", {"lang": "en", "back": "/"})
    assert chosen.status == 303


async def text_of(you: Browser, path: str, status: int = 200) -> str:
    """A page's HTML, asserting its status."""
    response = await you.get(path)
    body = await response.text()
    assert response.status == status, (path, response.status, body[:2000])
    return body


def words(page: str) -> str:
    """A page's text without tags, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


async def under_review(world: World, phone: str = PHONE) -> CaseRecord:
    """An adult disabled since childhood consents and confirms: the case waits for a reviewer."""
    iin = world.person(phone=phone, language="ru")
    world.account(iin, ON_FILE)
    world.disability(iin, cause=Cause.SINCE_CHILDHOOD, group=2)
    await world.settle()
    await world.reply(phone, "1")
    await world.reply(phone, "1")
    record = await world.case_of(phone)
    assert record.case.state is CaseState.UNDER_REVIEW
    return record


async def assigned_to_a_sent_iban(world: World, phone: str = PHONE) -> CaseRecord:
    """A disability by general illness, no account on file: the citizen consents and sends
    an IBAN by SMS; the case is decided automatically and the payment ordered."""
    iin = world.person(phone=phone)
    world.disability(iin)
    await world.settle()
    await world.reply(phone, "1")
    await world.reply(phone, SENT_IBAN)
    record = await world.case_of(phone)
    assert record.case.state is CaseState.ASSIGNED, record.case.state
    return record


async def audit_of(world: World) -> list[AuditEntry]:
    """The audit, newest first."""
    async with world.bot.storage.unit_of_work() as uow:
        entries, _ = await uow.audit.page(0, 100)
    return entries


async def put_case(
    world: World,
    number: int,
    *,
    service_: Service = Service.DISABILITY,
    state: CaseState = CaseState.OFFERED,
    phone: str | None = None,
    code: str = "100",
    case_id: str | None = None,
) -> CaseRecord:
    """A case put straight into the bot's store, created `number` minutes after START."""
    created = START + timedelta(minutes=number)
    iin = iin_for(date(1970, 1, 1) + timedelta(days=number), "F", 2000 + number)
    record = CaseRecord(
        case=Case(
            id=case_id or f"f{number:015x}",
            service=service_,
            state=state,
            automatic=True,
            term_working_days=7,
            offered_at=created,
        ),
        code=code,
        subject_iin=iin_for(date(1950, 1, 1) + timedelta(days=number), "M", 3000 + number),
        addressee_iin=iin,
        phone=phone,
        event_id=100_000 + number,
        created_at=created,
    )
    async with world.bot.storage.unit_of_work() as uow:
        assert await uow.cases.add(record)
        await uow.commit()
    return record


async def three_cases(world: World) -> tuple[CaseRecord, CaseRecord, CaseRecord]:
    """An offered disability case, a registered burial case, a survivor case under review."""
    first = await put_case(world, 1, phone=PHONE, code="101", case_id="a1b2c3d4e5f60001")
    second = await put_case(
        world,
        2,
        service_=Service.BURIAL,
        state=CaseState.REGISTERED,
        phone=OTHER_PHONE,
        code="202",
        case_id="b1b2c3d4e5f60002",
    )
    third = await put_case(
        world,
        3,
        service_=Service.SURVIVOR,
        state=CaseState.UNDER_REVIEW,
        code="303",
        case_id="c1b2c3d4e5f60003",
    )
    return first, second, third


def listed(page: str, *records: CaseRecord) -> list[bool]:
    """Whether each case's link is on a page."""
    return [f'href="/cases/{r.case.id}"' in page for r in records]


# ---------------------------------------------------------------- the list


async def test_the_case_list_filters_by_state_and_by_service(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    first, second, third = await three_cases(world)
    async with browser(server) as you:
        await signed_in(you, "operator")
        assert listed(await text_of(you, "/cases"), first, second, third) == [True] * 3
        by_state = await text_of(you, "/cases?state=registered")
        assert listed(by_state, first, second, third) == [False, True, False]
        by_service = await text_of(you, "/cases?service=survivor")
        assert listed(by_service, first, second, third) == [False, False, True]
        both = await text_of(you, "/cases?state=offered&service=burial")
        assert listed(both, first, second, third) == [False, False, False]
        assert "No cases match." in both


async def test_the_case_list_finds_a_case_by_iin_phone_code_and_id_prefix(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    first, second, third = await three_cases(world)
    async with browser(server) as you:
        await signed_in(you, "operator")
        by_iin = await text_of(you, f"/cases?q={first.addressee_iin}")
        assert listed(by_iin, first, second, third) == [True, False, False]
        by_deceased = await text_of(you, f"/cases?q={second.subject_iin}")
        assert listed(by_deceased, first, second, third) == [False, True, False]
        by_phone = await text_of(you, "/cases?q=%2B77015550144")
        assert listed(by_phone, first, second, third) == [False, True, False]
        written_locally = await text_of(you, "/cases?q=8+701+555+01+44")
        assert listed(written_locally, first, second, third) == [False, True, False]
        by_code = await text_of(you, "/cases?q=303")
        assert listed(by_code, first, second, third) == [False, False, True]
        by_prefix = await text_of(you, "/cases?q=A1B2C3")
        assert listed(by_prefix, first, second, third) == [True, False, False]


async def test_a_search_by_iin_or_phone_is_audited_and_one_by_code_is_not(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    first, _, _ = await three_cases(world)
    async with browser(server) as you:
        await signed_in(you, "operator")
        await text_of(you, "/cases?q=303")
        assert [e for e in await audit_of(world) if e.action == "search_cases"] == []
        await text_of(you, f"/cases?q={first.addressee_iin}")
        await text_of(you, "/cases?q=%2B77015550133")
    searches = [e for e in await audit_of(world) if e.action == "search_cases"]
    assert [(e.operator, e.subject) for e in searches] == [
        ("operator", PHONE),
        ("operator", first.addressee_iin),
    ]


async def test_the_list_pages_by_fifty_newest_first_keeping_its_filters(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    records = [await put_case(world, n, code=f"{100 + n}") for n in range(1, 56)]
    await put_case(world, 60, service_=Service.BURIAL)  # filtered out on every page
    async with browser(server) as you:
        await signed_in(you, "operator")
        first_page = await text_of(you, "/cases?service=disability&state=offered")
        newest = list(reversed(records))
        assert listed(first_page, *newest[:50]) == [True] * 50
        assert listed(first_page, *newest[50:]) == [False] * 5
        links = [html.unescape(link) for link in LINK.findall(first_page)]
        assert links == ["/cases?state=offered&service=disability&page=2"]
        second_page = await text_of(you, links[0])
        assert listed(second_page, *newest[50:]) == [True] * 5
        assert listed(second_page, *newest[:50]) == [False] * 50
        back = [html.unescape(link) for link in LINK.findall(second_page)]
        assert back == ["/cases?state=offered&service=disability"]
        assert "Page 2 of 2" in words(second_page)


@pytest.mark.parametrize(
    "query",
    ["state=closed", "service=pension", "page=0", "page=abc", "page=99999999", "q=" + "9" * 80],
)
async def test_bad_list_input_gives_a_message_not_a_server_error(
    served: tuple[World, TestServer], query: str
) -> None:
    world, server = served
    await three_cases(world)
    async with browser(server) as you:
        await signed_in(you, "operator")
        page = await text_of(you, f"/cases?{query}", status=400)
        assert 'class="bad" role="alert"' in page
        assert 'href="/cases/' not in page


# ---------------------------------------------------------------- the timeline


async def test_the_timeline_shows_the_event_the_offer_the_replies_and_the_consent_rows(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    record = await under_review(world)
    sent = await world.outbox(record.case.id)
    offer = next(m for m in sent if m.template_id == "offer.disability")
    async with world.bot.storage.unit_of_work() as uow:
        rows = await uow.consents.rows(record.addressee_iin)
        number = await uow.journal.number_of(record.case.id)
    assert number is not None
    async with browser(server) as you:
        await signed_in(you, "operator")
        text = words(await text_of(you, f"/cases/{record.case.id}"))
    assert "disability_established" in text
    assert "Registry event" in text and "registry unavailable" not in text
    assert (
        f"template offer.disability · language {offer.language} · {offer.encoding} · "
        f"segments: {offer.segments} · status: delivered"
    ) in text
    assert words(html.escape(offer.text)) in text
    assert text.count("taken as:") == 2  # the consent and the account confirmed
    assert [r.entry.act.value for r in rows] == ["offered", "given"]
    for row in rows:
        assert f"{row.seq} {row.entry.act.value} sms" in text
    assert "«1»" in text  # the reply the consent was given by
    assert f"Application number {number}" in text
    assert "Not decided yet." in text
    assert "cause since_childhood" in text  # the live case file: the cause of disability
    assert "No payment orders." in text


async def test_a_decided_case_shows_its_decision_with_a_valid_signature_and_its_payment(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    record = await assigned_to_a_sent_iban(world)
    async with world.bot.storage.unit_of_work() as uow:
        orders = await uow.payments.for_case(record.case.id)
        decision = await uow.decisions.get(record.case.id)
    assert decision is not None and len(orders) == 1
    async with browser(server) as you:
        await signed_in(you, "operator")
        page = await text_of(you, f"/cases/{record.case.id}")
    text = words(page)
    assert "Outcome assigned" in text
    assert "Decided by automatically" in text
    assert '<strong class="ok">valid</strong>' in page
    assert "INVALID" not in text
    assert "As kept with the decision and signed." in text
    assert "facts › disability" in text  # the case file as sections, not raw JSON
    assert '"facts"' not in html.unescape(page)
    assert "KZ75 125* **** **** 0100" in text  # the payment's account, masked


@pytest.mark.sqlite_only  # reads the bot's SQLite file
async def test_a_tampered_case_file_makes_the_page_say_the_signature_is_invalid(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    record = await assigned_to_a_sent_iban(world)
    async with world.bot.storage.unit_of_work() as uow:
        decision = await uow.decisions.get(record.case.id)
    assert decision is not None
    tampered = json.loads(json.dumps(decision.case_file))
    tampered["facts"]["disability"]["group"] = 1
    with closing(sqlite3.connect(world.bot.settings.database)) as conn, conn:
        conn.execute(
            "UPDATE decisions SET case_file = ? WHERE case_id = ?",
            (json.dumps(tampered, ensure_ascii=False), record.case.id),
        )
    async with browser(server) as you:
        await signed_in(you, "operator")
        page = await text_of(you, f"/cases/{record.case.id}")
    assert '<strong class="bad">INVALID</strong>' in page
    assert '<strong class="ok">valid</strong>' not in page
    assert "case file changed" in words(page)


async def test_iins_and_ibans_never_appear_unmasked_on_the_pages(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    record = await assigned_to_a_sent_iban(world)
    other = await under_review(world, OTHER_PHONE)
    secrets = [
        record.addressee_iin,
        record.subject_iin,
        other.addressee_iin,
        SENT_IBAN,
        ON_FILE,
        *(re.sub(r"(.{4})", r"\1 ", iban).strip() for iban in (SENT_IBAN, ON_FILE)),
    ]
    replies = [m.text for m in await world.gateway.replies()]
    assert replies == []  # all handled; the IBAN reply is in the bot's inbound log:
    async with world.bot.storage.unit_of_work() as uow:
        inbound = await uow.views.inbound_for_case(record.case.id)
    assert SENT_IBAN in [m.text for m in inbound]
    async with browser(server) as you:
        await signed_in(you, "reviewer")
        pages = [
            await text_of(you, f"/cases/{record.case.id}"),
            await text_of(you, f"/cases/{other.case.id}"),
            await text_of(you, "/cases"),
            await text_of(you, f"/cases?q={record.addressee_iin}"),
            await text_of(you, "/review"),
        ]
    for page in pages:
        for secret in secrets:
            assert secret not in page
            assert secret not in html.unescape(page)
    assert "********" + record.addressee_iin[-4:] in pages[0]


async def test_viewing_a_case_is_audited(served: tuple[World, TestServer]) -> None:
    world, server = served
    first, _, _ = await three_cases(world)
    async with browser(server) as you:
        await signed_in(you, "operator")
        await text_of(you, f"/cases/{first.case.id}")
    views = [e for e in await audit_of(world) if e.action == "view_case"]
    assert [(e.operator, e.subject, e.what) for e in views] == [
        ("operator", first.case.id, "case timeline")
    ]


async def test_an_unknown_case_id_gives_a_404_page_with_a_message(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    async with browser(server) as you:
        await signed_in(you, "operator")
        page = await text_of(you, "/cases/0123456789abcdef", status=404)
    assert "There is no such case." in page
    assert [e for e in await audit_of(world) if e.action == "view_case"] == []


async def test_a_registry_that_does_not_answer_is_said_so_on_the_timeline(
    served: tuple[World, TestServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    world, server = served
    monkeypatch.setattr(service, "FAULTS_REFRESH_SECONDS", 0.0)
    record = await under_review(world)
    for registry in ("feed", "disability"):
        faults.set_rule(world.conn, FaultRule(registry=registry, error_rate=1.0))
    async with browser(server) as you:
        await signed_in(you, "operator")
        text = words(await text_of(you, f"/cases/{record.case.id}"))
    assert text.count("registry unavailable") == 2  # the event and the live case file
    assert "offer.disability" in text  # what the bot keeps is shown all the same


async def test_an_account_is_revealed_only_for_a_reason_and_the_reveal_is_audited(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    iin = world.person(phone=PHONE, language="ru")
    world.account(iin, ON_FILE)
    world.disability(iin)
    await world.settle()
    case_id = (await world.case_of(PHONE)).case.id
    async with browser(server) as you:
        await signed_in(you, "operator")
        shown = await (await you.get(f"/cases/{case_id}")).text()
        assert ON_FILE not in shown and f"/cases/{case_id}/reveal-iban" in shown
        refused = await you.post(f"/cases/{case_id}/reveal-iban", {"reason": "why"})
        assert refused.status == 400 and ON_FILE not in await refused.text()
        why = "the citizen asked by phone to check the account"
        revealed = await you.post(f"/cases/{case_id}/reveal-iban", {"reason": why})
        assert revealed.status == 200 and ON_FILE in await revealed.text()
    async with world.bot.storage.unit_of_work() as uow:
        entries, _ = await uow.audit.page(0, 50)
    reveal = [e for e in entries if e.action == "reveal_iban"]
    assert len(reveal) == 1 and reveal[0].reason == why and reveal[0].operator == "operator"


async def test_an_admin_may_not_reveal_an_account(served: tuple[World, TestServer]) -> None:
    world, server = served
    iin = world.person(phone=PHONE, language="ru")
    world.account(iin, ON_FILE)
    world.disability(iin)
    await world.settle()
    case_id = (await world.case_of(PHONE)).case.id
    async with browser(server) as you:
        await signed_in(you, "admin")
        reason = {"reason": "curiosity is not a reason at all"}
        assert (await you.post(f"/cases/{case_id}/reveal-iban", reason)).status == 403


# ---------------------------------------------------------------- pre-screening and amounts


async def test_a_case_not_offered_shows_why_with_its_legal_basis_and_the_dashboard_counts_it(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    deceased = world.person(born=date(1970, 4, 20), name="Серік", phone=None)  # no pension
    declarant = world.person(born=date(1980, 6, 1), sex="F", name="Әсел", phone=PHONE)
    actions.emit_death(world.conn, deceased, date(2026, 1, 9), declarant)
    await world.settle()
    record = await world.case_of(PHONE)
    assert record.case.state is CaseState.NOT_OFFERED
    async with browser(server) as you:
        await signed_in(you, "operator")
        case_page = words(await text_of(you, f"/cases/{record.case.id}"))
        dashboard = words(await text_of(you, "/"))
        filtered = await text_of(you, "/cases?state=not_offered")
    assert "Not offered: the registries already show that it cannot be assigned." in case_page
    assert "burial p.13(4)" in case_page
    assert "Not offered, by reason" in dashboard and "burial p.13(4)" in dashboard
    assert listed(filtered, record) == [True]


async def test_a_decided_case_shows_the_amount_offered_and_the_amount_decided(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    record = await assigned_to_a_sent_iban(world)
    assert record.offered_amount is not None
    async with browser(server) as you:
        await signed_in(you, "operator")
        text = words(await text_of(you, f"/cases/{record.case.id}"))
    assert "Amount offered" in text and "Amount decided" in text
    assert "Pre-screening" in text and "The offer's terms" in text
    assert "differs from the offer" not in text
