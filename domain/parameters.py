"""Dated parameters (MRP, subsistence minimum, multiples), each with its source and verified flag.

The values live in one data file, `domain/data/parameters.toml`; a value applies from its
`from` date until the next entry of the same name.
"""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache
from importlib.resources import files
from typing import Any

from pydantic import BaseModel, ConfigDict

TIYN = Decimal("0.01")


class Parameter(BaseModel):
    """One dated value with where it comes from and whether it was checked."""

    model_config = ConfigDict(frozen=True)

    name: str
    value: Decimal
    valid_from: date
    source: str
    verified: bool


class Amount(BaseModel):
    """An amount in tenge with the parameters it was computed from."""

    model_config = ConfigDict(frozen=True)

    value: Decimal
    basis: tuple[Parameter, ...]

    @property
    def verified(self) -> bool:
        """True when every parameter behind the amount was verified."""
        return all(p.verified for p in self.basis)


class ParameterUnavailable(LookupError):
    """No value of a parameter is in force on the date asked."""


def tenge(value: Decimal) -> Decimal:
    """Round to tiyn, half up: amounts are computed in tenge with two decimals (SPEC)."""
    return value.quantize(TIYN, rounding=ROUND_HALF_UP)


def _entries(section: str, raw: dict[str, Any]) -> list[Parameter]:
    common = {"valid_from": raw["from"], "source": raw["source"], "verified": raw["verified"]}
    if "values" in raw:
        return [
            Parameter(name=f"{section}.{key}", value=Decimal(value), **common)
            for key, value in raw["values"].items()
        ]
    return [Parameter(name=section, value=Decimal(raw["value"]), **common)]


@cache
def all_parameters() -> tuple[Parameter, ...]:
    """Every dated parameter of the data file, ordered by name and date."""
    text = files("domain").joinpath("data/parameters.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    found = [p for section, rows in data.items() for row in rows for p in _entries(section, row)]
    return tuple(sorted(found, key=lambda p: (p.name, p.valid_from)))


@lru_cache(maxsize=4096)  # pure over the data file: every offer asks for the same few values
def parameter(name: str, on: date) -> Parameter:
    """The value of `name` in force on `on`; raises ParameterUnavailable when there is none."""
    in_force = [p for p in all_parameters() if p.name == name and p.valid_from <= on]
    if not in_force:
        raise ParameterUnavailable(f"no value of {name!r} is in force on {on.isoformat()}")
    return in_force[-1]


def mrp(on: date) -> Decimal:
    """Monthly calculation index (АЕК / МРП) in force on a date."""
    return parameter("mrp", on).value


def subsistence_minimum(on: date) -> Decimal:
    """Subsistence minimum used for benefits (ЕМ / ПМ) in force on a date."""
    return parameter("subsistence_minimum", on).value


def multiple_of_subsistence_minimum(multiple_name: str, on: date) -> Amount:
    """A monthly amount: the named multiple times the subsistence minimum, in tenge."""
    multiple = parameter(multiple_name, on)
    base = parameter("subsistence_minimum", on)
    return Amount(value=tenge(multiple.value * base.value), basis=(multiple, base))
