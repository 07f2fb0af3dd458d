"""Behaviour of domain.parameters: dated values with their sources, amounts, rounding."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.parameters import (
    Amount,
    Parameter,
    ParameterUnavailable,
    all_parameters,
    mrp,
    multiple_of_subsistence_minimum,
    parameter,
    subsistence_minimum,
    tenge,
)

YEARS = (2024, 2025, 2026)


def a_parameter(name: str = "x", *, verified: bool = True) -> Parameter:
    """A parameter with a placeholder value, source and date."""
    return Parameter(
        name=name,
        value=Decimal("1"),
        valid_from=date(2024, 1, 1),
        source="a test",
        verified=verified,
    )


def names() -> set[str]:
    """Every parameter name of the data file."""
    return {p.name for p in all_parameters()}


# ---------------------------------------------------------------- yearly values


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2024, Decimal("3692")), (2025, Decimal("3932")), (2026, Decimal("4325"))],
)
def test_mrp_has_the_budget_law_value_of_each_year(year: int, expected: Decimal) -> None:
    assert mrp(date(year, 1, 1)) == expected
    assert mrp(date(year, 7, 1)) == expected
    assert mrp(date(year, 12, 31)) == expected


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2024, Decimal("43407")), (2025, Decimal("46228")), (2026, Decimal("50851"))],
)
def test_subsistence_minimum_has_the_budget_law_value_of_each_year(
    year: int, expected: Decimal
) -> None:
    assert subsistence_minimum(date(year, 1, 1)) == expected
    assert subsistence_minimum(date(year, 7, 1)) == expected
    assert subsistence_minimum(date(year, 12, 31)) == expected


def test_mrp_changes_exactly_on_1_january() -> None:
    assert mrp(date(2024, 12, 31)) == Decimal("3692")
    assert mrp(date(2025, 1, 1)) == Decimal("3932")


def test_subsistence_minimum_changes_exactly_on_1_january() -> None:
    assert subsistence_minimum(date(2025, 12, 31)) == Decimal("46228")
    assert subsistence_minimum(date(2026, 1, 1)) == Decimal("50851")


def test_the_latest_value_stays_in_force_after_its_year() -> None:
    assert mrp(date(2030, 6, 1)) == Decimal("4325")


def test_parameter_reports_the_date_its_value_applies_from() -> None:
    found = parameter("mrp", date(2025, 6, 30))
    assert found.name == "mrp"
    assert found.valid_from == date(2025, 1, 1)
    assert found.verified


# ---------------------------------------------------------------- unavailable values


@pytest.mark.parametrize("name", ["mrp", "subsistence_minimum", "burial_multiple"])
def test_a_date_before_2024_raises_parameter_unavailable_naming_the_parameter(
    name: str,
) -> None:
    with pytest.raises(ParameterUnavailable, match=name) as raised:
        parameter(name, date(2023, 12, 31))
    assert "2023-12-31" in str(raised.value)


def test_mrp_before_2024_is_unavailable() -> None:
    with pytest.raises(ParameterUnavailable, match="mrp"):
        mrp(date(2023, 12, 31))


def test_subsistence_minimum_before_2024_is_unavailable() -> None:
    with pytest.raises(ParameterUnavailable, match="subsistence_minimum"):
        subsistence_minimum(date(2023, 12, 31))


def test_an_unknown_parameter_is_unavailable() -> None:
    with pytest.raises(ParameterUnavailable, match="no_such_thing"):
        parameter("no_such_thing", date(2025, 1, 1))


def test_parameter_unavailable_is_a_lookup_error() -> None:
    assert issubclass(ParameterUnavailable, LookupError)


# ---------------------------------------------------------------- sources and verification


def test_every_parameter_has_a_non_empty_source() -> None:
    assert all_parameters()
    for p in all_parameters():
        assert p.source.strip(), p.name


def test_all_parameters_are_ordered_by_name_and_date() -> None:
    keys = [(p.name, p.valid_from) for p in all_parameters()]
    assert keys == sorted(keys)


def test_the_data_file_has_every_section_the_benefits_read() -> None:
    assert {
        "mrp",
        "subsistence_minimum",
        "burial_multiple",
        "disability_multiple.general_illness.1",
        "disability_multiple.child_under_7.none",
        "disability_multiple.work_injury.3",
        "disability_multiple.occupational_disease.2",
        "survivor_multiple.1",
        "survivor_multiple.6",
    } <= names()


def test_the_burial_multiple_is_52_and_marked_unverified() -> None:
    found = parameter("burial_multiple", date(2026, 1, 1))
    assert found.value == Decimal("52")
    assert not found.verified
    assert "35 MRP" in found.source  # both sources are noted


@pytest.mark.parametrize("cause", ["work_injury", "occupational_disease"])
@pytest.mark.parametrize("group", [1, 2, 3])
def test_work_injury_and_occupational_disease_multiples_are_unverified(
    cause: str, group: int
) -> None:
    assert not parameter(f"disability_multiple.{cause}.{group}", date(2025, 1, 1)).verified


@pytest.mark.parametrize("group", [1, 2, 3])
def test_general_illness_multiples_are_verified(group: int) -> None:
    assert parameter(f"disability_multiple.general_illness.{group}", date(2025, 1, 1)).verified


@pytest.mark.parametrize("group", [1, 2, 3])
def test_work_injury_multiples_equal_the_general_illness_ones(group: int) -> None:
    on = date(2025, 1, 1)
    work = parameter(f"disability_multiple.work_injury.{group}", on)
    general = parameter(f"disability_multiple.general_illness.{group}", on)
    assert work.value == general.value


@pytest.mark.parametrize("year", YEARS)
def test_mrp_and_subsistence_minimum_are_verified(year: int) -> None:
    assert parameter("mrp", date(year, 1, 1)).verified
    assert parameter("subsistence_minimum", date(year, 1, 1)).verified


# ---------------------------------------------------------------- amounts


def test_an_amount_is_verified_when_every_parameter_of_its_basis_is() -> None:
    amount = Amount(value=Decimal("1.00"), basis=(a_parameter("a"), a_parameter("b")))
    assert amount.verified


def test_an_amount_is_unverified_when_any_parameter_of_its_basis_is_not() -> None:
    basis = (a_parameter("a"), a_parameter("b", verified=False))
    assert not Amount(value=Decimal("1.00"), basis=basis).verified


def test_an_amount_without_a_basis_is_vacuously_verified() -> None:
    assert Amount(value=Decimal("1.00"), basis=()).verified


def test_a_multiple_of_the_subsistence_minimum_carries_both_parameters() -> None:
    amount = multiple_of_subsistence_minimum("survivor_multiple.1", date(2026, 3, 1))
    assert amount.value == Decimal("46782.92")
    assert [p.name for p in amount.basis] == ["survivor_multiple.1", "subsistence_minimum"]
    assert amount.verified


def test_a_multiple_of_the_subsistence_minimum_is_unverified_with_an_unverified_multiple() -> None:
    amount = multiple_of_subsistence_minimum("disability_multiple.work_injury.1", date(2026, 1, 1))
    assert amount.value == Decimal("111872.20")
    assert not amount.verified


def test_a_multiple_of_the_subsistence_minimum_before_2024_is_unavailable() -> None:
    with pytest.raises(ParameterUnavailable):
        multiple_of_subsistence_minimum("survivor_multiple.1", date(2023, 6, 1))


# ---------------------------------------------------------------- rounding


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.005", "1.01"),  # half up, not to even
        ("1.015", "1.02"),
        ("2.665", "2.67"),
        ("1.004", "1.00"),
        ("1.0049999", "1.00"),
        ("46782.92", "46782.92"),
        ("100", "100.00"),
        ("25425.5", "25425.50"),
        ("-1.005", "-1.01"),  # half away from zero
    ],
)
def test_tenge_rounds_half_up_to_tiyn(raw: str, expected: str) -> None:
    result = tenge(Decimal(raw))
    assert result == Decimal(expected)
    assert result.as_tuple().exponent == -2
