"""SMPP 3.4 PDUs on the wire, through python-smpplib's codec, with the traps found in it closed.

smpplib's client is blocking; only its PDU classes (`smpplib.command`) are used, and these
behaviours, each pinned by tests/unit/test_smpp_pdu.py, are worked around here:
- without a client object a command ignores the sequence number it is given and writes 0:
  each PDU gets a one-PDU client that answers with the number we chose;
- a C-Octet String longer than its field is cut without a word (a destination would lose its
  last digits): the length is checked first against smpplib's own field table, and refused;
- an integer too big for its octets raises struct.error: it becomes the ValueError of a field
  that would not go out, like a short_message over 254 octets;
- its parser reads past a C-Octet String with no NULL, and raises on a TLV it knows for other
  commands, or on an unknown one without `allow_unknown_opt_params`: bodies are read here, by
  smpplib's field tables, strictly; section 3.2.4 says a receiver ignores TLVs it does not know,
  so every TLV the command does not define is skipped;
- C-Octet Strings come back as text (Latin-1, which every octet is).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Final

import smpplib.command
import smpplib.command_codes
import smpplib.consts
import smpplib.exceptions
import smpplib.ptypes

HEADER: Final = struct.Struct(">IIII")
HEADER_SIZE: Final = 16
MAX_PDU: Final = 0x10000  # the largest command_length accepted from the peer
MAX_SEQUENCE: Final = 0x7FFFFFFF  # section 3.2: 0x00000001 to 0x7FFFFFFF
RESPONSE_BIT: Final = 0x80000000
INTERFACE_VERSION: Final = 0x34
MAX_SHORT_MESSAGE: Final = 254  # section 5.2.22: sm_length 0 to 254

# command_status values (section 5.1.3) this adapter acts on; tests check them against smpplib's
ROK: Final = 0x00000000
RINVMSGLEN: Final = 0x00000001
RINVCMDLEN: Final = 0x00000002
RINVCMDID: Final = 0x00000003
RINVBNDSTS: Final = 0x00000004
RALYBND: Final = 0x00000005
RSYSERR: Final = 0x00000008
RINVSRCADR: Final = 0x0000000A
RINVDSTADR: Final = 0x0000000B
RBINDFAIL: Final = 0x0000000D
RINVPASWD: Final = 0x0000000E
RINVSYSID: Final = 0x0000000F
RMSGQFUL: Final = 0x00000014
RINVESMCLASS: Final = 0x00000043
RSUBMITFAIL: Final = 0x00000045
RINVSRCTON: Final = 0x00000048
RINVDSTTON: Final = 0x00000050
RTHROTTLED: Final = 0x00000058
RX_T_APPN: Final = 0x00000064  # ESME receiver temporary app error
RX_P_APPN: Final = 0x00000065  # ESME receiver permanent app error
RINVDCS: Final = 0x00000104  # invalid data coding scheme (section 5.1.3, not in smpplib)
RINVPARLEN: Final = 0x000000C2  # a TLV of the wrong length

# Requests this ESME answers; the rest get generic_nack ESME_RINVCMDID.
GENERIC_NACK: Final = "generic_nack"


def status_name(status: int) -> str:
    """The specification's description of a command_status, with its code."""
    description = smpplib.consts.DESCRIPTIONS.get(status)
    if status == RINVDCS:
        description = "Invalid data coding scheme"
    return f"0x{status:08X} {description or 'unknown status'}"


class _OnePdu:
    """What smpplib asks of a client when it numbers a PDU: the number we chose, always."""

    def __init__(self, sequence: int) -> None:
        self.sequence = sequence

    def next_sequence(self) -> int:
        return self.sequence


@dataclass(frozen=True)
class Pdu:
    """A decoded PDU: its command name, header and fields (strings as text, octets as bytes)."""

    command: str
    sequence: int
    status: int = ROK
    fields: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_response(self) -> bool:
        """A response (or generic_nack), as the high bit of its command_id says."""
        return bool(smpplib.command_codes.get_command_code(self.command) & RESPONSE_BIT)

    def text(self, name: str) -> str:
        """A C-Octet String field, "" when absent."""
        value = self.fields.get(name)
        return value if isinstance(value, str) else ""

    def octets(self, name: str) -> bytes:
        """An octet-string field, b"" when absent."""
        value = self.fields.get(name)
        return value if isinstance(value, bytes) else b""

    def integer(self, name: str) -> int | None:
        """An integer field, None when absent."""
        value = self.fields.get(name)
        return value if isinstance(value, int) else None


class PduError(ValueError):
    """A PDU from the peer that cannot be read; `status` is the answer section 5.1.3 gives."""

    def __init__(self, status: int, sequence: int, reason: str) -> None:
        super().__init__(f"{reason} ({status_name(status)})")
        self.status = status
        self.sequence = sequence


@cache
def _template(command: str) -> Any:
    """A smpplib command of this name, kept for its field tables (params, params_order),
    which are its class's: read, never written, once per command name."""
    return smpplib.command.factory(command, client=_OnePdu(1))


def _check_strings(command: str, fields: Mapping[str, Any]) -> None:
    """Refuse a C-Octet String smpplib would cut short: ASCII, below its maximum with the NULL."""
    params: Mapping[str, Any] = _template(command).params
    for name, value in fields.items():
        param = params.get(name)
        if param is None:
            raise ValueError(f"{command} has no field {name!r}")
        if param.type is not str or value is None:
            continue
        if not isinstance(value, str) or not value.isascii():
            raise ValueError(f"{command}.{name} must be ASCII text")
        limit = getattr(param, "max", None)
        if limit is not None and len(value) + 1 > limit:
            raise ValueError(f"{command}.{name} is longer than its {limit - 1} octets")


def encode(command: str, sequence: int, status: int = ROK, **fields: Any) -> bytes:
    """One PDU as octets; ValueError for a field that would not go out as given."""
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"sequence number {sequence} is outside 1..0x7FFFFFFF")
    _check_strings(command, fields)
    if len(fields.get("short_message") or b"") > MAX_SHORT_MESSAGE:
        raise ValueError(f"short_message is longer than {MAX_SHORT_MESSAGE} octets")
    command_pdu = smpplib.command.factory(
        command, client=_OnePdu(sequence), status=status, **fields
    )
    try:
        raw: bytes = command_pdu.generate()
    except struct.error as error:  # an integer that does not fit its octets
        raise ValueError(f"{command}: a field does not fit its octets: {error}") from error
    return raw


def header(raw: bytes) -> tuple[int, int, int, int]:
    """command_length, command_id, command_status, sequence_number."""
    length, command_id, status, sequence = HEADER.unpack_from(raw)
    return length, command_id, status, sequence


def decode(raw: bytes) -> Pdu:
    """A whole PDU (header included) as read from the stream; PduError when unreadable."""
    length, command_id, status, sequence = header(raw)
    if length != len(raw):
        raise PduError(RINVCMDLEN, sequence, "command_length does not match the PDU")
    try:
        name = smpplib.command_codes.get_command_name(command_id)
        command_pdu = _template(name)
    except smpplib.exceptions.UnknownCommandError as error:
        raise PduError(RINVCMDID, sequence, f"unknown command_id 0x{command_id:08X}") from error
    if status != ROK and command_id & RESPONSE_BIT:
        return Pdu(name, sequence, status)  # section 4: an error response may carry no body
    reader = _Body(name, sequence, raw[HEADER_SIZE:])
    fields = reader.mandatory(command_pdu)
    fields.update(reader.optional(command_pdu))
    return Pdu(name, sequence, status, fields)


class _Body:
    """Reads a PDU body strictly by smpplib's field table of the command.

    smpplib's own parser reads past a C-Octet String with no NULL, and raises KeyError on a
    TLV it knows for other commands: here a body that ends early is refused, and every TLV
    the command does not define is skipped (section 3.2.4)."""

    def __init__(self, command: str, sequence: int, body: bytes) -> None:
        self._command, self._sequence, self._body = command, sequence, body
        self._pos = 0

    def _error(self, reason: str, status: int = RINVCMDLEN) -> PduError:
        return PduError(status, self._sequence, f"{self._command}: {reason}")

    def _take(self, size: int, name: str) -> bytes:
        if self._pos + size > len(self._body):
            raise self._error(f"{name} runs past the end of the PDU")
        value = self._body[self._pos : self._pos + size]
        self._pos += size
        return value

    def mandatory(self, command_pdu: Any) -> dict[str, Any]:
        """The mandatory fields, in order; all must be there (an empty body for none)."""
        found: dict[str, Any] = {}
        params = command_pdu.params
        for name in command_pdu.params_order:
            if command_pdu.field_is_optional(name):
                break
            if not self._body:
                break  # a body-less PDU (e.g. an enquire_link_resp, an unbind_resp)
            param = params[name]
            if param.type is int:
                found[name] = int.from_bytes(self._take(param.size, name), "big")
            elif param.type is str:
                end = self._body.find(b"\0", self._pos)
                if end < 0:
                    raise self._error(f"{name} has no NULL before the end of the PDU")
                found[name] = self._take(end - self._pos, name).decode("latin-1")
                self._pos += 1
            else:  # an octet string, its length in a field read before it
                found[name] = self._take(found.get(param.len_field, 0), name)
        return found

    def optional(self, command_pdu: Any) -> dict[str, Any]:
        """The TLVs the command defines; the others are skipped."""
        found: dict[str, Any] = {}
        params = command_pdu.params
        while self._pos < len(self._body):
            tag, size = struct.unpack(">HH", self._take(4, "a TLV header"))
            value = self._take(size, f"TLV 0x{tag:04X}")
            name = _TLV_NAMES.get(tag)
            if name is None or name not in params:
                continue
            param = params[name]
            if param.type is int:
                if size != param.size:
                    raise self._error(f"TLV {name} of {size} octets", RINVPARLEN)
                found[name] = int.from_bytes(value, "big")
            elif param.type is str:
                found[name] = value.rstrip(b"\0").decode("latin-1")
            elif param.type is smpplib.ptypes.ostr:
                found[name] = value
            else:  # a flag: present, no value
                found[name] = True
        return found


_TLV_NAMES: Final[dict[int, str]] = {
    code: name for name, code in smpplib.consts.OPTIONAL_PARAMS.items()
}
