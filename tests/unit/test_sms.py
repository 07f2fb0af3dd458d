"""Behaviour of domain.sms: encoding choice, length in units and segment count."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.sms import (
    GSM_BASIC,
    GSM_BASIC_TABLE,
    GSM_EXTENSION,
    _all_bmp,
    encoding,
    segments,
    septets,
    units,
)

EMOJI = "\U0001f600"  # 😀, outside the BMP: a surrogate pair in UTF-16
KAZAKH_LETTERS = "әғқңөұүһі"


def test_the_basic_table_has_128_positions_of_which_escape_is_not_a_character() -> None:
    assert len(GSM_BASIC_TABLE) == 128
    assert len(GSM_BASIC) == 127
    assert "\x1b" not in GSM_BASIC


@pytest.mark.parametrize(
    ("position", "char"),
    [(0x00, "@"), (0x09, "Ç"), (0x0A, "\n"), (0x0D, "\r"), (0x10, "Δ"), (0x24, "¤")]
    + [(0x40, "¡"), (0x5F, "§"), (0x60, "¿"), (0x7F, "à"), (0x41, "A"), (0x61, "a")],
)
def test_the_basic_table_puts_each_character_at_its_standard_position(
    position: int, char: str
) -> None:
    assert GSM_BASIC_TABLE[position] == char


def test_the_extension_table_holds_ten_characters() -> None:
    assert frozenset("\f^{}\\[~]|€") == GSM_EXTENSION
    assert not GSM_BASIC & GSM_EXTENSION


@pytest.mark.parametrize(
    "text", ["Hello, world!", "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà", "a\nb\rc", "[€]"]
)
def test_text_within_the_gsm_alphabet_is_sent_as_gsm_7(text: str) -> None:
    assert encoding(text) == "GSM-7"


@pytest.mark.parametrize("text", ["Привет", "`", "ç", "\t", "Á", EMOJI, "\x1b"])
def test_a_character_outside_both_gsm_tables_makes_the_text_ucs_2(text: str) -> None:
    assert encoding("plain " + text) == "UCS-2"


@pytest.mark.parametrize("letter", list(KAZAKH_LETTERS))
def test_one_kazakh_letter_in_long_latin_text_makes_it_ucs_2(letter: str) -> None:
    text = "a" * 150 + letter
    assert encoding(text) == "UCS-2"
    assert units(text) == 151
    assert segments(text) == 3  # 151 units at 67 a segment


def test_empty_text_is_gsm_7_and_takes_one_segment() -> None:
    assert encoding("") == "GSM-7"
    assert units("") == 0
    assert segments("") == 1


@pytest.mark.parametrize(("length", "expected"), [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3)])
def test_gsm_text_takes_160_septets_alone_or_153_per_concatenated_segment(
    length: int, expected: int
) -> None:
    assert segments("a" * length) == expected


@pytest.mark.parametrize(("length", "expected"), [(70, 1), (71, 2), (134, 2), (135, 3)])
def test_cyrillic_text_takes_70_units_alone_or_67_per_concatenated_segment(
    length: int, expected: int
) -> None:
    assert segments("ж" * length) == expected


def test_an_extension_character_costs_two_septets() -> None:
    assert septets("€") == 2
    assert septets("a^b") == 4
    assert units("{}") == 4


@pytest.mark.parametrize(("count", "expected"), [(80, 1), (81, 2)])
def test_euro_signs_fill_a_segment_at_two_septets_each(count: int, expected: int) -> None:
    assert segments("€" * count) == expected


def test_an_escape_pair_is_not_split_at_the_segment_boundary() -> None:
    # 306 septets would fit two segments of 153, but the euro sign would straddle them:
    # segment 1 takes 152 'a', segment 2 takes the euro and 151 'a', one 'a' is left over.
    text = "a" * 152 + "€" + "a" * 152
    assert septets(text) == 306
    assert segments(text) == 3


def test_septets_refuses_text_that_needs_ucs_2() -> None:
    with pytest.raises(ValueError, match="UCS-2"):
        septets("Сәлем")


def test_an_emoji_counts_two_utf16_units() -> None:
    assert units(EMOJI) == 2
    assert units("ж" + EMOJI) == 3


@pytest.mark.parametrize(("count", "expected"), [(35, 1), (36, 2)])
def test_emoji_fill_a_ucs_2_segment_at_two_units_each(count: int, expected: int) -> None:
    assert segments(EMOJI * count) == expected


def test_a_surrogate_pair_is_not_split_at_the_segment_boundary() -> None:
    # 134 units would fit two segments of 67, but the emoji would straddle units 67 and 68.
    text = "ж" * 66 + EMOJI + "ж" * 66
    assert units(text) == 134
    assert segments(text) == 3


GSM_CHARS = st.sampled_from(sorted(GSM_BASIC | GSM_EXTENSION))
BASIC_CHARS = st.sampled_from(sorted(GSM_BASIC))
ANY_TEXT = st.text(
    alphabet=st.one_of(GSM_CHARS, st.characters(codec="utf-8")), max_size=400
) | st.text(alphabet=GSM_CHARS, max_size=400)


def lower_bound(text: str) -> int:
    """Segments needed if characters could be split freely across segment boundaries."""
    count = units(text)
    single, part = (160, 153) if encoding(text) == "GSM-7" else (70, 67)
    return 1 if count <= single else math.ceil(count / part)


@given(ANY_TEXT)
def test_segments_never_undercount_the_units_the_text_takes(text: str) -> None:
    assert segments(text) >= lower_bound(text)


@given(st.text(alphabet=BASIC_CHARS, max_size=700))
def test_basic_gsm_text_takes_exactly_the_segments_its_length_needs(text: str) -> None:
    assert segments(text) == lower_bound(text)
    assert units(text) == len(text)


@given(st.text(alphabet="әғқңөұүһіӘҒҚҢӨҰҮҺІабвгдеёжз 1?", max_size=700))
def test_a_cyrillic_text_is_cut_as_the_greedy_packing_of_its_units_would_cut_it(
    text: str,
) -> None:
    from domain import sms  # noqa: PLC0415 (the general packing, beside the fast path)

    text = "ә" + text  # one Kazakh letter makes it UCS-2
    units = sms._utf16_costs(text)
    expected = 1 if sum(units) <= sms.UCS2_SINGLE else sms._pack(units, sms.UCS2_PART)
    assert segments(text) == expected


@given(st.text())
def test_the_quick_encoding_check_agrees_with_the_two_tables(text: str) -> None:
    in_tables = all(char in GSM_BASIC or char in GSM_EXTENSION for char in text)
    assert encoding(text) == ("GSM-7" if in_tables else "UCS-2")


@given(st.text())
def test_the_quick_plane_check_agrees_with_the_code_points(text: str) -> None:
    assert _all_bmp(text) == all(ord(char) <= 0xFFFF for char in text)
