"""The console's review pages: the queue, a reviewer's decision through the form, overdue cases.

Cases come under review the way they do in the simulated world: an adult disabled since
childhood consents and confirms the account on file (the law leaves the decision to a person).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestServer

from bot.records import CaseRecord, DecisionRecord, PaymentOrder
from bot.web.pages.review import how_long
from bot.wording.texts import reason_text
from domain.cases import CaseState
from domain.model import ReasonCode
from fake_registries import faults, service
from fake_registries.faults import FaultRule
from tests.console.support import Browser, browser
from tests.console.test_cases import (
    OTHER_PHONE,
    assigned_to_a_sent_iban,
    audit_of,
    signed_in,
    text_of,
    under_review,
    words,
)
from tests.e2e.world import World

DECIDE_FORM = re.compile(r'<form[^>]*action="/review/([0-9a-f]+)/decide"')


async def now_of(world: World, record: CaseRecord) -> CaseRecord:
    """The case as the bot keeps it now."""
    async with world.bot.storage.unit_of_work() as uow:
        found = await uow.cases.get(record.case.id)
    assert found is not None
    return found


async def outcome(
    world: World, record: CaseRecord
) -> tuple[DecisionRecord | None, list[PaymentOrder]]:
    """The case's decision and payment orders."""
    async with world.bot.storage.unit_of_work() as uow:
        decision = await uow.decisions.get(record.case.id)
        orders = await uow.payments.for_case(record.case.id)
    return decision, orders


async def decide(you: Browser, record: CaseRecord, **form: str) -> tuple[int, str, str]:
    """Post the decide form of a case: (status, Location, page)."""
    response = await you.post(f"/review/{record.case.id}/decide", form)
    return response.status, response.headers.get("Location", ""), await response.text()


async def test_the_queue_lists_cases_under_review_and_links_them(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    waiting = await under_review(world)
    decided = await assigned_to_a_sent_iban(world, OTHER_PHONE)
    async with browser(server) as you:
        await signed_in(you, "operator")
        page = await text_of(you, "/review")
    assert f'href="/cases/{waiting.case.id}"' in page
    assert f'href="/cases/{decided.case.id}"' not in page
    assert "21.01.2026 18:30" in page  # due: seven working days, at 18:30
    assert "overdue" not in words(page)


async def test_a_reviewer_assigns_through_the_form_and_a_payment_order_appears(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    record = await under_review(world)
    async with browser(server) as you:
        await signed_in(you, "reviewer")
        before = await text_of(you, f"/cases/{record.case.id}")
        assert DECIDE_FORM.findall(before) == [record.case.id, record.case.id]
        status, location, _ = await decide(you, record, action="assign")
        assert (status, location) == (303, f"/cases/{record.case.id}")
        after = await text_of(you, location)
    assert (await now_of(world, record)).case.state is CaseState.ASSIGNED
    decision, orders = await outcome(world, record)
    assert decision is not None
    assert (decision.outcome, decision.decided_by) == ("assign", "reviewer")
    assert [(o.case_id, o.periodicity) for o in orders] == [(record.case.id, "monthly")]
    text = words(after)
    assert "Outcome assigned" in text
    assert "Decided by reviewer" in text
    assert '<strong class="ok">valid</strong>' in after
    assert DECIDE_FORM.findall(after) == []  # decided: no form any more
    decisions = [e for e in await audit_of(world) if e.action == "decide"]
    assert [(e.operator, e.subject) for e in decisions] == [("reviewer", record.case.id)]


async def test_a_reviewer_refuses_with_a_reason_and_the_page_shows_it(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    record = await under_review(world)
    async with browser(server) as you:
        await signed_in(you, "reviewer")
        status, location, _ = await decide(you, record, action="refuse", reason="data_incorrect")
        assert status == 303
        after = await text_of(you, location)
    assert (await now_of(world, record)).case.state is CaseState.REFUSED
    decision, orders = await outcome(world, record)
    assert decision is not None and decision.outcome == "refuse"
    assert orders == []
    text = words(after)
    assert "Outcome refused" in text
    assert reason_text(ReasonCode.DATA_INCORRECT, "ru") in text  # an English page: in Russian
    assert '<strong class="ok">valid</strong>' in after


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"action": "refuse"}, "A refusal needs a reason: choose one."),
        ({"action": "refuse", "reason": "no_such_reason"}, "Unknown reason."),
        ({"action": "pardon"}, "Choose: assign or refuse."),
    ],
)
async def test_a_decision_the_form_does_not_allow_is_refused_with_a_message(
    served: tuple[World, TestServer], form: dict[str, str], message: str
) -> None:
    world, server = served
    record = await under_review(world)
    async with browser(server) as you:
        await signed_in(you, "reviewer")
        status, _, page = await decide(you, record, **form)
    assert status == 400
    assert message in page
    assert (await now_of(world, record)).case.state is CaseState.UNDER_REVIEW
    assert await outcome(world, record) == (None, [])
    assert [e for e in await audit_of(world) if e.action == "decide"] == []


async def test_a_case_no_longer_under_review_is_not_decided_again(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    record = await assigned_to_a_sent_iban(world)
    before = await outcome(world, record)
    async with browser(server) as you:
        await signed_in(you, "reviewer")
        status, _, page = await decide(you, record, action="refuse", reason="data_missing")
    assert status == 400
    assert "The decision was not taken." in page
    assert "not under review" in page
    assert await outcome(world, record) == before


async def test_an_operator_may_not_decide_sees_no_form_and_posting_it_changes_nothing(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    record = await under_review(world)
    async with browser(server) as you:
        await signed_in(you, "operator")
        page = await text_of(you, f"/cases/{record.case.id}")
        assert DECIDE_FORM.findall(page) == []
        status, _, _ = await decide(you, record, action="assign")
    assert status == 403
    assert (await now_of(world, record)).case.state is CaseState.UNDER_REVIEW
    assert await outcome(world, record) == (None, [])
    assert [e for e in await audit_of(world) if e.action == "decide"] == []


async def test_a_registry_that_does_not_answer_decides_nothing_and_says_so(
    served: tuple[World, TestServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    world, server = served
    monkeypatch.setattr(service, "FAULTS_REFRESH_SECONDS", 0.0)
    record = await under_review(world)
    faults.set_rule(world.conn, FaultRule(registry="disability", error_rate=1.0))
    async with browser(server) as you:
        await signed_in(you, "reviewer")
        status, _, page = await decide(you, record, action="assign")
    assert status == 503
    assert "A registry did not answer; nothing was decided. Try again." in page
    assert (await now_of(world, record)).case.state is CaseState.UNDER_REVIEW
    assert await outcome(world, record) == (None, [])


async def test_the_overdue_page_lists_a_case_past_its_due_time_and_not_one_within_it(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    late = await under_review(world)
    async with browser(server) as you:
        await signed_in(you, "operator")
        assert f'href="/cases/{late.case.id}"' not in await text_of(you, "/overdue")
        world.advance(timedelta(days=10))  # 22 January: seven working days have passed
        timely = await under_review(world, OTHER_PHONE)  # registered now: due next month
        overdue = await text_of(you, "/overdue")
        queue = await text_of(you, "/review")
    assert f'href="/cases/{late.case.id}"' in overdue
    assert f'href="/cases/{timely.case.id}"' not in overdue
    assert late.case.due_at is not None
    assert how_long(world.now() - late.case.due_at, "en") in words(overdue)
    assert words(queue).count("overdue") == 1  # the late one, in the queue too
