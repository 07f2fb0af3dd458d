"""SMPP 3.4 PDUs on the wire, through python-smpplib's codec, with the traps found in it closed.

smpplib's client is blocking; only its PDU classes (`smpplib.command`) are used, and these
behaviours, each pinned by tests/unit/test_smpp_pdu.py, are worked around here:
- without a client object a command ignores the sequence number it is given and writes 0:
  each PDU gets a one-PDU client that answers with the number we chose;
- a C-Octet String longer than its field is cut without a word (a destination would lose its
  last digits): the length is checked first against smpplib's own field table, and refused;
- an unknown TLV raises unless `allow_unknown_opt_params`: section 3.2.4 of the specification
  says a receiver ignores TLVs it does not know, so they are allowed;
- C-Octet Strings come back as bytes; they are returned as text (Latin-1, which every octet is).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import smpplib.command
import smpplib.command_codes
import smpplib.consts
import smpplib.exceptions

HEADER: Final = struct.Struct(">IIII")
HEADER_SIZE: Final = 16
MAX_PDU: Final = 0x10000  # the largest command_length accepted from the peer
MAX_SEQUENCE: Final = 0x7FFFFFFF  # section 3.2: 0x00000001 to 0x7FFFFFFF
RESPONSE_BIT: Final = 0x80000000
INTERFACE_VERSION: Final = 0x34

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


def _check_strings(command: str, fields: Mapping[str, Any]) -> None:
    """Refuse a C-Octet String smpplib would cut short: ASCII, below its maximum with the NULL."""
    params: Mapping[str, Any] = smpplib.command.factory(command, client=_OnePdu(1)).params
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
    command_pdu = smpplib.command.factory(
        command, client=_OnePdu(sequence), status=status, **fields
    )
    raw: bytes = command_pdu.generate()
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
        command_pdu = smpplib.command.factory(
            name, client=_OnePdu(sequence), allow_unknown_opt_params=True
        )
    except smpplib.exceptions.UnknownCommandError as error:
        raise PduError(RINVCMDID, sequence, f"unknown command_id 0x{command_id:08X}") from error
    if status != ROK and command_id & RESPONSE_BIT:
        return Pdu(name, sequence, status)  # section 4: an error response may carry no body
    try:
        command_pdu.parse(raw)
    except (struct.error, IndexError, ValueError, TypeError, KeyError) as error:
        raise PduError(RINVCMDLEN, sequence, f"{name} could not be read: {error}") from error
    found: dict[str, Any] = {}
    for name_ in command_pdu.params:
        value = getattr(command_pdu, name_, None)
        if value is None:
            continue
        if command_pdu.params[name_].type is str and isinstance(value, bytes):
            value = value.decode("latin-1")
        found[name_] = value
    return Pdu(name, sequence, status, found)
