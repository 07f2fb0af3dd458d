"""Behaviour of bot.channels.smpp.text: short_message octets, data_coding and the UDH."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.smpp.text import (
    DC_ASCII,
    DC_GSM7,
    DC_LATIN1,
    DC_UCS2,
    ESM_UDHI,
    GSM_EXTENSION_CODES,
    Concat,
    Encoded,
    MalformedUserData,
    UnsupportedCoding,
    decode_user_data,
    encode_message,
    gsm7_encode,
    split_udh,
)
from domain.sms import GSM_BASIC, GSM_BASIC_TABLE, GSM_EXTENSION, segments

EMOJI = "\U0001f600"  # 😀, outside the BMP: the surrogate pair D83D DE00 in UTF-16
KAZAKH_LETTERS = "әғқңөұүһі"
ESC = 0x1B


def udh(reference: int, total: int, seqnum: int) -> bytes:
    """The 6-octet concatenation header with an 8-bit reference."""
    return bytes((0x05, 0x00, 0x03, reference, total, seqnum))


def user_data(encoded: Encoded) -> list[tuple[Concat | None, bytes]]:
    """Each part's concatenation IE and user data, read back as an SMSC would."""
    udhi = bool(encoded.esm_class & ESM_UDHI)
    return [split_udh(part, udhi) for part in encoded.parts]


def decoded(encoded: Encoded) -> str:
    """The text the parts carry, each part decoded alone and then joined."""
    return "".join(decode_user_data(encoded.data_coding, data) for _, data in user_data(encoded))


# ---------------------------------------------------------------- UCS-2


@pytest.mark.parametrize(
    ("letter", "octets"),
    [
        ("ә", b"\x04\xd9"),
        ("Ә", b"\x04\xd8"),
        ("ғ", b"\x04\x93"),
        ("Ғ", b"\x04\x92"),
        ("қ", b"\x04\x9b"),
        ("Қ", b"\x04\x9a"),
        ("ң", b"\x04\xa3"),
        ("Ң", b"\x04\xa2"),
        ("ө", b"\x04\xe9"),
        ("Ө", b"\x04\xe8"),
        ("ұ", b"\x04\xb1"),
        ("Ұ", b"\x04\xb0"),
        ("ү", b"\x04\xaf"),
        ("Ү", b"\x04\xae"),
        ("һ", b"\x04\xbb"),
        ("Һ", b"\x04\xba"),
        ("і", b"\x04\x56"),
        ("І", b"\x04\x06"),
    ],
)
def test_a_kazakh_letter_is_sent_in_ucs2_as_utf16_big_endian(letter: str, octets: bytes) -> None:
    encoded = encode_message(letter, reference=0)
    assert encoded == Encoded(data_coding=DC_UCS2, parts=(octets,))
    assert encoded.esm_class == 0


def test_a_kazakh_text_is_sent_in_ucs2_as_utf16_big_endian() -> None:
    encoded = encode_message("Сәлем, Қазақстан!", reference=0)
    assert encoded.data_coding == DC_UCS2
    assert encoded.parts == (
        b"\x04\x21\x04\xd9\x04\x3b\x04\x35\x04\x3c\x00\x2c\x00\x20"
        b"\x04\x9a\x04\x30\x04\x37\x04\x30\x04\x9b\x04\x41\x04\x42\x04\x30\x04\x3d\x00\x21",
    )


def test_a_70_unit_cyrillic_text_is_one_part_without_a_header() -> None:
    encoded = encode_message("ж" * 70, reference=7)
    assert encoded.esm_class == 0
    assert encoded.parts == (("ж" * 70).encode("utf-16-be"),)
    assert len(encoded.parts[0]) == 140


def test_a_71_unit_cyrillic_text_is_two_parts_of_67_and_4_units_each_with_a_header() -> None:
    encoded = encode_message("ж" * 71, reference=0x2A)
    assert encoded.data_coding == DC_UCS2
    assert encoded.esm_class == ESM_UDHI
    first, second = encoded.parts
    assert first[:6] == b"\x05\x00\x03\x2a\x02\x01"
    assert second[:6] == b"\x05\x00\x03\x2a\x02\x02"
    assert first[6:] == ("ж" * 67).encode("utf-16-be")
    assert second[6:] == ("ж" * 4).encode("utf-16-be")
    assert len(first) == 140


def test_an_emoji_at_the_boundary_moves_whole_to_the_next_part() -> None:
    # Units 67 and 68 would be the two halves of the emoji: part 1 stops at 66 units.
    encoded = encode_message("ж" * 66 + EMOJI + "ж" * 10, reference=1)
    first, second = encoded.parts
    assert first == udh(1, 2, 1) + ("ж" * 66).encode("utf-16-be")
    assert second == udh(1, 2, 2) + b"\xd8\x3d\xde\x00" + ("ж" * 10).encode("utf-16-be")


def test_an_emoji_is_written_as_its_surrogate_pair() -> None:
    assert encode_message(EMOJI, reference=0).parts == (b"\xd8\x3d\xde\x00",)


def test_a_lone_surrogate_code_point_is_refused() -> None:
    with pytest.raises(ValueError, match="surrogate"):
        encode_message("ж\ud83d", reference=0)


# ---------------------------------------------------------------- GSM-7


def test_a_160_character_gsm_text_is_one_part_of_160_unpacked_septets() -> None:
    encoded = encode_message("a" * 160, reference=9)
    assert encoded == Encoded(data_coding=DC_GSM7, parts=(b"a" * 160,))
    assert encoded.esm_class == 0


def test_a_161_character_gsm_text_is_two_parts_of_153_and_8_septets() -> None:
    encoded = encode_message("a" * 161, reference=0xFF)
    assert encoded.data_coding == DC_GSM7
    assert encoded.esm_class == ESM_UDHI
    assert encoded.parts == (
        b"\x05\x00\x03\xff\x02\x01" + b"a" * 153,
        b"\x05\x00\x03\xff\x02\x02" + b"a" * 8,
    )


def test_the_euro_sign_is_escape_then_0x65() -> None:
    assert encode_message("€", reference=0).parts == (b"\x1b\x65",)


@pytest.mark.parametrize(
    ("char", "code"),
    [("\f", 0x0A), ("^", 0x14), ("{", 0x28), ("}", 0x29), ("\\", 0x2F)]
    + [("[", 0x3C), ("~", 0x3D), ("]", 0x3E), ("|", 0x40), ("€", 0x65)],
)
def test_each_extension_character_is_escape_then_its_code(char: str, code: int) -> None:
    assert gsm7_encode(char) == bytes((ESC, code))
    assert decode_user_data(DC_GSM7, bytes((ESC, code))) == char


def test_the_extension_codes_cover_exactly_the_domain_extension_table() -> None:
    assert frozenset(GSM_EXTENSION_CODES) == GSM_EXTENSION


def test_each_basic_character_is_its_position_in_the_table() -> None:
    text = GSM_BASIC_TABLE.replace("\x1b", "")
    expected = bytes(code for code in range(128) if code != ESC)
    assert gsm7_encode(text) == expected
    assert decode_user_data(DC_GSM7, expected) == text


@pytest.mark.parametrize(("text", "octets"), [("@", b"\x00"), ("$", b"\x02"), ("¤", b"\x24")])
def test_gsm_characters_that_differ_from_ascii_take_their_gsm_position(
    text: str, octets: bytes
) -> None:
    assert gsm7_encode(text) == octets


def test_an_escape_pair_at_septets_152_and_153_moves_whole_to_the_next_part() -> None:
    encoded = encode_message("a" * 152 + "€" + "a" * 10, reference=3)
    first, second = encoded.parts
    assert first == udh(3, 2, 1) + b"a" * 152
    assert second == udh(3, 2, 2) + b"\x1b\x65" + b"a" * 10


def test_an_escape_pair_at_septets_153_and_154_is_cut_before_it() -> None:
    encoded = encode_message("a" * 153 + "€" + "a" * 10, reference=3)
    assert [data for _, data in user_data(encoded)] == [b"a" * 153, b"\x1b\x65" + b"a" * 10]


def test_gsm7_encode_refuses_a_character_outside_both_tables() -> None:
    with pytest.raises(ValueError, match="UCS-2"):
        gsm7_encode("aж")


# ---------------------------------------------------------------- refusals


def test_an_empty_text_is_refused() -> None:
    with pytest.raises(ValueError, match="text"):
        encode_message("", reference=0)


@pytest.mark.parametrize("reference", [-1, 256, 0x1234])
def test_a_reference_outside_one_octet_is_refused(reference: int) -> None:
    with pytest.raises(ValueError, match="reference"):
        encode_message("hello", reference=reference)


def test_a_text_of_255_parts_is_sent_but_not_one_of_256() -> None:
    assert len(encode_message("a" * 153 * 255, reference=0).parts) == 255
    with pytest.raises(ValueError, match="255"):
        encode_message("a" * (153 * 255 + 1), reference=0)


# ---------------------------------------------------------------- split_udh


def test_without_udhi_the_whole_short_message_is_user_data() -> None:
    assert split_udh(b"\x05\x00\x03\x01\x02\x01hi", udhi=False) == (
        None,
        b"\x05\x00\x03\x01\x02\x01hi",
    )


def test_an_8_bit_reference_concatenation_header_is_read() -> None:
    assert split_udh(udh(0xAB, 3, 2) + b"hi", udhi=True) == (Concat(0xAB, 3, 2), b"hi")


def test_a_16_bit_reference_concatenation_header_is_read_big_endian() -> None:
    short_message = b"\x06\x08\x04\x12\x34\x03\x02" + b"hi"
    assert split_udh(short_message, udhi=True) == (
        Concat(reference=0x1234, total=3, seqnum=2),
        b"hi",
    )


def test_unrelated_information_elements_are_skipped() -> None:
    # IE 0x05 (16-bit application port addressing) before and IE 0x24 after the concat IE.
    header = b"\x05\x04\x0b\x84\x23\xf0" + b"\x00\x03\x07\x02\x01" + b"\x24\x01\x01"
    short_message = bytes((len(header),)) + header + b"data"
    assert split_udh(short_message, udhi=True) == (Concat(7, 2, 1), b"data")


def test_a_header_without_a_concatenation_element_gives_none() -> None:
    assert split_udh(b"\x03\x24\x01\x01rest", udhi=True) == (None, b"rest")
    assert split_udh(b"\x00rest", udhi=True) == (None, b"rest")


@pytest.mark.parametrize(
    "short_message",
    [
        pytest.param(b"", id="no-udhl-octet"),
        pytest.param(b"\x05\x00\x03\x01", id="header-longer-than-message"),
        pytest.param(b"\x03\x00\x03\x01\x02\x01", id="ie-runs-past-header"),
        pytest.param(b"\x01\x00", id="ie-without-its-length"),
        pytest.param(b"\x04\x00\x02\x01\x02", id="8-bit-concat-too-short"),
        pytest.param(b"\x06\x00\x04\x01\x02\x01\x00", id="8-bit-concat-too-long"),
        pytest.param(b"\x05\x08\x03\x00\x01\x02", id="16-bit-concat-too-short"),
        pytest.param(b"\x05\x00\x03\x01\x00\x00", id="total-zero"),
        pytest.param(b"\x05\x00\x03\x01\x02\x00", id="seqnum-zero"),
        pytest.param(b"\x05\x00\x03\x01\x02\x03", id="seqnum-past-total"),
        pytest.param(b"\x06\x08\x04\x00\x01\x02\x03", id="16-bit-seqnum-past-total"),
    ],
)
def test_a_malformed_user_data_header_is_refused(short_message: bytes) -> None:
    with pytest.raises(MalformedUserData):
        split_udh(short_message, udhi=True)


def test_malformed_user_data_is_a_value_error() -> None:
    assert issubclass(MalformedUserData, ValueError)
    assert issubclass(UnsupportedCoding, ValueError)


# ---------------------------------------------------------------- decode_user_data


@pytest.mark.parametrize(
    ("data", "text"),
    [
        pytest.param(b"\x00", "@", id="zero-is-at-sign"),
        pytest.param(b"Hello", "Hello", id="ascii-letters"),
        pytest.param(b"\x1b\x65", "€", id="escape-pair"),
        pytest.param(b"\x1b\x41", "A", id="escape-unknown-code-is-base-char"),
        pytest.param(b"\x1b\x00", "@", id="escape-zero-is-at-sign"),
        pytest.param(b"\x1b\x1b", " ", id="escape-escape-is-space"),
        pytest.param(b"ab\x1b", "ab", id="lone-trailing-escape-dropped"),
        pytest.param(b"", "", id="empty"),
    ],
)
def test_gsm_unpacked_user_data_decodes(data: bytes, text: str) -> None:
    assert decode_user_data(DC_GSM7, data) == text


def test_an_octet_above_0x7f_is_not_a_gsm_septet() -> None:
    with pytest.raises(MalformedUserData):
        decode_user_data(DC_GSM7, b"a\x80")


def test_ascii_user_data_decodes_and_refuses_non_ascii_octets() -> None:
    assert decode_user_data(DC_ASCII, b"STOP 1") == "STOP 1"
    with pytest.raises(MalformedUserData):
        decode_user_data(DC_ASCII, b"caf\xe9")


def test_latin1_user_data_decodes_every_octet() -> None:
    assert decode_user_data(DC_LATIN1, b"caf\xe9") == "café"
    assert decode_user_data(DC_LATIN1, bytes(range(256))) == bytes(range(256)).decode("latin-1")


def test_ucs2_user_data_decodes_as_utf16_big_endian() -> None:
    assert decode_user_data(DC_UCS2, b"\x04\x9b\x04\xd9") == "қә"
    assert decode_user_data(DC_UCS2, b"\xd8\x3d\xde\x00") == EMOJI


@pytest.mark.parametrize(
    ("data", "text"),
    [(b"\xd8\x3d\x00\x41", "\ufffdA"), (b"\x00\x41\xd8\x3d", "A\ufffd"), (b"\xde\x00", "\ufffd")],
)
def test_an_unpaired_surrogate_decodes_as_the_replacement_character(
    data: bytes, text: str
) -> None:
    assert decode_user_data(DC_UCS2, data) == text


def test_ucs2_user_data_of_odd_length_is_malformed() -> None:
    with pytest.raises(MalformedUserData):
        decode_user_data(DC_UCS2, b"\x04\x9b\x04")


@pytest.mark.parametrize("data_coding", [2, 4, 5, 6, 7, 9, 0x10, 0xF0])
def test_any_other_data_coding_is_unsupported(data_coding: int) -> None:
    with pytest.raises(UnsupportedCoding):
        decode_user_data(data_coding, b"abc")


# ---------------------------------------------------------------- properties

GSM_CHARS = st.sampled_from(sorted(GSM_BASIC | GSM_EXTENSION))
EXTENSION_HEAVY = st.sampled_from(sorted(GSM_EXTENSION) + ["a"])
CYRILLIC = st.sampled_from(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
    + "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
    + KAZAKH_LETTERS
    + KAZAKH_LETTERS.upper()
)
EMOJIS = st.sampled_from([EMOJI, "\U0001f44d", "\U0001f1f0", "\U00010348", "\U0010ffff"])
ANY_TEXT = (
    st.text(alphabet=GSM_CHARS, min_size=1, max_size=700)
    | st.text(alphabet=EXTENSION_HEAVY, min_size=1, max_size=500)
    | st.text(alphabet=st.one_of(CYRILLIC, EMOJIS), min_size=1, max_size=300)
    | st.text(
        alphabet=st.one_of(GSM_CHARS, CYRILLIC, EMOJIS, st.characters(codec="utf-8")),
        min_size=1,
        max_size=400,
    )
)
REFERENCES = st.integers(min_value=0, max_value=255)


def octets_on_the_air(data_coding: int, short_message: bytes, udhi: bool) -> int:
    """TP-User-Data octets the part takes once the SMSC packs it (23.040 9.2.3.24).

    UCS-2 goes as is. GSM-7 is packed: the UDH plus fill bits up to a septet boundary, then
    seven bits a septet.
    """
    if data_coding == DC_UCS2:
        return len(short_message)
    header = short_message[0] + 1 if udhi else 0
    septets = math.ceil(header * 8 / 7) + len(short_message) - header
    return math.ceil(septets * 7 / 8)


@given(ANY_TEXT, REFERENCES)
def test_decoding_each_part_and_joining_gives_back_the_text(text: str, reference: int) -> None:
    assert decoded(encode_message(text, reference)) == text


@given(ANY_TEXT, REFERENCES)
def test_the_parts_are_as_many_as_domain_sms_segments(text: str, reference: int) -> None:
    encoded = encode_message(text, reference)
    assert len(encoded.parts) == segments(text)
    assert encoded.esm_class == (ESM_UDHI if len(encoded.parts) > 1 else 0)


@given(ANY_TEXT, REFERENCES)
def test_each_part_fits_140_octets_on_the_air(text: str, reference: int) -> None:
    encoded = encode_message(text, reference)
    udhi = bool(encoded.esm_class & ESM_UDHI)
    for part in encoded.parts:
        assert octets_on_the_air(encoded.data_coding, part, udhi) <= 140
        assert len(part) <= 254  # SMPP 3.4 short_message
        if encoded.data_coding == DC_UCS2:
            assert len(part) <= 140


@given(ANY_TEXT, REFERENCES)
def test_every_header_counts_the_parts_and_numbers_them_in_order(
    text: str, reference: int
) -> None:
    encoded = encode_message(text, reference)
    concats = [concat for concat, _ in user_data(encoded)]
    if len(encoded.parts) == 1:
        assert concats == [None]
        return
    total = len(encoded.parts)
    assert concats == [Concat(reference, total, seqnum) for seqnum in range(1, total + 1)]


@given(ANY_TEXT, REFERENCES)
def test_no_part_cuts_an_escape_pair_or_a_surrogate_pair(text: str, reference: int) -> None:
    encoded = encode_message(text, reference)
    for _, data in user_data(encoded):
        assert data
        if encoded.data_coding == DC_GSM7:
            assert data[-1] != ESC
        else:
            first, last = int.from_bytes(data[:2], "big"), int.from_bytes(data[-2:], "big")
            assert not 0xDC00 <= first <= 0xDFFF  # a low surrogate opens no part
            assert not 0xD800 <= last <= 0xDBFF  # a high surrogate closes no part


@given(st.text(alphabet=GSM_CHARS, max_size=300))
def test_gsm7_encode_and_decode_are_inverse(text: str) -> None:
    assert decode_user_data(DC_GSM7, gsm7_encode(text)) == text
