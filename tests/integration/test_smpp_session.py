"""The SMPP channel against a scripted peer: what SMPP 3.4 allows an SMSC that the SMSC
simulator does not do (data_sm for replies, alert_notification, generic_nack to a submit, a
receipt before its submit_sm_resp, an unknown command).

The peer is a loopback TCP server the test scripts PDU by PDU with the product's codec;
what the product answers is read back from the line.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.channels.smpp import pdu
from bot.channels.smpp.gateway import SmppConfig, SmppSmsGateway
from bot.channels.smpp.pdu import Pdu
from bot.channels.smpp.session import BindFailed, Endpoint, Session
from bot.channels.smpp.store import path_in
from bot.ports import SendTemporaryError

PHONE = "+77012345678"


class WallClock:
    async def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class Peer:
    """A scripted SMSC: binds whoever comes, then hands each PDU to `on_request`."""

    bind_status: int = pdu.ROK
    received: asyncio.Queue[Pdu] = field(default_factory=asyncio.Queue)
    writer: asyncio.StreamWriter | None = None
    bound: asyncio.Event = field(default_factory=asyncio.Event)
    sequence: int = 1000
    on_submit: Callable[[Pdu], Awaitable[None]] | None = None
    port: int = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        try:
            while True:
                head = await reader.readexactly(16)
                raw = head + await reader.readexactly(pdu.header(head)[0] - 16)
                message = pdu.decode(raw)
                if message.command == "bind_transceiver":
                    fields = {} if self.bind_status else {"system_id": "peer"}
                    self.send(
                        "bind_transceiver_resp", message.sequence, self.bind_status, **fields
                    )
                    if not self.bind_status:
                        self.bound.set()
                elif message.command == "submit_sm" and self.on_submit is not None:
                    await self.on_submit(message)
                elif message.command == "unbind":
                    self.send("unbind_resp", message.sequence)
                else:
                    await self.received.put(message)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()  # this side of the line too, whichever connection it was

    def send(self, command: str, sequence: int, status: int = pdu.ROK, **fields: Any) -> None:
        assert self.writer is not None
        self.writer.write(pdu.encode(command, sequence, status, **fields))

    def request(self, command: str, **fields: Any) -> int:
        self.sequence += 1
        self.send(command, self.sequence, **fields)
        return self.sequence

    async def answer(self, timeout: float = 5.0) -> Pdu:
        """The next PDU the ESME sent that the script did not take."""
        return await asyncio.wait_for(self.received.get(), timeout)


@pytest.fixture
async def peer() -> AsyncIterator[Peer]:
    scripted = Peer()
    server = await asyncio.start_server(scripted.serve, "127.0.0.1", 0)
    scripted.port = server.sockets[0].getsockname()[1]
    async with server:
        yield scripted
        if scripted.writer is not None:
            scripted.writer.close()


@pytest.fixture
async def gateway(peer: Peer, tmp_path: Path) -> AsyncIterator[SmppSmsGateway]:
    endpoint = Endpoint("127.0.0.1", peer.port, "bot", "secret", response_timeout=2.0)
    config = SmppConfig(endpoint, submit_timeout=3.0, throttle_pause=0.01)
    started = SmppSmsGateway(config, path_in(tmp_path), WallClock())
    await started.start()
    assert await started.wait_bound(5.0)
    yield started
    await started.close()


def ucs2(text: str) -> bytes:
    return text.encode("utf-16-be")


async def test_a_reply_sent_as_data_sm_reaches_the_bot(
    peer: Peer, gateway: SmppSmsGateway
) -> None:
    sequence = peer.request(
        "data_sm",
        source_addr_ton=1,
        source_addr_npi=1,
        source_addr=PHONE.removeprefix("+"),
        destination_addr="1414",
        data_coding=8,
        message_payload=ucs2("иә, келісемін"),
    )
    answer = await peer.answer()
    assert (answer.command, answer.sequence, answer.status) == ("data_sm_resp", sequence, 0)
    [reply] = await gateway.replies()
    assert (reply.address, reply.text) == (PHONE, "иә, келісемін")


async def test_an_alert_notification_gets_no_answer(peer: Peer, gateway: SmppSmsGateway) -> None:
    peer.request("alert_notification", source_addr="77012345678", esme_addr="1414")
    sequence = peer.request("enquire_link")
    answer = await peer.answer()  # the first thing back answers the enquire_link
    assert (answer.command, answer.sequence) == ("enquire_link_resp", sequence)
    assert gateway.bound


async def test_an_unknown_command_gets_a_generic_nack(peer: Peer, gateway: SmppSmsGateway) -> None:
    peer.request("query_sm", message_id="x", source_addr="1414")  # not an SMSC's request
    answer = await peer.answer()
    assert (answer.command, answer.status) == ("generic_nack", pdu.RINVCMDID)
    assert gateway.bound


async def test_a_generic_nack_to_a_submit_is_a_temporary_failure(
    peer: Peer, gateway: SmppSmsGateway
) -> None:
    async def nack(message: Pdu) -> None:
        peer.send("generic_nack", message.sequence, pdu.RINVCMDLEN)

    peer.on_submit = nack
    with pytest.raises(SendTemporaryError, match="Command Length"):
        await gateway.submit("nacked#0", PHONE, "Сәлем")


async def test_a_receipt_that_overtakes_its_submit_response_is_still_matched(
    peer: Peer, gateway: SmppSmsGateway
) -> None:
    async def receipt_first(message: Pdu) -> None:
        peer.request(
            "deliver_sm",
            source_addr="77012345678",
            destination_addr="1414",
            esm_class=0x04,
            short_message=b"id:7F01 sub:001 dlvrd:001 stat:DELIVRD err:000 text:",
            receipted_message_id="7F01",
            message_state=2,
        )
        peer.send("submit_sm_resp", message.sequence, message_id="7F01")  # after, on the line

    peer.on_submit = receipt_first
    provider_id = await gateway.submit("early#0", PHONE, "Сәлем")
    assert (await peer.answer()).command == "deliver_sm_resp"
    assert await gateway.receipts() == [(provider_id, "delivered")]


async def test_a_refused_bind_says_why(peer: Peer) -> None:
    peer.bind_status = pdu.RINVPASWD

    async def nothing(message: Pdu) -> int:
        return pdu.ROK

    endpoint = Endpoint("127.0.0.1", peer.port, "bot", "wrong")
    with pytest.raises(BindFailed, match="Invalid Password") as refused:
        await Session.open(endpoint, nothing)
    assert refused.value.status == pdu.RINVPASWD


class SteppedClock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.moment = datetime(2026, 1, 12, 5, 0, tzinfo=UTC)

    async def now(self) -> datetime:
        return self.moment


async def test_a_reply_whose_last_parts_never_come_is_read_as_it_is(
    peer: Peer, tmp_path: Path
) -> None:
    clock = SteppedClock()
    endpoint = Endpoint("127.0.0.1", peer.port, "bot", "secret")
    gateway = SmppSmsGateway(SmppConfig(endpoint), path_in(tmp_path), clock)
    await gateway.start()
    try:
        assert await gateway.wait_bound(5.0)
        for seqnum, text in ((1, "KZ86 125K "), (3, "0100")):  # part 2 is lost on the way
            peer.request(
                "deliver_sm",
                source_addr_ton=1,
                source_addr_npi=1,
                source_addr=PHONE.removeprefix("+"),
                destination_addr="1414",
                esm_class=0x40,
                data_coding=8,
                short_message=bytes((5, 0, 3, 77, 3, seqnum)) + ucs2(text),
            )
            assert (await peer.answer()).status == pdu.ROK
        assert await gateway.replies() == []  # part 2 may still come
        clock.moment += timedelta(minutes=11)
        [reply] = await gateway.replies()
        assert (reply.address, reply.text) == (PHONE, "KZ86 125K 0100")
    finally:
        await gateway.close()


async def test_a_submit_refused_as_not_bound_binds_again_and_goes(
    peer: Peer, gateway: SmppSmsGateway
) -> None:
    answers = [pdu.RINVBNDSTS, pdu.ROK]

    async def forgetful(message: Pdu) -> None:
        status = answers.pop(0)
        fields = {"message_id": "A1"} if status == pdu.ROK else {}
        peer.send("submit_sm_resp", message.sequence, status, **fields)

    peer.on_submit = forgetful
    assert (await gateway.submit("rebind#0", PHONE, "Сәлем")).startswith("smpp-")
    assert answers == [] and gateway.counters.binds == 2
