"""The scheduler runs the bot's due work on an interval, from what the database says is due."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.composition import build_app
from bot.registries.facts import Disability, Person
from bot.scheduler import JOB_ID, build_scheduler, stop_gracefully
from bot.settings import Settings
from domain.identity import make_iin
from domain.services.disability import Cause
from fake_registries import actions, clock, db

NOW = datetime(2026, 1, 12, 5, 0, tzinfo=UTC)


def world(data_dir: Path) -> None:
    """One adult with a phone, and a disability established for her."""
    conn = db.connect(db.path_in(data_dir))
    clock.set_to(conn, NOW)
    iin = make_iin(date(1980, 7, 9), "F", 12)
    assert iin is not None
    person = Person(
        iin=iin.value,
        surname="Сейітова",
        name="Айгүл",
        birth_date=date(1980, 7, 9),
        sex="F",
        region="Алматы қ.",
        phone="+77071112233",
        language="kk",
    )
    actions.add_person(conn, person)
    record = Disability(
        iin=iin.value, group=2, cause=Cause.GENERAL_ILLNESS, established_on=date(2026, 1, 5)
    )
    actions.emit_disability(conn, record)
    conn.close()


async def test_the_interval_job_opens_the_case_of_a_new_event(tmp_path: Path) -> None:
    world(tmp_path)
    app = await build_app(Settings(data_dir=tmp_path))
    scheduler = build_scheduler(app, interval_seconds=0.05)
    scheduler.start()
    try:
        for _ in range(100):
            async with app.storage.unit_of_work() as uow:
                found = await uow.cases.all()
            if found:
                break
            await asyncio.sleep(0.02)
    finally:
        scheduler.shutdown(wait=False)
        await asyncio.sleep(0)
        await app.close()
    assert [r.case.state.value for r in found] == ["offered"]


async def test_one_run_at_a_time_and_missed_runs_are_coalesced(tmp_path: Path) -> None:
    world(tmp_path)
    app = await build_app(Settings(data_dir=tmp_path))
    try:
        job = build_scheduler(app, interval_seconds=5).get_job(JOB_ID)
        assert (job.max_instances, job.coalesce) == (1, True)
    finally:
        await app.close()


async def test_a_non_positive_interval_is_refused(tmp_path: Path) -> None:
    world(tmp_path)
    app = await build_app(Settings(data_dir=tmp_path))
    try:
        with pytest.raises(ValueError, match="positive"):
            build_scheduler(app, interval_seconds=0)
    finally:
        await app.close()


async def test_a_run_handed_to_the_loop_just_before_the_stop_does_nothing(tmp_path: Path) -> None:
    # the scheduler submits a run, then pauses before the run's task starts: the run must not
    # reach storage that `close` releases (it did: "pool is closing" from a serve's SIGTERM)
    world(tmp_path)
    app = await build_app(Settings(data_dir=tmp_path))
    scheduler = build_scheduler(app, interval_seconds=3600)
    scheduler.start(paused=True)
    late_run = asyncio.create_task(app.tick())  # created, not yet started
    await stop_gracefully(scheduler, app)
    await app.close()
    assert await late_run == 0
    reopened = await build_app(Settings(data_dir=tmp_path))
    try:
        async with reopened.storage.unit_of_work() as uow:
            assert await uow.cases.all() == []  # the event waits for the next start
    finally:
        await reopened.close()
