"""Behaviour of bot.wording.texts: rendering in an explicit language, and Babel formatting for
KZ."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

import pytest

from bot.wording import texts
from bot.wording.texts import (
    UnknownLanguage,
    appeal_text,
    cause_text,
    check_text,
    contact_text,
    format_date,
    format_money,
    format_number,
    ground_text,
    reason_text,
    render,
    render_plural,
    service_name,
)
from domain.model import BurialCheck, Language, ReasonCode, RefusalGround, Service
from domain.services.disability import Cause

K = TypeVar("K", bound=StrEnum)


def by_value(table: Mapping[K, str]) -> dict[str, str]:
    """A table keyed by a domain enum, keyed by the codes' string values."""
    return {str(code): text for code, text in table.items()}


NBSP = "\u00a0"  # Babel's grouping separator and space before ₸ in kk_KZ and ru_KZ
NNBSP = "\u202f"  # Babel's narrow no-break space before "ж." and "г."
LANGS = [Language.KK, Language.RU]
TABLES: list[tuple[type[StrEnum], dict[str, str]]] = [
    (Service, by_value(texts.SERVICE_NAMES)),
    (BurialCheck, by_value(texts.CHECK_FAILURES)),
    (ReasonCode, by_value(texts.REASONS)),
    (RefusalGround, by_value(texts.GROUNDS)),
    (Cause, by_value(texts.CAUSES)),
]
DAYS = texts.N_plural("{n} day", "{n} days")


# ---------------------------------------------------------------- formatting


@pytest.mark.parametrize("lang", LANGS)
def test_money_is_tenge_with_a_comma_no_break_spaces_and_the_tenge_sign(lang: str) -> None:
    assert format_money(Decimal("95495.40"), lang) == f"95{NBSP}495,40{NBSP}₸"


@pytest.mark.parametrize("lang", LANGS)
def test_money_always_shows_tiyn(lang: str) -> None:
    assert format_money(Decimal("4325"), lang) == f"4{NBSP}325,00{NBSP}₸"


def test_a_kazakh_date_is_year_first_as_babel_writes_kk_kz() -> None:
    assert format_date(date(2026, 11, 25), "kk") == f"2026{NNBSP}ж. 25 қараша"


def test_a_russian_date_has_the_month_in_the_genitive() -> None:
    assert format_date(date(2026, 11, 25), "ru") == f"25 ноября 2026{NNBSP}г."


@pytest.mark.parametrize("lang", LANGS)
def test_numbers_use_the_decimal_comma_and_group_thousands(lang: str) -> None:
    assert format_number(Decimal("1.76"), lang) == "1,76"
    assert format_number(50851, lang) == f"50{NBSP}851"


# ---------------------------------------------------------------- rendering


def test_rendering_picks_the_language_asked_for() -> None:
    assert service_name(Service.BURIAL, "kk") == "жерлеуге арналған біржолғы төлем"
    assert service_name(Service.BURIAL, "ru") == "единовременная выплата на погребение"


def test_the_service_names_are_the_seed_terms_in_kazakh() -> None:
    assert service_name(Service.DISABILITY, "kk") == (
        "мүгедектігі бойынша мемлекеттік әлеуметтік жәрдемақы"
    )
    assert service_name(Service.SURVIVOR, "kk") == (
        "асыраушысынан айырылу жағдайы бойынша мемлекеттік әлеуметтік жәрдемақы"
    )


def test_the_service_names_are_the_official_terms_in_russian() -> None:
    assert service_name(Service.DISABILITY, "ru") == (
        "государственное социальное пособие по инвалидности"
    )
    assert service_name(Service.SURVIVOR, "ru") == (
        "государственное социальное пособие по случаю потери кормильца"
    )


def test_rendering_fills_in_the_placeholders() -> None:
    assert render("Group {group}", "ru", group="II") == "II группа"
    assert render("Group {group}", "kk", group="II") == "II топ"


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1, "1 иждивенец"), (2, "2 иждивенца"), (5, "5 иждивенцев"), (11, "11 иждивенцев")]
    + [(21, "21 иждивенец"), (22, "22 иждивенца"), (111, "111 иждивенцев")],
)
def test_russian_plurals_take_three_forms(n: int, expected: str) -> None:
    assert render_plural(texts.N_plural("{n} dependent", "{n} dependents"), n, "ru") == expected


@pytest.mark.parametrize("n", [1, 2, 5, 21])
def test_kazakh_nouns_after_a_numeral_stay_singular(n: int) -> None:
    dependents = texts.N_plural("{n} dependent", "{n} dependents")
    assert render_plural(dependents, n, "kk") == f"{n} асырауындағы адам"


def test_a_plural_count_is_formatted_for_the_locale() -> None:
    dependents = texts.N_plural("{n} dependent", "{n} dependents")
    assert render_plural(dependents, 1000, "ru") == f"1{NBSP}000 иждивенцев"


def test_a_msgid_missing_from_the_catalogs_falls_back_to_english() -> None:
    assert render_plural(DAYS, 3, "ru") == "3 days"


@pytest.mark.parametrize(
    "call",
    [
        lambda: render("one-time burial payment", "en"),
        lambda: service_name(Service.BURIAL, "KK"),
        lambda: format_money(Decimal("1"), "de"),
        lambda: format_date(date(2026, 1, 1), ""),
    ],
)
def test_an_unknown_language_raises(call: object) -> None:
    assert callable(call)
    with pytest.raises(UnknownLanguage, match="unknown language"):
        call()


def test_an_unknown_language_is_a_value_error() -> None:
    assert issubclass(UnknownLanguage, ValueError)


# ---------------------------------------------------------------- the texts of the domain codes


@pytest.mark.parametrize(("codes", "table"), TABLES)
def test_every_domain_code_has_a_text(codes: type[StrEnum], table: dict[str, str]) -> None:
    assert set(table) == set(codes)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("codes", "table"), TABLES)
def test_every_domain_code_is_translated(
    lang: str, codes: type[StrEnum], table: dict[str, str]
) -> None:
    for code in codes:
        rendered = render(table[code], lang)
        assert rendered
        assert rendered != table[code], f"{code!r} is not translated into {lang}"


@pytest.mark.parametrize("lang", LANGS)
def test_each_function_renders_its_table(lang: str) -> None:
    assert check_text(BurialCheck.WITHIN_THREE_YEARS, lang) == render(texts.TOO_LATE, lang)
    assert reason_text(ReasonCode.BURIAL_TOO_LATE, lang) == check_text(
        BurialCheck.WITHIN_THREE_YEARS, lang
    )
    assert ground_text(RefusalGround.NO_CONSENT, lang) == render(
        texts.GROUNDS[RefusalGround.NO_CONSENT], lang
    )
    assert cause_text(Cause.WORK_INJURY, lang) == render(texts.CAUSES[Cause.WORK_INJURY], lang)


def test_a_failed_burial_check_reads_as_the_fact_that_failed() -> None:
    assert check_text(BurialCheck.NOT_ALREADY_ASSIGNED, "ru") == (
        "Единовременная выплата на погребение по данному умершему уже назначена."
    )
    assert check_text(BurialCheck.NOT_ALREADY_ASSIGNED, "kk") == (
        "Көрсетілген қайтыс болған адамға жерлеуге арналған біржолғы төлем бұрын тағайындалған."
    )


def test_the_appeal_uses_the_seed_wording_in_kazakh() -> None:
    assert (
        "мемлекеттік қызметтер көрсету сапасын бағалау және бақылау жөніндегі уәкілетті органға "
        "шағыммен жүгінуге құқылы"
    ) in appeal_text("kk")


def test_the_appeal_names_the_authorised_body_in_russian() -> None:
    assert "уполномоченный орган по оценке и контролю за качеством оказания государственных" in (
        appeal_text("ru")
    )


@pytest.mark.parametrize("lang", LANGS)
def test_the_contact_line_gives_both_numbers(lang: str) -> None:
    assert "1414" in contact_text(lang)
    assert "8-800-080-7777" in contact_text(lang)


def test_capitalized_raises_only_the_first_letter() -> None:
    assert texts.capitalized("мүгедектігі бойынша") == "Мүгедектігі бойынша"
    assert texts.capitalized("") == ""
