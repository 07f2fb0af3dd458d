"""Unit tests of bot.service.replies: the tolerant parser of a citizen's SMS reply."""

from __future__ import annotations

from typing import get_args

import pytest
import schwifty
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.service.replies import MAX_CHARS, Reply, ReplyKind, parse_reply
from domain.model import Language

SAMPLE_IBAN = "KZ86125KZT5004100100"  # the sample KZ IBAN of the SWIFT IBAN registry
OTHER_IBAN = "KZ05722KZT0000012345"
LATIN_TO_CYRILLIC = str.maketrans("ABCEHKMOPTXY", "АВСЕНКМОРТХУ")


def _kind(text: str) -> str:
    return parse_reply(text).kind


# ------------------------------------------------------------------ yes and no

YES_FORMS = [
    *("1", "иә", "ия", "иа", "ие", "йә", "я", "келісемін", "келісім", "келісем", "мақұл"),
    *("жарайды", "да", "согласен", "согласна", "соглашаюсь", "ок", "ok", "yes", "y", "+"),
    *("1.", "1!", "1)", "okay", "👍"),
]
NO_FORMS = [
    *("2", "жоқ", "жок", "келіспеймін", "бас тартамын", "нет", "не согласен", "не согласна"),
    *("отказываюсь", "no", "n", "2.", "2)", "👎", "не хочу", "мақұл емес", "келісім жоқ"),
]


@pytest.mark.parametrize("text", YES_FORMS)
def test_every_yes_form_is_yes(text: str) -> None:
    assert _kind(text) == "yes"


@pytest.mark.parametrize("text", NO_FORMS)
def test_every_no_form_is_no(text: str) -> None:
    assert _kind(text) == "no"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("ДА", "yes"),
        ("  Да!  ", "yes"),
        ("«да»", "yes"),
        ('"Да"', "yes"),
        ("Да, спасибо", "yes"),
        ("ИӘ", "yes"),
        ("Иә, рахмет!", "yes"),
        ("Келісемін.", "yes"),
        ("СОГЛАСЕН!!!", "yes"),
        ("OK 👍", "yes"),
        ("Yes", "yes"),
        ("1 !", "yes"),
        ("\n1\n", "yes"),
        ("✅ да ✅", "yes"),
        ("Нет.", "no"),
        ("НЕТ!", "no"),
        ("нет, спасибо", "no"),
        ("No", "no"),
        ("Жоқ!", "no"),
    ],
)
def test_case_spacing_and_punctuation_do_not_matter(text: str, kind: str) -> None:
    assert _kind(text) == kind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("дa", "yes"),  # Latin a
        ("ДA", "yes"),  # Latin A
        ("coглaceн", "yes"),  # Latin c, o, a, e
        ("OK", "yes"),
        ("ОК", "yes"),  # Cyrillic О, К
        ("келiсемiн", "yes"),  # Latin i for і
        ("келисемин", "yes"),  # і typed as и
        ("макул", "yes"),  # Kazakh letters without their marks
        ("HET", "no"),  # Latin capitals
        ("het", "no"),
        ("нeт", "no"),  # Latin e
        ("CTOП", "stop"),  # Latin C, T, O
        ("STOP", "stop"),
        ("НЕLР", "help"),  # Cyrillic Н, Е, Р
        ("PYC", "language"),  # Latin P, Y, C for РУС
        ("КZ", "language"),  # Cyrillic К
    ],
)
def test_latin_and_cyrillic_look_alikes_are_read_as_the_intended_word(
    text: str, kind: str
) -> None:
    assert _kind(text) == kind


def test_negated_agreement_is_no_not_yes() -> None:
    assert _kind("не согласен") == "no"
    assert _kind("Я не согласна.") == "no"


def test_kazakh_no_outweighs_yes_words() -> None:
    assert _kind("иә жоқ") == "no"
    assert _kind("1 жоқ") == "no"


def test_ya_means_yes_only_when_it_stands_alone() -> None:
    assert _kind("Я") == "yes"
    assert _kind("я не знаю") == "unknown"
    assert _kind("я согласен") == "yes"


# ------------------------------------------------------------------ stop, help, language, visit

STOP_FORMS = ["STOP", "СТОП", "stop", "стоп", "тоқтат", "тоқтату", "отписаться", "отписка"]
HELP_FORMS = ["HELP", "?", "АНЫҚТАМА", "анықтама", "СПРАВКА", "справка", "көмек", "помощь"]
HOME_FORMS = [
    *("үйге", "үйге келіңіз", "үйден", "на дому", "на дом", "приходите домой", "выезд на дом"),
    *("ҮЙ", "ДОМ", "HOME", "home", "Үйге келіңіздерші"),
]


@pytest.mark.parametrize("text", [*STOP_FORMS, "Stop!", "«СТОП»", "stop 417"])
def test_every_stop_form_is_stop(text: str) -> None:
    assert _kind(text) == "stop"


@pytest.mark.parametrize(
    "text",
    [
        "да STOP",
        "1 стоп",
        "нет, отписка",
        "help stop",
        f"STOP {SAMPLE_IBAN}",
        f"{SAMPLE_IBAN} стоп",
        "ДА! Stop.",
        "KZ СТОП",
        "417 523 stop",
    ],
)
def test_stop_wins_over_everything_else_in_the_text(text: str) -> None:
    assert _kind(text) == "stop"


@pytest.mark.parametrize("text", [*HELP_FORMS, "help", "Help", "??", " ? "])
def test_every_help_form_is_help(text: str) -> None:
    assert _kind(text) == "help"


def test_a_question_mark_inside_words_is_not_help() -> None:
    assert _kind("да?") == "yes"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        *((text, Language.KK) for text in ("KZ", "ҚАЗ", "KAZ", "ҚАЗАҚША", "қазақша", "казахский")),
        *((text, Language.KK) for text in ("KK", "kz", "Қазақша!", "по-казахски")),
        *((text, Language.RU) for text in ("RU", "РУС", "RUS", "орысша", "русский", "по-русски")),
        *((text, Language.RU) for text in ("RUSSKIY", "ru", "Русский.", "Орысша")),
    ],
)
def test_every_language_form_asks_for_its_language(text: str, language: Language) -> None:
    reply = parse_reply(text)
    assert (reply.kind, reply.language) == ("language", language)


@pytest.mark.parametrize("text", HOME_FORMS)
def test_every_home_visit_form_asks_for_a_visit(text: str) -> None:
    assert _kind(text) == "home_visit"


# ------------------------------------------------------------------ empty and unknown


@pytest.mark.parametrize("text", ["", " ", "...", "!!!", "\n\t ", "«»", "\u200f", "\x00\x07", "-"])
def test_only_whitespace_or_punctuation_is_empty(text: str) -> None:
    assert _kind(text) == "empty"


@pytest.mark.parametrize(
    "text",
    [
        *("1 2", "да нет", "иә нет", "yes no", "1, 2", "+ 2", "RU KZ", "да, на дому", "1 ?"),
        *("привет", "не знаю", "что это?", "12", "1417", "0", "3", "🙂", "KZ 1", "+7 701 123 45"),
        *("417", "#417", "417 523 да"),
    ],
)
def test_ambiguous_or_unrecognised_text_is_unknown(text: str) -> None:
    assert _kind(text) == "unknown"


# ------------------------------------------------------------------ IBAN


@pytest.mark.parametrize(
    "text",
    [
        SAMPLE_IBAN,
        SAMPLE_IBAN.lower(),
        "KZ86 125K ZT50 0410 0100",
        "kz86 125k zt50 0410 0100",
        "KZ86\u00a0125K\u00a0ZT50\u00a00410\u00a00100",
        "KZ86-125K-ZT50-0410-0100",
        "KZ 86125KZT5004100100",
        "мой счёт: kz86125kzt5004100100 спасибо",
        "Менің шотым KZ86 125K ZT50 0410 0100, рахмет!",
        f"счёт:{SAMPLE_IBAN}.",
        f"«{SAMPLE_IBAN}»",
        "kz86125kzt5004100100спасибо",
        f"да, {SAMPLE_IBAN}",
        f"2 {SAMPLE_IBAN}",
        f"{SAMPLE_IBAN} {SAMPLE_IBAN}",
        f"\u202e{SAMPLE_IBAN}\u202c",
    ],
)
def test_an_iban_anywhere_in_the_text_is_found(text: str) -> None:
    reply = parse_reply(text)
    assert reply.kind == "iban"
    assert reply.iban is not None and reply.iban.compact == SAMPLE_IBAN
    assert reply.iban_error is None


@pytest.mark.parametrize(
    "text",
    [
        "КZ86125КZТ5004100100",  # Cyrillic К, Т
        "КZ86 125К ZТ50 0410 0100",
        "KZ86 125K ZT50 0410 0100".translate(LATIN_TO_CYRILLIC),
        "kz86125kzt5004100100".upper().translate(LATIN_TO_CYRILLIC).lower(),
        "КЗ86125KZT5004100100",  # Cyrillic З typed for Z
        "КЗ86 125К ZТ50 0410 0100",
        "счётKZ86 125K ZT50 0410 0100",
    ],
)
def test_cyrillic_look_alikes_inside_an_iban_are_read_as_latin(text: str) -> None:
    reply = parse_reply(text)
    assert reply.iban is not None and reply.iban.compact == SAMPLE_IBAN


def test_a_cyrillic_look_alike_in_the_account_part_is_accepted() -> None:
    built = schwifty.IBAN.generate("KZ", bank_code="125", account_code="ABCXTB0000001").compact
    typed = built[:7] + built[7:].translate(LATIN_TO_CYRILLIC)
    reply = parse_reply(f"вот {typed}")
    assert reply.iban is not None and reply.iban.compact == built


def test_two_different_ibans_are_unknown() -> None:
    assert _kind(f"{SAMPLE_IBAN} или {OTHER_IBAN}") == "unknown"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("KZ87125KZT5004100100", "check_digits"),
        ("мой счёт KZ87 125K ZT50 0410 0100", "check_digits"),
        ("KZ86125KZT500410010", "length"),
        ("KZ86125KZT50041001000", "length"),
        ("KZ86 125K ZT50 0410 010", "length"),
        ("DE89 3704 0044 0532 0130 00", "country"),
        ("DE89370400440532013000", "country"),
        ("86125KZT5004100100", "country"),
        ("KZ86A25KZT5004100100", "format"),
    ],
)
def test_a_failed_iban_attempt_reports_the_reason(text: str, reason: str) -> None:
    reply = parse_reply(text)
    assert (reply.kind, reply.iban, reply.iban_error) == ("iban", None, reason)


def test_a_valid_iban_outweighs_a_failed_attempt() -> None:
    assert parse_reply(f"KZ87125KZT5004100100 нет, {SAMPLE_IBAN}").iban is not None


# ------------------------------------------------------------------ case codes


@pytest.mark.parametrize(
    ("text", "kind", "code"),
    [
        ("1 417", "yes", "417"),
        ("417 иә", "yes", "417"),
        ("иә (417)", "yes", "417"),
        ("#417 да", "yes", "417"),
        ("№417 нет", "no", "417"),
        ("2 523", "no", "523"),
        ("1\n417", "yes", "417"),
        ("417: 1", "yes", "417"),
        ("417 417 да", "yes", "417"),
        ("#417", "unknown", "417"),
        ("STOP 999", "stop", "999"),
        ("100 ok", "yes", "100"),
        ("1", "yes", None),
        ("2", "no", None),
        ("099 да", "yes", None),
        ("1000 да", "yes", None),
        ("4170 да", "yes", None),
        (SAMPLE_IBAN, "iban", None),
        ("KZ86 125K ZT50 0410 0100", "iban", None),
        ("417 KZ86 125K ZT50 0410 0100", "iban", "417"),
        ("KZ87 125K ZT50 0410 0100", "iban", None),
    ],
)
def test_a_standalone_three_digit_number_is_the_case_code(
    text: str, kind: str, code: str | None
) -> None:
    reply = parse_reply(text)
    assert (reply.kind, reply.code) == (kind, code)


def test_two_different_codes_are_ambiguous() -> None:
    reply = parse_reply("1 417 523")
    assert (reply.kind, reply.code) == ("unknown", None)


# ------------------------------------------------------------------ the language written in


@pytest.mark.parametrize(
    ("text", "wrote_in"),
    [
        ("иә", Language.KK),
        ("иа", Language.KK),
        ("жок", Language.KK),
        ("келісемін", Language.KK),
        ("келисемин", Language.KK),
        ("Рахмет, 1", Language.KK),
        ("орысша", Language.KK),  # asks for Russian, in Kazakh
        ("ҚАЗ", Language.KK),
        ("да, келісемін", Language.KK),
        ("да", Language.RU),
        ("нет", Language.RU),
        ("согласен", Language.RU),
        ("HET", Language.RU),
        ("казахский", Language.RU),  # asks for Kazakh, in Russian
        ("мой счёт: kz86125kzt5004100100 спасибо", Language.RU),
        ("1", None),
        ("2", None),
        ("1 417", None),
        (SAMPLE_IBAN, None),
        ("КZ86125КZТ5004100100", None),  # Cyrillic look-alikes in an IBAN are no words
        ("ok", None),
        ("ОК", None),
        ("я", None),
        ("STOP", None),
        ("СТОП", None),
        ("НЕLР", None),
        ("", None),
    ],
)
def test_the_language_the_words_are_written_in_is_noted(
    text: str, wrote_in: Language | None
) -> None:
    assert parse_reply(text).wrote_in == wrote_in


# ------------------------------------------------------------------ robustness


def test_only_the_first_thousand_characters_are_read() -> None:
    assert _kind(" " * MAX_CHARS + "да") == "empty"
    assert _kind("да" + " " * MAX_CHARS + "нет") == "yes"


def test_control_characters_and_direction_marks_are_ignored() -> None:
    assert _kind("\u200fда\u200e") == "yes"
    assert _kind("д\u200bа") == "yes"  # zero-width space inside the word
    assert _kind("\x00нет\x1b") == "no"


def test_a_reply_is_frozen() -> None:
    reply = parse_reply("да")
    with pytest.raises(ValueError, match="frozen"):
        reply.kind = "no"  # type: ignore[misc]


_PIECES = st.sampled_from(
    [
        *YES_FORMS[:6],
        *NO_FORMS[:6],
        *STOP_FORMS[:3],
        *("KZ", "КZ86", "125K", "ZT50", "0410", "0100", SAMPLE_IBAN, "417", "DE89", "3704"),
        *(" ", "\u00a0", "-", "\u200f", "\u202e", "\x00", "\n", "?", "+", "👍", "№", "ß", "ﬀ"),
    ]
)
ANY_TEXT = st.one_of(
    st.text(),
    st.text(st.characters(codec=None, exclude_categories=())),
    st.lists(_PIECES, max_size=40).map("".join),
    st.builds(lambda part, times: part * times, st.text(max_size=12), st.integers(0, 600)),
)


@given(ANY_TEXT)
@settings(max_examples=300)
def test_any_text_parses_without_raising_to_a_known_kind(text: str) -> None:
    reply = parse_reply(text)
    assert isinstance(reply, Reply)
    assert reply.kind in get_args(ReplyKind)
    if reply.kind != "iban":
        assert reply.iban is None and reply.iban_error is None
    assert (reply.language is not None) == (reply.kind == "language")
    assert reply.code is None or 100 <= int(reply.code) <= 999


_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_CYRILLIC_WORD = st.text("абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі", min_size=1, max_size=9)


@st.composite
def _typed_iban(draw: st.DrawFn) -> tuple[str, str]:
    """A valid KZ IBAN and the way a citizen might type it."""
    bank = draw(st.text("0123456789", min_size=3, max_size=3))
    account = draw(st.text(_ALNUM, min_size=13, max_size=13))
    compact: str = schwifty.IBAN.generate("KZ", bank_code=bank, account_code=account).compact
    typed = compact
    if draw(st.booleans()):
        separator = draw(st.sampled_from([" ", "\u00a0", "-", " - "]))
        typed = separator.join(typed[i : i + 4] for i in range(0, len(typed), 4))
    looks = draw(st.sets(st.sampled_from("ABCEHKMOPTXY")))
    typed = "".join(char.translate(LATIN_TO_CYRILLIC) if char in looks else char for char in typed)
    return compact, (typed.lower() if draw(st.booleans()) else typed)


@given(
    _typed_iban(),
    st.lists(_CYRILLIC_WORD.filter(lambda word: _kind(word) != "stop"), max_size=3),
    st.lists(_CYRILLIC_WORD.filter(lambda word: _kind(word) != "stop"), max_size=3),
    st.sampled_from([" ", ": ", ", ", " «", "\n"]),
)
def test_any_valid_iban_among_cyrillic_words_parses_back(
    iban: tuple[str, str], before: list[str], after: list[str], joint: str
) -> None:
    compact, typed = iban
    reply = parse_reply(" ".join([*before, ""]) + joint + typed + " " + " ".join(after))
    assert reply.kind == "iban"
    assert reply.iban is not None and reply.iban.compact == compact
    assert reply.code is None
