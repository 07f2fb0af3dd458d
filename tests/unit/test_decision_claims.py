"""How many due decisions an instance claims at once when instances share the database: what
it decides in about a quarter of a second, so slow decisions spread over every instance and
quick ones do not cost a transaction each."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.service.decide import BATCH, CLAIM_MIN, CLAIM_SECONDS, claim_for


def test_before_any_decision_was_timed_an_instance_claims_the_fewest() -> None:
    assert claim_for(0.0) == CLAIM_MIN


def test_decisions_waiting_on_registries_at_50_ms_a_call_are_claimed_two_at_a_time() -> None:
    assert claim_for(0.110) == 2


def test_quick_decisions_are_claimed_by_the_dozen_and_never_past_the_batch() -> None:
    assert claim_for(0.003) == 83
    assert claim_for(0.0001) == BATCH


@given(st.floats(min_value=1e-6, max_value=60, allow_nan=False))
def test_a_claim_is_what_fits_in_its_time_within_its_bounds(pace: float) -> None:
    claim = claim_for(pace)
    assert CLAIM_MIN <= claim <= BATCH
    assert claim in (CLAIM_MIN, BATCH) or claim * pace <= CLAIM_SECONDS


@given(st.floats(min_value=1e-6, max_value=60), st.floats(min_value=1e-6, max_value=60))
def test_slower_decisions_are_never_claimed_more_at_once(a: float, b: float) -> None:
    quick, slow = sorted((a, b))
    assert claim_for(slow) <= claim_for(quick)
