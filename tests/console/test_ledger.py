"""The ledger page: filters narrow it, pages split it, CSV exports it, the chain check shows
tampering, IINs stay masked unless revealed for a reason, and looking is audited."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from datetime import date, datetime, timedelta

import pytest
from aiohttp.test_utils import TestServer

from bot.records import AuditEntry, Channel, ConsentAct, ConsentEntry
from bot.web.pages.ledger import CSV_COLUMNS
from domain.calendar import ALMATY
from tests.console.support import Browser, browser
from tests.e2e.world import START, World, iin_for

YES_PHONE = "+77012345671"
NO_PHONE = "+77012345672"
SEQ = re.compile(r"<tr>\s*<td>(\d+)</td>")


async def two_citizens(world: World) -> tuple[str, str]:
    """Two people offered the disability benefit: the first consents, the second declines."""
    yes = world.person(phone=YES_PHONE, language="kk")
    world.disability(yes)
    no = world.person(phone=NO_PHONE, language="kk")
    world.disability(no)
    await world.settle()
    await world.reply(YES_PHONE, "1")
    await world.reply(NO_PHONE, "2")
    return yes, no


def entry(
    iin: str,
    at: datetime = START,
    act: ConsentAct = ConsentAct.GIVEN,
    channel: Channel = Channel.SMS,
) -> ConsentEntry:
    """A ledger act about a person (no case), as the bot would append it."""
    return ConsentEntry(
        case_id=None,
        iin=iin,
        act=act,
        text="Сіз келісесіз бе?",
        template_id="test.entry",
        template_version="1",
        language="kk",
        channel=channel,
        actor="system",
        at=at,
    )


async def append(world: World, *entries: ConsentEntry) -> None:
    """Chain entries onto the ledger in one unit of work."""
    async with world.bot.storage.unit_of_work() as uow:
        for one in entries:
            await uow.consents.append(one)
        await uow.commit()


async def signed_in(you: Browser, name: str = "operator") -> None:
    """Signed in, with the interface in English (the msgids themselves)."""
    assert (await you.sign_in(name)).status == 303
    assert (await you.post("/language", {"lang": "en", "back": "/"})).status == 303


async def shown(you: Browser, query: str = "") -> tuple[int, str, list[int]]:
    """The ledger page for a query string: its status, text and the seq of each row."""
    response = await you.get("/ledger" + query)
    text = await response.text()
    return response.status, text, [int(seq) for seq in SEQ.findall(text)]


async def audit_of(world: World, action: str) -> list[AuditEntry]:
    async with world.bot.storage.unit_of_work() as uow:
        entries, _ = await uow.audit.page(0, 1000)
    return [e for e in entries if e.action == action]


async def test_filtering_by_act_shows_only_the_consent_that_was_given(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    yes, no = await two_citizens(world)
    given = [r.seq for r in await world.ledger(yes) if r.entry.act is ConsentAct.GIVEN]
    refused = [r.seq for r in await world.ledger(no) if r.entry.act is ConsentAct.REFUSED]
    assert len(given) == 1 and len(refused) == 1
    async with browser(server) as you:
        await signed_in(you)
        status, _, everything = await shown(you)
        assert status == 200
        assert len(everything) == len(await world.ledger()) >= 4
        assert (await shown(you, "?act=given"))[2] == given
        assert (await shown(you, "?act=refused"))[2] == refused


async def test_service_and_channel_filters_narrow_the_rows(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    yes, _ = await two_citizens(world)
    await append(world, entry(yes, act=ConsentAct.LINKED, channel=Channel.TELEGRAM))
    rows = await world.ledger()
    linked = rows[-1].seq
    async with browser(server) as you:
        await signed_in(you)
        disability = (await shown(you, "?service=disability"))[2]
        with_case = [r.seq for r in rows if r.seq != linked]  # no case: no service
        assert sorted(disability) == with_case
        assert (await shown(you, "?service=burial"))[2] == []
        assert (await shown(you, "?channel=telegram"))[2] == [linked]
        assert linked not in (await shown(you, "?channel=sms"))[2]
        assert (await shown(you, "?channel=telegram&act=given"))[2] == []


async def test_dates_are_whole_almaty_days_and_a_range_can_exclude_everything(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    iin = iin_for(date(1990, 5, 1), "F", 2000)
    late = datetime(2026, 2, 2, 23, 59, tzinfo=ALMATY)  # 18:59 UTC: still 2 February in Almaty
    next_day = datetime(2026, 2, 3, 0, 0, tzinfo=ALMATY)  # 2 February 19:00 UTC
    await append(world, entry(iin, at=late), entry(iin, at=next_day))
    async with browser(server) as you:
        await signed_in(you)
        assert (await shown(you, "?since=2026-02-02&until=2026-02-02"))[2] == [1]
        assert (await shown(you, "?since=2026-02-03"))[2] == [2]
        assert (await shown(you, "?until=2026-02-03"))[2] == [2, 1]
        status, text, seqs = await shown(you, "?since=2030-01-01&until=2030-12-31")
        assert status == 200 and seqs == []
        assert "No rows match." in text


async def test_pages_hold_fifty_rows_and_their_links_keep_the_filters(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    iin = iin_for(date(1970, 1, 1), "M", 3000)
    acts = [ConsentAct.GIVEN if n % 2 else ConsentAct.OFFERED for n in range(1, 131)]
    await append(
        world, *(entry(iin, START + timedelta(minutes=n), act) for n, act in enumerate(acts))
    )
    given = [n for n, act in enumerate(acts, start=1) if act is ConsentAct.GIVEN][::-1]  # 65
    async with browser(server) as you:
        await signed_in(you)
        _, first, seqs = await shown(you, "?act=given")
        assert seqs == given[:50]
        assert 'href="/ledger?act=given&amp;page=2"' in first
        assert "Page 1 of 2" in first
        _, second, seqs = await shown(you, "?act=given&page=2")
        assert seqs == given[50:]
        assert 'href="/ledger?act=given"' in second  # back to the first page, filter kept
        assert "/ledger?act=given&amp;page=3" not in second
        assert (await shown(you, "?page=3"))[2] == list(range(30, 0, -1))  # 130 rows in all


async def test_the_csv_has_a_bom_a_header_and_exactly_the_filtered_rows_masked_and_audited(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    yes, no = await two_citizens(world)
    given = [r for r in await world.ledger(yes) if r.entry.act is ConsentAct.GIVEN]
    async with browser(server) as you:
        await signed_in(you)
        response = await you.get("/ledger.csv?act=given")
        assert response.status == 200
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert response.headers["Content-Disposition"] == (
            'attachment; filename="consent-ledger.csv"'
        )
        body = (await response.read()).decode("utf-8")
        assert body.startswith("\ufeff")
        table = list(csv.reader(io.StringIO(body[1:])))
        assert table[0] == list(CSV_COLUMNS)
        assert [int(line[0]) for line in table[1:]] == [r.seq for r in given]
        line = dict(zip(table[0], table[1], strict=True))
        assert line["iin"] == "********" + yes[-4:]
        assert line["act"] == "given" and line["raw_reply"] == "1"
        assert line["at"].endswith("+00:00") and line["hash"] == given[0].hash
        assert yes not in body and no not in body
        everything = (await (await you.get("/ledger.csv")).read()).decode("utf-8")
        assert len(list(csv.reader(io.StringIO(everything[1:])))) == 1 + len(await world.ledger())
        assert (await you.get(f"/ledger.csv?iin={no}")).status == 200
    exports = await audit_of(world, "export_ledger")
    assert [e.subject for e in exports] == [no, None, None]  # newest first
    assert "act=given" in exports[2].what and "1 rows" in exports[2].what
    assert all(e.operator == "operator" for e in exports)


async def test_a_bad_iin_date_or_page_gives_a_message_and_no_rows_never_a_500(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    await two_citizens(world)
    async with browser(server) as you:
        await signed_in(you)
        for query, message in (
            ("?iin=123456789012", "The IIN is not valid"),
            ("?iin=abc", "The IIN is not valid"),
            ("?since=2026-13-45", "The start date must be a date"),
            ("?until=yesterday", "The end date must be a date"),
            ("?until=9999-12-31", "The end date must be a date"),
            ("?since=0001-01-01", "The start date must be a date"),
            ("?since=2026-02-02&until=2026-02-01", "The start date is after the end date."),
            ("?service=pension", "Choose a service from the list."),
            ("?channel=fax", "Choose a channel from the list."),
            ("?act=signed", "Choose an act from the list."),
            ("?page=0", "The page must be a whole number from 1."),
            ("?page=99999999999999999999999", "The page must be a whole number from 1."),
        ):
            status, text, seqs = await shown(you, query)
            assert status == 200, query
            assert message in text, query
            assert seqs == [], query
        _, text, _ = await shown(you, "?iin=abc&act=given&since=2026-01-01")
        assert 'name="iin" value="abc"' in text  # the form refilled
        assert '<option value="given" selected>' in text
        assert 'value="2026-01-01"' in text
        refused = await you.get("/ledger.csv?iin=abc")
        assert refused.status == 400
        assert "The IIN is not valid" in await refused.text()
    assert await audit_of(world, "export_ledger") == []
    assert await audit_of(world, "view_ledger") == []


async def test_filtering_by_an_iin_shows_that_citizen_only_and_is_audited(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    yes, _ = await two_citizens(world)
    theirs = [r.seq for r in await world.ledger(yes)][::-1]  # newest first
    assert len(theirs) < len(await world.ledger())
    async with browser(server) as you:
        await signed_in(you)
        assert (await shown(you, f"?iin={yes}"))[2] == theirs
    views = await audit_of(world, "view_ledger")
    assert [(v.subject, v.what, v.operator) for v in views] == [
        (yes, "ledger filtered by IIN", "operator")
    ]


@pytest.mark.sqlite_only  # reads the bot's SQLite file
async def test_the_chain_status_says_intact_then_shows_a_row_edited_in_the_file(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    await two_citizens(world)
    count = len(await world.ledger())
    async with browser(server) as you:
        await signed_in(you)
        _, text, _ = await shown(you)
        assert f"The chain is intact. Rows checked: {count}." in text
        with sqlite3.connect(world.bot.settings.database) as conn:
            conn.execute("UPDATE consents SET text = 'something else' WHERE seq = 2")
        conn.close()
        status, text, _ = await shown(you)
        assert status == 200
        assert "The chain is intact" not in text
        assert '<p class="bad" role="alert"><strong>The chain is broken' in text
        assert "row 2 (case " in text
        assert "text does not match its text hash (edited)" in text


async def test_reveal_needs_a_reason_then_shows_the_full_iin_and_audits_it(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    yes, _ = await two_citizens(world)
    seq = (await world.ledger(yes))[0].seq
    async with browser(server) as you:
        await signed_in(you)
        for reason in ("", "   ", "too short", "         x"):
            refused = await you.post("/reveal", {"seq": str(seq), "reason": reason})
            assert refused.status == 400
            text = await refused.text()
            assert "Give a reason of at least 10 characters." in text
            assert yes not in text
        assert await audit_of(world, "reveal_iin") == []
        shown_page = await you.post(
            "/reveal", {"seq": str(seq), "reason": "  citizen called the hotline  "}
        )
        assert shown_page.status == 200
        assert yes in await shown_page.text()
        missing = await you.post("/reveal", {"seq": "9999", "reason": "citizen called again"})
        assert missing.status == 404
        assert (await you.post("/reveal", {"seq": "x", "reason": "a good reason"})).status == 404
    reveals = await audit_of(world, "reveal_iin")
    assert [(r.subject, r.what, r.reason, r.operator) for r in reveals] == [
        (yes, f"ledger row {seq}", "citizen called the hotline", "operator")
    ]


async def test_an_admin_may_neither_read_the_ledger_nor_reveal_a_row(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    yes, _ = await two_citizens(world)
    seq = (await world.ledger(yes))[0].seq
    async with browser(server) as admin, browser(server) as operator:
        await signed_in(admin, "admin")
        status, text, seqs = await shown(admin)
        assert status == 403 and not seqs and 'action="/reveal"' not in text
        refused = await admin.post("/reveal", {"seq": str(seq), "reason": "just curious, really"})
        assert refused.status == 403
        await signed_in(operator)
        assert 'action="/reveal"' in (await shown(operator))[1]
    assert await audit_of(world, "reveal_iin") == []


async def test_the_iin_never_appears_unmasked_in_the_ledger_page_or_csv(
    served: tuple[World, TestServer],
) -> None:
    world, server = served
    yes, no = await two_citizens(world)
    async with browser(server) as you:
        await signed_in(you)
        for path in ("/ledger", "/ledger?act=given", "/ledger.csv", "/ledger.csv?act=refused"):
            body = (await (await you.get(path)).read()).decode("utf-8")
            assert yes not in body and no not in body, path
            assert "********" + yes[-4:] in body or "********" + no[-4:] in body, path
