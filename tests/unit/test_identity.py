"""Unit tests of domain.identity: the IIN's structure, check digit, masking and age."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from domain.identity import Iin, InvalidIin, Sex, check_digit, make_iin, parse_iin

# 4 Sep 1986, man of the 20th century (7th digit 3), serial 0000. Check digit, first pass:
# 8*1 + 6*2 + 0*3 + 9*4 + 0*5 + 4*6 + 3*7 + 0*8 + 0*9 + 0*10 + 0*11 = 101; 101 mod 11 = 2.
FIRST_PASS_IIN = "860904300002"
# Same date, serial 0031. First pass: 8+12+0+36+0+24+21+0+0+30+11 = 142; 142 mod 11 = 10.
# Second pass, weights 3..11,1,2: 24+24+0+54+0+32+27+0+0+3+2 = 166; 166 mod 11 = 1.
SECOND_PASS_IIN = "860904300311"
# Same date, serial 0030. First pass: 131 mod 11 = 10; second pass: 164 mod 11 = 10 too.
NO_CHECK_DIGIT_FIRST11 = "86090430030"


def _first_pass(first11: str) -> int:
    return sum(int(d) * w for d, w in zip(first11, range(1, 12), strict=True)) % 11


def _born(day: date, sex: Sex = "F") -> Iin:
    """The first valid IIN for the day and sex: serial 0, or the next one with a check digit."""
    return next(iin for serial in range(10) if (iin := make_iin(day, sex, serial)) is not None)


def _reason_of(text: str) -> str:
    with pytest.raises(InvalidIin) as caught:
        parse_iin(text)
    return caught.value.reason


def test_valid_iin_is_parsed_with_its_birth_date_and_sex() -> None:
    iin = parse_iin(FIRST_PASS_IIN)
    assert iin.value == FIRST_PASS_IIN
    assert iin.birth_date == date(1986, 9, 4)
    assert iin.sex == "M"


def test_surrounding_whitespace_is_tolerated() -> None:
    assert parse_iin(f" \t{FIRST_PASS_IIN}\n").value == FIRST_PASS_IIN


@pytest.mark.parametrize("text", ["", "86090430000", "8609043000021", "860904 300002"])
def test_iin_of_wrong_length_is_rejected_naming_the_length(text: str) -> None:
    with pytest.raises(InvalidIin, match="12 digits") as caught:
        parse_iin(text)
    assert caught.value.reason == "length"


@pytest.mark.parametrize("text", ["86090430000a", "8609-4300002", "８６０９０４３０００02"])
def test_iin_with_a_non_digit_is_rejected_naming_the_digits(text: str) -> None:
    with pytest.raises(InvalidIin, match="digits 0-9") as caught:
        parse_iin(text)
    assert caught.value.reason == "non_digit"


@pytest.mark.parametrize("seventh", ["0", "7", "8", "9"])
def test_iin_with_an_unassigned_century_digit_is_rejected(seventh: str) -> None:
    with pytest.raises(InvalidIin, match="7th digit") as caught:
        parse_iin(f"860904{seventh}00002")
    assert caught.value.reason == "century_digit"


@pytest.mark.parametrize("yymmdd", ["860231", "860229", "861301", "860000", "860931"])
def test_iin_with_an_impossible_birth_date_is_rejected(yymmdd: str) -> None:
    with pytest.raises(InvalidIin, match="not a calendar date") as caught:
        parse_iin(f"{yymmdd}300002")
    assert caught.value.reason == "impossible_date"


def test_29_february_is_accepted_in_a_leap_year_only() -> None:
    assert _reason_of("000229300000") == "impossible_date"  # 1900 was not a leap year
    iin = make_iin(date(2000, 2, 29), "F", 0)
    assert iin is not None
    assert iin.value.startswith("0002296")


def test_iin_with_wrong_check_digit_is_rejected_naming_the_check_digit() -> None:
    with pytest.raises(InvalidIin, match="check digit .* is 3, expected 2") as caught:
        parse_iin("860904300003")
    assert caught.value.reason == "check_digit"


def test_first_pass_check_digit_is_used_when_it_is_not_ten() -> None:
    assert _first_pass(FIRST_PASS_IIN[:11]) == 2
    assert check_digit(FIRST_PASS_IIN[:11]) == 2


def test_second_pass_check_digit_is_used_when_the_first_gives_ten() -> None:
    assert _first_pass(SECOND_PASS_IIN[:11]) == 10
    assert check_digit(SECOND_PASS_IIN[:11]) == 1
    assert parse_iin(SECOND_PASS_IIN).value == SECOND_PASS_IIN


def test_second_pass_iins_found_by_search_all_parse() -> None:
    found = [
        f"{first11}{check_digit(first11)}"
        for first11 in (f"8609043{serial:04d}" for serial in range(500))
        if _first_pass(first11) == 10 and check_digit(first11) is not None
    ]
    assert found
    assert all(parse_iin(text).birth_date == date(1986, 9, 4) for text in found)


def test_iin_whose_both_passes_give_ten_is_rejected_with_every_last_digit() -> None:
    assert check_digit(NO_CHECK_DIGIT_FIRST11) is None
    for last in "0123456789":
        with pytest.raises(InvalidIin, match="no check digit") as caught:
            parse_iin(NO_CHECK_DIGIT_FIRST11 + last)
        assert caught.value.reason == "check_digit"


def test_make_iin_gives_none_for_a_serial_without_check_digit() -> None:
    assert make_iin(date(1986, 9, 4), "M", 30) is None


@pytest.mark.parametrize("first11", ["8609043000", "860904300000", "8609043000a"])
def test_check_digit_refuses_anything_but_eleven_digits(first11: str) -> None:
    with pytest.raises(ValueError, match="11 ASCII digits"):
        check_digit(first11)


@pytest.mark.parametrize(
    ("born", "sex", "seventh"),
    [
        (date(1899, 12, 31), "M", "1"),
        (date(1850, 1, 1), "F", "2"),
        (date(1900, 1, 1), "M", "3"),
        (date(1999, 6, 15), "F", "4"),
        (date(2000, 1, 1), "M", "5"),
        (date(2099, 12, 31), "F", "6"),
    ],
)
def test_seventh_digit_encodes_century_and_sex(born: date, sex: Sex, seventh: str) -> None:
    iin = _born(born, sex)
    assert iin.value[6] == seventh
    assert (iin.birth_date, iin.sex) == (born, sex)


def test_make_iin_refuses_a_serial_out_of_range() -> None:
    for serial in (-1, 10_000):
        with pytest.raises(ValueError, match="serial"):
            make_iin(date(1986, 9, 4), "M", serial)


def test_make_iin_refuses_a_year_no_iin_can_encode() -> None:
    for born in (date(1799, 12, 31), date(2100, 1, 1)):
        with pytest.raises(ValueError, match="1800-2099"):
            make_iin(born, "F", 0)


@given(
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
    sex=st.sampled_from(("M", "F")),
    serial=st.integers(min_value=0, max_value=9999),
)
def test_made_iin_parses_back_to_the_same_birth_date_and_sex(
    born: date, sex: Sex, serial: int
) -> None:
    iin = make_iin(born, sex, serial)
    assume(iin is not None)
    assert iin is not None
    parsed = parse_iin(iin.value)
    assert parsed == iin
    assert (parsed.birth_date, parsed.sex) == (born, sex)
    assert int(parsed.value[7:11]) == serial


def test_age_counts_full_years_turning_on_the_birthday() -> None:
    iin = _born(date(1986, 9, 4))
    assert iin.age_on(date(1986, 9, 4)) == 0
    assert iin.age_on(date(2024, 9, 3)) == 37
    assert iin.age_on(date(2024, 9, 4)) == 38


def test_age_of_29_february_birthday_grows_on_1_march_in_common_years() -> None:
    iin = _born(date(2004, 2, 29))
    assert iin.age_on(date(2023, 2, 28)) == 18
    assert iin.age_on(date(2023, 3, 1)) == 19
    assert iin.age_on(date(2024, 2, 28)) == 19
    assert iin.age_on(date(2024, 2, 29)) == 20


def test_age_before_birth_is_refused() -> None:
    with pytest.raises(ValueError, match="before the birth date"):
        _born(date(1986, 9, 4)).age_on(date(1986, 9, 3))


def test_iin_is_masked_to_its_last_four_digits_in_str_and_repr() -> None:
    iin = parse_iin(SECOND_PASS_IIN)
    assert iin.masked == "********0311"
    assert str(iin) == "********0311"
    assert f"{iin}" == "********0311"
    assert SECOND_PASS_IIN not in repr(iin)


class _Holder(BaseModel):
    iin: Iin


def test_iin_embedded_in_a_model_accepts_a_plain_string_and_is_not_leaked_by_repr() -> None:
    holder = _Holder.model_validate({"iin": FIRST_PASS_IIN})
    assert holder.iin.value == FIRST_PASS_IIN
    assert FIRST_PASS_IIN not in repr(holder)
    assert _Holder.model_validate(holder.model_dump()) == holder


def test_iin_cannot_be_built_invalid_nor_changed() -> None:
    with pytest.raises(ValidationError, match="check digit"):
        Iin(value="860904300003")
    iin = parse_iin(FIRST_PASS_IIN)
    with pytest.raises(ValidationError):
        iin.value = SECOND_PASS_IIN  # type: ignore[misc]
