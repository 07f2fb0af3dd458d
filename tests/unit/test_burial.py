"""Behaviour of domain.services.burial: the five checks of burial p.13 and the amount."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.dates import anniversary
from domain.model import BurialCheck, PaymentKind
from domain.parameters import ParameterUnavailable
from domain.services.burial import (
    CHECK_BASIS,
    DECISION_TERM_WORKING_DAYS,
    QUALIFYING_PAYMENTS,
    BurialFacts,
    PaymentPeriod,
    amount,
    amount_detail,
    failed_checks,
    in_time,
    run_checks,
    was_recipient,
)

DIED_ON = date(2025, 6, 10)
CONSENT_ON = date(2025, 6, 20)


def pension(
    kind: PaymentKind = PaymentKind.AGE_PENSION,
    start: date = date(2010, 1, 1),
    end: date | None = None,
) -> PaymentPeriod:
    """A pension or benefit the deceased received, open-ended unless `end` is given."""
    return PaymentPeriod(kind=kind, start=start, end=end)


def facts(**changes: Any) -> BurialFacts:
    """A death that passes every check of burial p.13, with `changes` applied."""
    valid: dict[str, Any] = {
        "deceased_iin": "450101300123",
        "died_on": DIED_ON,
        "death_record_number": "AKT-2025-000123",
        "declarant_iin": "800202400456",
        "payments": (pension(),),
        "already_assigned": False,
        "already_filed": False,
    }
    return BurialFacts(**(valid | changes))


def failing(burial: BurialFacts, consent_on: date = CONSENT_ON) -> set[BurialCheck]:
    """The checks that fail for these facts."""
    return {r.check for r in failed_checks(burial, consent_on)}


# ---------------------------------------------------------------- the five checks


def test_a_valid_death_passes_every_check() -> None:
    assert failed_checks(facts(), CONSENT_ON) == ()


def test_run_checks_reports_all_five_checks_in_order_with_their_basis() -> None:
    results = run_checks(facts(), CONSENT_ON)
    assert [r.check for r in results] == list(BurialCheck)
    assert [r.basis for r in results] == [f"burial p.13({n})" for n in range(1, 6)]
    assert all(r.passed for r in results)


def test_every_check_has_a_basis_in_burial_p13() -> None:
    assert set(CHECK_BASIS) == set(BurialCheck)


@pytest.mark.parametrize(
    ("changes", "check", "basis"),
    [
        ({"deceased_iin": None}, BurialCheck.DATA_COMPLETE, "burial p.13(1)"),
        ({"death_record_number": None}, BurialCheck.DATA_COMPLETE, "burial p.13(1)"),
        ({"declarant_iin": None}, BurialCheck.DATA_COMPLETE, "burial p.13(1)"),
        ({"death_record_number": ""}, BurialCheck.DATA_COMPLETE, "burial p.13(1)"),
        ({"already_assigned": True}, BurialCheck.NOT_ALREADY_ASSIGNED, "burial p.13(2)"),
        ({"already_filed": True}, BurialCheck.NOT_ALREADY_FILED, "burial p.13(3)"),
        ({"payments": ()}, BurialCheck.RECIPIENT_ON_DEATH, "burial p.13(4)"),
        ({"died_on": date(2022, 6, 19)}, BurialCheck.WITHIN_THREE_YEARS, "burial p.13(5)"),
    ],
    ids=[
        "no deceased iin",
        "no death record",
        "no declarant",
        "blank death record",
        "already assigned",
        "already filed",
        "not a recipient",
        "too late",
    ],
)
def test_each_check_fails_alone_when_only_its_fact_is_wrong(
    changes: dict[str, Any], check: BurialCheck, basis: str
) -> None:
    failed = failed_checks(facts(**changes), CONSENT_ON)
    assert [(r.check, r.passed, r.basis) for r in failed] == [(check, False, basis)]


def test_no_date_of_death_fails_data_complete_recipient_and_within_three_years() -> None:
    assert failing(facts(died_on=None)) == {
        BurialCheck.DATA_COMPLETE,
        BurialCheck.RECIPIENT_ON_DEATH,
        BurialCheck.WITHIN_THREE_YEARS,
    }


def test_every_fact_wrong_fails_every_check() -> None:
    everything_wrong = facts(
        deceased_iin=None, payments=(), already_assigned=True, already_filed=True, died_on=None
    )
    assert failing(everything_wrong) == set(BurialCheck)


# ---------------------------------------------------------------- three years (p.13(5))


@pytest.mark.parametrize(
    ("died_on", "consent_on", "expected"),
    [
        (date(2023, 3, 15), date(2026, 3, 15), True),  # on the anniversary
        (date(2023, 3, 15), date(2026, 3, 16), False),  # the day after
        (date(2024, 2, 29), date(2027, 2, 28), True),  # 29 Feb: anniversary on 28 Feb
        (date(2024, 2, 29), date(2027, 3, 1), False),
        (date(2025, 6, 10), date(2025, 6, 10), True),  # consent on the day of death
    ],
)
def test_consent_is_in_time_up_to_and_including_the_third_anniversary(
    died_on: date, consent_on: date, expected: bool
) -> None:
    assert in_time(died_on, consent_on) is expected


def test_the_three_year_check_uses_the_consent_date() -> None:
    burial = facts(died_on=date(2023, 3, 15), payments=(pension(),))
    assert failing(burial, date(2026, 3, 15)) == set()
    assert failing(burial, date(2026, 3, 16)) == {BurialCheck.WITHIN_THREE_YEARS}


@given(
    died_on=st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)),
    consent_on=st.dates(min_value=date(2000, 1, 1), max_value=date(2036, 12, 31)),
)
def test_in_time_exactly_when_consent_is_on_or_before_the_third_anniversary(
    died_on: date, consent_on: date
) -> None:
    assert in_time(died_on, consent_on) is (consent_on <= anniversary(died_on, 3))


# ---------------------------------------------------------------- recipient (p.13(4))


def test_a_pension_that_ended_the_day_before_death_does_not_count() -> None:
    ended = pension(end=date(2025, 6, 9))
    assert not was_recipient((ended,), DIED_ON)
    assert failing(facts(payments=(ended,))) == {BurialCheck.RECIPIENT_ON_DEATH}


def test_a_pension_that_ended_on_the_date_of_death_counts() -> None:
    assert was_recipient((pension(end=DIED_ON),), DIED_ON)
    assert failing(facts(payments=(pension(end=DIED_ON),))) == set()


def test_an_open_ended_pension_counts() -> None:
    assert was_recipient((pension(end=None),), DIED_ON)


def test_a_pension_that_started_after_the_death_does_not_count() -> None:
    assert not was_recipient((pension(start=date(2025, 6, 11)),), DIED_ON)


def test_a_pension_that_started_on_the_date_of_death_counts() -> None:
    assert was_recipient((pension(start=DIED_ON),), DIED_ON)


def test_one_covering_payment_among_several_is_enough() -> None:
    payments = (
        pension(PaymentKind.BASIC_PENSION, date(2000, 1, 1), date(2009, 12, 31)),
        pension(PaymentKind.SPECIAL_STATE_BENEFIT, date(2020, 1, 1)),
    )
    assert was_recipient(payments, DIED_ON)


@pytest.mark.parametrize("kind", list(PaymentKind))
def test_every_kind_of_payment_qualifies(kind: PaymentKind) -> None:
    assert was_recipient((pension(kind),), DIED_ON)


def test_no_non_qualifying_kind_of_payment_exists() -> None:
    assert set(PaymentKind) == QUALIFYING_PAYMENTS


def test_no_payments_at_all_is_not_a_recipient() -> None:
    assert not was_recipient((), DIED_ON)


# ---------------------------------------------------------------- amount (52 MRP)


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2024, 5, 1), Decimal("191984.00")),
        (date(2025, 5, 1), Decimal("204464.00")),
        (date(2026, 5, 1), Decimal("224900.00")),
    ],
)
def test_the_payment_is_52_mrp_of_the_date(on: date, expected: Decimal) -> None:
    assert amount(on) == expected


def test_the_amount_changes_with_the_mrp_on_1_january() -> None:
    assert amount(date(2025, 12, 31)) == Decimal("204464.00")
    assert amount(date(2026, 1, 1)) == Decimal("224900.00")


def test_the_amount_detail_is_unverified_and_carries_the_multiple_and_the_mrp() -> None:
    detail = amount_detail(date(2026, 2, 1))
    assert detail.value == Decimal("224900.00")
    assert not detail.verified
    assert [p.name for p in detail.basis] == ["burial_multiple", "mrp"]


def test_the_amount_before_2024_is_unavailable() -> None:
    with pytest.raises(ParameterUnavailable):
        amount(date(2023, 12, 31))


def test_the_decision_term_is_one_working_day() -> None:
    assert DECISION_TERM_WORKING_DAYS == 1
