"""Reviewers at the command line: the queue, a case file, assigning and refusing."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest

from bot.__main__ import main
from domain.cases import CaseState
from domain.services.disability import Cause
from fake_registries import db as registries_db
from tests.e2e.world import World

PHONE = "+77015550133"
ON_FILE = "KZ86125KZT5004100100"


async def under_review(world: World) -> str:
    """An adult with disability since childhood consents: the case waits for a reviewer."""
    iin = world.person(phone=PHONE, language="ru")
    world.account(iin, ON_FILE)
    world.disability(iin, cause=Cause.SINCE_CHILDHOOD, group=2)
    await world.start()
    await world.settle()
    await world.reply(PHONE, "1")
    await world.reply(PHONE, "1")
    record = await world.case_of(PHONE)
    assert record.case.state is CaseState.UNDER_REVIEW
    await world.stop()
    return record.case.id


async def cli(world: World, *args: str) -> int:
    """Run `python -m bot --data-dir D ARGS` in process (its own event loop); its exit code."""
    return await asyncio.to_thread(main, ["--data-dir", str(world.data_dir), *args])


async def test_the_queue_lists_the_case_and_shows_its_case_file(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = await under_review(world)
    capsys.readouterr()
    assert await cli(world, "review", "list") == 0
    listed = capsys.readouterr().out
    assert case_id in listed
    assert "disability" in listed
    assert await cli(world, "review", "show", case_id) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["state"] == "under_review"
    assert shown["case_file"]["disability"]["cause"] == "since_childhood"


async def test_a_reviewer_assigns_at_the_command_line_and_the_decision_verifies(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = await under_review(world)
    assert await cli(world, "review", "assign", case_id, "--reviewer", "Айгүл Сейітова") == 0
    assert "assign by Айгүл Сейітова" in capsys.readouterr().out
    assert await cli(world, "verify-decision", case_id) == 0
    await world.start()
    record = await world.case_of(PHONE)
    assert record.case.state is CaseState.ASSIGNED
    async with world.bot.storage.unit_of_work() as uow:
        decision = await uow.decisions.get(case_id)
    assert decision is not None
    assert decision.decided_by == "Айгүл Сейітова"


async def test_a_decided_case_shows_the_case_file_that_was_signed_not_one_rebuilt_now(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = await under_review(world)
    assert await cli(world, "review", "assign", case_id) == 0
    await world.start()
    iin = (await world.case_of(PHONE)).subject_iin
    async with world.bot.storage.unit_of_work() as uow:
        kept = await uow.decisions.get(case_id)
    assert kept is not None
    await world.stop()
    with registries_db.transaction(world.conn):  # the registry changes after the decision
        world.conn.execute("UPDATE disability SET grp = 3 WHERE iin = ?", (iin,))
    capsys.readouterr()
    assert await cli(world, "review", "show", case_id) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["decided"] is True
    assert shown["case_file"] == kept.case_file  # as signed, exactly
    assert shown["case_file"]["facts"]["disability"]["group"] == 2
    assert shown["case_file_sha256"] == kept.case_file_sha256
    assert shown["decision"]["outcome"] == "assign"
    assert shown["offer"]["amount"] == shown["decision"]["amount"]


async def test_a_refusal_needs_a_known_reason_and_a_decided_case_is_not_reviewed_again(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = await under_review(world)
    with pytest.raises(SystemExit) as bad:
        await cli(world, "review", "refuse", case_id, "--reason", "no_such_reason")
    assert bad.value.code == 2
    assert await cli(world, "review", "refuse", case_id, "--reason", "data_incorrect") == 0
    capsys.readouterr()
    assert await cli(world, "review", "assign", case_id) == 2
    assert "not under review" in capsys.readouterr().err


async def test_nothing_in_the_queue_says_so(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    await world.start()
    await world.stop()
    assert await cli(world, "review", "list") == 0
    assert "no case under review" in capsys.readouterr().out


async def test_a_case_past_its_term_undecided_is_listed_as_overdue(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = await under_review(world)
    capsys.readouterr()
    assert await cli(world, "cases", "--overdue") == 0
    assert case_id not in capsys.readouterr().out  # due 21 January 18:30: not yet
    world.advance(timedelta(days=10))  # 22 January: seven working days have passed
    assert await cli(world, "cases", "--overdue") == 0
    assert case_id in capsys.readouterr().out
