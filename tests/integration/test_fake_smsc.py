"""The fake SMSC against a third-party ESME (smpplib), and its own codec against the spec.

smpplib is blocking: its calls run in worker threads (`asyncio.to_thread`) while the fake runs in
the test's event loop. Each PDU the test expects is read with one `read_once`, so the threads
never share smpplib's socket.
"""

from __future__ import annotations

import asyncio
import math
import re
import struct
from collections.abc import AsyncIterator
from typing import Any

import pytest
import smpplib.client
import smpplib.consts
import smpplib.exceptions
import smpplib.gsm
import smpplib.smpp

from tests.fakes.smsc import (
    GSM7_BASIC,
    GSM7_ESCAPE,
    BindBody,
    BindRespBody,
    BindType,
    Command,
    Concat,
    MessageBody,
    MessageIdBody,
    Pdu,
    PduError,
    Reassembler,
    Smsc,
    Status,
    Tag,
    concat_of,
    decode_pdu,
    decode_text,
    encode_pdu,
    gsm7_decode,
    gsm7_encode,
    gsm7_fits,
    parse_udh,
    split_for_mo,
)

HOST = "127.0.0.1"
PHONE = "77012345671"
SHORT_CODE = "1414"
KAZAKH = "Мүгедектігі бойынша жәрдемақы ә ғ қ ң ө ұ ү һ і"
GSM_ESCAPED = "Tolem {5} € [ok] ~^|\\ @£$ kuna"
HEADER = struct.Struct(">IIII")


class Esme:
    """smpplib's client, driven from worker threads; its handlers keep what they were given."""

    def __init__(self, port: int) -> None:
        self.client: Any = smpplib.client.Client(
            HOST, port, timeout=5, allow_unknown_opt_params=True
        )
        self.sent: list[Any] = []  # submit_sm_resp, as message_sent_handler got them
        self.received: list[Any] = []  # deliver_sm, as message_received_handler got them
        self.errors: list[Any] = []  # PDUs with a non-zero command_status
        self.client.set_message_sent_handler(self._on_sent)
        self.client.set_message_received_handler(self._on_received)
        self.client.set_error_pdu_handler(self.errors.append)

    def _on_sent(self, pdu: Any, **_: Any) -> None:
        self.sent.append(pdu)

    def _on_received(self, pdu: Any, **_: Any) -> None:
        self.received.append(pdu)

    async def connect(self) -> None:
        await asyncio.to_thread(self.client.connect)

    async def bind(self, system_id: str = "bot", password: str = "secret") -> Any:
        return await asyncio.to_thread(
            self.client.bind_transceiver, system_id=system_id, password=password
        )

    async def submit(
        self,
        short_message: bytes,
        *,
        data_coding: int = 0,
        esm_class: int = 0,
        registered_delivery: int = 0,
    ) -> Any:
        """One submit_sm from the short code to PHONE; the PDU smpplib sent."""
        return await asyncio.to_thread(
            self.client.send_message,
            source_addr_ton=smpplib.consts.SMPP_TON_UNK,
            source_addr_npi=smpplib.consts.SMPP_NPI_ISDN,
            source_addr=SHORT_CODE,
            dest_addr_ton=smpplib.consts.SMPP_TON_INTL,
            dest_addr_npi=smpplib.consts.SMPP_NPI_ISDN,
            destination_addr=PHONE,
            short_message=short_message,
            data_coding=data_coding,
            esm_class=esm_class,
            registered_delivery=registered_delivery,
        )

    async def send_text(self, text: str, *, registered_delivery: int = 0) -> list[Any]:
        """The text split by smpplib's make_parts, one submit_sm per part."""
        parts, data_coding, esm_class = smpplib.gsm.make_parts(text)
        return [
            await self.submit(
                part,
                data_coding=data_coding,
                esm_class=esm_class,
                registered_delivery=registered_delivery,
            )
            for part in parts
        ]

    async def read(self, count: int = 1) -> None:
        """Read and act on `count` PDUs (smpplib answers deliver_sm and enquire_link itself)."""
        for _ in range(count):
            await asyncio.to_thread(self.client.read_once, auto_send_enquire_link=False)

    def close(self) -> None:
        self.client.disconnect()


@pytest.fixture
async def smsc() -> AsyncIterator[Smsc]:
    async with Smsc("bot", "secret") as server:
        yield server


@pytest.fixture
async def esme(smsc: Smsc) -> AsyncIterator[Esme]:
    client = Esme(smsc.port)
    await client.connect()
    yield client
    client.close()


@pytest.fixture
async def bound(esme: Esme) -> Esme:
    await esme.bind()
    return esme


# --------------------------------------------------------------------------- binding


async def test_a_bind_with_the_right_credentials_succeeds(smsc: Smsc, esme: Esme) -> None:
    response = await esme.bind()

    assert response.status == 0
    assert response.system_id == b"fake-smsc"
    assert response.sc_interface_version == 0x34
    assert smsc.binds == [(BindType.TRANSCEIVER, "bot")]
    assert smsc.bound == [BindType.TRANSCEIVER]
    assert smsc.connections == 1
    assert smsc.protocol_errors == []


async def test_a_wrong_password_is_refused_with_esme_rinvpaswd(smsc: Smsc, esme: Esme) -> None:
    with pytest.raises(smpplib.exceptions.PDUError) as refused:
        await esme.bind(password="wrong")

    assert refused.value.args[1] == 0x0E  # ESME_RINVPASWD
    assert smsc.binds == []
    assert smsc.bind_failures == [(BindType.TRANSCEIVER, "bot", Status.ESME_RINVPASWD)]


async def test_an_unknown_system_id_is_refused_with_esme_rinvsysid(esme: Esme) -> None:
    with pytest.raises(smpplib.exceptions.PDUError) as refused:
        await esme.bind(system_id="stranger")

    assert refused.value.args[1] == 0x0F  # ESME_RINVSYSID


async def test_a_submit_before_bind_is_refused_with_esme_rinvbndsts(
    smsc: Smsc, esme: Esme
) -> None:
    with pytest.raises(smpplib.exceptions.PDUError):  # smpplib guards this on its own side
        await esme.submit(b"hello")
    esme.client.state = smpplib.consts.SMPP_CLIENT_STATE_BOUND_TX  # so the test lies to it

    await esme.submit(b"hello")
    await esme.read()

    assert [pdu.status for pdu in esme.errors] == [0x04]  # ESME_RINVBNDSTS
    assert smsc.submits == []


# --------------------------------------------------------------------------- submit_sm


async def test_a_kazakh_text_split_by_smpplib_in_ucs2_arrives_reassembled_byte_exact(
    smsc: Smsc, bound: Esme
) -> None:
    text = f"{KAZAKH} {KAZAKH} {KAZAKH}"

    pdus = await bound.send_text(text)
    await bound.read(len(pdus))

    assert len(pdus) == math.ceil(len(text) / 67) == 3
    assert await smsc.wait_for_messages(PHONE) == [text]
    assert [submit.data_coding for submit in smsc.submits] == [8, 8, 8]
    assert all(submit.esm_class & 0x40 for submit in smsc.submits)
    assert [submit.concat.seqnum for submit in smsc.submits if submit.concat] == [1, 2, 3]
    user_data = b"".join(submit.short_message[6:] for submit in smsc.submits)
    assert user_data == text.encode("utf-16-be")
    assert [pdu.message_id for pdu in bound.sent] == [b"m000001", b"m000002", b"m000003"]
    assert smsc.protocol_errors == []


async def test_parts_smpplib_sends_last_first_are_put_back_in_order(
    smsc: Smsc, bound: Esme
) -> None:
    text = f"{KAZAKH} {KAZAKH}"
    parts, data_coding, esm_class = smpplib.gsm.make_parts(text)

    for part in reversed(parts):
        await bound.submit(part, data_coding=data_coding, esm_class=esm_class)
    await bound.read(len(parts))

    assert await smsc.wait_for_messages(PHONE) == [text]
    assert [submit.text for submit in smsc.submits][::-1] == [text[:67], text[67:]]


async def test_a_gsm7_text_with_escaped_characters_arrives_exact(smsc: Smsc, bound: Esme) -> None:
    [pdu] = await bound.send_text(GSM_ESCAPED)
    await bound.read()

    assert pdu.data_coding == 0
    assert await smsc.wait_for_messages(PHONE) == [GSM_ESCAPED]
    [submit] = smsc.submits
    assert b"\x1b\x28" in submit.short_message  # "{" behind the escape
    assert b"\x1b\x65" in submit.short_message  # "€"
    assert submit.udh is None
    assert smsc.protocol_errors == []


async def test_a_backquote_from_smpplib_arrives_as_a_section_sign(smsc: Smsc, bound: Esme) -> None:
    # smpplib's table puts "`" at 0x5F, where GSM 03.38 has "§": the fake shows the mistake.
    await bound.send_text("a`b")
    await bound.read()

    assert await smsc.wait_for_messages(PHONE) == ["a§b"]


async def test_throttle_makes_one_submit_answer_esme_rthrottled(smsc: Smsc, bound: Esme) -> None:
    smsc.throttle(1)

    await bound.submit(b"first")
    await bound.submit(b"second")
    await bound.read(2)

    # smpplib gives the refused response to the error handler and to the sent handler alike.
    assert [pdu.status for pdu in bound.errors] == [0x58]  # ESME_RTHROTTLED
    assert [pdu.status for pdu in bound.sent] == [0x58, 0]
    assert smsc.rejected == [(Status.ESME_RTHROTTLED, PHONE)]
    assert [submit.text for submit in smsc.submits] == ["second"]


async def test_slow_responses_show_how_many_submits_the_esme_keeps_in_flight(
    smsc: Smsc, bound: Esme
) -> None:
    smsc.response_delay = 0.3

    def three_submits() -> None:  # smpplib has no window: it sends while nothing is answered
        for text in (b"one", b"two", b"three"):
            bound.client.send_message(destination_addr=PHONE, short_message=text)

    await asyncio.to_thread(three_submits)
    await bound.read(3)

    assert smsc.max_outstanding == 3
    assert [pdu.status for pdu in bound.sent] == [0, 0, 0]


async def test_a_submit_beyond_the_window_is_refused_while_the_others_wait() -> None:
    async with Smsc(window=2) as smsc:
        esme = Esme(smsc.port)
        await esme.connect()
        await esme.bind()
        smsc.hold_responses()

        for text in (b"one", b"two", b"three"):
            await esme.submit(text)
        await esme.read()
        refused_first = [pdu.status for pdu in esme.sent]
        smsc.release_responses()
        await esme.read(2)
        esme.close()

    assert refused_first == [Status.ESME_RTHROTTLED]
    assert smsc.max_outstanding == 2
    assert smsc.window_overruns == 1
    assert [submit.text for submit in smsc.submits] == ["one", "two"]


# --------------------------------------------------------------------------- receipts

RECEIPT = re.compile(
    rb"id:(m\d{6}) sub:001 dlvrd:(\d{3}) submit date:\d{10} done date:\d{10}"
    rb" stat:([A-Z]{7}) err:(\d{3}) Text:(.*)"
)


async def test_a_registered_submit_gets_a_delivrd_receipt_naming_its_message_id(
    smsc: Smsc, bound: Esme
) -> None:
    await bound.submit(b"Hello", registered_delivery=1)
    await bound.read(2)

    [response] = bound.sent
    [receipt] = bound.received
    assert receipt.esm_class == 0x04
    assert receipt.receipted_message_id == response.message_id == b"m000001"
    assert receipt.message_state == 2
    assert (receipt.source_addr, receipt.destination_addr) == (PHONE.encode(), b"1414")
    fields = RECEIPT.fullmatch(receipt.short_message)
    assert fields is not None
    assert fields.groups() == (b"m000001", b"001", b"DELIVRD", b"000", b"Hello")
    await smsc.wait_for(lambda: smsc.receipt_statuses == [("m000001", 0)])
    assert smsc.protocol_errors == []


async def test_fail_next_makes_the_receipt_say_undeliv(smsc: Smsc, bound: Esme) -> None:
    smsc.fail_next(PHONE)

    await bound.submit(b"first", registered_delivery=1)
    await bound.submit(b"second", registered_delivery=1)
    await bound.read(4)

    receipts = {pdu.receipted_message_id: pdu for pdu in bound.received}
    assert receipts[b"m000001"].message_state == 5
    assert b"stat:UNDELIV err:001" in receipts[b"m000001"].short_message
    assert receipts[b"m000002"].message_state == 2


async def test_a_receipt_for_failures_only_is_sent_for_a_failure_only(
    smsc: Smsc, bound: Esme
) -> None:
    smsc.fail_next(PHONE, "EXPIRED")

    await bound.submit(b"lost", registered_delivery=2)
    await bound.submit(b"delivered", registered_delivery=2)
    await bound.read(3)

    assert [pdu.message_state for pdu in bound.received] == [3]


async def test_held_receipts_go_out_when_released(smsc: Smsc, bound: Esme) -> None:
    smsc.hold_receipts()
    await bound.submit(b"one", registered_delivery=1)
    await bound.submit(b"two", registered_delivery=1)
    await bound.read(2)
    assert bound.received == []

    release = asyncio.create_task(smsc.release_receipts())
    await bound.read(2)

    assert await release == 2
    assert [pdu.receipted_message_id for pdu in bound.received] == [b"m000001", b"m000002"]
    assert smsc.receipt_statuses == [("m000001", 0), ("m000002", 0)]


# --------------------------------------------------------------------------- MO


async def test_a_long_mo_text_reaches_smpplib_in_ucs2_parts_with_a_udh(
    smsc: Smsc, bound: Esme
) -> None:
    text = f"{KAZAKH}. {KAZAKH}?"
    parts = math.ceil(len(text) / 67)

    sending = asyncio.create_task(smsc.send_mo(f"+{PHONE}", SHORT_CODE, text))
    await bound.read(parts)

    assert await sending == [0] * parts == smsc.mo_statuses
    assert parts == 2
    for seqnum, pdu in enumerate(bound.received, start=1):
        assert pdu.esm_class == 0x40
        assert pdu.data_coding == 8
        assert (pdu.source_addr_ton, pdu.source_addr) == (1, PHONE.encode())
        assert pdu.destination_addr == SHORT_CODE.encode()
        assert pdu.short_message[:3] == b"\x05\x00\x03"
        assert pdu.short_message[4:6] == bytes((parts, seqnum))
    assert len({pdu.short_message[3] for pdu in bound.received}) == 1  # one reference
    user_data = b"".join(pdu.short_message[6:] for pdu in bound.received)
    assert user_data.decode("utf-16-be") == text
    assert smsc.protocol_errors == []


async def test_a_short_mo_text_in_the_default_alphabet_is_one_plain_deliver_sm(
    smsc: Smsc, bound: Esme
) -> None:
    sending = asyncio.create_task(smsc.send_mo(PHONE, SHORT_CODE, "Iya {1}"))
    await bound.read()

    assert await sending == [0]
    [pdu] = bound.received
    assert (pdu.esm_class, pdu.data_coding) == (0, 0)
    assert pdu.short_message == b"Iya \x1b\x281\x1b\x29"


async def test_an_mo_text_can_be_forced_into_parts(smsc: Smsc, bound: Esme) -> None:
    sending = asyncio.create_task(smsc.send_mo(PHONE, SHORT_CODE, "Yes, call me", split=3))
    await bound.read(3)

    assert await sending == [0, 0, 0]
    assert [pdu.short_message[6:] for pdu in bound.received] == [b"Yes,", b" cal", b"l me"]


# --------------------------------------------------------------------------- link


async def test_an_enquire_link_from_the_fake_is_answered_by_smpplib(
    smsc: Smsc, bound: Esme
) -> None:
    asking = asyncio.create_task(smsc.enquire_link())
    await bound.read()

    assert await asking
    assert smsc.protocol_errors == []


async def test_an_enquire_link_from_smpplib_is_answered_with_its_sequence(bound: Esme) -> None:
    request = smpplib.smpp.make_pdu("enquire_link", client=bound.client)

    await asyncio.to_thread(bound.client.send_pdu, request)
    response = await asyncio.to_thread(bound.client.read_pdu)

    assert (response.command, response.status) == ("enquire_link_resp", 0)
    assert response.sequence == request.sequence


async def test_an_unbind_from_the_fake_left_unanswered_by_smpplib_is_reported(
    smsc: Smsc, bound: Esme
) -> None:
    smsc.response_timeout = 0.5

    unbinding = asyncio.create_task(smsc.unbind())
    await bound.read()  # smpplib logs the unbind and sends no unbind_resp

    assert await unbinding is False
    assert smsc.protocol_errors == ["UNBIND 1 unanswered after 0.5 s"]


async def test_an_unbind_from_smpplib_is_answered(smsc: Smsc, bound: Esme) -> None:
    response = await asyncio.to_thread(bound.client.unbind)

    assert (response.command, response.status) == ("unbind_resp", 0)
    await smsc.wait_for(lambda: smsc.bound == [])


async def test_drop_closes_the_connection_under_smpplib(smsc: Smsc, bound: Esme) -> None:
    listening = asyncio.create_task(asyncio.to_thread(bound.client.listen))

    await smsc.drop()

    with pytest.raises(smpplib.exceptions.ConnectionError):
        await listening
    assert smsc.bound == []


# --------------------------------------------------------------------------- raw PDUs


async def _exchange(smsc: Smsc, *pdus: bytes) -> tuple[list[tuple[int, ...]], bytes]:
    """Send raw octets; the headers of the answers (one per PDU sent) and what follows."""
    reader, writer = await asyncio.open_connection(HOST, smsc.port)
    answers: list[tuple[int, ...]] = []
    try:
        for pdu in pdus:
            writer.write(pdu)
            head = await reader.readexactly(16)
            answers.append(HEADER.unpack(head))
            await reader.readexactly(answers[-1][0] - 16)
        writer.write_eof()
        rest = await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()
    return answers, rest


def _raw(command_id: int, sequence: int, body: bytes = b"") -> bytes:
    return HEADER.pack(16 + len(body), command_id, 0, sequence) + body


BIND = _raw(0x09, 1, b"bot\0secret\0\0\x34\x00\x00\0")


async def test_an_unknown_command_id_gets_a_generic_nack_esme_rinvcmdid(smsc: Smsc) -> None:
    answers, _ = await _exchange(smsc, _raw(0x00000099, 7))

    assert answers == [(16, 0x80000000, 0x03, 7)]


async def test_a_command_length_shorter_than_the_header_gets_esme_rinvcmdlen_and_a_hang_up(
    smsc: Smsc,
) -> None:
    answers, rest = await _exchange(smsc, struct.pack(">I", 8))

    assert answers == [(16, 0x80000000, 0x02, 0)]
    assert rest == b""
    assert smsc.protocol_errors == ["command_length 8: the stream cannot be framed"]


async def test_an_enquire_link_with_a_body_gets_a_generic_nack_esme_rinvcmdlen(
    smsc: Smsc,
) -> None:
    answers, _ = await _exchange(smsc, HEADER.pack(17, 0x15, 0, 3) + b"\0")

    assert answers == [(16, 0x80000000, 0x02, 3)]


async def test_a_second_bind_on_a_bound_connection_gets_esme_ralybnd(smsc: Smsc) -> None:
    answers, _ = await _exchange(smsc, BIND, _raw(0x02, 2, BIND[16:]))

    assert [answer[1:] for answer in answers] == [(0x80000009, 0, 1), (0x80000002, 0x05, 2)]
    assert smsc.binds == [(BindType.TRANSCEIVER, "bot")]


async def test_a_destination_longer_than_twenty_digits_gets_esme_rinvdstadr(smsc: Smsc) -> None:
    body = b"\0\x00\x00" + b"1414\0" + b"\x01\x01" + b"7" * 21 + b"\0" + bytes(10)

    answers, _ = await _exchange(smsc, BIND, _raw(0x04, 2, body))

    bind_resp_length = 16 + len(b"fake-smsc\0") + len(b"\x02\x10\x00\x01\x34")
    assert answers == [(bind_resp_length, 0x80000009, 0, 1), (16, 0x80000004, 0x0B, 2)]


# --------------------------------------------------------------------------- the codec

MESSAGE = MessageBody(
    service_type="CMT",
    source_addr_ton=5,
    source_addr="eGov",
    dest_addr_ton=1,
    dest_addr_npi=1,
    destination_addr=PHONE,
    esm_class=0x40,
    priority_flag=1,
    schedule_delivery_time="260301120000000+",
    validity_period="000001000000000R",
    registered_delivery=1,
    data_coding=8,
    short_message=b"\x05\x00\x03\x2a\x02\x01" + "Сәлем".encode("utf-16-be"),
    tlvs=((Tag.USER_MESSAGE_REFERENCE, b"\x00\x07"),),
)
RECEIPT_BODY = MessageBody(
    source_addr=PHONE,
    destination_addr=SHORT_CODE,
    esm_class=0x04,
    short_message=b"id:m000001 stat:DELIVRD",
    tlvs=((Tag.RECEIPTED_MESSAGE_ID, b"m000001\0"), (Tag.MESSAGE_STATE, b"\x02")),
)
ROUND_TRIPS = [
    Pdu(Command.BIND_TRANSMITTER, 1, 0, BindBody("bot", "secret", "VMA", 0x34, 1, 1, "^7701")),
    Pdu(Command.BIND_RECEIVER, 2, 0, BindBody("bot", "secret")),
    Pdu(Command.BIND_TRANSCEIVER, 3, 0, BindBody("bot", "12345678")),
    Pdu(Command.BIND_TRANSMITTER_RESP, 1, 0, BindRespBody("smsc", ((0x0210, b"\x34"),))),
    Pdu(Command.BIND_RECEIVER_RESP, 2, 0, BindRespBody("smsc")),
    Pdu(Command.BIND_TRANSCEIVER_RESP, 3, Status.ESME_RINVPASWD),
    Pdu(Command.UNBIND, 4),
    Pdu(Command.UNBIND_RESP, 4),
    Pdu(Command.ENQUIRE_LINK, 5),
    Pdu(Command.ENQUIRE_LINK_RESP, 5),
    Pdu(Command.SUBMIT_SM, 6, 0, MESSAGE),
    Pdu(Command.SUBMIT_SM, 0x7FFFFFFF, 0, MessageBody(tlvs=((Tag.MESSAGE_PAYLOAD, b"x" * 300),))),
    Pdu(Command.SUBMIT_SM_RESP, 6, 0, MessageIdBody("m000001")),
    Pdu(Command.SUBMIT_SM_RESP, 7, Status.ESME_RTHROTTLED),
    Pdu(Command.DELIVER_SM, 8, 0, RECEIPT_BODY),
    Pdu(Command.DELIVER_SM_RESP, 8, 0, MessageIdBody("")),
    Pdu(Command.GENERIC_NACK, 9, Status.ESME_RINVCMDID),
]


@pytest.mark.parametrize("pdu", ROUND_TRIPS, ids=lambda pdu: f"{pdu.command.name}-{pdu.sequence}")
def test_each_pdu_type_survives_encoding_and_decoding(pdu: Pdu) -> None:
    assert decode_pdu(encode_pdu(pdu)) == pdu


def test_an_enquire_link_is_the_sixteen_octet_header_alone() -> None:
    assert encode_pdu(Pdu(Command.ENQUIRE_LINK, 1)).hex() == "00000010000000150000000000000001"


def test_a_submit_sm_lays_its_fields_out_in_the_order_of_the_spec() -> None:
    body = (
        b"\0"  # service_type
        b"\x05\x00eGov\0"  # source_addr_ton, source_addr_npi, source_addr
        b"\x01\x0177012345671\0"  # dest_addr_ton, dest_addr_npi, destination_addr
        b"\x40\x00\x00"  # esm_class, protocol_id, priority_flag
        b"\0\0"  # schedule_delivery_time, validity_period
        b"\x01\x00\x08\x00"  # registered_delivery, replace_if_present_flag, data_coding, ...
        b"\x08\x05\x00\x03\x2a\x02\x01\x04\x1a"  # sm_length, short_message: UDH and "К"
        b"\x02\x0c\x00\x02\x00\x2a"  # sar_msg_ref_num TLV
    )
    raw = HEADER.pack(16 + len(body), 0x04, 0, 1) + body
    expected = MessageBody(
        source_addr_ton=5,
        source_addr="eGov",
        dest_addr_ton=1,
        dest_addr_npi=1,
        destination_addr=PHONE,
        esm_class=0x40,
        registered_delivery=1,
        data_coding=8,
        short_message=b"\x05\x00\x03\x2a\x02\x01\x04\x1a",
        tlvs=((Tag.SAR_MSG_REF_NUM, b"\x00\x2a"),),
    )

    assert decode_pdu(raw) == Pdu(Command.SUBMIT_SM, 1, 0, expected)
    assert encode_pdu(Pdu(Command.SUBMIT_SM, 1, 0, expected)) == raw


def test_an_error_response_is_the_header_alone() -> None:
    raw = encode_pdu(Pdu(Command.SUBMIT_SM_RESP, 9, Status.ESME_RTHROTTLED))

    assert raw == HEADER.pack(16, 0x80000004, 0x58, 9)


def _submit(body: bytes) -> bytes:
    return _raw(0x04, 5, body)


# Up to sm_length: esm_class ... sm_default_msg_id are nine octets, the two times empty.
MANDATORY = b"\0\x00\x001414\0\x01\x01" + PHONE.encode() + b"\0" + bytes(9)


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (HEADER.pack(20, 0x15, 0, 5), Status.ESME_RINVCMDLEN),  # length above the octets
        (HEADER.pack(16, 0x99, 0, 5), Status.ESME_RINVCMDID),
        (_submit(b"\0\x00\x001414"), Status.ESME_RINVCMDLEN),  # no NULL before the end
        (_submit(MANDATORY + b"\x05ab"), Status.ESME_RINVCMDLEN),  # sm_length past the end
        (_submit(MANDATORY + b"\xff" + bytes(255)), Status.ESME_RINVMSGLEN),
        (_submit(b"\0\x00\x00" + b"1" * 21 + b"\0"), Status.ESME_RINVSRCADR),
        (_submit(MANDATORY + b"\x00\x04\x27\x00\x02\x00\x02"), Status.ESME_RINVPARLEN),
        (_submit(MANDATORY + b"\x00\x04\x24\x00"), Status.ESME_RINVOPTPARSTREAM),
        (_submit(MANDATORY + b"\x00\x04\x24\x00\x09ab"), Status.ESME_RINVOPTPARSTREAM),
    ],
    ids=[
        "length",
        "command-id",
        "no-null",
        "sm-length",
        "sm-length-255",
        "source-addr",
        "tlv-size",
        "tlv-header",
        "tlv-value",
    ],
)
def test_a_malformed_pdu_is_refused_with_the_status_the_spec_gives(
    raw: bytes, status: Status
) -> None:
    with pytest.raises(PduError) as refused:
        decode_pdu(raw)

    assert refused.value.status is status
    assert refused.value.sequence == 5


def test_an_unknown_tlv_is_kept_and_ignored() -> None:
    pdu = decode_pdu(_submit(MANDATORY + b"\x00\x14\x00\x00\x01\x07"))

    assert isinstance(pdu.body, MessageBody)
    assert pdu.body.tlvs == ((0x1400, b"\x07"),)


@pytest.mark.parametrize(
    ("septet", "char"),
    [
        (0x00, "@"),
        (0x01, "£"),
        (0x02, "$"),
        (0x09, "Ç"),
        (0x0A, "\n"),
        (0x10, "Δ"),
        (0x11, "_"),
        (0x24, "¤"),
        (0x40, "¡"),
        (0x5B, "Ä"),
        (0x5F, "§"),
        (0x60, "¿"),
        (0x7F, "à"),
    ],
)
def test_the_default_alphabet_puts_each_character_where_gsm_03_38_does(
    septet: int, char: str
) -> None:
    assert gsm7_decode(bytes((septet,))) == char
    assert gsm7_encode(char) == bytes((septet,))


def test_the_extension_table_characters_go_behind_an_escape() -> None:
    septets = bytes.fromhex("1b28 1b29 1b3c 1b3e 1b3d 1b2f 1b40 1b14 1b65")

    assert gsm7_encode("{}[]~\\|^€") == septets
    assert gsm7_decode(septets) == "{}[]~\\|^€"


def test_every_default_alphabet_character_round_trips_and_others_do_not_fit() -> None:
    alphabet = GSM7_BASIC.replace(chr(GSM7_ESCAPE), "")

    assert len(GSM7_BASIC) == 128
    assert gsm7_decode(gsm7_encode(alphabet)) == alphabet
    assert not gsm7_fits("`")
    assert not gsm7_fits("ә")
    with pytest.raises(ValueError, match="default alphabet"):
        gsm7_encode("Сәлем")


def test_an_escape_cut_off_at_the_end_of_a_part_is_reported() -> None:
    problems: list[str] = []

    assert gsm7_decode(b"ab\x1b", problems) == "ab\ufffd"
    assert problems == ["the text ends in the middle of an escape sequence"]


def test_ucs2_is_read_as_utf16_with_surrogate_pairs_and_a_cut_pair_is_reported() -> None:
    problems: list[str] = []

    assert decode_text(8, "😀 ә".encode("utf-16-be")) == "😀 ә"
    assert decode_text(8, "😀".encode("utf-16-be")[:2], problems) == "\ufffd"
    assert len(problems) == 1
    assert decode_text(3, "café".encode("latin-1")) == "café"
    assert decode_text(4, b"\x00\x01") is None


def test_a_udh_with_an_8_bit_reference_is_parsed() -> None:
    udh, rest = parse_udh(b"\x05\x00\x03\x2a\x03\x02hello")

    assert udh == ((0x00, b"\x2a\x03\x02"),)
    assert rest == b"hello"
    assert concat_of(udh) == Concat(0x2A, 3, 2, 8)


def test_a_udh_with_a_16_bit_reference_after_another_element_is_parsed() -> None:
    udh, rest = parse_udh(b"\x0c\x05\x04\x0b\x84\x23\xf0\x08\x04\x12\x34\x02\x01hi")

    assert udh == ((0x05, b"\x0b\x84\x23\xf0"), (0x08, b"\x12\x34\x02\x01"))
    assert rest == b"hi"
    assert concat_of(udh) == Concat(0x1234, 2, 1, 16)


def test_a_broken_udh_is_refused() -> None:
    with pytest.raises(ValueError, match="UDHL"):
        parse_udh(b"\x07\x00\x03\x01")
    with pytest.raises(ValueError, match="runs past the UDH"):
        parse_udh(b"\x03\x00\x03\x01xx")
    with pytest.raises(ValueError, match="part 3 of 2"):
        concat_of(((0x00, b"\x01\x02\x03"),))


def test_parts_arriving_out_of_order_are_joined_when_the_last_one_arrives() -> None:
    parts = Reassembler()

    assert parts.add(SHORT_CODE, PHONE, Concat(7, 3, 3), "ем!") is None
    assert parts.add(SHORT_CODE, PHONE, Concat(7, 3, 1), "Сә") is None
    assert parts.incomplete == 1
    assert parts.add(SHORT_CODE, PHONE, Concat(7, 3, 2), "л") == "Сәлем!"
    assert parts.incomplete == 0


def test_parts_of_other_references_or_destinations_are_not_mixed() -> None:
    parts = Reassembler()

    assert parts.add(SHORT_CODE, PHONE, Concat(7, 2, 1), "a") is None
    assert parts.add(SHORT_CODE, "77000000000", Concat(7, 2, 2), "X") is None
    assert parts.add(SHORT_CODE, PHONE, Concat(7, 2, 2, 16), "Y") is None
    assert parts.add(SHORT_CODE, PHONE, Concat(8, 2, 2), "Z") is None
    assert parts.add(SHORT_CODE, PHONE, Concat(7, 2, 2), "b") == "ab"
    with pytest.raises(ValueError, match="came twice"):
        parts.add(SHORT_CODE, "77000000000", Concat(7, 2, 2), "X")


def test_mo_text_splits_at_153_septets_or_67_characters_without_cutting_a_character() -> None:
    assert [len(part) for part in split_for_mo("a" * 160)[1]] == [160]
    assert [len(part) for part in split_for_mo("a" * 161)[1]] == [153, 8]
    assert split_for_mo("a" * 152 + "€" + "b" * 8)[1] == [b"a" * 152, b"\x1be" + b"b" * 8]
    assert [len(part) for part in split_for_mo("ә" * 70)[1]] == [140]
    assert [len(part) for part in split_for_mo("ә" * 71)[1]] == [134, 8]
    data_coding, parts = split_for_mo("ә" * 66 + "😀" + "ә" * 3)  # the pair would straddle 134
    assert data_coding == 8
    assert [len(part) for part in parts] == [132, 10]


def test_a_forced_split_divides_the_characters_evenly_and_refuses_too_few_parts() -> None:
    assert split_for_mo("abcdef", 3) == (0, [b"ab", b"cd", b"ef"])
    with pytest.raises(ValueError, match="too few"):
        split_for_mo("a" * 400, 2)
    with pytest.raises(ValueError, match="cannot split"):
        split_for_mo("ab", 3)
