"""Kazakhstan mobile phone numbers: normalising to E.164 and masking for display."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

import phonenumbers
from phonenumbers import PhoneNumber, PhoneNumberType

# Kazakhstan shares country code +7 with Russia (ITU-T E.164 assignments); within +7, Kazakh
# numbers begin 6xx/7xx and the domestic trunk prefix is 8. Which ranges are mobile, fixed-line
# or VoIP comes from the `phonenumbers` metadata (libphonenumber), not from rules of our own.

Reason = Literal["unparseable", "not_kazakhstan", "landline", "invalid"]

_KZ_MOBILE_E164 = re.compile(r"\+77\d{9}")
_TYPE_NAMES: dict[int, str] = {
    PhoneNumberType.FIXED_LINE: "a fixed-line (landline) number",
    PhoneNumberType.VOIP: "a VoIP number",
    PhoneNumberType.TOLL_FREE: "a toll-free number",
}


class InvalidPhone(ValueError):
    """A phone number that cannot receive our SMS; `reason` says why."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason: Reason = reason


def _parse(text: str) -> PhoneNumber:
    """Parse with Kazakhstan as the default region; letters are refused, not keypad-mapped."""
    if any(char.isalpha() for char in text):
        # phonenumbers would read "+7 701 ABC DEFG" as a vanity number; a citizen never means that
        raise InvalidPhone("unparseable", "a phone number must not contain letters")
    try:
        return phonenumbers.parse(text, "KZ")
    except phonenumbers.NumberParseException as error:
        raise InvalidPhone("unparseable", "this does not look like a phone number") from error


@lru_cache(maxsize=1 << 16)  # pure, and parsing is slow: a gateway checks every destination
def normalize_phone(text: str) -> str:
    """Normalise a Kazakhstan mobile number to E.164 "+77XXXXXXXXX"; raise InvalidPhone if not one.

    Reasons: "unparseable" (not a phone number at all), "not_kazakhstan" (another country,
    including Russia's +7 ranges), "landline" (a Kazakh number that is not mobile: fixed-line,
    VoIP, toll-free... none of them receives SMS), "invalid" (wrong length, unassigned range,
    or an extension).
    """
    number = _parse(text)
    if number.country_code != 7:
        raise InvalidPhone("not_kazakhstan", f"+{number.country_code} is not Kazakhstan's +7")
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone("invalid", "no such +7 number: wrong length or unassigned range")
    if not phonenumbers.is_valid_number_for_region(number, "KZ"):
        raise InvalidPhone("not_kazakhstan", "this +7 number is Russian, not Kazakh")
    if number.extension:
        raise InvalidPhone("invalid", "a mobile number has no extension")
    kind = phonenumbers.number_type(number)
    if kind != PhoneNumberType.MOBILE:
        name = _TYPE_NAMES.get(kind, "not a mobile number")
        raise InvalidPhone("landline", f"this is {name}; SMS needs a mobile number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str) -> str:
    """Mask "+77012345678" as "+7 701 *** ** 78": operator code and last two digits shown."""
    if not _KZ_MOBILE_E164.fullmatch(e164):
        raise InvalidPhone("invalid", "mask_phone expects a normalised +77XXXXXXXXX number")
    return f"+7 {e164[2:5]} *** ** {e164[-2:]}"
