"""Behaviour of tooling.i18n_catalog: the real catalogs are complete, and the check catches
faults."""

from __future__ import annotations

import gettext
import os
from collections.abc import Sequence
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from bot.wording.catalogs import LANGUAGES, Layout, compile_catalog, is_stale, read_catalog
from tooling.i18n_catalog import (
    Problem,
    check,
    check_language,
    check_template,
    extract,
    placeholders,
    update,
    write_if_changed,
)

REPO = Layout()
SAMPLE = """\
from bot.wording.texts import N_, N_plural

HELLO = N_("Hello, {name}!")
BYE = N_("Goodbye.")
WAIT = N_("Please wait.")
SHARE = N_("Your share is %(share)s.")
DAYS = N_plural("{n} day", "{n} days")
"""
Strings = dict[str, str | tuple[str, ...]]
GOOD: dict[str, Strings] = {
    "ru": {
        "Hello, {name}!": "Здравствуйте, {name}!",
        "Goodbye.": "До свидания.",
        "Please wait.": "Подождите.",
        "Your share is %(share)s.": "Ваша доля: %(share)s.",
        "{n} day": ("{n} день", "{n} дня", "{n} дней"),
    },
    "kk": {
        "Hello, {name}!": "Сәлеметсіз бе, {name}!",
        "Goodbye.": "Сау болыңыз.",
        "Please wait.": "Күте тұрыңыз.",
        "Your share is %(share)s.": "Сіздің үлесіңіз: %(share)s.",
        "{n} day": ("{n} күн", "{n} күн"),
    },
}


def _msgid(message_id: str | Sequence[str]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def translate(layout: Layout, lang: str, strings: Strings) -> None:
    """Write `strings` into a language's .po file, keyed by the singular msgid."""
    catalog = read_catalog(layout.po(lang), lang)
    for message in catalog:
        if message.id and _msgid(message.id) in strings:
            message.string = strings[_msgid(message.id)]
    write_if_changed(layout.po(lang), catalog)


@pytest.fixture
def project(tmp_path: Path) -> Layout:
    """A small source tree with a mapping, one module of texts and complete catalogs."""
    (tmp_path / "babel.cfg").write_text("[python: bot/**.py]\n", encoding="utf-8")
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "sample.py").write_text(SAMPLE, encoding="utf-8")
    layout = Layout(tmp_path)
    update(layout)
    for lang, strings in GOOD.items():
        translate(layout, lang, strings)
    return layout


def reported(problems: list[Problem], lang: str, msgid: str) -> list[str]:
    return [p.what for p in problems if p.where == lang and p.msgid == msgid]


# ---------------------------------------------------------------- the project's own catalogs


def test_the_template_says_what_the_code_says() -> None:
    assert check_template(extract(REPO), REPO.template) == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_msgid_is_translated_with_nothing_fuzzy_and_placeholders_equal(lang: str) -> None:
    assert [str(p) for p in check_language(lang, extract(REPO), REPO)] == []


@pytest.mark.parametrize(("lang", "forms"), [("kk", 2), ("ru", 3)])
def test_kazakh_has_two_plural_forms_and_russian_three(lang: str, forms: int) -> None:
    catalog = read_catalog(REPO.po(lang), lang)
    plural = [m for m in catalog if m.id and m.pluralizable]
    assert catalog.num_plurals == forms
    assert plural, "the catalogs carry at least one plural entry"
    assert all(isinstance(m.string, tuple) and len(m.string) == forms for m in plural)


def test_the_template_holds_only_english_msgids_from_the_shell() -> None:
    locations = {path for m in read_catalog(REPO.template) for path, _ in m.locations}
    assert locations
    assert all(path.startswith("bot/") for path in locations)


# ---------------------------------------------------------------- placeholders


def test_placeholders_of_both_styles_are_found_and_literal_percent_is_not() -> None:
    assert placeholders("{n} of {total}, %(share)s and 100%%") == ["%(share)s", "{n}", "{total}"]


def test_placeholders_ignore_order_repetition_and_format_specs() -> None:
    assert placeholders("{b} {a:>5} {a}") == placeholders("{a} {b}")


def test_unbalanced_braces_are_a_placeholder_problem() -> None:
    assert "<unbalanced braces>" in placeholders("{name")


# ---------------------------------------------------------------- the check on a sample tree


def test_a_complete_sample_tree_passes_the_check(project: Layout) -> None:
    assert check(project) == []


def test_the_check_reports_an_untranslated_entry(project: Layout) -> None:
    translate(project, "ru", {"Please wait.": ""})
    assert reported(check(project), "ru", "Please wait.") == ["is untranslated"]


def test_the_check_reports_a_fuzzy_entry(project: Layout) -> None:
    catalog = read_catalog(project.po("kk"), "kk")
    message = catalog.get("Goodbye.")
    assert message is not None
    message.flags.add("fuzzy")
    write_if_changed(project.po("kk"), catalog)
    assert reported(check(project), "kk", "Goodbye.") == ["is fuzzy"]


@pytest.mark.parametrize(
    ("msgid", "wrong"),
    [
        ("Hello, {name}!", "Здравствуйте, {имя}!"),
        ("Hello, {name}!", "Здравствуйте!"),
        ("Goodbye.", "До свидания, {name}."),
        ("Your share is %(share)s.", "Ваша доля: %(part)s."),
    ],
)
def test_the_check_reports_placeholders_that_differ(
    project: Layout, msgid: str, wrong: str
) -> None:
    translate(project, "ru", {msgid: wrong})
    (what,) = reported(check(project), "ru", msgid)
    assert what.startswith("placeholders")


def test_the_check_reports_a_missing_russian_plural_form(project: Layout) -> None:
    translate(project, "ru", {"{n} day": ("{n} день", "{n} дня", "")})
    assert reported(check(project), "ru", "{n} day") == ["plural forms [2] of 3 are untranslated"]


def test_the_check_reports_a_plural_form_without_its_number(project: Layout) -> None:
    translate(project, "kk", {"{n} day": ("{n} күн", "күн")})
    (what,) = reported(check(project), "kk", "{n} day")
    assert what.startswith("placeholders")


def test_the_check_reports_a_catalog_with_more_forms_than_the_language_has(
    project: Layout,
) -> None:
    path = project.po("kk")
    text = path.read_text(encoding="utf-8")
    extra = 'msgstr[1] "{n} күн"\nmsgstr[2] "x"'
    path.write_text(text.replace('msgstr[1] "{n} күн"', extra), encoding="utf-8")
    (problem,) = check(project)
    assert problem.where == "kk"
    assert "malformed" in problem.what


def test_the_check_reports_a_wrong_plural_forms_header(project: Layout) -> None:
    path = project.po("ru")
    text = path.read_text(encoding="utf-8")
    start = text.index('"Plural-Forms:')
    end = text.index('"MIME-Version')
    wrong = '"Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n==2 ? 1 : 2);\\n"\n'
    path.write_text(text[:start] + wrong + text[end:], encoding="utf-8")
    (problem,) = check(project)
    assert (problem.where, problem.msgid) == ("ru", "")
    assert problem.what.startswith("Plural-Forms is")


def test_the_check_reports_msgids_the_template_has_not_caught_up_with(project: Layout) -> None:
    sample = project.root / "bot" / "sample.py"
    sample.write_text(SAMPLE + 'NEW = N_("A new text.")\n', encoding="utf-8")
    problems = check(project)
    assert reported(problems, "messages.pot", "A new text.") == [
        "is in the code but not in the template; run update"
    ]
    assert {p.where for p in problems if p.msgid == "A new text."} == {"messages.pot", "kk", "ru"}


def test_the_check_reports_msgids_gone_from_the_code(project: Layout) -> None:
    sample = project.root / "bot" / "sample.py"
    sample.write_text(SAMPLE.replace('WAIT = N_("Please wait.")\n', ""), encoding="utf-8")
    assert reported(check(project), "messages.pot", "Please wait.") == [
        "is in the template but no longer in the code; run update"
    ]


# ---------------------------------------------------------------- update and compile


def test_update_twice_changes_nothing_the_second_time(project: Layout) -> None:
    before = {path: path.read_bytes() for path in project.root.glob("locales/**/*.po*")}
    assert update(project) == []
    assert {path: path.read_bytes() for path in before} == before


def test_update_keeps_translations_and_adds_new_msgids_untranslated(project: Layout) -> None:
    sample = project.root / "bot" / "sample.py"
    sample.write_text(SAMPLE + 'NEW = N_("A new text.")\n', encoding="utf-8")
    update(project)
    catalog = read_catalog(project.po("ru"), "ru")
    assert catalog.get("Goodbye.") is not None
    assert catalog["Goodbye."].string == "До свидания."
    assert catalog["A new text."].string == ""


def test_update_never_guesses_a_translation_by_fuzzy_matching(project: Layout) -> None:
    sample = project.root / "bot" / "sample.py"
    sample.write_text(SAMPLE.replace("Goodbye.", "Goodbye!"), encoding="utf-8")
    update(project)
    message = read_catalog(project.po("ru"), "ru")["Goodbye!"]
    assert (message.string, message.fuzzy) == ("", False)


def test_compiled_catalogs_translate_with_the_language_plural_rule(project: Layout) -> None:
    with compile_catalog("ru", project).open("rb") as fileobj:
        ru = gettext.GNUTranslations(fileobj)
    forms = [ru.ngettext("{n} day", "{n} days", n).format(n=n) for n in (1, 3, 5, 21)]
    assert forms == ["1 день", "3 дня", "5 дней", "21 день"]


def test_a_catalog_is_stale_until_compiled_and_again_after_its_po_changes(
    project: Layout,
) -> None:
    assert is_stale("kk", project)
    mo = compile_catalog("kk", project)
    assert not is_stale("kk", project)
    stamp = mo.stat().st_mtime_ns + 1_000_000_000
    os.utime(project.po("kk"), ns=(stamp, stamp))
    assert is_stale("kk", project)


def test_a_new_catalog_gets_the_project_plural_forms(project: Layout) -> None:
    ru = read_catalog(project.po("ru"), "ru")
    kk = read_catalog(project.po("kk"), "kk")
    assert (ru.num_plurals, kk.num_plurals) == (3, 2)
    assert isinstance(ru, Catalog)
    assert not ru.fuzzy


def test_positional_braces_count_as_placeholders() -> None:
    assert placeholders("{} and {}") == ["{}"]
    assert placeholders("no placeholders") == []


def test_the_check_reports_a_malformed_template(project: Layout) -> None:
    project.template.write_text('msgid "x"\n', encoding="utf-8")
    problems = check(project)
    assert any(p.where == "messages.pot" and "malformed" in p.what for p in problems)
