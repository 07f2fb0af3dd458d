"""The Kazakhstan individual identification number (ЖСН / ИИН): parsing, checking, masking."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from domain.dates import full_years

# The IIN is established by the Law of the RK of 12 Jan 2007 No. 223-III "On national registers
# of identification numbers". Its structure (YYMMDD birth date, one digit for century and sex,
# four serial digits, one check digit) and the two-pass mod-11 check digit are those of the
# IIN-forming rules issued under that law, as summarised in public validators (e.g.
# yvision.kz/post/114938, "ИИН. Алгоритм расчета и проверки").

Reason = Literal["length", "non_digit", "century_digit", "impossible_date", "check_digit"]
Sex = Literal["M", "F"]

IIN_LENGTH = 12
SERIAL_MAX = 9999

# 7th digit -> (first year of the century, sex): 1/2 = 1800s, 3/4 = 1900s, 5/6 = 2000s;
# odd digits are men, even digits are women. 0 and 7-9 are not assigned.
_CENTURY_DIGITS: dict[str, tuple[int, Sex]] = {
    "1": (1800, "M"),
    "2": (1800, "F"),
    "3": (1900, "M"),
    "4": (1900, "F"),
    "5": (2000, "M"),
    "6": (2000, "F"),
}
_CENTURY_DIGIT_OF: dict[tuple[int, Sex], str] = {v: k for k, v in _CENTURY_DIGITS.items()}

# Check digit: weighted sum of the first 11 digits mod 11; when that gives 10, a second pass
# with shifted weights; when that gives 10 too, the number is not issued.
_FIRST_WEIGHTS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


class InvalidIin(ValueError):
    """An IIN that cannot be accepted; `reason` says which rule it breaks."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason: Reason = reason


def _is_ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _weighted_mod11(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11


def check_digit(first11: str) -> int | None:
    """Return the check digit for the first 11 digits, or None when no digit is possible."""
    if len(first11) != IIN_LENGTH - 1 or not _is_ascii_digits(first11):
        raise ValueError("check_digit needs exactly 11 ASCII digits")
    for weights in (_FIRST_WEIGHTS, _SECOND_WEIGHTS):
        digit = _weighted_mod11(first11, weights)
        if digit != 10:
            return digit
    return None


def _birth_date(digits: str) -> date:
    """Birth date of a 12-digit string whose century digit is already known to be valid."""
    century, _ = _CENTURY_DIGITS[digits[6]]
    year = century + int(digits[0:2])
    try:
        return date(year, int(digits[2:4]), int(digits[4:6]))
    except ValueError as error:
        raise InvalidIin(
            "impossible_date",
            f"IIN date digits {digits[0:2]}-{digits[2:4]}-{digits[4:6]} (YY-MM-DD) "
            f"are not a calendar date in {century}s",
        ) from error


def _validated(text: str) -> str:
    """Return the 12 digits of `text` or raise InvalidIin naming the first broken rule."""
    digits = text.strip()
    if len(digits) != IIN_LENGTH:
        raise InvalidIin("length", f"IIN must have 12 digits, got {len(digits)} characters")
    if not _is_ascii_digits(digits):
        raise InvalidIin("non_digit", "IIN must consist of digits 0-9 only")
    if digits[6] not in _CENTURY_DIGITS:
        raise InvalidIin(
            "century_digit", f"IIN 7th digit must be 1-6 (century and sex), got {digits[6]}"
        )
    _birth_date(digits)
    expected = check_digit(digits[:11])
    if expected is None:
        raise InvalidIin("check_digit", "IIN first 11 digits admit no check digit")
    if int(digits[11]) != expected:
        raise InvalidIin(
            "check_digit", f"IIN check digit (12th) is {digits[11]}, expected {expected}"
        )
    return digits


class Iin(BaseModel):
    """A valid IIN; `str()` and `repr()` show only the masked form, `.value` the digits."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: str

    @model_validator(mode="before")
    @classmethod
    def _from_plain_string(cls, data: Any) -> Any:
        """Let a bare string stand for the whole model when an Iin is embedded elsewhere."""
        return {"value": data} if isinstance(data, str) else data

    @field_validator("value")
    @classmethod
    def _check_value(cls, value: str) -> str:
        return _validated(value)

    @property
    def birth_date(self) -> date:
        """Date of birth encoded in digits 1-7."""
        return _birth_date(self.value)

    @property
    def sex(self) -> Sex:
        """Sex encoded in the 7th digit."""
        return _CENTURY_DIGITS[self.value[6]][1]

    @property
    def masked(self) -> str:
        """Display form: eight '*' then the last four digits."""
        return "*" * 8 + self.value[-4:]

    def age_on(self, day: date) -> int:
        """Full years of age on `day` (a 29 Feb birthday counts from 1 Mar in common years)."""
        born = self.birth_date
        if day < born:
            raise ValueError("age_on: the day is before the birth date")
        return full_years(born, day)

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"Iin({self.masked!r})"


def parse_iin(text: str) -> Iin:
    """Parse an IIN, tolerating surrounding whitespace; raise InvalidIin if it is not valid."""
    return Iin(value=_validated(text))


def make_iin(birth_date: date, sex: Sex, serial: int) -> Iin | None:
    """Build a valid IIN from birth date, sex and serial 0..9999; None if no check digit fits."""
    if not 0 <= serial <= SERIAL_MAX:
        raise ValueError(f"serial must be 0..{SERIAL_MAX}, got {serial}")
    century = birth_date.year // 100 * 100
    if (century, sex) not in _CENTURY_DIGIT_OF:
        raise ValueError(f"an IIN encodes years 1800-2099 only, got {birth_date.year}")
    first11 = f"{birth_date:%y%m%d}{_CENTURY_DIGIT_OF[century, sex]}{serial:04d}"
    digit = check_digit(first11)
    return None if digit is None else Iin(value=f"{first11}{digit}")
