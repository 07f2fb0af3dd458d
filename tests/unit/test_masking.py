"""Personal data in a citizen's own words is masked wherever they are shown: every IBAN the
reply parser would read (in every spelling it accepts) and every IIN, checked against the
parser itself so the two cannot drift apart."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from bot.service.replies import mask_personal, parse_reply

LOOKALIKES = str.maketrans("ABCEHKMOPTXY", "АВСЕНКМОРТХУ")  # Latin to Cyrillic
SEPARATORS = ["", " ", "  ", "-", "–", "—", "‐", " - "]
WORDS = ["", "мой", "счёт", "вот", "менің", "шотым", "рахмет", "спасибо", "ИИН", "жсн"]
ZERO_WIDTH = ["", "\u200b", "\u200d", "\ufeff", "\u2060"]
BANKS = ["125", "601", "722", "856", "998"]


def with_check_digits(bank: str, account: str) -> str:
    """A KZ IBAN with the right ISO 7064 check digits."""
    rest = bank + account
    number = "".join(str(int(c, 36)) for c in rest + "KZ00")
    return f"KZ{98 - int(number) % 97:02d}{rest}"


ibans = st.builds(
    with_check_digits,
    st.sampled_from(BANKS),
    st.text("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=13, max_size=13),
)
iins = st.text("0123456789", min_size=12, max_size=12)


@st.composite
def spelled(draw: st.DrawFn, compact: str) -> str:
    """`compact` as a person might type it: in groups of any size with any separator the
    parser takes, any case, Cyrillic look-alikes, full-width digits, invisible characters."""
    out: list[str] = []
    index = 0
    while index < len(compact):
        size = draw(st.integers(1, 6))
        group = compact[index : index + size]
        if draw(st.booleans()):
            group = group.lower()
        if draw(st.booleans()):
            group = group.upper().translate(LOOKALIKES)
        if draw(st.booleans()):
            group = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in group)
        out.append(group + draw(st.sampled_from(ZERO_WIDTH)))
        index += size
        if index < len(compact):
            out.append(draw(st.sampled_from(SEPARATORS)))
    return "".join(out)


def latin(text: str) -> str:
    """Letters and digits as an account is read: NFKC, upper case, look-alikes as Latin."""
    plain = unicodedata.normalize("NFKC", text).upper()
    return re.sub(r"[^0-9A-Z]", "", plain.translate(str.maketrans("АВСЕНКМОРТХУ", "ABCEHKMOPTXY")))


def digits(text: str) -> str:
    """Only the digits, as NFKC reads them."""
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isdigit())


@settings(max_examples=300)
@given(
    compact=ibans,
    data=st.data(),
    before=st.sampled_from(WORDS),
    after=st.sampled_from(WORDS),
    glued=st.booleans(),
)
def test_an_iban_the_parser_reads_in_any_spelling_is_masked_but_its_kz_and_last_four(
    compact: str, data: st.DataObject, before: str, after: str, glued: bool
) -> None:
    gap = "" if glued else " "
    text = f"{before}{gap}{data.draw(spelled(compact))}{gap}{after}"
    read = parse_reply(text).iban
    assume(read is not None and read.compact == compact)
    masked = mask_personal(text)
    assert parse_reply(masked).iban is None
    assert compact[4:16] not in latin(masked)
    assert compact[-4:] in latin(masked)


@settings(max_examples=300)
@given(
    iin=iins,
    data=st.data(),
    before=st.sampled_from(WORDS),
    after=st.sampled_from(WORDS),
    glued=st.booleans(),
)
def test_an_iin_in_any_grouping_is_masked_but_its_last_four_digits(
    iin: str, data: st.DataObject, before: str, after: str, glued: bool
) -> None:
    gap = "" if glued else " "
    masked = mask_personal(f"{before}{gap}{data.draw(spelled(iin))}{gap}{after}")
    assert iin[:8] not in digits(masked)
    assert digits(masked).endswith(iin[-4:])


@settings(max_examples=500)
@given(st.text())
@example("STOP мой счет KZ86 125K ZT50 0410 0100 KZ86 125K ZT50 0410 0100")
@example("KZ86125KZT5004100100KZ86125KZT5004100100")
def test_no_text_once_masked_gives_the_parser_an_account(text: str) -> None:
    assert parse_reply(mask_personal(text)).iban is None


@given(st.text())
def test_masking_twice_is_masking_once(text: str) -> None:
    once = mask_personal(text)
    assert mask_personal(once) == once


def test_the_probes_replies_are_masked() -> None:
    assert mask_personal("да, мой ИИН 800505303007") == "да, мой ИИН ********3007"
    masked = mask_personal("STOP мой счет KZ86 125K ZT50 0410 0100")
    assert masked == "STOP мой счет KZ** **** **** **** 0100"


def test_words_without_an_account_or_an_iin_are_left_as_written() -> None:
    for text in ("да 123", "+7 701 234 56 78", "2026-01-12", "жоқ, рахмет", "KZ", "\u202eok"):
        assert mask_personal(text) == text
