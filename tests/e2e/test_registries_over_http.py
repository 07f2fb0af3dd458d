"""The bot reads the registries over HTTP exactly as in process: `BOT_REGISTRIES_URL`."""

from __future__ import annotations

from bot.composition import build_app
from bot.settings import Settings
from domain.cases import CaseState
from fake_registries import db as registries_db
from fake_registries.http_server import build_app as registries_app
from fake_registries.http_server import running
from fake_registries.service import RegistryService
from tests.e2e.world import World

PHONE = "+77015550177"
ON_FILE = "KZ86125KZT5004100100"


async def test_a_disability_is_offered_consented_and_assigned_through_the_http_registries(
    world: World,
) -> None:
    iin = world.person(phone=PHONE, language="kk")
    world.account(iin, ON_FILE)
    world.disability(iin)
    conn = registries_db.connect(registries_db.path_in(world.data_dir))
    try:
        async with running(registries_app(RegistryService(conn))) as url:
            app = await build_app(Settings(data_dir=world.data_dir, registries_url=url))
            try:
                await app.tick()
                for reply in ("1", "1"):
                    await app.sms.send_from(PHONE, reply)  # type: ignore[attr-defined]
                    await app.tick()
                async with app.storage.unit_of_work() as uow:
                    (record,) = await uow.cases.all()
                    orders = await uow.payments.for_case(record.case.id)
            finally:
                await app.close()
    finally:
        conn.close()
    assert record.case.state is CaseState.ASSIGNED
    assert [o.iban for o in orders] == [ON_FILE]
