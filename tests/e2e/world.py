"""A small simulated world for end-to-end tests: registries, SMS gateway and the bot, in tmp files.

The registries' file and the bot's are real SQLite files in one data directory; the bot is
built through the composition root (`bot.composition.build_app`) and reads the registries' world
clock, which the tests move. The gateway shows a message in a phone's inbox only once its
receipt delay has passed, so `settle()` moves the clock a minute and ticks again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from aiogram import Bot

from bot.app import App
from bot.channels.sms_gateway import InboxMessage, SimulatedSmsGateway, Submission
from bot.composition import build_app
from bot.ports import ChatChannel
from bot.records import (
    CaseRecord,
    Citizen,
    ConsentRow,
    InboundMessage,
    OperatorTask,
    OutboxMessage,
)
from bot.registries.facts import (
    Account,
    AccountSource,
    Birth,
    Disability,
    Event,
    Payment,
    Person,
)
from bot.settings import Settings
from bot.storage.verify import verify_stored
from domain.calendar import ALMATY
from domain.identity import Sex, make_iin
from domain.model import PaymentKind
from domain.services.disability import Cause
from fake_registries import accounts, actions, feed, pensions
from fake_registries import clock as world_clock
from fake_registries import db as registries_db

START = datetime(2026, 1, 12, 10, 0, tzinfo=ALMATY)  # a working Monday in Almaty
SETTLE = timedelta(minutes=1)  # past the gateway's 2 s receipt delay
DEFAULT_ESTABLISHED = date(2026, 1, 5)


def iin_for(birth_date: date, sex: Sex, serial: int) -> str:
    """A valid IIN: the first serial from `serial` on that has a check digit."""
    for candidate in range(serial, serial + 100):
        made = make_iin(birth_date, sex, candidate)
        if made is not None:
            return made.value
    raise AssertionError(f"no valid IIN near serial {serial}")  # pragma: no cover


@dataclass
class World:
    """The registries, the bot built on them, and the simulated phones."""

    data_dir: Path
    conn: sqlite3.Connection
    app: App | None = None
    serial: int = 1000
    closed: bool = field(default=False, repr=False)

    # ------------------------------------------------------------ the state's side

    def person(
        self,
        *,
        born: date = date(1985, 3, 14),
        sex: Sex = "M",
        phone: str | None = None,
        language: Literal["kk", "ru"] | None = "kk",
        name: str = "Ерлан",
    ) -> str:
        """Add a person to the population registry; their IIN."""
        iin = iin_for(born, sex, self.serial)
        self.serial = int(iin[7:11]) + 1
        person = Person(
            iin=iin,
            surname="Жұмабаев" if sex == "M" else "Жұмабаева",
            name=name,
            birth_date=born,
            sex=sex,
            region="Almaty",
            phone=phone,
            language=language,
        )
        actions.add_person(self.conn, person)
        return iin

    def child(
        self,
        mother: str | None,
        father: str | None,
        *,
        born: date,
        phone: str | None = None,
        sex: Sex = "M",
        name: str = "Әли",
        language: Literal["kk", "ru"] | None = None,
    ) -> str:
        """Add a child with a birth record naming its parents (kinship); the child's IIN."""
        child = self.person(born=born, sex=sex, phone=phone, language=language, name=name)
        birth = Birth(
            child_iin=child,
            mother_iin=mother,
            father_iin=father,
            born_on=born,
            act_number=f"B-{born.year}-{int(child[7:11]):07d}",
        )
        assert actions.record_birth(self.conn, birth).created
        return child

    def account(self, iin: str, iban: str) -> None:
        """Put an account on file for a person."""
        compact = iban.replace(" ", "")
        record = Account(
            iin=iin,
            iban=compact,
            bank_code=compact[4:7],
            source=AccountSource.BANK,
            updated_on=date(2025, 11, 3),
        )
        with registries_db.transaction(self.conn):
            accounts.add_many(self.conn, [record])

    def pension(self, iin: str, start: date = date(2015, 5, 1)) -> None:
        """The pensions registry records an open-ended age pension (burial p.13(4))."""
        paid = Payment(iin=iin, kind=PaymentKind.AGE_PENSION, start=start)
        with registries_db.transaction(self.conn):
            pensions.add_many(self.conn, [paid])

    def disability(
        self,
        iin: str,
        *,
        cause: Cause = Cause.GENERAL_ILLNESS,
        group: int | None = 2,
        representative: str | None = None,
        established: date = DEFAULT_ESTABLISHED,
    ) -> Event:
        """Establish a disability; the feed event it gave."""
        record = Disability(
            iin=iin,
            group=group,
            cause=cause,
            established_on=established,
            valid_until=established.replace(year=established.year + 1),
            representative_iin=representative,
        )
        emitted = actions.emit_disability(self.conn, record)
        assert emitted.created
        return emitted.event

    def events(self) -> list[Event]:
        """Every event of the feed, in order, as recorded (no faults)."""
        return feed.after(self.conn, 0, 1000)

    def advance(self, by: timedelta) -> datetime:
        """Move the world clock forward."""
        return world_clock.advance(self.conn, by)

    def advance_to(self, moment: datetime) -> datetime:
        """Move the world clock forward to `moment` (not back)."""
        gap = moment - self.now()
        return self.advance(gap) if gap > timedelta(0) else self.now()

    def now(self) -> datetime:
        """The world clock."""
        return world_clock.now(self.conn)

    # ------------------------------------------------------------ the bot

    async def start(
        self, telegram: Bot | None = None, chats: Sequence[ChatChannel] = (), **settings: Any
    ) -> App:
        """Build the bot on this data directory (once), with any settings changed; with a
        Telegram `Bot` (e.g. on a recording session), the Telegram channel too, and any other
        chat channels `chats`."""
        assert self.app is None, "the bot is already running"
        self.app = await build_app(
            Settings(data_dir=self.data_dir, **settings), telegram=telegram, chats=chats
        )
        return self.app

    async def restart(self) -> App:
        """Close the bot and build a fresh one on the same files."""
        await self.stop()
        return await self.start()

    async def stop(self) -> None:
        """Close the bot, if running."""
        if self.app is not None:
            app, self.app = self.app, None
            await app.close()

    @property
    def bot(self) -> App:
        """The running bot."""
        assert self.app is not None, "start the bot first"
        return self.app

    @property
    def gateway(self) -> SimulatedSmsGateway:
        """The simulated SMS provider the bot talks to."""
        sms = self.bot.sms
        assert isinstance(sms, SimulatedSmsGateway)
        return sms

    async def tick(self) -> int:
        """Run all due work; how much was done."""
        return await self.bot.tick()

    async def settle(self) -> int:
        """Tick, let the gateway's receipts fall due, and tick again: messages land in inboxes."""
        done = await self.tick()
        self.advance(SETTLE)
        return done + await self.tick()

    async def reply(self, phone: str, text: str) -> InboundMessage:
        """The citizen sends an SMS; the bot handles it and its answers are delivered."""
        sent = await self.gateway.send_from(phone, text)
        await self.settle()
        return sent

    # ------------------------------------------------------------ looking

    async def inbox(self, phone: str) -> list[InboxMessage]:
        """What a phone has received, oldest first."""
        return await self.gateway.inbox(phone)

    async def submissions(self) -> list[Submission]:
        """Everything the gateway was ever given, newest first."""
        return await self.gateway.messages(limit=1000)

    async def cases_of(self, phone: str) -> list[CaseRecord]:
        """Every case of a phone, oldest first."""
        async with self.bot.storage.unit_of_work() as uow:
            return list(reversed(await uow.cases.for_phone(phone)))

    async def case_of(self, phone: str) -> CaseRecord:
        """The one case of a phone."""
        found = await self.cases_of(phone)
        assert len(found) == 1, f"{phone} has {len(found)} cases"
        return found[0]

    async def all_cases(self) -> list[CaseRecord]:
        """Every case, oldest first."""
        async with self.bot.storage.unit_of_work() as uow:
            return list(reversed(await uow.cases.all()))

    async def outbox(self, case_id: str) -> list[OutboxMessage]:
        """A case's outgoing messages in order."""
        async with self.bot.storage.unit_of_work() as uow:
            return await uow.outbox.for_case(case_id)

    async def templates(self, case_id: str) -> list[str]:
        """The template ids of a case's outgoing messages in order."""
        return [m.template_id for m in await self.outbox(case_id)]

    async def ledger(self, iin: str | None = None) -> list[ConsentRow]:
        """The consent ledger, all or one citizen's rows."""
        async with self.bot.storage.unit_of_work() as uow:
            return await uow.consents.rows(iin)

    async def ledger_acts(self, iin: str) -> list[str]:
        """The acts of a citizen's ledger rows, in order."""
        return [row.entry.act.value for row in await self.ledger(iin)]

    async def tasks(self) -> list[OperatorTask]:
        """Open operator tasks, oldest first."""
        async with self.bot.storage.unit_of_work() as uow:
            return await uow.tasks.open()

    async def citizen(self, iin: str) -> Citizen | None:
        """What the bot keeps about a citizen."""
        async with self.bot.storage.unit_of_work() as uow:
            return await uow.citizens.get(iin)

    async def cursor(self) -> int:
        """How far the bot has read the feed."""
        async with self.bot.storage.unit_of_work() as uow:
            return await uow.cursor.get()

    async def verify_ledger(self) -> list[str]:
        """Problems of the consent ledger in the bot's file (empty: the chain is intact)."""
        return await verify_stored(self.bot.settings)

    async def close(self) -> None:
        """Close the bot and the registries' connection."""
        if self.closed:
            return
        self.closed = True
        try:
            await self.stop()
        finally:
            self.conn.close()


def open_world(data_dir: Path, start: datetime = START) -> World:
    """The registries' file in `data_dir` with the world clock at `start`; no bot yet."""
    conn = registries_db.connect(registries_db.path_in(data_dir))
    world_clock.set_to(conn, start)
    return World(data_dir=data_dir, conn=conn)
