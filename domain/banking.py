"""Kazakhstan IBANs (ЖСК / ИИК): parsing, masking, formatting and a simulated bank directory."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from functools import cache, lru_cache
from importlib.resources import files
from types import MappingProxyType
from typing import Any, Literal

import schwifty
from pydantic import BaseModel, ConfigDict, field_validator, model_validator
from schwifty.exceptions import InvalidChecksumDigits, SchwiftyException

# KZ IBAN layout (ISO 13616 IBAN registry, entry "KZ"): "KZ", 2 check digits, 3-digit bank
# code ("3!n"), 13-character account ("13!c"): 20 characters in all. Check digits are ISO 7064
# mod 97-10. schwifty is the judge of both; the one hand-written path is the acceptance of a
# well-formed IBAN whose check digits are right (tests hold it to schwifty's verdict).

Reason = Literal["country", "length", "format", "check_digits"]

KZ_IBAN_LENGTH = 20
_WHITESPACE = re.compile(r"\s+")  # Unicode-aware: also U+00A0 no-break space


class InvalidIban(ValueError):
    """An IBAN that cannot be accepted; `reason` says which rule it breaks."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason: Reason = reason


def _group_by_four(text: str) -> str:
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


# The KZ layout in ASCII: what schwifty accepts when the check digits are right as well.
_WELL_FORMED = re.compile(r"KZ[0-9]{2}[0-9]{3}[0-9A-Z]{13}")
_CHECK_DIGITS_OF = {
    **{str(d): str(d) for d in range(10)},
    **{chr(ord("A") + n): str(10 + n) for n in range(26)},
}


def has_right_check_digits(compact: str) -> bool:
    """ISO 7064 mod 97-10 over a well-formed ASCII IBAN: its check digits are the ones the
    rest gives (02-98; the aliases 00, 01 and 99 are refused, as schwifty refuses them)."""
    rearranged = compact[4:] + compact[:2] + "00"
    remainder = int("".join(_CHECK_DIGITS_OF[c] for c in rearranged)) % 97
    return compact[2:4] == f"{98 - remainder:02d}"


@lru_cache(maxsize=65536)  # pure: parse_iban checks the text, then the Iban its compact form
def _validated(text: str) -> str:
    """Return the compact upper-case IBAN or raise InvalidIban naming the first broken rule.

    A well-formed ASCII IBAN with the right check digits is accepted at once (the common
    case: about 2 µs); anything else is judged by schwifty, which names the broken rule."""
    compact = _WHITESPACE.sub("", text).upper()
    if not compact.startswith("KZ"):
        raise InvalidIban("country", f"IBAN must start with KZ, got {compact[:2]!r}")
    if len(compact) != KZ_IBAN_LENGTH:
        raise InvalidIban(
            "length", f"a KZ IBAN has 20 characters, got {len(compact)} (spaces not counted)"
        )
    if _WELL_FORMED.fullmatch(compact) and has_right_check_digits(compact):
        return compact
    try:
        schwifty.IBAN(compact)
    except InvalidChecksumDigits as error:
        raise InvalidIban("check_digits", "IBAN check digits (3rd-4th) do not match") from error
    except SchwiftyException as error:
        raise InvalidIban(
            "format",
            "a KZ IBAN is KZ, 2 check digits, a 3-digit bank code, 13 letters or digits",
        ) from error
    return compact


class Iban(BaseModel):
    """A valid KZ IBAN; `str()` and `repr()` show only the masked form, `.compact` the whole."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    compact: str

    @model_validator(mode="before")
    @classmethod
    def _from_plain_string(cls, data: Any) -> Any:
        """Let a bare string stand for the whole model when an Iban is embedded elsewhere."""
        return {"compact": data} if isinstance(data, str) else data

    @field_validator("compact")
    @classmethod
    def _check_compact(cls, compact: str) -> str:
        return _validated(compact)

    @property
    def bank_code(self) -> str:
        """The 3-digit bank code (positions 5-7)."""
        return self.compact[4:7]

    @property
    def masked(self) -> str:
        """Display form, GSM-7-safe: country, then '*' up to the last four, grouped by four."""
        hidden = "*" * (len(self.compact) - 6)
        return _group_by_four(f"{self.compact[:2]}{hidden}{self.compact[-4:]}")

    @property
    def formatted(self) -> str:
        """Print form grouped by four (ISO 13616 paper format)."""
        return _group_by_four(self.compact)

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"Iban({self.masked!r})"


@lru_cache(maxsize=65536)  # pure and immutable: the same IBAN is checked once, not per case
def parse_iban(text: str) -> Iban:
    """Parse a KZ IBAN, tolerating whitespace and lower case; raise InvalidIban if invalid."""
    return Iban(compact=_validated(text))


class Bank(BaseModel):
    """A bank of the simulated directory, named in Kazakh and Russian."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    bic: str
    name_kk: str
    name_ru: str
    simulated: bool = True


@cache
def bank_directory() -> Mapping[str, Bank]:
    """The simulated bank directory from domain/data/banks.toml, keyed by bank code."""
    text = files("domain").joinpath("data", "banks.toml").read_text(encoding="utf-8")
    banks = (Bank.model_validate(entry) for entry in tomllib.loads(text)["bank"])
    return MappingProxyType({bank.code: bank for bank in banks})


def bank_for(iban: Iban) -> Bank | None:
    """The directory's bank for the IBAN's bank code, or None when the code is not listed."""
    return bank_directory().get(iban.bank_code)
