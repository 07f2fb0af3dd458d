"""An SMSC simulator speaking SMPP 3.4 over TCP, for integration tests of an ESME adapter.

`Smsc` listens on 127.0.0.1 (a free port, `smsc.port`) and plays the short message service
centre of SMPP v3.4 Issue 1.2: it binds the ESME, takes its `submit_sm`, sends delivery receipts
and mobile-originated messages as `deliver_sm`, answers and sends `enquire_link`, and can throttle,
hold its answers or drop the line. The PDU codec below is written from the specification alone (no
SMPP library), so that it can catch an adapter's mistakes instead of sharing them.

The fake is lenient in what it answers and strict in what it records: every departure from the
specification it notices in the ESME's traffic (a sequence number out of range, a response to
nothing, a GSM 03.38 escape cut between two parts, an unanswered request...) is appended to
`smsc.protocol_errors`, which a test should expect to be empty.

Answers, as sections 2.8, 4.3 and 5.1.3 of the specification give them:
- command_length below 16 or above 64 KiB: generic_nack ESME_RINVCMDLEN, then the connection is
  closed (the stream can no longer be framed);
- a command_length that does not fit the PDU's fields (a C-Octet String with no NULL before the
  end, sm_length past the end, octets after a header-only PDU): generic_nack ESME_RINVCMDLEN;
- an unknown command_id, or one the fake does not play: generic_nack ESME_RINVCMDID;
- a field too long for its type: the command's response with that field's code (ESME_RINVSYSID,
  ESME_RINVPASWD, ESME_RINVSRCADR, ESME_RINVDSTADR, ESME_RINVSERTYP, ESME_RINVSCHED,
  ESME_RINVEXPIRY, ESME_RINVMSGLEN for sm_length above 254), ESME_RINVOPTPARSTREAM for a broken
  TLV stream, ESME_RINVPARLEN for a known TLV of the wrong size; unknown TLVs are ignored;
- a request in the wrong session state: ESME_RINVBNDSTS; a second bind: ESME_RALYBND;
- a failure inside the fake itself: ESME_RSYSERR;
- a response with a non-zero command_status carries no body (as the specification says of
  submit_sm_resp, applied to every response here).

Simplified from the specification, on purpose:
- TCP on the loopback only; no X.25, no outbind, no TLS;
- PDUs: bind_transmitter, bind_receiver, bind_transceiver, unbind, enquire_link, submit_sm,
  deliver_sm, generic_nack and their responses; query_sm, replace_sm, cancel_sm, submit_multi,
  data_sm, alert_notification and outbind get generic_nack ESME_RINVCMDID;
- one account; system_type, addr_ton, addr_npi and address_range are taken and ignored, and an
  interface_version other than 0x34 is recorded as an error (this is a 3.4 harness);
- each submit_sm is delivered at once: schedule_delivery_time and validity_period are checked for
  format only, priority_flag, protocol_id and replace_if_present_flag are kept but not acted on;
- data_coding 0 is the GSM 03.38 default alphabet unpacked (one septet per octet) with its
  single-shift escape table, no national language tables; 1 is ASCII, 3 Latin-1, 8 UCS-2 read as
  UTF-16BE (surrogate pairs accepted); any other value is kept as octets with no text;
- each part of a concatenated message is decoded on its own, as a handset does: a GSM escape or a
  UTF-16 surrogate pair cut between two parts is an error and shows as U+FFFD in the text;
- concatenation from the UDH (IE 0x00 8-bit ref, IE 0x08 16-bit ref) or from the sar_* TLVs;
- receipts (Appendix B): one per submit_sm, so one per part; `sub:001`, `dlvrd:001` or `000`,
  `err:000` when delivered else `err:001`, dates in UTC, `Text:` the first 20 characters with
  anything but ASCII letters, digits and plain punctuation shown as `?`; registered_delivery 1
  asks for every receipt and 2 for failures only; no intermediate notifications, no SME acks;
- `window`: a submit_sm arriving while `window` of them wait for their response is refused with
  ESME_RTHROTTLED (the specification only recommends a window); the SMSC keeps at most `window`
  deliver_sm of its own unanswered;
- no session timers, except `response_timeout` on the SMSC's own requests;
- addresses the SMSC makes up: `+digits` or 10 and more digits are TON 1 / NPI 1 (international,
  E.164) without the `+`, other digits TON 0 / NPI 1, anything else TON 5 / NPI 0 (alphanumeric).
"""

from __future__ import annotations

import asyncio
import itertools
import string
import struct
from collections import defaultdict, deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum, StrEnum
from types import TracebackType
from typing import Any, Final, Literal, Self

HOST: Final = "127.0.0.1"
HEADER: Final = struct.Struct(">IIII")
HEADER_SIZE: Final = 16
RESPONSE_BIT: Final = 0x80000000
MAX_COMMAND_LENGTH: Final = 0x10000
MAX_SEQUENCE: Final = 0x7FFFFFFF
INTERFACE_VERSION: Final = 0x34
MAX_SM_LENGTH: Final = 254

ESM_RECEIPT: Final = 0x04  # message type: SMSC delivery receipt
ESM_TYPE_MASK: Final = 0x3C
ESM_SUBMIT_TYPES: Final = frozenset({0x00, 0x08, 0x10})  # default, ESME delivery/user ack
ESM_UDHI: Final = 0x40

DC_DEFAULT: Final = 0
DC_IA5: Final = 1
DC_LATIN1: Final = 3
DC_UCS2: Final = 8

GSM7_SINGLE: Final = 160  # septets in one message
GSM7_PART: Final = 153  # septets in one part after a 6-octet concatenation UDH
UCS2_SINGLE: Final = 140  # octets in one message
UCS2_PART: Final = 134  # octets in one part: 67 UTF-16 code units

SMSC_SYSTEM_ID: Final = "fake-smsc"


class Command(IntEnum):
    """The command_id values this SMSC plays (section 5.1.2.1)."""

    GENERIC_NACK = 0x80000000
    BIND_RECEIVER = 0x00000001
    BIND_RECEIVER_RESP = 0x80000001
    BIND_TRANSMITTER = 0x00000002
    BIND_TRANSMITTER_RESP = 0x80000002
    SUBMIT_SM = 0x00000004
    SUBMIT_SM_RESP = 0x80000004
    DELIVER_SM = 0x00000005
    DELIVER_SM_RESP = 0x80000005
    UNBIND = 0x00000006
    UNBIND_RESP = 0x80000006
    BIND_TRANSCEIVER = 0x00000009
    BIND_TRANSCEIVER_RESP = 0x80000009
    ENQUIRE_LINK = 0x00000015
    ENQUIRE_LINK_RESP = 0x80000015

    @property
    def is_response(self) -> bool:
        """Whether this is a response (generic_nack included)."""
        return bool(self & RESPONSE_BIT)

    @property
    def response(self) -> Command:
        """The response command of this request."""
        return Command(self | RESPONSE_BIT)


class Status(IntEnum):
    """The command_status values this SMSC uses (section 5.1.3)."""

    ESME_ROK = 0x00
    ESME_RINVMSGLEN = 0x01
    ESME_RINVCMDLEN = 0x02
    ESME_RINVCMDID = 0x03
    ESME_RINVBNDSTS = 0x04
    ESME_RALYBND = 0x05
    ESME_RINVREGDLVFLG = 0x07
    ESME_RSYSERR = 0x08
    ESME_RINVSRCADR = 0x0A
    ESME_RINVDSTADR = 0x0B
    ESME_RINVMSGID = 0x0C
    ESME_RINVPASWD = 0x0E
    ESME_RINVSYSID = 0x0F
    ESME_RINVSERTYP = 0x15
    ESME_RINVESMCLASS = 0x43
    ESME_RINVSYSTYP = 0x53
    ESME_RTHROTTLED = 0x58
    ESME_RINVSCHED = 0x61
    ESME_RINVEXPIRY = 0x62
    ESME_RINVOPTPARSTREAM = 0xC0
    ESME_RINVPARLEN = 0xC2


class Tag(IntEnum):
    """Optional parameter tags the SMSC reads or writes (section 5.3.2)."""

    RECEIPTED_MESSAGE_ID = 0x001E
    USER_MESSAGE_REFERENCE = 0x0204
    SAR_MSG_REF_NUM = 0x020C
    SAR_TOTAL_SEGMENTS = 0x020E
    SAR_SEGMENT_SEQNUM = 0x020F
    SC_INTERFACE_VERSION = 0x0210
    NETWORK_ERROR_CODE = 0x0423
    MESSAGE_PAYLOAD = 0x0424
    MESSAGE_STATE = 0x0427


TLV_SIZES: Final[dict[int, int]] = {
    Tag.USER_MESSAGE_REFERENCE: 2,
    Tag.SAR_MSG_REF_NUM: 2,
    Tag.SAR_TOTAL_SEGMENTS: 1,
    Tag.SAR_SEGMENT_SEQNUM: 1,
    Tag.SC_INTERFACE_VERSION: 1,
    Tag.NETWORK_ERROR_CODE: 3,
    Tag.MESSAGE_STATE: 1,
}

# Appendix B stat values and the message_state (section 5.2.28) each stands for.
MESSAGE_STATES: Final[dict[str, int]] = {
    "ENROUTE": 1,
    "DELIVRD": 2,
    "EXPIRED": 3,
    "DELETED": 4,
    "UNDELIV": 5,
    "ACCEPTD": 6,
    "UNKNOWN": 7,
    "REJECTD": 8,
}

Tlvs = tuple[tuple[int, bytes], ...]
ReceiptMode = Literal["auto", "hold", "off"]
ReceiptState = Literal[
    "ENROUTE", "DELIVRD", "EXPIRED", "DELETED", "UNDELIV", "ACCEPTD", "UNKNOWN", "REJECTD"
]


class BindType(StrEnum):
    """How an ESME is bound."""

    TRANSMITTER = "transmitter"
    RECEIVER = "receiver"
    TRANSCEIVER = "transceiver"


BIND_TYPES: Final = {
    Command.BIND_TRANSMITTER: BindType.TRANSMITTER,
    Command.BIND_RECEIVER: BindType.RECEIVER,
    Command.BIND_TRANSCEIVER: BindType.TRANSCEIVER,
}


# --------------------------------------------------------------------------- PDUs


@dataclass(frozen=True)
class BindBody:
    """The body of bind_transmitter, bind_receiver and bind_transceiver (section 4.1)."""

    system_id: str
    password: str = ""
    system_type: str = ""
    interface_version: int = INTERFACE_VERSION
    addr_ton: int = 0
    addr_npi: int = 0
    address_range: str = ""


@dataclass(frozen=True)
class BindRespBody:
    """The body of a bind response: the SMSC's system_id and TLVs (sc_interface_version)."""

    system_id: str
    tlvs: Tlvs = ()


@dataclass(frozen=True)
class MessageBody:
    """The body of submit_sm and deliver_sm, whose mandatory fields are the same (4.4, 4.6)."""

    service_type: str = ""
    source_addr_ton: int = 0
    source_addr_npi: int = 0
    source_addr: str = ""
    dest_addr_ton: int = 0
    dest_addr_npi: int = 0
    destination_addr: str = ""
    esm_class: int = 0
    protocol_id: int = 0
    priority_flag: int = 0
    schedule_delivery_time: str = ""
    validity_period: str = ""
    registered_delivery: int = 0
    replace_if_present_flag: int = 0
    data_coding: int = 0
    sm_default_msg_id: int = 0
    short_message: bytes = b""
    tlvs: Tlvs = ()


@dataclass(frozen=True)
class MessageIdBody:
    """The body of submit_sm_resp and deliver_sm_resp (NULL message_id in the latter)."""

    message_id: str = ""


Body = BindBody | BindRespBody | MessageBody | MessageIdBody | None


@dataclass(frozen=True)
class Pdu:
    """One SMPP PDU: the header's command_id, sequence_number, command_status, and a body."""

    command: Command
    sequence: int
    status: int = 0
    body: Body = None


class PduError(ValueError):
    """A PDU that breaks the specification; `status` is the code the specification gives it."""

    def __init__(
        self, status: Status, reason: str, *, command_id: int | None = None, sequence: int = 0
    ) -> None:
        super().__init__(f"{reason} ({status.name})")
        self.status = status
        self.reason = reason
        self.command_id = command_id
        self.sequence = sequence


BODY_TYPES: Final[dict[Command, type]] = {
    Command.BIND_TRANSMITTER: BindBody,
    Command.BIND_RECEIVER: BindBody,
    Command.BIND_TRANSCEIVER: BindBody,
    Command.BIND_TRANSMITTER_RESP: BindRespBody,
    Command.BIND_RECEIVER_RESP: BindRespBody,
    Command.BIND_TRANSCEIVER_RESP: BindRespBody,
    Command.SUBMIT_SM: MessageBody,
    Command.DELIVER_SM: MessageBody,
    Command.SUBMIT_SM_RESP: MessageIdBody,
    Command.DELIVER_SM_RESP: MessageIdBody,
}


def tlv_value(tlvs: Tlvs, tag: int) -> bytes | None:
    """The value of the first TLV with this tag."""
    return next((value for key, value in tlvs if key == tag), None)


def _cstring(value: str, max_octets: int, name: str) -> bytes:
    raw = value.encode("latin-1") + b"\0"
    if len(raw) > max_octets or b"\0" in raw[:-1]:
        raise ValueError(f"{name} {value!r} does not fit a C-Octet String of {max_octets}")
    return raw


def _encode_tlvs(tlvs: Tlvs) -> bytes:
    return b"".join(struct.pack(">HH", tag, len(value)) + value for tag, value in tlvs)


def _encode_message(body: MessageBody) -> bytes:
    if len(body.short_message) > MAX_SM_LENGTH:
        raise ValueError(f"short_message of {len(body.short_message)} octets (254 at most)")
    return b"".join(
        (
            _cstring(body.service_type, 6, "service_type"),
            bytes((body.source_addr_ton, body.source_addr_npi)),
            _cstring(body.source_addr, 21, "source_addr"),
            bytes((body.dest_addr_ton, body.dest_addr_npi)),
            _cstring(body.destination_addr, 21, "destination_addr"),
            bytes((body.esm_class, body.protocol_id, body.priority_flag)),
            _cstring(body.schedule_delivery_time, 17, "schedule_delivery_time"),
            _cstring(body.validity_period, 17, "validity_period"),
            bytes((body.registered_delivery, body.replace_if_present_flag, body.data_coding)),
            bytes((body.sm_default_msg_id, len(body.short_message))),
            body.short_message,
            _encode_tlvs(body.tlvs),
        )
    )


def _encode_body(body: Body) -> bytes:
    if body is None:
        return b""
    if isinstance(body, BindBody):
        return b"".join(
            (
                _cstring(body.system_id, 16, "system_id"),
                _cstring(body.password, 9, "password"),
                _cstring(body.system_type, 13, "system_type"),
                bytes((body.interface_version, body.addr_ton, body.addr_npi)),
                _cstring(body.address_range, 41, "address_range"),
            )
        )
    if isinstance(body, BindRespBody):
        return _cstring(body.system_id, 16, "system_id") + _encode_tlvs(body.tlvs)
    if isinstance(body, MessageBody):
        return _encode_message(body)
    return _cstring(body.message_id, 65, "message_id")


def encode_pdu(pdu: Pdu) -> bytes:
    """The octets of a PDU: the 16-octet big-endian header, then the body."""
    expected = BODY_TYPES.get(pdu.command)
    if pdu.body is not None and (expected is None or not isinstance(pdu.body, expected)):
        raise ValueError(f"{pdu.command.name} cannot carry {type(pdu.body).__name__}")
    body = _encode_body(pdu.body)
    return HEADER.pack(HEADER_SIZE + len(body), pdu.command, pdu.status, pdu.sequence) + body


class _Reader:
    """Reads a PDU body field by field; each fault raises the PduError the spec calls for."""

    def __init__(self, data: bytes, command_id: int, sequence: int) -> None:
        self._data = data
        self._pos = 0
        self._command_id = command_id
        self._sequence = sequence

    @property
    def remaining(self) -> int:
        return len(self._data) - self._pos

    def error(self, status: Status, reason: str) -> PduError:
        return PduError(status, reason, command_id=self._command_id, sequence=self._sequence)

    def octets(self, name: str, size: int) -> bytes:
        if size > self.remaining:
            raise self.error(Status.ESME_RINVCMDLEN, f"{name} runs past command_length")
        value = self._data[self._pos : self._pos + size]
        self._pos += size
        return value

    def integer(self, name: str) -> int:
        return self.octets(name, 1)[0]

    def cstring(self, name: str, max_octets: int, status: Status) -> str:
        end = self._data.find(b"\0", self._pos)
        if end < 0:
            raise self.error(Status.ESME_RINVCMDLEN, f"{name} has no NULL before the PDU ends")
        if end + 1 - self._pos > max_octets:
            raise self.error(status, f"{name} is longer than {max_octets} octets")
        value = self._data[self._pos : end].decode("latin-1")
        self._pos = end + 1
        return value

    def time(self, name: str, status: Status) -> str:
        value = self.cstring(name, 17, status)
        if value and not (len(value) == 16 and value[:15].isdigit() and value[15] in "+-R"):
            raise self.error(status, f"{name} {value!r} is not YYMMDDhhmmsstnnp")
        return value

    def tlvs(self) -> Tlvs:
        found: list[tuple[int, bytes]] = []
        while self.remaining:
            if self.remaining < 4:
                raise self.error(Status.ESME_RINVOPTPARSTREAM, "a TLV header is cut short")
            tag, length = struct.unpack_from(">HH", self._data, self._pos)
            self._pos += 4
            if length > self.remaining:
                raise self.error(
                    Status.ESME_RINVOPTPARSTREAM, f"TLV 0x{tag:04X} runs past the end"
                )
            value = self.octets("TLV", length)
            if TLV_SIZES.get(tag, length) != length:
                raise self.error(Status.ESME_RINVPARLEN, f"TLV 0x{tag:04X} has length {length}")
            found.append((tag, value))
        return tuple(found)

    def finish(self) -> None:
        if self.remaining:
            raise self.error(
                Status.ESME_RINVCMDLEN, f"{self.remaining} octets after the last field"
            )


def _decode_bind(reader: _Reader, status: int) -> BindBody:
    return BindBody(
        system_id=reader.cstring("system_id", 16, Status.ESME_RINVSYSID),
        password=reader.cstring("password", 9, Status.ESME_RINVPASWD),
        system_type=reader.cstring("system_type", 13, Status.ESME_RINVSYSTYP),
        interface_version=reader.integer("interface_version"),
        addr_ton=reader.integer("addr_ton"),
        addr_npi=reader.integer("addr_npi"),
        address_range=reader.cstring("address_range", 41, Status.ESME_RSYSERR),
    )


def _decode_bind_resp(reader: _Reader, status: int) -> BindRespBody | None:
    if status and not reader.remaining:
        return None
    system_id = reader.cstring("system_id", 16, Status.ESME_RSYSERR)
    return BindRespBody(system_id, reader.tlvs())


def _decode_message(reader: _Reader, status: int) -> MessageBody:
    # Keyword arguments are evaluated left to right: this is the order of the fields.
    return MessageBody(
        service_type=reader.cstring("service_type", 6, Status.ESME_RINVSERTYP),
        source_addr_ton=reader.integer("source_addr_ton"),
        source_addr_npi=reader.integer("source_addr_npi"),
        source_addr=reader.cstring("source_addr", 21, Status.ESME_RINVSRCADR),
        dest_addr_ton=reader.integer("dest_addr_ton"),
        dest_addr_npi=reader.integer("dest_addr_npi"),
        destination_addr=reader.cstring("destination_addr", 21, Status.ESME_RINVDSTADR),
        esm_class=reader.integer("esm_class"),
        protocol_id=reader.integer("protocol_id"),
        priority_flag=reader.integer("priority_flag"),
        schedule_delivery_time=reader.time("schedule_delivery_time", Status.ESME_RINVSCHED),
        validity_period=reader.time("validity_period", Status.ESME_RINVEXPIRY),
        registered_delivery=reader.integer("registered_delivery"),
        replace_if_present_flag=reader.integer("replace_if_present_flag"),
        data_coding=reader.integer("data_coding"),
        sm_default_msg_id=reader.integer("sm_default_msg_id"),
        short_message=reader.octets("short_message", _sm_length(reader)),
        tlvs=reader.tlvs(),
    )


def _sm_length(reader: _Reader) -> int:
    sm_length = reader.integer("sm_length")
    if sm_length > MAX_SM_LENGTH:
        raise reader.error(Status.ESME_RINVMSGLEN, f"sm_length {sm_length} (254 at most)")
    return sm_length


def _decode_message_id(reader: _Reader, status: int) -> MessageIdBody | None:
    if not reader.remaining:
        return None
    return MessageIdBody(reader.cstring("message_id", 65, Status.ESME_RINVMSGID))


def _decode_nothing(reader: _Reader, status: int) -> None:
    return None


BodyDecoder = Callable[[_Reader, int], Body]
DECODERS: Final[dict[type, BodyDecoder]] = {
    BindBody: _decode_bind,
    BindRespBody: _decode_bind_resp,
    MessageBody: _decode_message,
    MessageIdBody: _decode_message_id,
}


def decode_pdu(data: bytes) -> Pdu:
    """Read one whole PDU (command_length included); raise PduError for a malformed one."""
    if len(data) < HEADER_SIZE:
        raise PduError(Status.ESME_RINVCMDLEN, f"{len(data)} octets, shorter than the header")
    length, command_id, status, sequence = HEADER.unpack_from(data)
    if length != len(data):
        raise PduError(
            Status.ESME_RINVCMDLEN,
            f"command_length {length} for {len(data)} octets",
            command_id=command_id,
            sequence=sequence,
        )
    try:
        command = Command(command_id)
    except ValueError:
        raise PduError(
            Status.ESME_RINVCMDID,
            f"command_id 0x{command_id:08X} is not played by this SMSC",
            command_id=command_id,
            sequence=sequence,
        ) from None
    reader = _Reader(data[HEADER_SIZE:], command_id, sequence)
    body = DECODERS.get(BODY_TYPES.get(command, type(None)), _decode_nothing)(reader, status)
    reader.finish()
    return Pdu(command, sequence, status, body)


# --------------------------------------------------------------------------- text

# GSM 03.38 (3GPP TS 23.038) default alphabet, septet value = index; 0x1B is the escape.
GSM7_BASIC: Final = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
GSM7_ESCAPE: Final = 0x1B
# The default alphabet extension table: septets that follow an escape.
GSM7_EXTENSION: Final[dict[int, str]] = {
    0x0A: "\f",
    0x14: "^",
    0x28: "{",
    0x29: "}",
    0x2F: "\\",
    0x3C: "[",
    0x3D: "~",
    0x3E: "]",
    0x40: "|",
    0x65: "€",
}
_GSM7_ENCODING: Final[dict[str, bytes]] = {
    **{char: bytes((code,)) for code, char in enumerate(GSM7_BASIC) if code != GSM7_ESCAPE},
    **{char: bytes((GSM7_ESCAPE, code)) for code, char in GSM7_EXTENSION.items()},
}
REPLACEMENT: Final = "\ufffd"


def gsm7_fits(text: str) -> bool:
    """Whether every character has a GSM 03.38 default alphabet (or extension) code."""
    return all(char in _GSM7_ENCODING for char in text)


def gsm7_encode(text: str) -> bytes:
    """GSM 03.38 septets, one per octet (unpacked), with escapes; ValueError if it cannot."""
    try:
        return b"".join(_GSM7_ENCODING[char] for char in text)
    except KeyError as error:
        raise ValueError(f"{error.args[0]!r} is not in the GSM 03.38 default alphabet") from None


def gsm7_decode(data: bytes, problems: list[str] | None = None) -> str:
    """Unpacked GSM 03.38 septets to text; faults become U+FFFD and a line in `problems`."""
    found = problems if problems is not None else []
    chars: list[str] = []
    escaped = False
    for octet in data:
        if octet > 0x7F:
            found.append(f"octet 0x{octet:02X} is not a septet")
            chars.append(REPLACEMENT)
        elif escaped:
            # 23.038: an unknown extension code shows the default alphabet character.
            chars.append(GSM7_EXTENSION.get(octet, GSM7_BASIC[octet]))
        elif octet != GSM7_ESCAPE:
            chars.append(GSM7_BASIC[octet])
        escaped = octet == GSM7_ESCAPE and not escaped
    if escaped:
        found.append("the text ends in the middle of an escape sequence")
        chars.append(REPLACEMENT)
    return "".join(chars)


def decode_text(data_coding: int, data: bytes, problems: list[str] | None = None) -> str | None:
    """The text of a short message by data_coding; None for codings with no text here."""
    found = problems if problems is not None else []
    if data_coding == DC_DEFAULT:
        return gsm7_decode(data, found)
    if data_coding == DC_IA5:
        if any(octet > 0x7F for octet in data):
            found.append("IA5 text with an octet above 0x7F")
        return data.decode("ascii", errors="replace")
    if data_coding == DC_LATIN1:
        return data.decode("latin-1")
    if data_coding != DC_UCS2:
        return None
    if len(data) % 2:
        found.append(f"UCS-2 text of an odd number ({len(data)}) of octets")
    try:
        return data.decode("utf-16-be")
    except UnicodeDecodeError as error:
        found.append(f"UCS-2 text that is not UTF-16BE: {error.reason}")
        return data.decode("utf-16-be", errors="replace")


# --------------------------------------------------------------------------- concatenation

Udh = tuple[tuple[int, bytes], ...]


@dataclass(frozen=True)
class Concat:
    """Where a part sits in a concatenated message."""

    reference: int
    total: int
    seqnum: int
    reference_bits: int = 8


def parse_udh(content: bytes) -> tuple[Udh, bytes]:
    """Split user data with a UDH into its information elements and what follows them."""
    if not content:
        raise ValueError("UDHI is set but the message is empty")
    end = 1 + content[0]
    if end > len(content):
        raise ValueError(f"UDHL {content[0]} runs past the {len(content)}-octet message")
    elements: list[tuple[int, bytes]] = []
    pos = 1
    while pos < end:
        if pos + 2 > end or pos + 2 + content[pos + 1] > end:
            raise ValueError(f"information element at octet {pos} runs past the UDH")
        length = content[pos + 1]
        elements.append((content[pos], content[pos + 2 : pos + 2 + length]))
        pos += 2 + length
    return tuple(elements), content[end:]


def concat_of(udh: Udh) -> Concat | None:
    """The concatenation IE (0x00, 8-bit reference, or 0x08, 16-bit) of a UDH."""
    for iei, data in udh:
        if iei == 0x00 and len(data) == 3:
            return _checked_concat(Concat(data[0], data[1], data[2], 8))
        if iei == 0x08 and len(data) == 4:
            return _checked_concat(Concat(int.from_bytes(data[:2], "big"), data[2], data[3], 16))
        if iei in (0x00, 0x08):
            raise ValueError(f"concatenation IE 0x{iei:02X} of length {len(data)}")
    return None


def sar_concat(tlvs: Tlvs) -> Concat | None:
    """The concatenation the sar_msg_ref_num / sar_total_segments / sar_segment_seqnum give."""
    values = [
        tlv_value(tlvs, tag)
        for tag in (Tag.SAR_MSG_REF_NUM, Tag.SAR_TOTAL_SEGMENTS, Tag.SAR_SEGMENT_SEQNUM)
    ]
    if all(value is None for value in values):
        return None
    reference, total, seqnum = values
    if reference is None or total is None or seqnum is None:
        raise ValueError("sar_msg_ref_num, sar_total_segments and sar_segment_seqnum go together")
    return _checked_concat(Concat(int.from_bytes(reference, "big"), total[0], seqnum[0], 16))


def _checked_concat(concat: Concat) -> Concat:
    if not 1 <= concat.seqnum <= concat.total:
        raise ValueError(f"part {concat.seqnum} of {concat.total}")
    return concat


class Reassembler:
    """Puts concatenated parts back together per (source, destination, reference)."""

    def __init__(self) -> None:
        self._parts: dict[tuple[str, str, int, int, int], dict[int, str]] = {}

    @property
    def incomplete(self) -> int:
        """How many messages still miss a part."""
        return len(self._parts)

    def add(self, source: str, destination: str, concat: Concat | None, text: str) -> str | None:
        """Take one part; the whole text when this part completes its message, else None."""
        if concat is None or concat.total == 1:
            return text
        key = (source, destination, concat.reference_bits, concat.reference, concat.total)
        parts = self._parts.setdefault(key, {})
        if concat.seqnum in parts:
            raise ValueError(f"part {concat.seqnum} of reference {concat.reference} came twice")
        parts[concat.seqnum] = text
        if len(parts) < concat.total:
            return None
        del self._parts[key]
        return "".join(parts[seqnum] for seqnum in range(1, concat.total + 1))


def split_for_mo(text: str, parts: int | None = None) -> tuple[int, list[bytes]]:
    """data_coding and the user data of each part (no UDH) for a mobile-originated text.

    GSM 03.38 when every character has a code, else UCS-2; one part when it fits 160 septets or
    70 UCS-2 characters, else parts of 153 septets or 67 UCS-2 characters; an escape sequence or
    a surrogate pair is never cut. `parts` forces that many parts, split by characters evenly.
    """
    if gsm7_fits(text):
        data_coding, single, part = DC_DEFAULT, GSM7_SINGLE, GSM7_PART
        units = [gsm7_encode(char) for char in text]
    else:
        data_coding, single, part = DC_UCS2, UCS2_SINGLE, UCS2_PART
        units = [char.encode("utf-16-be") for char in text]
    if parts is None:
        if sum(map(len, units)) <= single:
            return data_coding, [b"".join(units)]
        return data_coding, _pack(units, part)
    if not 1 <= parts <= max(len(units), 1):
        raise ValueError(f"cannot split {len(units)} characters into {parts} parts")
    bounds = [len(units) * index // parts for index in range(parts + 1)]
    chunks = [b"".join(units[start:end]) for start, end in itertools.pairwise(bounds)]
    limit = single if parts == 1 else part
    if any(len(chunk) > limit for chunk in chunks):
        raise ValueError(f"{parts} parts are too few for {len(units)} characters")
    return data_coding, chunks


def _pack(units: list[bytes], limit: int) -> list[bytes]:
    chunks: list[bytes] = []
    current = b""
    for unit in units:
        if len(current) + len(unit) > limit:
            chunks.append(current)
            current = b""
        current += unit
    return [*chunks, current]


def address(value: str) -> tuple[int, int, str]:
    """TON, NPI and the digits the SMSC uses for a number it makes up (see the docstring)."""
    digits = value.removeprefix("+")
    if digits.isdigit() and (value.startswith("+") or len(digits) >= 10):
        return 1, 1, digits
    if digits.isdigit():
        return 0, 1, digits
    return 5, 0, value


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Submit:
    """One accepted submit_sm (one part of a concatenated message)."""

    message_id: str
    source: str
    destination: str
    data_coding: int
    esm_class: int
    registered_delivery: int
    short_message: bytes  # the user data as sent, UDH included (message_payload if it was used)
    udh: Udh | None
    concat: Concat | None
    text: str | None  # this part's text, None for a data_coding without text
    source_ton: int = 0
    source_npi: int = 0
    destination_ton: int = 0
    destination_npi: int = 0
    tlvs: Tlvs = ()
    submitted_at: datetime = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Receipt:
    """A delivery receipt waiting to go, or gone, to the ESME."""

    message_id: str
    stat: str
    body: MessageBody


class _Session:
    """One TCP connection from an ESME."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, window: int
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.bound: BindType | None = None
        self.system_id = ""
        self.closed = False
        self.outstanding = 0  # submit_sm received and not answered yet
        self.in_flight: set[int] = set()  # their sequence numbers
        self.pending: dict[int, tuple[Command, asyncio.Future[Pdu | None]]] = {}
        self.window = asyncio.Semaphore(window)
        self._sequence = 0

    @property
    def can_transmit(self) -> bool:
        return self.bound in (BindType.TRANSMITTER, BindType.TRANSCEIVER)

    @property
    def can_receive(self) -> bool:
        return self.bound in (BindType.RECEIVER, BindType.TRANSCEIVER)

    def next_sequence(self) -> int:
        self._sequence = self._sequence % MAX_SEQUENCE + 1
        return self._sequence

    def send(self, pdu: Pdu) -> None:
        if not self.closed and not self.writer.is_closing():
            self.writer.write(encode_pdu(pdu))

    def answer(self, request: Pdu, status: int, body: Body = None) -> None:
        self.send(Pdu(request.command.response, request.sequence, status, body))

    def nack(self, sequence: int, status: int) -> None:
        self.send(Pdu(Command.GENERIC_NACK, sequence, status))

    def close(self) -> None:
        self.closed = True
        self.bound = None
        for _, future in self.pending.values():
            if not future.done():
                future.set_result(None)
        self.writer.transport.abort()


# --------------------------------------------------------------------------- the SMSC


class Smsc:
    """The SMSC: `async with Smsc("bot", "secret") as smsc:` then connect to `smsc.port`."""

    def __init__(
        self, system_id: str = "bot", password: str = "secret", *, window: int = 10
    ) -> None:
        self.system_id = system_id
        self.password = password
        self.window = window
        self.port = 0
        self.receipts: ReceiptMode = "auto"
        self.response_delay = 0.0  # seconds before each submit_sm_resp
        self.response_timeout = 5.0  # seconds the SMSC waits for answers to its own requests
        self.submits: list[Submit] = []
        self.binds: list[tuple[BindType, str]] = []
        self.bind_failures: list[tuple[BindType, str, Status]] = []
        self.connections = 0
        self.max_outstanding = 0
        self.window_overruns = 0
        self.rejected: list[tuple[Status, str]] = []  # refused submit_sm: status, destination
        self.sent_receipts: list[Receipt] = []
        self.receipt_statuses: list[tuple[str, int]] = []  # message_id, deliver_sm_resp status
        self.mo_statuses: list[int] = []
        self.enquire_links = 0  # enquire_link received from the ESME
        self.unbinds = 0  # unbind received from a bound ESME (a polite goodbye)
        self.ignore_enquire_link = False  # True: leave them unanswered (a half-dead line)
        self.protocol_errors: list[str] = []
        self._delivered: list[tuple[str, str]] = []
        self._reassembler = Reassembler()
        self._server: asyncio.Server | None = None
        self._sessions: list[_Session] = []
        self._connection_tasks: set[asyncio.Task[None]] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._ids = itertools.count(1)
        self._references = itertools.count(1)
        self._throttle = 0
        self._failures: defaultdict[str, deque[str]] = defaultdict(deque)
        self._held: list[Receipt] = []
        self._undelivered: list[Receipt] = []
        self._responses = asyncio.Event()
        self._responses.set()
        self._changed = asyncio.Event()
        self._handlers: dict[Command, Callable[[_Session, Pdu], None]] = {
            Command.BIND_TRANSMITTER: self._on_bind,
            Command.BIND_RECEIVER: self._on_bind,
            Command.BIND_TRANSCEIVER: self._on_bind,
            Command.UNBIND: self._on_unbind,
            Command.ENQUIRE_LINK: self._on_enquire_link,
            Command.SUBMIT_SM: self._on_submit,
        }

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._serve, HOST, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.close()
        await self.drop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    # ------------------------------------------------------------------ what the test reads

    def messages(self, destination: str) -> list[str]:
        """The whole texts delivered to `destination` (as the ESME wrote it), in order."""
        return [text for to, text in self._delivered if to == destination]

    @property
    def bound(self) -> list[BindType]:
        """How each live connection is bound, oldest first."""
        return [session.bound for session in self._sessions if session.bound is not None]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until `predicate()` holds; TimeoutError after `timeout` seconds."""
        async with asyncio.timeout(timeout):
            while True:
                changed = self._changed
                if predicate():
                    return
                await changed.wait()

    async def wait_for_messages(
        self, destination: str, count: int = 1, timeout: float = 5.0
    ) -> list[str]:
        """Wait until `count` whole texts reached `destination`; return them."""
        await self.wait_for(lambda: len(self.messages(destination)) >= count, timeout)
        return self.messages(destination)

    # ------------------------------------------------------------------ what the test does

    def throttle(self, count: int) -> None:
        """Answer the next `count` submit_sm with ESME_RTHROTTLED."""
        self._throttle = count

    def fail_next(self, destination: str, state: ReceiptState = "UNDELIV") -> None:
        """Make the next receipt for a message to `destination` report `state`."""
        self._failures[destination].append(state)

    def hold_receipts(self) -> None:
        """Keep receipts until `release_receipts`."""
        self.receipts = "hold"

    async def release_receipts(self) -> int:
        """Send the held receipts (back to "auto"), wait for their answers; how many there were."""
        self.receipts = "auto"
        held, self._held = self._held, []
        await asyncio.gather(*(self._deliver_receipt(receipt) for receipt in held))
        return len(held)

    def hold_responses(self) -> None:
        """Keep every submit_sm unanswered until `release_responses` (to test a window)."""
        self._responses.clear()

    def release_responses(self) -> None:
        """Answer the submit_sm held by `hold_responses`."""
        self._responses.set()

    async def send_mo(
        self, source: str, destination: str, text: str, split: int | None = None
    ) -> list[int]:
        """Deliver a mobile-originated text to the bound ESME; the deliver_sm_resp statuses."""
        session = self._receiver()
        if session is None:
            raise RuntimeError("no ESME is bound as receiver or transceiver")
        data_coding, chunks = split_for_mo(text, split)
        reference = next(self._references) % 256
        source_ton, source_npi, source_addr = address(source)
        dest_ton, dest_npi, dest_addr = address(destination)
        statuses: list[int] = []
        for seqnum, chunk in enumerate(chunks, start=1):
            udh = bytes((5, 0x00, 3, reference, len(chunks), seqnum)) if len(chunks) > 1 else b""
            body = MessageBody(
                source_addr_ton=source_ton,
                source_addr_npi=source_npi,
                source_addr=source_addr,
                dest_addr_ton=dest_ton,
                dest_addr_npi=dest_npi,
                destination_addr=dest_addr,
                esm_class=ESM_UDHI if udh else 0,
                data_coding=data_coding,
                short_message=udh + chunk,
            )
            answer = await self._request(session, Command.DELIVER_SM, body)
            if answer is None:
                raise TimeoutError(f"the ESME did not answer part {seqnum} of the MO message")
            statuses.append(answer.status)
            self.mo_statuses.append(answer.status)
            self._notify()
        return statuses

    async def enquire_link(self) -> bool:
        """Send enquire_link on the newest connection; whether the ESME answered it."""
        if not self._sessions:
            return False
        answer = await self._request(self._sessions[-1], Command.ENQUIRE_LINK)
        return answer is not None and answer.command is Command.ENQUIRE_LINK_RESP

    async def unbind(self) -> bool:
        """Unbind the newest bound connection from the SMSC side; whether the ESME answered."""
        bound = [session for session in self._sessions if session.bound is not None]
        if not bound:
            return False
        answer = await self._request(bound[-1], Command.UNBIND)
        if answer is None or answer.command is not Command.UNBIND_RESP:
            return False
        bound[-1].bound = None
        self._notify()
        return True

    async def go_down(self) -> None:
        """The SMSC goes away: every connection is cut and new ones are refused, until
        `come_back`."""
        assert self._server is not None, "start the SMSC first"
        self._server.close()
        await self._server.wait_closed()
        await self.drop()

    async def come_back(self) -> None:
        """The SMSC listens again, on the same port."""
        self._server = await asyncio.start_server(self._serve, HOST, self.port)

    async def drop(self) -> None:
        """Close every connection at once, with no unbind (the line is cut)."""
        for session in list(self._sessions):
            session.close()
        await asyncio.gather(*self._connection_tasks, return_exceptions=True)

    # ------------------------------------------------------------------ connections

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connection_tasks.add(task)
        session = _Session(reader, writer, self.window)
        self._sessions.append(session)
        self.connections += 1
        self._notify()
        try:
            await self._read_loop(session)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the ESME closed the connection, or the test dropped it
        finally:
            session.close()
            self._sessions.remove(session)
            if task is not None:
                self._connection_tasks.discard(task)
            self._notify()

    async def _read_loop(self, session: _Session) -> None:
        while not session.closed:
            head = await session.reader.readexactly(4)
            length = int.from_bytes(head, "big")
            if not HEADER_SIZE <= length <= MAX_COMMAND_LENGTH:
                sequence = 0
                if length >= HEADER_SIZE:
                    sequence = HEADER.unpack(head + await session.reader.readexactly(12))[3]
                self._error(f"command_length {length}: the stream cannot be framed")
                session.nack(sequence, Status.ESME_RINVCMDLEN)
                session.writer.close()  # flushes the generic_nack, unlike abort()
                await session.writer.wait_closed()
                return
            self._dispatch(session, head + await session.reader.readexactly(length - 4))

    def _dispatch(self, session: _Session, raw: bytes) -> None:
        try:
            pdu = decode_pdu(raw)
        except PduError as error:
            self._refuse(session, error)
            return
        try:
            if pdu.command.is_response:
                self._on_response(session, pdu)
            else:
                self._on_request(session, pdu)
        except Exception as error:  # a fault of the fake: ESME_RSYSERR, as an SMSC would
            self._error(f"internal error on {pdu.command.name}: {error!r}")
            if not pdu.command.is_response:
                session.answer(pdu, Status.ESME_RSYSERR)
        self._notify()

    def _refuse(self, session: _Session, error: PduError) -> None:
        self._error(f"malformed PDU: {error}")
        command = _known_command(error.command_id)
        if command is not None and command.is_response:
            return  # a response is never answered
        if command is None or error.status in (Status.ESME_RINVCMDLEN, Status.ESME_RINVCMDID):
            session.nack(error.sequence, error.status)
        else:  # a field the request's own response has an error code for
            session.send(Pdu(command.response, error.sequence, error.status))

    # ------------------------------------------------------------------ requests from the ESME

    def _on_request(self, session: _Session, pdu: Pdu) -> None:
        if pdu.status:
            self._error(f"{pdu.command.name} request with command_status 0x{pdu.status:08X}")
        if not 1 <= pdu.sequence <= MAX_SEQUENCE:
            self._error(f"{pdu.command.name} with sequence_number {pdu.sequence}")
        handler = self._handlers.get(pdu.command)
        if handler is None:  # deliver_sm goes from the SMSC to the ESME only
            self._error(f"{pdu.command.name} sent by the ESME")
            session.nack(pdu.sequence, Status.ESME_RINVCMDID)
            return
        handler(session, pdu)

    def _on_bind(self, session: _Session, pdu: Pdu) -> None:
        kind = BIND_TYPES[pdu.command]
        assert isinstance(pdu.body, BindBody)
        body = pdu.body
        status = Status.ESME_ROK
        if session.bound is not None:
            status = Status.ESME_RALYBND
        elif body.system_id != self.system_id:
            status = Status.ESME_RINVSYSID
        elif body.password != self.password:
            status = Status.ESME_RINVPASWD
        if status:
            self.bind_failures.append((kind, body.system_id, status))
            session.answer(pdu, status)
            return
        if body.interface_version != INTERFACE_VERSION:
            self._error(f"bind with interface_version 0x{body.interface_version:02X}, not 0x34")
        session.bound = kind
        session.system_id = body.system_id
        self.binds.append((kind, body.system_id))
        tlvs = ((Tag.SC_INTERFACE_VERSION.value, bytes((INTERFACE_VERSION,))),)
        session.answer(pdu, Status.ESME_ROK, BindRespBody(SMSC_SYSTEM_ID, tlvs))
        if session.can_receive:
            waiting, self._undelivered = self._undelivered, []
            for receipt in waiting:
                self._spawn(self._deliver_receipt(receipt))

    def _on_unbind(self, session: _Session, pdu: Pdu) -> None:
        if session.bound is None:
            session.answer(pdu, Status.ESME_RINVBNDSTS)
            return
        self.unbinds += 1
        self._notify()
        session.bound = None
        session.answer(pdu, Status.ESME_ROK)

    def _on_enquire_link(self, session: _Session, pdu: Pdu) -> None:
        self.enquire_links += 1
        self._notify()
        if not self.ignore_enquire_link:
            session.answer(pdu, Status.ESME_ROK)

    def _on_submit(self, session: _Session, pdu: Pdu) -> None:
        if not session.can_transmit:
            session.answer(pdu, Status.ESME_RINVBNDSTS)
            return
        if pdu.sequence in session.in_flight:
            self._error(f"submit_sm sequence_number {pdu.sequence} reused while unanswered")
        if session.outstanding >= self.window:
            self.window_overruns += 1
            self._reject(session, pdu, Status.ESME_RTHROTTLED)
            return
        session.outstanding += 1
        session.in_flight.add(pdu.sequence)
        self.max_outstanding = max(self.max_outstanding, session.outstanding)
        throttled = self._throttle > 0
        if throttled:
            self._throttle -= 1
        self._spawn(self._answer_submit(session, pdu, throttled=throttled))

    async def _answer_submit(self, session: _Session, pdu: Pdu, *, throttled: bool) -> None:
        try:
            await self._responses.wait()
            if self.response_delay:
                await asyncio.sleep(self.response_delay)
        finally:
            session.outstanding -= 1
            session.in_flight.discard(pdu.sequence)
        try:
            self._respond_to_submit(session, pdu, throttled=throttled)
        except Exception as error:  # a fault of the fake: ESME_RSYSERR, as an SMSC would
            self._error(f"internal error on SUBMIT_SM: {error!r}")
            session.answer(pdu, Status.ESME_RSYSERR)

    def _respond_to_submit(self, session: _Session, pdu: Pdu, *, throttled: bool) -> None:
        if throttled:
            self._reject(session, pdu, Status.ESME_RTHROTTLED)
            return
        assert isinstance(pdu.body, MessageBody)
        status = self._check_submit(pdu.body)
        if status:
            self._reject(session, pdu, status)
            return
        submit = self._accept(pdu.body)
        session.answer(pdu, Status.ESME_ROK, MessageIdBody(submit.message_id))
        self._after_submit(submit)
        self._notify()

    def _reject(self, session: _Session, pdu: Pdu, status: Status) -> None:
        destination = pdu.body.destination_addr if isinstance(pdu.body, MessageBody) else ""
        self.rejected.append((status, destination))
        session.answer(pdu, status)
        self._notify()

    def _check_submit(self, body: MessageBody) -> Status:
        if not body.destination_addr:
            return Status.ESME_RINVDSTADR
        if body.esm_class & ESM_TYPE_MASK not in ESM_SUBMIT_TYPES:
            self._error(f"submit_sm with esm_class 0x{body.esm_class:02X}")
            return Status.ESME_RINVESMCLASS
        if body.registered_delivery & 0x03 == 0x03:
            self._error("submit_sm with the reserved registered_delivery value 3")
            return Status.ESME_RINVREGDLVFLG
        if body.short_message and tlv_value(body.tlvs, Tag.MESSAGE_PAYLOAD) is not None:
            self._error("submit_sm with both short_message and message_payload")
            return Status.ESME_RINVMSGLEN
        return Status.ESME_ROK

    def _accept(self, body: MessageBody) -> Submit:
        message_id = f"m{next(self._ids):06d}"
        problems: list[str] = []
        content = tlv_value(body.tlvs, Tag.MESSAGE_PAYLOAD) or body.short_message
        udh, user_data, concat = self._split_user_data(body, content, problems)
        text = decode_text(body.data_coding, user_data, problems)
        submit = Submit(
            message_id=message_id,
            source=body.source_addr,
            destination=body.destination_addr,
            data_coding=body.data_coding,
            esm_class=body.esm_class,
            registered_delivery=body.registered_delivery,
            short_message=content,
            udh=udh,
            concat=concat,
            text=text,
            source_ton=body.source_addr_ton,
            source_npi=body.source_addr_npi,
            destination_ton=body.dest_addr_ton,
            destination_npi=body.dest_addr_npi,
            tlvs=body.tlvs,
            submitted_at=datetime.now(UTC),
        )
        self.submits.append(submit)
        if text is not None:
            try:
                whole = self._reassembler.add(submit.source, submit.destination, concat, text)
            except ValueError as error:
                problems.append(str(error))
                whole = None
            if whole is not None:
                self._delivered.append((submit.destination, whole))
        self.protocol_errors.extend(f"submit_sm {message_id}: {line}" for line in problems)
        return submit

    @staticmethod
    def _split_user_data(
        body: MessageBody, content: bytes, problems: list[str]
    ) -> tuple[Udh | None, bytes, Concat | None]:
        udh: Udh | None = None
        user_data = content
        concat: Concat | None = None
        try:
            if body.esm_class & ESM_UDHI:
                udh, user_data = parse_udh(content)
                concat = concat_of(udh)
            concat = concat or sar_concat(body.tlvs)
        except ValueError as error:
            problems.append(str(error))
        return udh, user_data, concat

    # ------------------------------------------------------------------ receipts

    def _after_submit(self, submit: Submit) -> None:
        wanted = submit.registered_delivery & 0x03
        if wanted not in (1, 2):
            return
        failures = self._failures[submit.destination]
        stat = failures.popleft() if failures else "DELIVRD"
        if wanted == 2 and stat == "DELIVRD":
            return
        receipt = Receipt(submit.message_id, stat, _receipt_body(submit, stat))
        if self.receipts == "hold":
            self._held.append(receipt)
        elif self.receipts == "auto":
            self._spawn(self._deliver_receipt(receipt))

    async def _deliver_receipt(self, receipt: Receipt) -> None:
        session = self._receiver()
        if session is None:
            self._undelivered.append(receipt)
            return
        self.sent_receipts.append(receipt)
        answer = await self._request(session, Command.DELIVER_SM, receipt.body)
        if answer is not None:
            self.receipt_statuses.append((receipt.message_id, answer.status))
        self._notify()

    # ------------------------------------------------------------------ requests to the ESME

    async def _request(self, session: _Session, command: Command, body: Body = None) -> Pdu | None:
        async with session.window:
            if session.closed:
                return None
            sequence = session.next_sequence()
            future: asyncio.Future[Pdu | None] = asyncio.get_running_loop().create_future()
            session.pending[sequence] = (command, future)
            session.send(Pdu(command, sequence, 0, body))
            try:
                async with asyncio.timeout(self.response_timeout):
                    return await future
            except TimeoutError:
                self._error(
                    f"{command.name} {sequence} unanswered after {self.response_timeout} s"
                )
                return None
            finally:
                session.pending.pop(sequence, None)

    def _on_response(self, session: _Session, pdu: Pdu) -> None:
        entry = session.pending.pop(pdu.sequence, None)
        if entry is None:
            self._error(f"{pdu.command.name} {pdu.sequence} answers no request of the SMSC")
            return
        request, future = entry
        if pdu.command not in (request.response, Command.GENERIC_NACK):
            self._error(f"{pdu.command.name} answers {request.name} {pdu.sequence}")
        if pdu.command is Command.DELIVER_SM_RESP and not pdu.status and pdu.body is None:
            self._error("deliver_sm_resp without its message_id field (one NULL octet)")
        if not future.done():
            future.set_result(pdu)

    # ------------------------------------------------------------------ helpers

    def _receiver(self) -> _Session | None:
        receivers = [session for session in self._sessions if session.can_receive]
        return receivers[-1] if receivers else None

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _error(self, line: str) -> None:
        self.protocol_errors.append(line)

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()


def _known_command(command_id: int | None) -> Command | None:
    try:
        return None if command_id is None else Command(command_id)
    except ValueError:
        return None


_RECEIPT_TEXT_CHARS: Final = frozenset(string.ascii_letters + string.digits + " .,:;!?'()+-/")


def _receipt_body(submit: Submit, stat: str) -> MessageBody:
    """The deliver_sm of a receipt: Appendix B text plus receipted_message_id, message_state."""
    delivered = stat == "DELIVRD"
    now = datetime.now(UTC)
    excerpt = "".join(
        char if char in _RECEIPT_TEXT_CHARS else "?" for char in (submit.text or "")[:20]
    )
    text = (
        f"id:{submit.message_id} sub:001 dlvrd:{'001' if delivered else '000'}"
        f" submit date:{submit.submitted_at:%y%m%d%H%M} done date:{now:%y%m%d%H%M}"
        f" stat:{stat} err:{'000' if delivered else '001'} Text:{excerpt}"
    )
    return MessageBody(
        source_addr_ton=submit.destination_ton,
        source_addr_npi=submit.destination_npi,
        source_addr=submit.destination,
        dest_addr_ton=submit.source_ton,
        dest_addr_npi=submit.source_npi,
        destination_addr=submit.source,
        esm_class=ESM_RECEIPT,
        data_coding=DC_DEFAULT,
        short_message=gsm7_encode(text),
        tlvs=(
            (Tag.RECEIPTED_MESSAGE_ID.value, submit.message_id.encode("ascii") + b"\0"),
            (Tag.MESSAGE_STATE.value, bytes((MESSAGE_STATES[stat],))),
        ),
    )
