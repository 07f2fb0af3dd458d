"""Console passwords, charts and masking: the small rules the pages rest on."""

from __future__ import annotations

import pytest

from bot.web import charts
from bot.web.passwords import MIN_PASSWORD, WeakPassword, hash_password, verify_password
from bot.web.render import mask_iban, mask_iin, mask_phone_filter

GOOD = "correct horse battery staple"


def test_a_password_verifies_against_its_own_hash_and_nothing_else() -> None:
    stored = hash_password(GOOD)
    assert stored.startswith("scrypt$32768$8$1$")
    assert verify_password(GOOD, stored)
    assert not verify_password(GOOD + "!", stored)
    assert not verify_password("", stored)


def test_the_same_password_hashes_differently_each_time() -> None:
    assert hash_password(GOOD) != hash_password(GOOD)  # a fresh salt


def test_a_short_password_is_refused() -> None:
    with pytest.raises(WeakPassword):
        hash_password("x" * (MIN_PASSWORD - 1))


@pytest.mark.parametrize("stored", ["", "md5$abc", "scrypt$1$2", "scrypt$x$8$1$AAAA$AAAA"])
def test_a_malformed_stored_hash_never_verifies(stored: str) -> None:
    assert not verify_password(GOOD, stored)


def test_masking_keeps_only_what_identifies_without_exposing() -> None:
    assert mask_iin("850314300125") == "********0125"
    masked = mask_iban("KZ86125KZT5004100100")
    assert masked.replace(" ", "").startswith("KZ86125") and masked.endswith("0100")
    assert "5004" not in masked.replace(" ", "")
    assert mask_phone_filter("+77012345671") == "+7 701 *** ** 71"
    assert mask_iin(None) == mask_iban("") == mask_phone_filter(None) == ""


def test_a_funnel_scales_every_bar_to_the_first_stage() -> None:
    bars, height = charts.funnel([("offered", 10), ("consented", 5), ("decided", 0)])
    assert [b.value for b in bars] == [10, 5, 0]
    assert bars[1].width == pytest.approx(bars[0].width / 2)
    assert bars[2].width == 0
    assert height == 3 * (charts.BAR + charts.GAP)


def test_an_empty_funnel_draws_nothing_and_never_divides_by_zero() -> None:
    bars, _ = charts.funnel([("offered", 0)])
    assert bars[0].width == 0
    columns, width = charts.columns([])
    assert columns == [] and width > 0
