"""Accounts and the audit: an admin adds and disables accounts, nobody else may; the audit
lists who signed in and did what, IINs masked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestServer

from bot.records import AuditEntry
from bot.web.accounts import set_password
from tests.console.support import PASSWORD, Browser, browser
from tests.e2e.world import World

NEW_PASSWORD = "a long enough passphrase"


async def signed_in(you: Browser, name: str = "admin") -> None:
    """Signed in, with the interface in English (the msgids themselves)."""
    assert (await you.sign_in(name)).status == 303
    assert (await you.post("/language", {"lang": "en", "back": "/"})).status == 303


async def audit_of(world: World, action: str) -> list[AuditEntry]:
    async with world.bot.storage.unit_of_work() as uow:
        entries, _ = await uow.audit.page(0, 1000)
    return [e for e in entries if e.action == action]


def new_account(
    name: str, password: str = NEW_PASSWORD, again: str | None = None
) -> dict[str, str]:
    return {
        "name": name,
        "role": "reviewer",
        "password": password,
        "password_again": password if again is None else again,
    }


async def test_an_admin_adds_an_account_and_the_new_account_can_sign_in(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    async with browser(server) as admin, browser(server) as clerk:
        await signed_in(admin)
        added = await admin.post("/accounts", new_account("clerk"))
        assert added.status == 303
        assert added.headers["Location"] == "/accounts"
        listing = await (await admin.get("/accounts")).text()
        assert "<td>clerk</td>" in listing
        assert (await clerk.sign_in("clerk", NEW_PASSWORD)).status == 303
        assert (await clerk.get("/")).status == 200
        assert (await clerk.get("/accounts")).status == 403  # a reviewer, as chosen
    async with world.bot.storage.unit_of_work() as uow:
        account = await uow.operators.get("clerk")
    assert account is not None and account.role.value == "reviewer"
    assert [(e.subject, e.operator) for e in await audit_of(world, "add_account")] == [
        ("clerk", "admin")
    ]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (new_account("weak", "short pass"), "A password needs at least 12 characters."),
        (new_account("typo", again=NEW_PASSWORD + "!"), "The two passwords differ."),
        (new_account("Bad Name"), "A name is 2 to 32 characters"),
        (new_account("operator"), "The name operator is taken."),
        ({**new_account("nobody"), "role": "king"}, "Choose a role from the list."),
    ],
)
async def test_a_refused_account_form_comes_back_with_why_and_creates_nothing(
    served: tuple[World, TestServer], form: dict[str, str], message: str
) -> None:
    world, server = served
    async with world.bot.storage.unit_of_work() as uow:
        before = await uow.operators.all()
    async with browser(server) as admin:
        await signed_in(admin)
        refused = await admin.post("/accounts", form)
        assert refused.status == 400
        text = await refused.text()
        assert message in text
        assert f'name="name" value="{form["name"]}"' in text  # refilled
        assert form["password"] not in text  # never echoed
    async with world.bot.storage.unit_of_work() as uow:
        assert await uow.operators.all() == before
    assert await audit_of(world, "add_account") == []


async def test_disabling_an_account_ends_its_session(served: tuple[World, TestServer]) -> None:
    world, server = served
    async with browser(server) as admin, browser(server) as operator:
        await signed_in(operator, "operator")
        assert (await operator.get("/ledger")).status == 200
        await signed_in(admin)
        done = await admin.post("/accounts/operator/disable")
        assert done.status == 303 and done.headers["Location"] == "/accounts"
        after = await operator.get("/ledger")
        assert after.status == 303
        assert after.headers["Location"].startswith("/login")
        assert (await operator.sign_in("operator", PASSWORD)).status == 401
        listing = await (await admin.get("/accounts")).text()
        assert "disabled " in listing
        assert 'action="/accounts/operator/disable"' not in listing
        assert 'action="/accounts/reviewer/disable"' in listing
    assert [(e.subject, e.operator) for e in await audit_of(world, "disable_account")] == [
        ("operator", "admin")
    ]


async def test_an_admin_may_not_disable_their_own_account_or_a_missing_one(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    async with browser(server) as admin:
        await signed_in(admin)
        assert (
            'action="/accounts/admin/disable"' not in await (await admin.get("/accounts")).text()
        )
        refused = await admin.post("/accounts/admin/disable")
        assert refused.status == 400
        assert "You cannot disable your own account." in await refused.text()
        missing = await admin.post("/accounts/ghost/disable")
        assert missing.status == 404
        assert (await admin.get("/accounts")).status == 200  # still signed in
    async with world.bot.storage.unit_of_work() as uow:
        account = await uow.operators.get("admin")
    assert account is not None and account.disabled_at is None
    assert await audit_of(world, "disable_account") == []


@pytest.mark.parametrize("role", ["operator", "reviewer", "tester"])
async def test_only_an_admin_reaches_accounts_and_the_audit(
    served: tuple[World, TestServer], role: str
) -> None:
    world, server = served
    async with browser(server) as you:
        await signed_in(you, role)
        assert (await you.get("/accounts")).status == 403
        assert (await you.get("/audit")).status == 403
        assert (await you.post("/accounts", new_account("sneaky"))).status == 403
        assert (await you.post("/accounts/admin/disable")).status == 403
    async with world.bot.storage.unit_of_work() as uow:
        assert await uow.operators.get("sneaky") is None
        admin = await uow.operators.get("admin")
    assert admin is not None and admin.disabled_at is None


async def test_the_audit_lists_sign_ins_and_filters_by_operator(
    served: tuple[World, TestServer],
) -> None:
    _, server = served
    async with browser(server) as admin, browser(server) as reviewer:
        await signed_in(reviewer, "reviewer")
        await signed_in(admin)
        response = await admin.get("/audit")
        assert response.status == 200
        text = await response.text()
        assert text.count("<td>sign_in</td>") == 2
        assert "<td>reviewer</td>" in text and "<td>admin</td>" in text
        mine = await (await admin.get("/audit?operator=reviewer")).text()
        assert mine.count("<td>sign_in</td>") == 1
        assert "<td>admin</td>" not in mine
        bad = await admin.get("/audit?page=first")
        assert bad.status == 200
        assert "The page must be a whole number from 1." in await bad.text()


async def test_the_audit_masks_an_iin_subject(served: tuple[World, TestServer]) -> None:
    world, server = served
    iin = world.person(phone="+77012345671")
    async with browser(server) as operator, browser(server) as admin:
        await signed_in(operator, "operator")
        assert (await operator.get(f"/ledger?iin={iin}")).status == 200
        await signed_in(admin)
        text = await (await admin.get("/audit")).text()
        assert "<td>view_ledger</td>" in text
        assert iin not in text
        assert "<td>********" + iin[-4:] + "</td>" in text


async def test_the_audit_is_paged_fifty_at_a_time(served: tuple[World, TestServer]) -> None:
    world, server = served
    async with world.bot.storage.unit_of_work() as uow:
        for n in range(60):
            await uow.audit.add(
                AuditEntry(
                    at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n),
                    operator="tester",
                    action=f"act{n:02d}",
                    what="a test entry",
                )
            )
        await uow.commit()
    async with browser(server) as admin:
        await signed_in(admin)
        first = await (await admin.get("/audit?operator=tester")).text()
        assert first.count("a test entry") == 50
        assert 'href="/audit?operator=tester&amp;page=2"' in first
        second = await (await admin.get("/audit?operator=tester&page=2")).text()
        assert second.count("a test entry") == 10


async def test_a_new_password_ends_the_sessions_and_only_the_new_one_signs_in(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    async with browser(server) as you:
        assert (await you.sign_in("reviewer")).status == 303
        await set_password(world.bot.storage, "reviewer", "a brand new passphrase")
        assert (await you.get("/")).status == 303  # the old session is gone
        assert (await you.sign_in("reviewer")).status == 401  # the old password too
        assert (await you.sign_in("reviewer", "a brand new passphrase")).status == 303
