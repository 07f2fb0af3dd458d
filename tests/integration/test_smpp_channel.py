"""The SMPP channel against the SMSC simulator (tests/fakes/smsc.py) over loopback TCP.

The bot is built through the composition root with `SMS_GATEWAY=smpp`, on real SQLite files
and the registries' world clock; the SMSC is the test's. What a phone receives is what the
SMSC reassembled from the parts; the submit_sm themselves are read octet by octet.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.channels.smpp.gateway import SmppConfig, SmppSmsGateway
from bot.channels.smpp.session import Endpoint
from bot.channels.smpp.store import SmppStore, path_in
from bot.ports import SendTemporaryError
from bot.records import OutboxMessage, OutboxStatus
from domain.cases import CaseState
from domain.sms import segments
from tests.e2e.world import World, open_world
from tests.fakes.smsc import Smsc, Submit

PHONE = "+77012345678"
DESTINATION = PHONE.removeprefix("+")  # as the ESME addresses it: international, no plus
KAZAKH = "ә ғ қ ң ө ұ ү һ і Ә Ғ Қ Ң Ө Ұ Ү Һ І"
SMPP: dict[str, Any] = {  # the settings of a bot talking SMPP to the fake
    "sms_gateway": "smpp",
    "smpp_host": "127.0.0.1",
    "smpp_system_id": "bot",
    "smpp_password": "secret",
    "smpp_submit_timeout": 10.0,
    "smpp_window": 4,
    "smpp_throttle_pause": 0.01,
}


class WallClock:
    """Real time, for the gateway alone (its store stamps what it receives)."""

    async def now(self) -> datetime:
        return datetime.now(UTC)


@pytest.fixture
async def smsc() -> AsyncIterator[Smsc]:
    async with Smsc("bot", "secret") as running:
        yield running
    assert running.protocol_errors == [], "the SMSC saw departures from SMPP 3.4"


@pytest.fixture
async def world(tmp_path: Path, smsc: Smsc) -> AsyncIterator[World]:
    """A world whose bot talks SMPP to the fake SMSC, bound before the test starts."""
    opened = open_world(tmp_path)
    app = await opened.start(**SMPP, smpp_port=smsc.port)
    assert await gateway_of(app).wait_bound(5.0)
    yield opened
    await opened.close()


def gateway_of(app: App) -> SmppSmsGateway:
    assert isinstance(app.sms, SmppSmsGateway)
    return app.sms


def parts_to(smsc: Smsc, destination: str = DESTINATION) -> list[Submit]:
    return [submit for submit in smsc.submits if submit.destination == destination]


def user_data(submit: Submit) -> bytes:
    """The part's user data after its UDH."""
    if submit.udh is None:
        return submit.short_message
    return submit.short_message[1 + submit.short_message[0] :]


async def offer_for(world: World, phone: str = PHONE, language: str = "kk") -> str:
    """A disability established for a person with `phone`; the bot ticks; the case id."""
    world.disability(world.person(phone=phone, language=language))  # type: ignore[arg-type]
    await world.tick()
    return (await world.case_of(phone)).case.id


async def sms_of(world: World, case_id: str) -> list[OutboxMessage]:
    return [m for m in await world.outbox(case_id) if m.channel == "sms"]


async def receipts_in(smsc: Smsc, world: World) -> None:
    """Wait until the SMSC had every receipt answered, then let the bot apply them."""
    await smsc.wait_for(lambda: len(smsc.receipt_statuses) >= len(smsc.sent_receipts))
    await world.tick()


# ---------------------------------------------------------------- what the phone receives


async def test_a_kazakh_offer_arrives_byte_exact_in_ucs2_in_concatenated_parts(
    world: World, smsc: Smsc
) -> None:
    case_id = await offer_for(world)
    [offer] = await sms_of(world, case_id)
    assert offer.encoding == "UCS-2" and offer.segments > 1
    parts = parts_to(smsc)
    assert [p.data_coding for p in parts] == [8] * offer.segments
    assert all(p.esm_class & 0x40 for p in parts)  # UDHI: each part opens with its UDH
    assert {p.concat.reference for p in parts if p.concat} == {parts[0].concat.reference}  # type: ignore[union-attr]
    assert [(p.concat.total, p.concat.seqnum) for p in parts if p.concat] == [
        (offer.segments, n) for n in range(1, offer.segments + 1)
    ]
    assert b"".join(user_data(p) for p in parts) == offer.text.encode("utf-16-be")
    assert all(len(p.short_message) <= 140 for p in parts)
    assert smsc.messages(DESTINATION) == [offer.text]
    assert parts[0].source == "1414" and (parts[0].destination_ton, parts[0].destination_npi) == (
        1,
        1,
    )


async def test_every_kazakh_letter_arrives_byte_exact_in_ucs2(tmp_path: Path, smsc: Smsc) -> None:
    text = f"Құрметті азамат! {KAZAKH}. " * 4  # long enough for three parts
    gateway = await started(tmp_path, smsc)
    try:
        await gateway.submit("kk-letters#0", PHONE, text)
    finally:
        await gateway.close()
    parts = parts_to(smsc)
    assert len(parts) == segments(text) > 1 and {p.data_coding for p in parts} == {8}
    assert b"".join(user_data(p) for p in parts) == text.encode("utf-16-be")
    assert "қ".encode("utf-16-be") == b"\x04\x9b" and b"\x04\x9b" in user_data(parts[0])
    assert smsc.messages(DESTINATION) == [text]


async def test_a_latin_text_goes_in_gsm7_with_its_escapes(tmp_path: Path, smsc: Smsc) -> None:
    text = "Code 417: reply 1 or 2 [KZ] €"
    gateway = await started(tmp_path, smsc)
    try:
        await gateway.submit("latin#0", PHONE, text)
    finally:
        await gateway.close()
    [part] = parts_to(smsc)
    assert part.data_coding == 0 and part.udh is None
    assert b"\x1b\x3c" in part.short_message and part.short_message.endswith(b"\x1b\x65")
    assert smsc.messages(DESTINATION) == [text]


# ---------------------------------------------------------------- receipts


async def test_receipts_mark_the_message_delivered(world: World, smsc: Smsc) -> None:
    smsc.hold_receipts()
    case_id = await offer_for(world)
    [offer] = await sms_of(world, case_id)
    assert offer.status is OutboxStatus.SENT and offer.provider_id
    assert await smsc.release_receipts() == offer.segments  # one per part
    await receipts_in(smsc, world)
    [offer] = await sms_of(world, case_id)
    assert offer.status is OutboxStatus.DELIVERED
    assert await gateway_of(world.bot).receipts() == []  # applied and acknowledged


async def test_an_undelivered_part_sends_the_message_again_later(world: World, smsc: Smsc) -> None:
    smsc.fail_next(DESTINATION, "UNDELIV")  # the first part's receipt: phone unreachable
    case_id = await offer_for(world)
    await receipts_in(smsc, world)
    [offer] = await sms_of(world, case_id)
    assert offer.status is OutboxStatus.QUEUED and offer.attempts == 1
    world.advance(timedelta(minutes=1))  # the dispatcher's first backoff
    await world.tick()
    await receipts_in(smsc, world)
    [offer] = await sms_of(world, case_id)
    assert offer.status is OutboxStatus.DELIVERED
    assert smsc.messages(DESTINATION) == [offer.text, offer.text]  # the phone got it again


async def test_a_rejected_message_fails_for_the_operators(world: World, smsc: Smsc) -> None:
    smsc.fail_next(DESTINATION, "REJECTD")
    case_id = await offer_for(world)
    await receipts_in(smsc, world)
    [offer] = await sms_of(world, case_id)
    assert offer.status is OutboxStatus.FAILED
    assert [t.kind for t in await world.tasks() if t.case_id == case_id] == ["send_failed"]


async def test_receipts_sent_while_the_bot_is_down_reach_it_after_a_restart(
    world: World, smsc: Smsc
) -> None:
    smsc.hold_receipts()
    case_id = await offer_for(world)
    await world.stop()  # unbinds; the parts and their message ids stay in the channel's file
    assert await smsc.release_receipts() > 0  # no receiver: the SMSC keeps them
    app = await world.start(**SMPP, smpp_port=smsc.port)
    assert await gateway_of(app).wait_bound(5.0)
    await receipts_in(smsc, world)
    [offer] = await sms_of(world, case_id)
    assert offer.status is OutboxStatus.DELIVERED


# ---------------------------------------------------------------- replies


async def test_a_reply_over_smpp_drives_the_conversation(world: World, smsc: Smsc) -> None:
    case_id = await offer_for(world)
    assert await smsc.send_mo(PHONE, "1414", "1") == [0]  # stored before it was answered
    await world.tick()
    record = await world.case_of(PHONE)
    assert record.case.consent_at is not None
    assert record.case.state is CaseState.AWAITING_ACCOUNT
    asked = (await sms_of(world, case_id))[-1]
    assert asked.template_id.startswith("ask_")
    await smsc.wait_for_messages(DESTINATION, 2)
    assert smsc.messages(DESTINATION)[-1] == asked.text


async def test_a_reply_in_parts_is_joined_before_the_bot_reads_it(
    tmp_path: Path, smsc: Smsc
) -> None:
    text = "Менің шотым KZ86125KZT5004100100, " * 5
    gateway = await started(tmp_path, smsc)
    try:
        assert await smsc.send_mo(PHONE, "1414", text, split=3) == [0, 0, 0]
        [reply] = await gateway.replies()
        assert (reply.address, reply.text) == (PHONE, text)
        await gateway.ack_replies([reply.provider_id])
        assert await gateway.replies() == []
    finally:
        await gateway.close()


async def test_a_reply_is_handed_over_again_until_acknowledged(tmp_path: Path, smsc: Smsc) -> None:
    gateway = await started(tmp_path, smsc)
    assert await smsc.send_mo(PHONE, "1414", "иә") == [0]
    await gateway.close()  # the bot "crashed" before logging it
    gateway = await started(tmp_path, smsc)
    try:
        assert [r.text for r in await gateway.replies()] == ["иә"]
    finally:
        await gateway.close()


# ---------------------------------------------------------------- the line


async def test_a_dropped_line_reconnects_and_loses_nothing(world: World, smsc: Smsc) -> None:
    gateway = gateway_of(world.bot)
    smsc.hold_receipts()
    first = await offer_for(world)
    await smsc.drop()  # the line is cut, no unbind
    second = await offer_for(world, phone="+77012345679")  # waits for the new bind
    assert gateway.counters.binds == 2 and len(smsc.binds) == 2
    assert await smsc.release_receipts() > 0
    await receipts_in(smsc, world)
    for case_id in (first, second):
        assert [m.status for m in await sms_of(world, case_id)] == [OutboxStatus.DELIVERED]
    assert await smsc.send_mo(PHONE, "1414", "1") == [0]
    await world.tick()
    assert (await world.case_of(PHONE)).case.consent_at is not None


async def test_a_part_in_flight_when_the_line_drops_is_sent_again(
    world: World, smsc: Smsc
) -> None:
    gateway = gateway_of(world.bot)
    smsc.hold_responses()
    world.disability(world.person(phone=PHONE, language="kk"))
    ticking = asyncio.create_task(world.tick())
    await smsc.wait_for(lambda: smsc.max_outstanding >= 1)
    await smsc.drop()  # the submit_sm went; its response never will
    smsc.release_responses()
    await ticking
    case_id = (await world.case_of(PHONE)).case.id
    [offer] = await sms_of(world, case_id)
    assert offer.status in (OutboxStatus.SENT, OutboxStatus.DELIVERED)
    assert gateway.counters.resent == 1
    assert smsc.messages(DESTINATION) == [offer.text]
    # SMPP 3.4 has no idempotency key: the SMSC took the first copy too. It went with the
    # same UDH reference, so a handset keeps one; the fake notes the repeat, nothing else.
    assert smsc.protocol_errors == ["submit_sm m000002: part 1 of reference 1 came twice"]
    smsc.protocol_errors.clear()


async def test_an_unbind_from_the_smsc_is_answered_and_the_bot_binds_again(
    world: World, smsc: Smsc
) -> None:
    assert await smsc.unbind()
    await smsc.wait_for(lambda: len(smsc.binds) == 2)
    assert await gateway_of(world.bot).wait_bound(5.0)


async def test_the_line_has_nagle_off(world: World) -> None:
    session = gateway_of(world.bot).session
    assert session is not None and session.no_delay


async def test_an_idle_line_is_kept_alive_and_a_dead_one_replaced(
    tmp_path: Path, smsc: Smsc
) -> None:
    gateway = await started(tmp_path, smsc, enquire_interval=0.1, response_timeout=0.3)
    try:
        await smsc.wait_for(lambda: smsc.enquire_links >= 2)
        assert len(smsc.binds) == 1  # answered: the same session stays
        assert await smsc.enquire_link()  # the ESME answers the SMSC's enquire_link too
        smsc.ignore_enquire_link = True  # the SMSC goes quiet without closing the line
        await smsc.wait_for(lambda: len(smsc.binds) >= 2)
    finally:
        await gateway.close()


async def test_a_refused_bind_is_retried_and_submit_gives_up_for_now(
    tmp_path: Path, smsc: Smsc
) -> None:
    config = SmppConfig(
        Endpoint("127.0.0.1", smsc.port, "bot", "wrong"),
        submit_timeout=0.5,
        reconnect_min=0.05,
        reconnect_max=0.1,
    )
    gateway = SmppSmsGateway(config, path_in(tmp_path), WallClock())
    await gateway.start()
    try:
        await smsc.wait_for(lambda: len(smsc.bind_failures) >= 2)
        with pytest.raises(SendTemporaryError, match="Invalid Password"):
            await gateway.submit("never#0", PHONE, "Сәлем")
        assert not gateway.bound and smsc.submits == []
    finally:
        await gateway.close()


# ---------------------------------------------------------------- throttling and window


async def test_throttling_slows_the_sender_and_loses_nothing(world: World, smsc: Smsc) -> None:
    gateway = gateway_of(world.bot)
    smsc.throttle(3)
    phones = [f"+7701234560{n}" for n in range(3, 6)]
    for phone in phones:
        world.disability(world.person(phone=phone, language="ru"))
    await world.tick()
    assert gateway.counters.throttled == 3
    assert [status for status, _ in smsc.rejected] == [0x58] * 3
    for phone in phones:
        [offer] = await sms_of(world, (await world.case_of(phone)).case.id)
        assert offer.status in (OutboxStatus.SENT, OutboxStatus.DELIVERED)
        assert offer.attempts == 0  # slowed down, never failed
        assert smsc.messages(phone.removeprefix("+")) == [offer.text]


async def test_the_window_holds_submissions_waiting_for_their_response(
    tmp_path: Path, smsc: Smsc
) -> None:
    gateway = await started(tmp_path, smsc, window=3)
    try:
        smsc.hold_responses()
        texts = [f"Хабарлама {n}: " + "ө" * 60 for n in range(10)]
        sending = [
            asyncio.create_task(gateway.submit(f"w{n}#0", PHONE, text))
            for n, text in enumerate(texts)
        ]
        await smsc.wait_for(lambda: smsc.max_outstanding >= 3)
        await asyncio.sleep(0.1)  # room for a fourth, were the window not kept
        assert smsc.max_outstanding == 3
        smsc.release_responses()
        ids = await asyncio.gather(*sending)
    finally:
        await gateway.close()
    assert len(set(ids)) == 10 and smsc.window_overruns == 0
    assert sorted(smsc.messages(DESTINATION)) == sorted(texts)


async def test_the_same_reference_is_not_submitted_twice(tmp_path: Path, smsc: Smsc) -> None:
    gateway = await started(tmp_path, smsc)
    try:
        first = await gateway.submit("offer:abc#0", PHONE, "Сәлем")
        again = await gateway.submit("offer:abc#0", PHONE, "Сәлем")
    finally:
        await gateway.close()
    assert first == again and len(smsc.submits) == 1


async def test_a_message_taken_up_again_sends_only_the_parts_not_yet_accepted(
    tmp_path: Path, smsc: Smsc
) -> None:
    text = "Ұзын хабарлама. " * 10  # three parts
    store = SmppStore(path_in(tmp_path))  # a crash after the SMSC took the first part
    planned = store.plan("long#0", PHONE, text, datetime.now(UTC))
    store.accepted(planned.id, 1, "m-before-the-crash", datetime.now(UTC))
    store.close()
    gateway = await started(tmp_path, smsc)
    try:
        provider_id = await gateway.submit("long#0", PHONE, text)
    finally:
        await gateway.close()
    assert provider_id == planned.provider_id
    assert [(s.concat.reference, s.concat.seqnum) for s in smsc.submits if s.concat] == [
        (planned.id % 256, 2),
        (planned.id % 256, 3),
    ]  # the same UDH reference as the part sent before


async def test_a_submit_that_keeps_being_throttled_gives_up_for_now(
    tmp_path: Path, smsc: Smsc
) -> None:
    gateway = await started(tmp_path, smsc, submit_timeout=0.3)
    try:
        smsc.throttle(1000)
        with pytest.raises(SendTemporaryError, match="Throttl"):
            await gateway.submit("busy#0", PHONE, "Сәлем")
    finally:
        await gateway.close()
    assert smsc.submits == [] and gateway.counters.throttled >= 1


# ---------------------------------------------------------------- helpers


async def started(
    tmp_path: Path,
    smsc: Smsc,
    *,
    window: int = 10,
    submit_timeout: float = 10.0,
    enquire_interval: float = 30.0,
    response_timeout: float = 10.0,
) -> SmppSmsGateway:
    """A gateway alone (no bot) on the channel's file in `tmp_path`, bound to the fake."""
    endpoint = Endpoint(
        "127.0.0.1",
        smsc.port,
        "bot",
        "secret",
        window=window,
        enquire_interval=enquire_interval,
        response_timeout=response_timeout,
    )
    config = SmppConfig(endpoint, submit_timeout=submit_timeout, throttle_pause=0.01)
    gateway = SmppSmsGateway(config, path_in(tmp_path), WallClock())
    await gateway.start()
    assert await gateway.wait_bound(5.0)
    return gateway
