"""Unit tests of domain.phone: normalising Kazakhstan mobile numbers and masking them."""

from __future__ import annotations

import pytest

from domain.phone import InvalidPhone, mask_phone, normalize_phone


def _reason_of(text: str) -> str:
    with pytest.raises(InvalidPhone) as caught:
        normalize_phone(text)
    return caught.value.reason


@pytest.mark.parametrize(
    "text",
    [
        "87012345678",
        "8 (701) 234-56-78",
        "+7 701 234 5678",
        "7012345678",
        "77012345678",
        "+77012345678",
        " +7-701-234-56-78 ",
        "８７０１２３４５６７８",  # full-width digits, as some phone keyboards send them
    ],
)
def test_kazakh_mobile_in_any_usual_format_is_normalised_to_e164(text: str) -> None:
    assert normalize_phone(text) == "+77012345678"


@pytest.mark.parametrize("text", ["+7 747 123 4567", "8 775 123 45 67", "+7 708 765 4321"])
def test_mobile_numbers_of_other_kazakh_operators_are_accepted(text: str) -> None:
    assert normalize_phone(text).startswith("+77")


@pytest.mark.parametrize("text", ["+7 916 123-45-67", "89161234567", "+7 999 123 4567"])
def test_russian_mobile_is_refused_as_not_kazakhstan(text: str) -> None:
    with pytest.raises(InvalidPhone, match="Russian") as caught:
        normalize_phone(text)
    assert caught.value.reason == "not_kazakhstan"


@pytest.mark.parametrize("text", ["+1 202 555 0143", "+44 7911 123456", "+998 90 123 45 67"])
def test_foreign_number_is_refused_as_not_kazakhstan(text: str) -> None:
    with pytest.raises(InvalidPhone, match="not Kazakhstan") as caught:
        normalize_phone(text)
    assert caught.value.reason == "not_kazakhstan"


@pytest.mark.parametrize("text", ["+7 7172 123456", "8 7272 123456", "87172123456"])
def test_kazakh_landline_is_refused_as_landline(text: str) -> None:
    with pytest.raises(InvalidPhone, match="fixed-line") as caught:
        normalize_phone(text)
    assert caught.value.reason == "landline"


@pytest.mark.parametrize(
    ("text", "kind"), [("+7 751 123 4567", "VoIP"), ("8 800 080 7777", "toll-free")]
)
def test_other_kazakh_numbers_that_cannot_take_sms_are_refused_as_landline(
    text: str, kind: str
) -> None:
    with pytest.raises(InvalidPhone, match=kind) as caught:
        normalize_phone(text)
    assert caught.value.reason == "landline"


@pytest.mark.parametrize("text", ["", "+", "()-", "!!!"])
def test_garbage_is_refused_as_unparseable(text: str) -> None:
    with pytest.raises(InvalidPhone, match="does not look like") as caught:
        normalize_phone(text)
    assert caught.value.reason == "unparseable"


@pytest.mark.parametrize(
    "text", ["garbage", "+7 701 ABC DEFG", "8 701 CALL ME1", "+7 701 234 5678 ext 12"]
)
def test_letters_are_refused_rather_than_read_as_a_vanity_number(text: str) -> None:
    with pytest.raises(InvalidPhone, match="letters") as caught:
        normalize_phone(text)
    assert caught.value.reason == "unparseable"


@pytest.mark.parametrize("text", ["+7 701 234 567", "+7 701 234 56789", "123", "+7 6 123"])
def test_number_of_wrong_length_is_refused_as_invalid(text: str) -> None:
    with pytest.raises(InvalidPhone, match="wrong length") as caught:
        normalize_phone(text)
    assert caught.value.reason == "invalid"


def test_mobile_with_an_extension_is_refused_as_invalid() -> None:
    with pytest.raises(InvalidPhone, match="extension") as caught:
        normalize_phone("+7 701 234 5678, 12")
    assert caught.value.reason == "invalid"


def test_mobile_is_masked_to_operator_code_and_last_two_digits() -> None:
    masked = mask_phone(normalize_phone("8 (701) 234-56-78"))
    assert masked == "+7 701 *** ** 78"
    assert "2345" not in masked


@pytest.mark.parametrize("text", ["87012345678", "+7 701 234 5678", "+79161234567", "+7701234567"])
def test_masking_refuses_anything_but_a_normalised_kazakh_mobile(text: str) -> None:
    with pytest.raises(InvalidPhone, match="normalised") as caught:
        mask_phone(text)
    assert caught.value.reason == "invalid"
