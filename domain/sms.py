"""SMS encoding (GSM-7 or UCS-2), length in units and the number of segments a text takes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

Encoding = Literal["GSM-7", "UCS-2"]

# 3GPP TS 23.038 (GSM 03.38) section 6.2.1, default 7-bit alphabet, positions 0x00-0x7F
# in order, one row of 16 per line. Position 0x1B is the escape to the extension table and
# is not a character: it stands here as "\x1b" and is removed from the alphabet below.
GSM_BASIC_TABLE = (
    "@£$¥èéùìòÇ\nØø\rÅå"  # 0x00-0x0F (0x0A LF, 0x0D CR)
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"  # 0x10-0x1F (0x1B ESC)
    " !\"#¤%&'()*+,-./"  # 0x20-0x2F (0x24 is the currency sign ¤, not $)
    "0123456789:;<=>?"  # 0x30-0x3F
    "¡ABCDEFGHIJKLMNO"  # 0x40-0x4F (0x40 is ¡, not @)
    "PQRSTUVWXYZÄÖÑÜ§"  # 0x50-0x5F
    "¿abcdefghijklmno"  # 0x60-0x6F (0x60 is ¿, not `)
    "pqrstuvwxyzäöñüà"  # 0x70-0x7F
)
_ESCAPE = "\x1b"
GSM_BASIC = frozenset(GSM_BASIC_TABLE) - {_ESCAPE}

# 3GPP TS 23.038 section 6.2.1.1, default extension table: each is sent as ESC + char,
# so it costs two septets. 0x0A form feed, 0x14 ^, 0x28 {, 0x29 }, 0x2F \, 0x3C [,
# 0x3D ~, 0x3E ], 0x40 |, 0x65 €.
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")

# 3GPP TS 23.040 section 9.2.3.24.1: a concatenated message spends a 6-octet user data
# header, leaving 153 of 160 septets (GSM-7) or 67 of 70 UTF-16 code units (UCS-2).
GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67

_BMP_LIMIT = 0xFFFF
# The same rules as one regular expression each, for speed: a character of neither GSM table,
# and a character beyond the BMP (tests hold both to the sets above).
_NOT_GSM = re.compile("[^" + re.escape("".join(sorted(GSM_BASIC | GSM_EXTENSION))) + "]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def encoding(text: str) -> Encoding:
    """GSM-7 if every character is in the GSM 03.38 alphabet or its extension, else UCS-2."""
    # TS 23.038: one character outside both tables forces the whole text into UCS-2.
    return "UCS-2" if _NOT_GSM.search(text) else "GSM-7"


def _septet_costs(text: str) -> list[int]:
    """Septets each character of a GSM-7 text takes (2 for an extension character)."""
    return [2 if char in GSM_EXTENSION else 1 for char in text]


def _all_bmp(text: str) -> bool:
    """Whether every character is in the Basic Multilingual Plane (one UTF-16 unit each)."""
    return _ASTRAL.search(text) is None


def _utf16_costs(text: str) -> list[int]:
    """UTF-16 code units each character takes (2 for a character outside the BMP)."""
    return [2 if ord(char) > _BMP_LIMIT else 1 for char in text]


def septets(text: str) -> int:
    """Septets a GSM-7 text takes; an extension character costs two."""
    if encoding(text) != "GSM-7":
        raise ValueError("septets() needs GSM-7 text; this text must be sent as UCS-2")
    return sum(_septet_costs(text))


def units(text: str) -> int:
    """Length in the text's own units: septets for GSM-7, UTF-16 code units for UCS-2."""
    if encoding(text) == "GSM-7":
        return sum(_septet_costs(text))
    return sum(_utf16_costs(text))


def _pack(costs: Iterable[int], capacity: int) -> int:
    """Segments needed when indivisible items are packed greedily, in order, by capacity."""
    count, used = 1, 0
    for cost in costs:
        if used + cost > capacity:
            count, used = count + 1, 0
        used += cost
    return count


def segments(text: str) -> int:
    """Number of SMS segments the text is sent in; empty text is one segment."""
    if encoding(text) == "GSM-7":
        costs, single, part = _septet_costs(text), GSM_SINGLE, GSM_PART
    elif _all_bmp(text):  # one UTF-16 unit each: greedy packing is plain division
        return 1 if len(text) <= UCS2_SINGLE else -(-len(text) // UCS2_PART)
    else:
        costs, single, part = _utf16_costs(text), UCS2_SINGLE, UCS2_PART
    if sum(costs) <= single:
        return 1
    # SPEC: SMS brief "an escape pair is never split across two segments", nor a UTF-16
    # surrogate pair (a receiver could not rejoin half a character); so pack whole, greedily.
    return _pack(costs, part)
