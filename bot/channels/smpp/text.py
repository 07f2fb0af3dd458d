"""User data of an SMS as SMPP 3.4 carries it: short_message octets, data_coding and the UDH.

Pure, no I/O. A text goes out in GSM 03.38 (data_coding 0, unpacked: one septet per octet,
as SMPP 3.4 section 5.2.19 leaves packing to the SMSC) when `domain.sms.encoding` says it
may, else in UCS-2 written as UTF-16BE (data_coding 8). A text longer than one SMS is cut
into parts that each begin with the 3GPP TS 23.040 section 9.2.3.24.1 concatenation header,
at the same boundaries `domain.sms.segments` counts, so the bill and the wire agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from domain.sms import (
    GSM_BASIC_TABLE,
    GSM_EXTENSION,
    GSM_PART,
    UCS2_PART,
    encoding,
    segments,
)

# SMPP 3.4 section 5.2.19, data_coding.
DC_GSM7: Final = 0  # SMSC default alphabet, sent as GSM 03.38 unpacked: one septet per octet
DC_ASCII: Final = 1  # IA5 / ASCII (only decoded)
DC_LATIN1: Final = 3  # ISO-8859-1 (only decoded)
DC_UCS2: Final = 8  # UCS-2, written as UTF-16BE (surrogate pairs beyond the BMP)

# SMPP 3.4 section 5.2.12, esm_class bit 6: the short_message begins with a user data header.
ESM_UDHI: Final = 0x40

# 3GPP TS 23.038 section 6.2.1: the escape to the extension table.
ESC: Final = 0x1B
_SPACE: Final = 0x20

# 3GPP TS 23.038 section 6.2.1.1, default extension table: the code that follows ESC for
# each character of `domain.sms.GSM_EXTENSION` (positions as documented there).
GSM_EXTENSION_CODES: Final[Mapping[str, int]] = MappingProxyType(
    {
        "\f": 0x0A,
        "^": 0x14,
        "{": 0x28,
        "}": 0x29,
        "\\": 0x2F,
        "[": 0x3C,
        "~": 0x3D,
        "]": 0x3E,
        "|": 0x40,
        "€": 0x65,
    }
)

_BASIC_CODES: Final[Mapping[str, int]] = MappingProxyType(
    {char: code for code, char in enumerate(GSM_BASIC_TABLE) if code != ESC}
)
_EXTENSION_CHARS: Final[Mapping[int, str]] = MappingProxyType(
    {code: char for char, code in GSM_EXTENSION_CODES.items()}
)

# 3GPP TS 23.040 section 9.2.3.24: information element identifiers of concatenation.
IEI_CONCAT_8BIT: Final = 0x00
IEI_CONCAT_16BIT: Final = 0x08
_CONCAT_8BIT_LENGTH: Final = 3
_CONCAT_16BIT_LENGTH: Final = 4
_MAX_PARTS: Final = 255  # one octet holds the total and the sequence number
_MAX_REFERENCE: Final = 0xFF
_BMP_LIMIT: Final = 0xFFFF
_SURROGATES: Final = range(0xD800, 0xE000)


class MalformedUserData(ValueError):
    """The short_message or its user data header breaks 3GPP TS 23.040 / 23.038."""


class UnsupportedCoding(ValueError):
    """A data_coding this ESME does not decode."""


@dataclass(frozen=True)
class Encoded:
    """A text ready for submit_sm: its data_coding and the short_message of each part."""

    data_coding: int  # DC_GSM7 or DC_UCS2
    parts: tuple[bytes, ...]  # each part's short_message: UDH (if several parts) + user data

    @property
    def esm_class(self) -> int:
        """ESM_UDHI when the parts carry a concatenation header, else 0."""
        return ESM_UDHI if len(self.parts) > 1 else 0


@dataclass(frozen=True)
class Concat:
    """The concatenation information element of a user data header."""

    reference: int  # 8-bit (IE 0x00) or 16-bit (IE 0x08) reference
    total: int
    seqnum: int


def gsm7_encode(text: str) -> bytes:
    """GSM 03.38 unpacked, one septet per octet; an extension character is ESC + its code.

    Raises ValueError if a character is in neither GSM table.
    """
    out = bytearray()
    for char in text:
        code = _BASIC_CODES.get(char)
        if code is not None:
            out.append(code)
            continue
        extension = GSM_EXTENSION_CODES.get(char)
        if extension is None:
            raise ValueError(f"{char!r} is not in the GSM 03.38 alphabet; send the text as UCS-2")
        out += bytes((ESC, extension))
    return bytes(out)


def _utf16_encode(text: str) -> bytes:
    """UTF-16BE; a lone surrogate code point in the str is refused (ValueError)."""
    if any(ord(char) in _SURROGATES for char in text):
        raise ValueError("the text holds a lone surrogate code point, not a character")
    return text.encode("utf-16-be")


def _septets(char: str) -> int:
    return 2 if char in GSM_EXTENSION else 1


def _utf16_units(char: str) -> int:
    return 2 if ord(char) > _BMP_LIMIT else 1


def _cut(text: str, cost: Callable[[str], int], capacity: int) -> list[str]:
    """Pieces of the text, packed greedily by capacity; no character is split.

    Same greedy rule as `domain.sms.segments`, so the piece count equals its count.
    """
    pieces: list[str] = []
    start, used = 0, 0
    for index, char in enumerate(text):
        size = cost(char)
        if used + size > capacity:
            pieces.append(text[start:index])
            start, used = index, 0
        used += size
    pieces.append(text[start:])
    return pieces


def _concat_udh(reference: int, total: int, seqnum: int) -> bytes:
    """UDHL 05, IE 00 (concatenation, 8-bit reference) of length 03: ref, total, seqnum."""
    return bytes((0x05, IEI_CONCAT_8BIT, _CONCAT_8BIT_LENGTH, reference & 0xFF, total, seqnum))


def encode_message(text: str, reference: int) -> Encoded:
    """The text as submit_sm short_messages: GSM-7 if `domain.sms.encoding` allows, else UCS-2.

    One part without UDH when it fits (160 septets / 70 UTF-16 units); else parts of at most
    153 septets / 67 units, each led by the 6-octet UDH 05 00 03 <reference> <total> <seqnum>.
    An escape pair or a surrogate pair is never cut between two parts, and
    len(parts) == domain.sms.segments(text) always. Raises ValueError for an empty text, a
    reference outside 0..255, a lone surrogate, or a text that takes more than 255 parts.
    """
    if not text:
        raise ValueError("an SMS needs some text")
    if not 0 <= reference <= _MAX_REFERENCE:
        raise ValueError(f"concatenation reference {reference} is outside 0..255")
    total = segments(text)
    if total > _MAX_PARTS:
        raise ValueError(f"the text takes {total} parts; a concatenated SMS holds at most 255")
    if encoding(text) == "GSM-7":
        data_coding, write = DC_GSM7, gsm7_encode
        cost, part = _septets, GSM_PART
    else:
        data_coding, write = DC_UCS2, _utf16_encode
        cost, part = _utf16_units, UCS2_PART
    if total == 1:
        return Encoded(data_coding, (write(text),))
    pieces = _cut(text, cost, part)
    if len(pieces) != total:  # pragma: no cover - the same greedy rule as segments()
        raise AssertionError("the cut disagrees with domain.sms.segments")
    return Encoded(
        data_coding,
        tuple(
            _concat_udh(reference, total, seqnum) + write(piece)
            for seqnum, piece in enumerate(pieces, start=1)
        ),
    )


def _concat_ie(iei: int, data: bytes) -> Concat:
    """The concatenation IE's data, checked; raises MalformedUserData."""
    if iei == IEI_CONCAT_8BIT:
        if len(data) != _CONCAT_8BIT_LENGTH:
            raise MalformedUserData(f"concatenation IE 0x00 has length {len(data)}, not 3")
        reference, total, seqnum = data
    else:
        if len(data) != _CONCAT_16BIT_LENGTH:
            raise MalformedUserData(f"concatenation IE 0x08 has length {len(data)}, not 4")
        reference, total, seqnum = int.from_bytes(data[:2], "big"), data[2], data[3]
    if total == 0:
        raise MalformedUserData("concatenation total is 0")
    if not 1 <= seqnum <= total:
        raise MalformedUserData(f"concatenation part {seqnum} is outside 1..{total}")
    return Concat(reference=reference, total=total, seqnum=seqnum)


def split_udh(short_message: bytes, udhi: bool) -> tuple[Concat | None, bytes]:
    """The concatenation IE of the user data header, if any, and the user data after it.

    With udhi, the first octet is UDHL, then IEs (IEI, length, data) fill UDHL octets;
    IEs other than concatenation (0x00 8-bit, 0x08 16-bit reference) are skipped, and of
    repeated concatenation IEs the last counts (23.040 9.2.3.24). Without udhi:
    (None, short_message). Raises MalformedUserData for a header longer than the message, an
    IE running past the header, a concatenation IE of the wrong length, a total of 0 or a
    sequence number outside 1..total.
    """
    if not udhi:
        return None, short_message
    if not short_message:
        raise MalformedUserData("UDHI is set but the short_message is empty")
    length = short_message[0]
    if 1 + length > len(short_message):
        raise MalformedUserData(
            f"user data header of {length} octets is longer than the message after it"
        )
    header, user_data = short_message[1 : 1 + length], short_message[1 + length :]
    concat: Concat | None = None
    position = 0
    while position < length:
        if position + 2 > length:
            raise MalformedUserData("an information element runs past the user data header")
        iei, size = header[position], header[position + 1]
        end = position + 2 + size
        if end > length:
            raise MalformedUserData(f"information element 0x{iei:02X} runs past the header")
        if iei in (IEI_CONCAT_8BIT, IEI_CONCAT_16BIT):
            concat = _concat_ie(iei, header[position + 2 : end])
        position = end
    return concat, user_data


def _gsm7_decode(data: bytes) -> str:
    """GSM 03.38 unpacked, one septet per octet, escapes resolved through the extension table.

    23.038 6.2.1.1: ESC + an unknown code shows the base-table character of that code; ESC +
    ESC (reserved for a further extension table) shows a space. A lone ESC at the end is dropped.
    """
    chars: list[str] = []
    escaped = False
    for octet in data:
        if octet > 0x7F:
            raise MalformedUserData(f"octet 0x{octet:02X} is not a GSM 03.38 septet")
        if escaped:
            escaped = False
            if octet == ESC:
                chars.append(GSM_BASIC_TABLE[_SPACE])
            else:
                chars.append(_EXTENSION_CHARS.get(octet, GSM_BASIC_TABLE[octet]))
        elif octet == ESC:
            escaped = True
        else:
            chars.append(GSM_BASIC_TABLE[octet])
    return "".join(chars)


def decode_user_data(data_coding: int, data: bytes) -> str:
    """The text of user data (the short_message after any UDH) in the given data_coding.

    0: GSM 03.38 unpacked; 1: ASCII; 3: Latin-1; 8: UTF-16BE, unpaired surrogates as U+FFFD.
    Raises MalformedUserData for an octet above 0x7F in 0 or 1 or an odd length in 8, and
    UnsupportedCoding for any other data_coding.
    """
    if data_coding == DC_GSM7:
        return _gsm7_decode(data)
    if data_coding == DC_ASCII:
        try:
            return data.decode("ascii")
        except UnicodeDecodeError as error:
            raise MalformedUserData(f"non-ASCII octet in IA5 user data: {error}") from error
    if data_coding == DC_LATIN1:
        return data.decode("latin-1")
    if data_coding == DC_UCS2:
        if len(data) % 2:
            raise MalformedUserData(f"UCS-2 user data of odd length {len(data)}")
        return data.decode("utf-16-be", errors="replace")
    raise UnsupportedCoding(f"data_coding {data_coding} is not decoded by this ESME")
