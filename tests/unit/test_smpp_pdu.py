"""Behaviour of bot.channels.smpp.pdu: SMPP 3.4 PDUs on the wire, smpplib's traps closed."""

from __future__ import annotations

import struct
from typing import Any

import pytest
import smpplib.command
import smpplib.consts

from bot.channels.smpp import pdu
from bot.channels.smpp.pdu import Pdu, PduError, decode, encode, status_name

SUBMIT_SM = 0x00000004
DELIVER_SM = 0x00000005
SUBMIT_SM_RESP = 0x80000004
DELIVER_SM_RESP = 0x80000005
GENERIC_NACK = 0x80000000
ENQUIRE_LINK = 0x00000015
BIND_TRANSCEIVER = 0x00000009

# TLV tags (section 5.3.2)
TAG_RECEIPTED_MESSAGE_ID = 0x001E
TAG_MESSAGE_STATE = 0x0427


def sequence_of(raw: bytes) -> int:
    """The sequence_number: octets 12 to 16 of the header, big-endian."""
    return int.from_bytes(raw[12:16], "big")


def tlv(tag: int, value: bytes) -> bytes:
    """One TLV as section 3.2.4 lays it out: tag, length, value."""
    return struct.pack(">HH", tag, len(value)) + value


def with_tlvs(raw: bytes, *tlvs: bytes) -> bytes:
    """An encoded PDU with TLVs appended and its command_length fixed to match."""
    body = raw[16:] + b"".join(tlvs)
    return struct.pack(">I", 16 + len(body)) + raw[4:16] + body


def field(name: str, value: object) -> dict[str, Any]:
    """One field as keyword arguments."""
    return {name: value}


def bare_header(command_id: int, status: int, sequence: int, length: int = 16) -> bytes:
    return struct.pack(">IIII", length, command_id, status, sequence)


# ---------------------------------------------------------------- sequence numbers


@pytest.mark.parametrize("sequence", [1, 2, 0x1234, 0x00ABCDEF, pdu.MAX_SEQUENCE])
@pytest.mark.parametrize(
    ("command", "command_id", "fields"),
    [
        ("submit_sm", SUBMIT_SM, {"destination_addr": "77010000000", "short_message": b"hi"}),
        ("deliver_sm_resp", DELIVER_SM_RESP, {}),
        ("generic_nack", GENERIC_NACK, {"status": pdu.RINVCMDID}),
        ("enquire_link", ENQUIRE_LINK, {}),
    ],
)
def test_encode_writes_exactly_the_sequence_number_asked(
    command: str, command_id: int, fields: dict[str, Any], sequence: int
) -> None:
    raw = encode(command, sequence, **fields)
    assert sequence_of(raw) == sequence
    assert int.from_bytes(raw[4:8], "big") == command_id
    assert int.from_bytes(raw[0:4], "big") == len(raw)


@pytest.mark.parametrize(
    ("command", "fields"),
    [
        ("submit_sm", {"destination_addr": "77010000000"}),
        ("deliver_sm_resp", {}),
        ("generic_nack", {"status": pdu.RINVCMDID}),
    ],
)
def test_plain_smpplib_without_a_client_would_have_written_sequence_zero(
    command: str, fields: dict[str, Any]
) -> None:
    plain = smpplib.command.factory(command, sequence=7, **fields).generate()
    assert sequence_of(plain) == 0  # the trap encode closes
    assert sequence_of(encode(command, 7, **fields)) == 7


def test_a_response_carries_the_status_asked_in_its_header() -> None:
    raw = encode("generic_nack", 42, pdu.RINVCMDLEN)
    assert raw == bare_header(GENERIC_NACK, pdu.RINVCMDLEN, 42)


@pytest.mark.parametrize("sequence", [0, -1, 0x80000000, 0xFFFFFFFF])
def test_a_sequence_number_outside_1_to_0x7fffffff_is_refused(sequence: int) -> None:
    with pytest.raises(ValueError, match="sequence"):
        encode("enquire_link", sequence)


# ---------------------------------------------------------------- byte-exact layout


def test_a_bind_transceiver_is_laid_out_as_section_4_1_says() -> None:
    raw = encode(
        "bind_transceiver",
        0x2A,
        system_id="bot",
        password="secret",
        system_type="",
        interface_version=0x34,
        addr_ton=0,
        addr_npi=0,
        address_range="",
    )
    expected = bytes.fromhex(
        "00000020"  # command_length: 16 + 16
        "00000009"  # command_id: bind_transceiver
        "00000000"  # command_status
        "0000002a"  # sequence_number
        "626f7400"  # system_id "bot" NULL
        "73656372657400"  # password "secret" NULL
        "00"  # system_type "" NULL
        "34"  # interface_version 3.4
        "00"  # addr_ton
        "00"  # addr_npi
        "00"  # address_range "" NULL
    )
    assert raw == expected


def test_an_enquire_link_is_a_bare_header() -> None:
    assert encode("enquire_link", 9) == bare_header(ENQUIRE_LINK, pdu.ROK, 9)


# ---------------------------------------------------------------- refusals instead of cuts


@pytest.mark.parametrize(
    ("command", "name", "value"),
    [
        ("submit_sm", "destination_addr", "7" * 21),
        ("submit_sm", "destination_addr", "770100000001234567890"),
        ("submit_sm", "source_addr", "S" * 25),
        ("bind_transceiver", "system_id", "s" * 16),
        ("bind_transceiver", "password", "p" * 9),
    ],
)
def test_a_c_octet_string_that_does_not_fit_is_refused_where_smpplib_would_cut_it(
    command: str, name: str, value: str
) -> None:
    plain = smpplib.command.factory(command, sequence=1, **field(name, value)).generate()
    limit = smpplib.command.factory(command, sequence=1).params[name].max
    kept = value[: limit - 1].encode("ascii")
    assert kept + b"\0" in plain  # what plain smpplib would have sent: cut short
    assert value.encode("ascii") not in plain
    with pytest.raises(ValueError, match=name):
        encode(command, 1, **field(name, value))


@pytest.mark.parametrize(
    ("command", "name", "value"),
    [
        ("submit_sm", "destination_addr", "7" * 20),
        ("bind_transceiver", "system_id", "s" * 15),
        ("bind_transceiver", "password", "p" * 8),
    ],
)
def test_a_c_octet_string_that_just_fits_goes_out_whole(
    command: str, name: str, value: str
) -> None:
    raw = encode(command, 1, **field(name, value))
    assert value.encode("ascii") + b"\0" in raw
    assert decode(raw).text(name) == value


@pytest.mark.parametrize(
    ("command", "name", "value"),
    [
        ("submit_sm", "source_addr", "Әкімдік"),
        ("submit_sm", "destination_addr", "7701é"),
        ("bind_transceiver", "password", "пароль"),
    ],
)
def test_a_non_ascii_string_field_is_refused(command: str, name: str, value: str) -> None:
    with pytest.raises(ValueError, match="ASCII"):
        encode(command, 1, **field(name, value))


def test_a_field_the_command_does_not_have_is_refused() -> None:
    with pytest.raises(ValueError, match="no field 'destination_adr'"):
        encode("submit_sm", 1, destination_adr="77010000000")
    with pytest.raises(ValueError, match="no field"):
        encode("enquire_link", 1, message_id="x")


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"esm_class": 0x100}, id="esm_class-256"),
        pytest.param({"data_coding": -1}, id="data_coding-negative"),
        pytest.param({"short_message": b"x" * 256}, id="short_message-256-octets"),
    ],
)
def test_an_integer_or_octet_field_that_does_not_fit_its_octets_is_a_value_error(
    fields: dict[str, Any],
) -> None:
    # encode's contract: "ValueError for a field that would not go out as given"
    with pytest.raises(ValueError):
        encode("submit_sm", 1, destination_addr="77010000000", **fields)


# ---------------------------------------------------------------- decoding


def test_a_submit_sm_comes_back_as_it_was_sent() -> None:
    sent: dict[str, Any] = {
        "service_type": "",
        "source_addr_ton": 0,
        "source_addr_npi": 1,
        "source_addr": "1414",
        "dest_addr_ton": 1,
        "dest_addr_npi": 1,
        "destination_addr": "77010000000",
        "esm_class": 0x40,
        "protocol_id": 0,
        "priority_flag": 0,
        "schedule_delivery_time": "",
        "validity_period": "",
        "registered_delivery": 1,
        "replace_if_present_flag": 0,
        "data_coding": 8,
        "sm_default_msg_id": 0,
        "short_message": b"\x05\x00\x03\x2a\x02\x01" + "Сәлем".encode("utf-16-be"),
    }
    message = decode(encode("submit_sm", 77, **sent))
    assert message.command == "submit_sm"
    assert message.sequence == 77
    assert message.status == pdu.ROK
    assert {name: message.fields[name] for name in sent} == sent
    assert isinstance(message.fields["destination_addr"], str)
    assert isinstance(message.fields["short_message"], bytes)
    assert message.text("source_addr") == "1414"
    assert message.octets("short_message") == sent["short_message"]
    assert message.integer("esm_class") == 0x40
    assert message.fields["sm_length"] == len(sent["short_message"])


def test_a_deliver_sm_receipt_tlvs_come_back_as_text_and_integer() -> None:
    raw = encode(
        "deliver_sm",
        5,
        source_addr="77010000000",
        esm_class=0x04,
        short_message=b"id:0A1B stat:DELIVRD",
        receipted_message_id="0A1B",
        message_state=2,
    )
    message = decode(raw)
    assert message.text("receipted_message_id") == "0A1B"
    assert message.integer("message_state") == 2
    assert message.octets("short_message") == b"id:0A1B stat:DELIVRD"


def test_absent_fields_read_as_empty_or_none() -> None:
    message = decode(encode("deliver_sm", 5, short_message=b"hi"))
    assert "message_payload" not in message.fields
    assert message.octets("message_payload") == b""
    assert message.text("receipted_message_id") == ""
    assert message.integer("sar_msg_ref_num") is None


@pytest.mark.parametrize("unknown_tag", [0x1400, 0x1401, 0x3FFF])
def test_a_deliver_sm_with_an_unknown_tlv_is_still_read(unknown_tag: int) -> None:
    """Section 3.2.4: a receiver ignores the TLVs it does not know."""
    raw = with_tlvs(
        encode(
            "deliver_sm",
            11,
            source_addr="77010000000",
            esm_class=0x04,
            short_message=b"id:0A1B stat:DELIVRD",
            receipted_message_id="0A1B",
        ),
        tlv(unknown_tag, b"\xab\xcd\xef"),
        tlv(TAG_MESSAGE_STATE, b"\x02"),
    )
    message = decode(raw)
    assert message.command == "deliver_sm"
    assert message.sequence == 11
    assert message.text("source_addr") == "77010000000"
    assert message.octets("short_message") == b"id:0A1B stat:DELIVRD"
    assert message.text("receipted_message_id") == "0A1B"
    assert message.integer("message_state") == 2  # read after the unknown TLV


@pytest.mark.parametrize(
    "tag",
    [
        # defined for submit_sm and data_sm, not deliver_sm
        pytest.param(0x0005, id="dest_addr_subunit"),
        # sent in deliver_sm by USSD-capable SMSCs
        pytest.param(0x0501, id="ussd_service_op"),
        # a bind response TLV
        pytest.param(0x0210, id="sc_interface_version"),
    ],
)
def test_a_deliver_sm_with_a_tlv_defined_only_for_other_pdus_is_still_read(tag: int) -> None:
    """Section 3.2.4 again: a TLV this deliver_sm reader does not expect is ignored too."""
    raw = with_tlvs(
        encode("deliver_sm", 12, source_addr="77010000000", short_message=b"Ia"),
        tlv(tag, b"\x01"),
    )
    message = decode(raw)
    assert message.octets("short_message") == b"Ia"


def test_an_error_response_without_a_body_gives_its_status_and_no_fields() -> None:
    message = decode(bare_header(SUBMIT_SM_RESP, pdu.RTHROTTLED, 42))
    assert message == Pdu("submit_sm_resp", 42, pdu.RTHROTTLED)
    assert message.fields == {}
    assert message.is_response


def test_a_successful_submit_sm_resp_gives_its_message_id() -> None:
    message = decode(encode("submit_sm_resp", 3, message_id="0A1B2C"))
    assert message == Pdu("submit_sm_resp", 3, pdu.ROK, {"message_id": "0A1B2C"})


@pytest.mark.parametrize(
    "command_id",
    [
        0x00000099,  # no such command
        0x00010200,  # vendor range
        0x00000008,  # cancel_sm: a command smpplib names but cannot build
        0x80000099,  # no such response
    ],
)
def test_an_unknown_command_id_is_refused_with_invalid_command_id(command_id: int) -> None:
    with pytest.raises(PduError) as caught:
        decode(bare_header(command_id, pdu.ROK, 314))
    assert caught.value.status == pdu.RINVCMDID
    assert caught.value.sequence == 314


@pytest.mark.parametrize(
    "raw",
    [
        bare_header(ENQUIRE_LINK, pdu.ROK, 8, length=20),
        bare_header(ENQUIRE_LINK, pdu.ROK, 8, length=12),
        bare_header(ENQUIRE_LINK, pdu.ROK, 8) + b"\0\0\0\0",
    ],
)
def test_a_command_length_that_does_not_match_the_data_is_refused(raw: bytes) -> None:
    with pytest.raises(PduError) as caught:
        decode(raw)
    assert caught.value.status == pdu.RINVCMDLEN
    assert caught.value.sequence == 8


def test_a_deliver_sm_cut_short_inside_a_c_octet_string_is_refused() -> None:
    """The body ends before the NULL of service_type: nothing after it can be trusted."""
    raw = bare_header(DELIVER_SM, pdu.ROK, 4, length=19) + b"abc"
    with pytest.raises(PduError) as caught:
        decode(raw)
    assert caught.value.sequence == 4


def test_a_pdu_error_is_a_value_error_naming_its_status() -> None:
    error = PduError(pdu.RINVCMDID, 5, "unknown command_id 0x00000099")
    assert isinstance(error, ValueError)
    assert "0x00000003" in str(error)


# ---------------------------------------------------------------- statuses and kinds


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ROK", pdu.ROK),
        ("RINVMSGLEN", pdu.RINVMSGLEN),
        ("RINVCMDLEN", pdu.RINVCMDLEN),
        ("RINVCMDID", pdu.RINVCMDID),
        ("RINVBNDSTS", pdu.RINVBNDSTS),
        ("RALYBND", pdu.RALYBND),
        ("RSYSERR", pdu.RSYSERR),
        ("RINVSRCADR", pdu.RINVSRCADR),
        ("RINVDSTADR", pdu.RINVDSTADR),
        ("RBINDFAIL", pdu.RBINDFAIL),
        ("RINVPASWD", pdu.RINVPASWD),
        ("RINVSYSID", pdu.RINVSYSID),
        ("RMSGQFUL", pdu.RMSGQFUL),
        ("RINVESMCLASS", pdu.RINVESMCLASS),
        ("RSUBMITFAIL", pdu.RSUBMITFAIL),
        ("RINVSRCTON", pdu.RINVSRCTON),
        ("RINVDSTTON", pdu.RINVDSTTON),
        ("RTHROTTLED", pdu.RTHROTTLED),
        ("RX_T_APPN", pdu.RX_T_APPN),
        ("RX_P_APPN", pdu.RX_P_APPN),
    ],
)
def test_each_status_constant_is_smpplibs_value(name: str, value: int) -> None:
    assert getattr(smpplib.consts, f"SMPP_ESME_{name}") == value


def test_status_names_carry_the_code_and_the_specifications_words() -> None:
    assert "Throttl" in status_name(0x58)
    assert status_name(0x58).startswith("0x00000058")
    assert "data coding" in status_name(pdu.RINVDCS)
    assert "unknown" in status_name(0x00000999)


@pytest.mark.parametrize(
    ("command", "is_response"),
    [
        ("submit_sm_resp", True),
        ("deliver_sm_resp", True),
        ("generic_nack", True),
        ("bind_transceiver_resp", True),
        ("deliver_sm", False),
        ("submit_sm", False),
        ("enquire_link", False),
        ("unbind", False),
    ],
)
def test_a_pdu_is_a_response_as_the_high_bit_of_its_command_id_says(
    command: str, is_response: bool
) -> None:
    assert Pdu(command, 1).is_response is is_response
