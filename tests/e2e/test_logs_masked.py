"""A whole demo's logs name no citizen: no IIN and no IBAN in full.

The demo's world runs in-process with every log record kept (the bot's own loggers at
DEBUG, every other at INFO, as `python -m bot serve` logs), with every registry failing half
of their calls so the warning paths run too, and with the citizens who type an invalid
IBAN before a valid one. Every IIN of the population and every IBAN anyone has (on file, or
typed by a phone) is then looked for in the formatted records.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from bot.channels.sms_gateway import SimulatedSmsGateway
from bot.composition import build_app
from bot.settings import Settings
from bot.simulation.demo import Citizens, SimulatedHandsets, prepare, simulate, spoilt
from fake_registries import db as registries_db
from fake_registries import faults, service
from fake_registries.faults import FaultRule

CITIZENS, SEED = 1_000, 3
FLAKY = faults.REGISTRIES


class Keep(logging.Handler):
    """Keeps every formatted record."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


async def run(data_dir: Path) -> Citizens:
    """The demo's world to its end, with flaky registries."""
    prepare(data_dir, CITIZENS, SEED)
    app = await build_app(Settings(data_dir=data_dir, simulation=True, sms_rate=1_000_000.0))
    try:
        assert isinstance(app.sms, SimulatedSmsGateway)
        await app.tick()  # the cases are opened; from here on the registries fail half
        with closing(registries_db.connect(registries_db.path_in(data_dir))) as conn:
            for registry in FLAKY:
                faults.set_rule(conn, FaultRule(registry=registry, error_rate=0.5))
        return await simulate(app, SEED, SimulatedHandsets(app.sms))
    finally:
        await app.close()


def secrets(data_dir: Path, citizens: Citizens) -> set[str]:
    """Every IIN of the population and every IBAN on file or typed, compact."""
    with closing(sqlite3.connect(registries_db.path_in(data_dir))) as conn:
        iins = {row[0] for row in conn.execute("SELECT iin FROM person")}
        ibans = {row[0].replace(" ", "") for row in conn.execute("SELECT iban FROM account")}
    typed = {phone.iban.replace(" ", "") for phone in citizens.phones.values()}
    return iins | ibans | typed | {spoilt(iban) for iban in typed}


def test_no_log_line_of_a_whole_demo_holds_an_iin_or_an_iban(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "FAULTS_REFRESH_SECONDS", 0.0)
    keep = Keep()
    root, bot_log = logging.getLogger(), logging.getLogger("bot")
    levels = root.level, bot_log.level
    root.addHandler(keep)
    root.setLevel(logging.INFO)
    bot_log.setLevel(logging.DEBUG)
    try:
        citizens = asyncio.run(run(tmp_path / "world"))
    finally:
        root.removeHandler(keep)
        root.setLevel(levels[0])
        bot_log.setLevel(levels[1])
    assert sum("did not answer" in line for line in keep.lines) > 10, "the fault paths ran"
    found = secrets(tmp_path / "world", citizens)
    assert len(found) > CITIZENS
    compact = [line.replace(" ", "") for line in keep.lines]
    leaks = [line for line in compact if any(secret in line for secret in found)]
    assert leaks == []
