"""Unit tests of domain.banking: KZ IBAN parsing, masking, formatting and the bank directory."""

from __future__ import annotations

import pytest
import schwifty
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from domain.banking import (
    _WELL_FORMED,
    Bank,
    Iban,
    InvalidIban,
    bank_directory,
    bank_for,
    has_right_check_digits,
    parse_iban,
)

NATIONAL_BANK_IBAN = "KZ86125KZT5004100100"  # the sample KZ IBAN of the SWIFT IBAN registry
KASPI_IBAN = "KZ05722KZT0000012345"  # computed with schwifty.IBAN.from_bban
UNLISTED_BANK_IBAN = "KZ64999KZT0000012345"  # bank code 999 is in no directory


def _reason_of(text: str) -> str:
    with pytest.raises(InvalidIban) as caught:
        parse_iban(text)
    return caught.value.reason


def test_valid_iban_is_parsed_to_its_compact_form_and_bank_code() -> None:
    iban = parse_iban(NATIONAL_BANK_IBAN)
    assert iban.compact == NATIONAL_BANK_IBAN
    assert iban.bank_code == "125"


@pytest.mark.parametrize(
    "text",
    [
        "KZ86 125K ZT50 0410 0100",
        "KZ86\u00a0125K\u00a0ZT50\u00a00410\u00a00100",
        " KZ86125KZT5004100100\n",
        "KZ86\t125KZT50\t04100100",
    ],
)
def test_whitespace_anywhere_is_tolerated(text: str) -> None:
    assert parse_iban(text).compact == NATIONAL_BANK_IBAN


def test_lower_case_is_tolerated_and_upper_cased() -> None:
    assert parse_iban("kz86 125k zt50 0410 0100").compact == NATIONAL_BANK_IBAN


def test_iban_with_wrong_check_digits_is_rejected_naming_the_check_digits() -> None:
    with pytest.raises(InvalidIban, match="check digits") as caught:
        parse_iban("KZ87125KZT5004100100")
    assert caught.value.reason == "check_digits"


@pytest.mark.parametrize("text", ["DE89370400440532013000", "GB82WEST12345698765432", "", "86"])
def test_iban_of_another_country_is_rejected_naming_the_country(text: str) -> None:
    with pytest.raises(InvalidIban, match="must start with KZ") as caught:
        parse_iban(text)
    assert caught.value.reason == "country"


@pytest.mark.parametrize(
    "text", ["KZ86125KZT500410010", "KZ86125KZT50041001000", "KZ", "KZ86-125K-ZT50-0410-0100"]
)
def test_iban_of_wrong_length_is_rejected_naming_the_length(text: str) -> None:
    with pytest.raises(InvalidIban, match="20 characters") as caught:
        parse_iban(text)
    assert caught.value.reason == "length"


@pytest.mark.parametrize(
    "text",
    [
        "KZ86A25KZT5004100100",  # bank code not 3 digits
        "KZ8612AKZT5004100100",  # bank code not 3 digits
        "KZAB125KZT5004100100",  # check digits not digits
        "KZ86125KZT500410-100",  # a hyphen is not whitespace
        "KZ86125KZT50041001!0",  # punctuation in the account
    ],
)
def test_iban_with_bad_characters_is_rejected_naming_the_format(text: str) -> None:
    with pytest.raises(InvalidIban, match="3-digit bank code") as caught:
        parse_iban(text)
    assert caught.value.reason == "format"


def test_iban_is_masked_to_its_last_four_characters_in_str_and_repr() -> None:
    iban = parse_iban(NATIONAL_BANK_IBAN)
    assert iban.masked == "KZ** **** **** **** 0100"
    assert iban.masked.isascii()
    assert str(iban) == iban.masked
    assert NATIONAL_BANK_IBAN not in repr(iban)
    assert "5004" not in repr(iban)


def test_iban_is_formatted_in_groups_of_four() -> None:
    assert parse_iban(NATIONAL_BANK_IBAN).formatted == "KZ86 125K ZT50 0410 0100"


def test_bank_is_found_by_its_code() -> None:
    national = bank_for(parse_iban(NATIONAL_BANK_IBAN))
    kaspi = bank_for(parse_iban(KASPI_IBAN))
    assert national is not None
    assert (national.code, national.bic) == ("125", "NBRKKZKX")
    assert "Ұлттық Банкі" in national.name_kk
    assert "Национальный Банк" in national.name_ru
    assert kaspi is not None
    assert kaspi.bic == "CASPKZKA"


def test_unlisted_bank_code_gives_no_bank() -> None:
    assert bank_for(parse_iban(UNLISTED_BANK_IBAN)) is None


def test_directory_is_simulated_and_lists_about_eight_banks_by_code() -> None:
    directory = bank_directory()
    assert len(directory) >= 8
    for code, bank in directory.items():
        assert code == bank.code
        assert len(code) == 3
        assert code.isdigit()
        assert bank.simulated
        assert bank.name_kk
        assert bank.name_ru


def test_directory_bics_agree_with_schwiftys_registry() -> None:
    for bank in bank_directory().values():
        iban = schwifty.IBAN.from_bban("KZ", f"{bank.code}KZT0000000001")
        assert iban.bic == bank.bic, bank.code


def test_directory_is_read_once_and_cannot_be_changed() -> None:
    assert bank_directory() is bank_directory()
    with pytest.raises(TypeError):
        bank_directory()["125"] = Bank(code="125", bic="X", name_kk="X", name_ru="X")  # type: ignore[index]


class _Holder(BaseModel):
    iban: Iban


def test_iban_embedded_in_a_model_accepts_a_plain_string_and_is_not_leaked_by_repr() -> None:
    holder = _Holder.model_validate({"iban": "kz86 125k zt50 0410 0100"})
    assert holder.iban.compact == NATIONAL_BANK_IBAN
    assert NATIONAL_BANK_IBAN not in repr(holder)
    assert _Holder.model_validate(holder.model_dump()) == holder


def test_iban_cannot_be_built_invalid_nor_changed() -> None:
    with pytest.raises(ValidationError, match="check digits"):
        Iban(compact="KZ87125KZT5004100100")
    iban = parse_iban(NATIONAL_BANK_IBAN)
    with pytest.raises(ValidationError):
        iban.compact = KASPI_IBAN  # type: ignore[misc]


_ACCOUNT = st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=13, max_size=13)


@given(bank=st.from_regex(r"[0-9]{3}", fullmatch=True), account=_ACCOUNT)
def test_any_iban_built_from_a_kz_bban_parses_and_keeps_its_parts(bank: str, account: str) -> None:
    built = schwifty.IBAN.from_bban("KZ", bank + account).compact
    iban = parse_iban(built.lower())
    assert iban.compact == built
    assert iban.bank_code == bank
    assert iban.formatted.replace(" ", "") == built
    assert iban.masked.endswith(account[-4:])


@given(
    account=_ACCOUNT,
    position=st.integers(min_value=7, max_value=19),
    shift=st.integers(min_value=1, max_value=9),
)
def test_any_single_changed_account_character_is_caught_by_the_check_digits(
    account: str, position: int, shift: int
) -> None:
    # a digit for a digit, or a letter for a letter: the numeric form changes by (d' - d) * 10^k,
    # which mod 97 never absorbs (ISO 7064 mod 97-10 detects all single substitutions)
    built = schwifty.IBAN.from_bban("KZ", "722" + account).compact
    alphabet = "0123456789" if built[position].isdigit() else "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    changed = alphabet[(alphabet.index(built[position]) + shift) % len(alphabet)]
    assert _reason_of(built[:position] + changed + built[position + 1 :]) == "check_digits"


def _schwifty_verdict(compact: str) -> bool:
    """Whether schwifty accepts the compact IBAN."""
    try:
        schwifty.IBAN(compact)
    except schwifty.exceptions.SchwiftyException:
        return False
    return True


_IBAN_CHARACTERS = st.sampled_from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ٢٩𝟗Ⅻé-")


@given(
    check=st.text(alphabet="0123456789٢٩", min_size=2, max_size=2),
    body=st.text(alphabet=_IBAN_CHARACTERS, min_size=16, max_size=16),
)
def test_the_quick_check_accepts_only_what_schwifty_accepts(check: str, body: str) -> None:
    compact = "KZ" + check + body
    quick = bool(_WELL_FORMED.fullmatch(compact)) and has_right_check_digits(compact)
    if quick:
        assert _schwifty_verdict(compact)
    assert (parse_iban_or_reason(compact) == "ok") == _schwifty_verdict(compact)


@given(bank=st.from_regex(r"[0-9]{3}", fullmatch=True), account=_ACCOUNT)
def test_the_quick_check_accepts_every_valid_kz_iban(bank: str, account: str) -> None:
    built = schwifty.IBAN.from_bban("KZ", bank + account).compact
    assert _WELL_FORMED.fullmatch(built) and has_right_check_digits(built)


def _with_check_digits(wanted: str) -> str:
    """A valid KZ IBAN whose check digits are `wanted`."""
    for number in range(10_000):
        built: str = schwifty.IBAN.from_bban("KZ", f"722{number:013d}").compact
        if built[2:4] == wanted:
            return built
    raise AssertionError(f"no IBAN with check digits {wanted} in the first 10,000")


@pytest.mark.parametrize(("right", "alias"), [("98", "01"), ("97", "00"), ("02", "99")])
def test_check_digit_aliases_that_mod_97_alone_would_pass_are_refused(
    right: str, alias: str
) -> None:
    built = _with_check_digits(right)
    aliased = built[:2] + alias + built[4:]
    assert int(schwifty.IBAN(aliased, allow_invalid=True).numeric) % 97 == 1  # mod 97 alone: ok
    assert has_right_check_digits(built) and not has_right_check_digits(aliased)
    assert parse_iban_or_reason(aliased) == "check_digits"


def parse_iban_or_reason(compact: str) -> str:
    """'ok', or the reason the IBAN is refused."""
    try:
        parse_iban(compact)
    except InvalidIban as error:
        return error.reason
    return "ok"
