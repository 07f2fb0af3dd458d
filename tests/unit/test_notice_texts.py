"""Behaviour of bot.wording.notice_texts: every notice worded in kk and ru, within the SMS
budget."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from bot.wording import notice_texts
from bot.wording.notice_texts import (
    BILINGUAL_SEPARATOR,
    NOTICE_SEGMENTS,
    OFFER_SEGMENTS,
    REFUSAL_SEGMENTS,
    NoticeContext,
    Rendered,
    ShellNotice,
    render_notice,
    render_offer,
    render_shell,
    template_version,
)
from bot.wording.texts import (
    UnknownLanguage,
    capitalized,
    format_money,
    render_plural,
    translations,
)
from domain.banking import bank_directory
from domain.model import BurialCheck, Language, ReasonCode, Service
from domain.notices import Notice, NoticeKind, ParamValue
from domain.sms import segments, units
from tooling import message_examples as catalogue
from tooling.message_examples import (
    ACCOUNT,
    BURIAL_AMOUNT,
    DISABILITY_AMOUNT,
    DUE,
    EXPIRES,
    KK_BANK,
    RU_BANK,
    SURVIVOR_AMOUNT,
    every_example,
)

LANGS = [Language.KK, Language.RU]
LONGEST_BANK = max(
    (name for bank in bank_directory().values() for name in (bank.name_kk, bank.name_ru)),
    key=len,
)


def context(service: Service = Service.BURIAL, **changes: Any) -> NoticeContext:
    """A case's context with the longest realistic values; `changes` override fields."""
    amounts = {
        Service.BURIAL: BURIAL_AMOUNT,
        Service.SURVIVOR: SURVIVOR_AMOUNT,
        Service.DISABILITY: DISABILITY_AMOUNT,
    }
    fields: dict[str, Any] = {
        "service": service,
        "code": "417",
        "amount": amounts[service],
        "monthly": service is not Service.BURIAL,
        "bank_name": KK_BANK,
        "expires_at": EXPIRES,
        "application_number": "0826-000123456789",
    }
    return NoticeContext(**{**fields, **changes})


BURIAL = context(Service.BURIAL)
SURVIVOR = context(Service.SURVIVOR)
DISABILITY = context(Service.DISABILITY)
ALL_CHECKS = tuple(check.value for check in BurialCheck)
THREE_REASONS = (
    ReasonCode.DATA_MISSING.value,
    ReasonCode.DATA_INCORRECT.value,
    ReasonCode.DISABILITY_NOT_ESTABLISHED.value,
)


@dataclass(frozen=True)
class Example:
    """A notice with realistic parameters and the case it is sent on."""

    name: str
    kind: NoticeKind
    params: dict[str, ParamValue]
    ctx: NoticeContext

    @property
    def notice(self) -> Notice:
        return Notice(kind=self.kind, params=self.params)


def examples() -> list[Example]:
    """Every kind, with the longest realistic values and each variant of its wording."""
    found = [
        Example(f"offer {ctx.service}", NoticeKind.OFFER, {}, ctx)
        for ctx in (BURIAL, SURVIVOR, DISABILITY)
    ]
    found += [
        Example("reminder", NoticeKind.REMINDER, {"state": "offered"}, BURIAL),
        Example(
            "reminder, no date",
            NoticeKind.REMINDER,
            {"state": "offered"},
            context(expires_at=None),
        ),
        Example(
            "reminder, account awaited",
            NoticeKind.REMINDER,
            {"state": "awaiting_account"},
            SURVIVOR,
        ),
        Example("confirm, kk bank", NoticeKind.ASK_ACCOUNT_CONFIRM, {"account": ACCOUNT}, BURIAL),
        Example(
            "confirm, ru bank",
            NoticeKind.ASK_ACCOUNT_CONFIRM,
            {"account": ACCOUNT},
            context(bank_name=RU_BANK),
        ),
        Example(
            "confirm, longest bank",
            NoticeKind.ASK_ACCOUNT_CONFIRM,
            {"account": ACCOUNT},
            context(bank_name=LONGEST_BANK),
        ),
        Example(
            "confirm, no bank",
            NoticeKind.ASK_ACCOUNT_CONFIRM,
            {"account": ACCOUNT},
            context(bank_name=None),
        ),
        Example("ask iban", NoticeKind.ASK_IBAN, {}, BURIAL),
    ]
    found += [
        Example(f"invalid iban {reason}", NoticeKind.INVALID_IBAN, {"reason": reason}, BURIAL)
        for reason in ("country", "length", "format", "check_digits")
    ]
    found += [
        Example("accepted", NoticeKind.ACCEPTED, {"due_at": DUE}, BURIAL),
        Example("accepted, no number", NoticeKind.ACCEPTED, {"due_at": DUE}, DISABILITY),
        Example(
            "not accepted, all five", NoticeKind.NOT_ACCEPTED, {"failures": ALL_CHECKS}, BURIAL
        ),
        Example(
            "assigned burial",
            NoticeKind.ASSIGNED,
            {"amount": BURIAL_AMOUNT, "start": date(2026, 11, 25)},
            BURIAL,
        ),
        Example(
            "assigned survivor",
            NoticeKind.ASSIGNED,
            {"amount": SURVIVOR_AMOUNT, "start": date(2025, 11, 30)},
            SURVIVOR,
        ),
        Example(
            "assigned disability",
            NoticeKind.ASSIGNED,
            {"amount": DISABILITY_AMOUNT, "start": date(2026, 8, 31)},
            DISABILITY,
        ),
        Example("refused, three", NoticeKind.REFUSED, {"reasons": THREE_REASONS}, DISABILITY),
        Example("declined", NoticeKind.DECLINED, {}, BURIAL),
        Example("withdrawn", NoticeKind.WITHDRAWN, {}, BURIAL),
        Example("expired", NoticeKind.EXPIRED, {}, BURIAL),
        Example("home visit", NoticeKind.HOME_VISIT_REQUESTED, {}, BURIAL),
        Example("language changed", NoticeKind.LANGUAGE_CHANGED, {}, BURIAL),
        Example("unrecognised", NoticeKind.UNRECOGNISED, {}, BURIAL),
        Example("status", NoticeKind.STATUS, {"due_at": DUE}, BURIAL),
        Example("status, not yet accepted", NoticeKind.STATUS, {"due_at": None}, BURIAL),
    ]
    states = ["offered", "awaiting_account", "registered", "under_review", "assigned"]
    found += [Example(f"help {s}", NoticeKind.HELP, {"state": s}, BURIAL) for s in states]
    found += [
        Example(f"unrecognised {s}", NoticeKind.UNRECOGNISED, {"state": s}, BURIAL)
        for s in ("offered", "awaiting_account")
    ]
    closed = ["not_accepted", "assigned", "refused", "declined", "withdrawn", "expired", ""]
    found += [Example(f"closed {s}", NoticeKind.CASE_CLOSED, {"state": s}, BURIAL) for s in closed]
    return found


EXAMPLES = examples()


def budget(kind: NoticeKind) -> int:
    if kind is NoticeKind.OFFER:
        return OFFER_SEGMENTS
    return REFUSAL_SEGMENTS if kind is NoticeKind.REFUSED else NOTICE_SEGMENTS


def rendered(example: Example, lang: Language) -> Rendered:
    return render_notice(example.notice, lang, example.ctx)


# ---------------------------------------------------------------- coverage and budgets


def test_every_notice_kind_has_a_text_so_a_new_kind_without_one_fails() -> None:
    assert set(notice_texts.RENDERERS) == set(NoticeKind)


def test_every_notice_kind_is_among_the_examples() -> None:
    assert {example.kind for example in EXAMPLES} == set(NoticeKind)


def test_every_shell_notice_has_a_text() -> None:
    assert set(notice_texts.SHELL_RENDERERS) == set(ShellNotice)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: example.name)
def test_every_notice_fits_its_budget_in_both_languages(example: Example, lang: Language) -> None:
    text = rendered(example, lang).text
    assert segments(text) <= budget(example.kind), (units(text), text)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("example", every_example(), ids=lambda example: example.name)
def test_every_message_of_the_messages_doc_fits_its_budget(
    example: catalogue.Example, lang: Language
) -> None:
    text = example.text(lang)
    if example.budget is not None:
        assert segments(text) <= example.budget, (units(text), text)
    assert "{" not in text and "}" not in text


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: example.name)
def test_the_kazakh_and_russian_texts_differ(example: Example) -> None:
    kk, ru = (rendered(example, lang) for lang in LANGS)
    assert kk.text != ru.text
    assert (kk.language, ru.language) == ("kk", "ru")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: example.name)
def test_no_placeholder_is_left_unfilled(example: Example, lang: Language) -> None:
    text = rendered(example, lang).text
    assert "{" not in text
    assert "}" not in text


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    "example",
    [e for e in EXAMPLES if e.kind is not NoticeKind.LANGUAGE_CHANGED],
    ids=lambda example: example.name,
)
def test_every_case_notice_quotes_the_case_code(example: Example, lang: Language) -> None:
    assert "417" in rendered(example, lang).text


# ---------------------------------------------------------------- the offer


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("ctx", [BURIAL, SURVIVOR, DISABILITY], ids=str)
def test_the_offer_states_amount_consent_to_personal_data_code_and_1414(
    ctx: NoticeContext, lang: Language
) -> None:
    offer = render_offer(ctx, lang)
    assert ctx.amount is not None
    assert format_money(ctx.amount, lang) in offer.text
    assert "Код 417" in offer.text
    assert "1414" in offer.text
    personal_data = {Language.KK: "дербес деректер", Language.RU: "персональных данных"}
    proactive = {Language.KK: "проактивті қызмет", Language.RU: "проактивную услугу"}
    assert personal_data[lang] in offer.text
    assert proactive[lang] in offer.text
    assert offer.template_id == f"offer.{ctx.service.value}"


@pytest.mark.parametrize("ctx", [BURIAL, SURVIVOR, DISABILITY], ids=str)
def test_the_offer_uses_the_seed_terms_in_kazakh(ctx: NoticeContext) -> None:
    names = {
        Service.BURIAL: "Жерлеуге арналған біржолғы төлем",
        Service.SURVIVOR: "Асыраушысынан айырылу жағдайы бойынша жәрдемақы",
        Service.DISABILITY: "Мүгедектігі бойынша жәрдемақы",
    }
    text = render_offer(ctx, Language.KK).text
    assert text.startswith(names[ctx.service])
    assert "келісесіз бе? 1 – иә, 2 – жоқ" in text


def test_a_monthly_offer_says_per_month() -> None:
    assert "айына 152" in render_offer(SURVIVOR, Language.KK).text
    assert "в месяц" in render_offer(SURVIVOR, Language.RU).text
    assert "в месяц" not in render_offer(BURIAL, Language.RU).text


@pytest.mark.parametrize("lang", LANGS)
def test_an_offer_without_a_known_amount_names_the_service_only(lang: Language) -> None:
    offer = render_offer(context(Service.SURVIVOR, amount=None), lang)
    assert "₸" not in offer.text
    assert segments(offer.text) <= OFFER_SEGMENTS


@pytest.mark.parametrize("ctx", [BURIAL, SURVIVOR, DISABILITY], ids=str)
def test_the_offer_to_a_citizen_of_unknown_language_is_kazakh_then_russian(
    ctx: NoticeContext,
) -> None:
    both = render_offer(ctx, None)
    kk, ru = render_offer(ctx, Language.KK), render_offer(ctx, Language.RU)
    assert both.text == kk.text + BILINGUAL_SEPARATOR + ru.text
    assert both.language == "kk+ru"
    assert both.template_id == kk.template_id
    kk_part, ru_part = both.text.split(BILINGUAL_SEPARATOR)
    assert segments(kk_part) <= OFFER_SEGMENTS
    assert segments(ru_part) <= OFFER_SEGMENTS
    assert both.template_version not in {kk.template_version, ru.template_version}


def test_the_offer_notice_and_render_offer_agree() -> None:
    via_notice = render_notice(Notice(kind=NoticeKind.OFFER), Language.RU, SURVIVOR)
    assert via_notice == render_offer(SURVIVOR, Language.RU)


# ---------------------------------------------------------------- template versions


def test_the_template_version_changes_when_the_wording_changes() -> None:
    before = template_version("Код {code}. Жауап беріңіз.")
    after = template_version("Код {code}. Жауап беріңізші.")
    assert before != after
    assert len(before) == 12
    assert int(before, 16) >= 0  # hexadecimal


def test_the_template_version_is_stable_and_sees_where_texts_are_split() -> None:
    assert template_version("a", "b") == template_version("a", "b")
    assert template_version("a", "b") != template_version("ab")


def test_the_version_follows_the_wording_not_the_values() -> None:
    small = render_offer(context(amount=Decimal("1000.00")), Language.KK)
    large = render_offer(BURIAL, Language.KK)
    assert small.text != large.text
    assert small.template_version == large.template_version
    assert large.template_version != render_offer(BURIAL, Language.RU).template_version


def test_the_version_is_the_hash_of_the_catalog_wording_used() -> None:
    notice = Notice(kind=NoticeKind.ASK_IBAN)
    used = (
        notice_texts.ASK_IBAN,
        notice_texts.NOT_A_CARD,
        notice_texts.NO_CODES,
        notice_texts.CODE,
    )
    msgstrs = [translations(Language.RU).gettext(msgid) for msgid in used]
    rendered_ = render_notice(notice, Language.RU, BURIAL)
    assert rendered_.template_version == template_version(*msgstrs)


# ---------------------------------------------------------------- languages


@pytest.mark.parametrize("lang", ["en", "fr", "", "KK"])
def test_an_unknown_language_raises(lang: str) -> None:
    notice = Notice(kind=NoticeKind.HELP, params={"state": "offered"})
    with pytest.raises(UnknownLanguage):
        render_notice(notice, lang, BURIAL)  # type: ignore[arg-type]
    with pytest.raises(UnknownLanguage):
        render_offer(BURIAL, lang)  # type: ignore[arg-type]
    with pytest.raises(UnknownLanguage):
        render_shell(ShellNotice.STOPPED, lang, BURIAL)  # type: ignore[arg-type]


def test_the_language_changed_notice_names_the_new_language() -> None:
    notice = Notice(kind=NoticeKind.LANGUAGE_CHANGED)
    assert "қазақ тілінде" in render_notice(notice, Language.KK, BURIAL).text
    assert "на русском языке" in render_notice(notice, Language.RU, BURIAL).text


# ---------------------------------------------------------------- lists that may not fit


@pytest.mark.parametrize("lang", LANGS)
def test_not_accepted_with_all_five_checks_names_some_and_counts_the_rest(
    lang: Language,
) -> None:
    notice = Notice(kind=NoticeKind.NOT_ACCEPTED, params={"failures": ALL_CHECKS})
    text = render_notice(notice, lang, BURIAL).text
    more = {Language.KK: "тағы ", Language.RU: "и ещё "}
    assert more[lang] in text
    assert "1414" in text
    first = translations(lang).gettext(notice_texts.CHECK_SHORT[BurialCheck.DATA_COMPLETE])
    assert first in text


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("check", list(BurialCheck))
def test_a_single_failed_check_is_always_named(check: BurialCheck, lang: Language) -> None:
    notice = Notice(kind=NoticeKind.NOT_ACCEPTED, params={"failures": (check.value,)})
    text = render_notice(notice, lang, BURIAL).text
    assert translations(lang).gettext(notice_texts.CHECK_SHORT[check]) in text
    assert segments(text) <= NOTICE_SEGMENTS


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("code", list(ReasonCode))
def test_a_single_refusal_reason_is_always_named_with_the_appeal_right(
    code: ReasonCode, lang: Language
) -> None:
    notice = Notice(kind=NoticeKind.REFUSED, params={"reasons": (code.value,)})
    text = render_notice(notice, lang, BURIAL).text
    assert translations(lang).gettext(notice_texts.REASON_SHORT[code]) in text
    assert translations(lang).gettext(notice_texts.FULL_REASONS) in text
    assert translations(lang).gettext(notice_texts.APPEAL_SHORT) in text
    assert segments(text) <= REFUSAL_SEGMENTS


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("ctx", [BURIAL, SURVIVOR, DISABILITY], ids=str)
def test_a_refusal_says_who_refused_what_benefit(ctx: NoticeContext, lang: Language) -> None:
    notice = Notice(kind=NoticeKind.REFUSED, params={"reasons": ("data_missing",)})
    text = render_notice(notice, lang, ctx).text
    names = (notice_texts.SHORT_NAMES[ctx.service], notice_texts.BRIEF_NAMES[ctx.service])
    assert any(capitalized(translations(lang).gettext(name)) in text for name in names), text
    refused = {Language.KK: "тағайындаудан бас тартылды", Language.RU: "в назначении отказано"}
    assert refused[lang] in text


@pytest.mark.parametrize("lang", LANGS)
def test_a_refusal_with_three_reasons_keeps_the_appeal_and_says_how_many_more(
    lang: Language,
) -> None:
    notice = Notice(kind=NoticeKind.REFUSED, params={"reasons": THREE_REASONS})
    text = render_notice(notice, lang, DISABILITY).text
    appeal = {Language.KK: "уәкілетті органға", Language.RU: "уполномоченный орган"}
    more = {Language.KK: "тағы 2", Language.RU: "и ещё 2"}
    assert appeal[lang] in text
    assert more[lang] in text


@pytest.mark.parametrize("lang", LANGS)
def test_every_refusal_reason_at_once_still_fits(lang: Language) -> None:
    reasons = tuple(code.value for code in ReasonCode)
    text = render_notice(
        Notice(kind=NoticeKind.REFUSED, params={"reasons": reasons}), lang, BURIAL
    )
    assert segments(text.text) <= REFUSAL_SEGMENTS


@pytest.mark.parametrize("lang", LANGS)
def test_a_refusal_without_known_reasons_still_gives_the_appeal_right(lang: Language) -> None:
    notice = Notice(kind=NoticeKind.REFUSED, params={"reasons": ("no_such_reason",)})
    text = render_notice(notice, lang, BURIAL).text
    assert translations(lang).gettext(notice_texts.APPEAL_SHORT) in text


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1, "1 причина"), (2, "2 причины"), (5, "5 причин"), (21, "21 причина")],
)
def test_russian_counts_of_reasons_take_their_plural_forms(n: int, expected: str) -> None:
    text = render_plural(notice_texts.REASONS_ELSEWHERE, n, "ru")
    assert text.startswith(expected)


# ---------------------------------------------------------------- the other notices


@pytest.mark.parametrize("lang", LANGS)
def test_the_account_question_shows_only_the_accounts_last_four_characters(
    lang: Language,
) -> None:
    notice = Notice(kind=NoticeKind.ASK_ACCOUNT_CONFIRM, params={"account": ACCOUNT})
    text = render_notice(notice, lang, BURIAL).text
    assert "****0100" in text
    assert "KZ**" not in text
    assert "1 " in text and "2 " in text


def test_a_short_bank_name_is_shown_and_one_too_long_for_the_sms_is_left_out() -> None:
    notice = Notice(kind=NoticeKind.ASK_ACCOUNT_CONFIRM, params={"account": ACCOUNT})
    assert "Kaspi Bank" in render_notice(notice, Language.RU, context(bank_name="Kaspi Bank")).text
    for lang in LANGS:
        text = render_notice(notice, lang, context(bank_name=LONGEST_BANK)).text
        assert LONGEST_BANK not in text
        assert segments(text) <= NOTICE_SEGMENTS


ACCOUNT_QUESTIONS = [
    Notice(kind=NoticeKind.ASK_ACCOUNT_CONFIRM, params={"account": ACCOUNT}),
    Notice(kind=NoticeKind.ASK_IBAN),
    *(
        Notice(kind=NoticeKind.INVALID_IBAN, params={"reason": reason})
        for reason in ("country", "length", "format", "check_digits")
    ),
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("notice", ACCOUNT_QUESTIONS, ids=lambda n: str(n.params or n.kind))
def test_every_account_question_says_we_never_ask_for_codes_pins_or_card_data(
    notice: Notice, lang: Language
) -> None:
    text = render_notice(notice, lang, context(bank_name=LONGEST_BANK)).text
    assert translations(lang).gettext(notice_texts.NO_CODES) in text
    asks_for_an_iban = notice.kind is not NoticeKind.ASK_ACCOUNT_CONFIRM
    assert (translations(lang).gettext(notice_texts.NOT_A_CARD) in text) is asks_for_an_iban
    assert segments(text) <= NOTICE_SEGMENTS


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    "render",
    [
        lambda lang: render_notice(Notice(kind=NoticeKind.HOME_VISIT_REQUESTED), lang, BURIAL),
        lambda lang: render_shell(ShellNotice.OPERATOR_HANDOFF, lang, BURIAL),
    ],
    ids=["home visit", "operator handoff"],
)
def test_a_message_announcing_a_call_says_the_caller_never_asks_for_codes(
    render: Any, lang: Language
) -> None:
    text = render(lang).text
    assert "1414" in text
    assert translations(lang).gettext(notice_texts.CALLER_NO_CODES) in text


@pytest.mark.parametrize("lang", LANGS)
def test_each_iban_fault_is_explained_differently(lang: Language) -> None:
    texts = {
        render_notice(
            Notice(kind=NoticeKind.INVALID_IBAN, params={"reason": reason}), lang, BURIAL
        ).text
        for reason in ("country", "length", "format", "check_digits")
    }
    assert len(texts) == 4


def test_an_unknown_iban_fault_is_explained_as_a_format_fault() -> None:
    odd = render_notice(Notice(kind=NoticeKind.INVALID_IBAN), Language.RU, BURIAL)
    fmt = render_notice(
        Notice(kind=NoticeKind.INVALID_IBAN, params={"reason": "format"}), Language.RU, BURIAL
    )
    assert odd.text == fmt.text
    assert odd.template_id == "invalid_iban.format"


def test_times_are_shown_in_almaty_as_a_numeric_date_and_hh_mm() -> None:
    reminder = Notice(kind=NoticeKind.REMINDER, params={"state": "offered"})
    assert "18:30 28.11.2026" in render_notice(reminder, Language.RU, BURIAL).text
    due = datetime(2026, 11, 27, 13, 30, tzinfo=UTC)
    accepted = Notice(kind=NoticeKind.ACCEPTED, params={"due_at": due})
    assert "27.11.2026, сағ. 18:30" in render_notice(accepted, Language.KK, BURIAL).text


def test_the_application_number_is_shown_when_known() -> None:
    accepted = Notice(kind=NoticeKind.ACCEPTED, params={"due_at": DUE})
    assert "№0826-000123456789" in render_notice(accepted, Language.KK, BURIAL).text
    without = render_notice(accepted, Language.RU, context(application_number=None)).text
    assert "№" not in without


def test_an_assignment_per_month_says_from_when() -> None:
    notice = Notice(
        kind=NoticeKind.ASSIGNED,
        params={"amount": SURVIVOR_AMOUNT, "start": date(2025, 11, 30)},
    )
    assert "в месяц с 30.11.2025" in render_notice(notice, Language.RU, SURVIVOR).text
    assert "30.11.2025 ж. бастап айына" in render_notice(notice, Language.KK, SURVIVOR).text


def test_a_one_time_assignment_has_no_start_date() -> None:
    notice = Notice(
        kind=NoticeKind.ASSIGNED, params={"amount": BURIAL_AMOUNT, "start": date(2026, 11, 25)}
    )
    text = render_notice(notice, Language.RU, BURIAL).text
    assert "25.11.2026" not in text
    assert format_money(BURIAL_AMOUNT, "ru") in text


@pytest.mark.parametrize("lang", LANGS)
def test_help_in_an_offer_lists_every_reply(lang: Language) -> None:
    text = render_notice(Notice(kind=NoticeKind.HELP, params={"state": "offered"}), lang, BURIAL)
    home = {Language.KK: "ҮЙ", Language.RU: "ДОМ"}
    for reply in ("1 ", "2 ", "KZ/RU", "СТОП", home[lang]):
        assert reply in text.text


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("state", ["offered", "awaiting_account", "registered", "assigned"])
def test_help_names_tg_for_the_telegram_link(state: str, lang: Language) -> None:
    notice = Notice(kind=NoticeKind.HELP, params={"state": state})
    text = render_notice(notice, lang, BURIAL).text
    assert "ТГ" in text and "Telegram" in text


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", [NoticeKind.DECLINED, NoticeKind.EXPIRED])
def test_a_closed_offer_says_how_to_apply_otherwise(kind: NoticeKind, lang: Language) -> None:
    text = render_notice(Notice(kind=kind), lang, BURIAL).text
    office = {Language.KK: "ХҚКО", Language.RU: "ЦОН"}
    assert "egov.kz" in text
    assert office[lang] in text
    assert "1414" not in text  # 1414 gives information; it takes no applications


def test_a_naive_expiry_is_refused() -> None:
    with pytest.raises(ValidationError):
        context(expires_at=datetime(2026, 11, 28, 18, 30))  # noqa: DTZ001 - the point


def test_a_code_must_have_three_digits() -> None:
    with pytest.raises(ValidationError):
        context(code="41")


# ---------------------------------------------------------------- shell notices

THREE_CASES: list[tuple[str, Service, str | None]] = [
    ("417", Service.BURIAL, "Серік"),
    ("532", Service.SURVIVOR, "Серік"),
    ("618", Service.DISABILITY, None),
]
SHELL_EXAMPLES: list[tuple[ShellNotice, dict[str, object]]] = [
    (ShellNotice.WHICH_CASE, {"cases": THREE_CASES}),
    (ShellNotice.WHICH_CASE, {"cases": THREE_CASES[:2]}),
    (ShellNotice.OPERATOR_HANDOFF, {}),
    (ShellNotice.STOPPED, {}),
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("kind", "params"), SHELL_EXAMPLES)
def test_every_shell_notice_fits_two_segments(
    kind: ShellNotice, params: dict[str, object], lang: Language
) -> None:
    shell = render_shell(kind, lang, BURIAL, **params)
    assert segments(shell.text) <= NOTICE_SEGMENTS, (units(shell.text), shell.text)
    assert shell.template_id == kind.value
    assert shell.language == lang.value


@pytest.mark.parametrize(("kind", "params"), SHELL_EXAMPLES)
def test_shell_notices_differ_between_kazakh_and_russian(
    kind: ShellNotice, params: dict[str, object]
) -> None:
    kk, ru = (render_shell(kind, lang, BURIAL, **params).text for lang in LANGS)
    assert kk != ru


@pytest.mark.parametrize("lang", LANGS)
def test_which_case_lists_every_open_code_and_shows_how_to_quote_one(lang: Language) -> None:
    text = render_shell(ShellNotice.WHICH_CASE, lang, BURIAL, cases=THREE_CASES).text
    for code, _, _ in THREE_CASES:
        assert code in text
    assert text.rstrip(".").endswith("1 417")


@pytest.mark.parametrize("lang", LANGS)
def test_which_case_tells_two_offers_of_one_benefit_apart_by_first_name(lang: Language) -> None:
    two = [("417", Service.DISABILITY, "Аружан"), ("532", Service.DISABILITY, "Нұрсұлтан")]
    text = render_shell(ShellNotice.WHICH_CASE, lang, BURIAL, cases=two).text
    assert "Аружан" in text and "Нұрсұлтан" in text
    different = render_shell(ShellNotice.WHICH_CASE, lang, BURIAL, cases=THREE_CASES).text
    assert "Серік" not in different  # one case of each benefit: the code tells them apart


@pytest.mark.parametrize("lang", LANGS)
def test_which_case_with_too_many_cases_says_how_many_more(lang: Language) -> None:
    cases = [*THREE_CASES, ("721", Service.BURIAL, None), ("845", Service.SURVIVOR, None)]
    text = render_shell(ShellNotice.WHICH_CASE, lang, BURIAL, cases=cases).text
    assert segments(text) <= NOTICE_SEGMENTS
    assert {Language.KK: "тағы ", Language.RU: "и ещё "}[lang] in text


def test_which_case_needs_the_cases() -> None:
    with pytest.raises(TypeError):
        render_shell(ShellNotice.WHICH_CASE, Language.KK, BURIAL)


@pytest.mark.parametrize("lang", LANGS)
def test_stop_says_how_to_apply_otherwise_and_the_handoff_names_1414(lang: Language) -> None:
    stopped = render_shell(ShellNotice.STOPPED, lang, BURIAL).text
    assert "egov.kz" in stopped and "1414" not in stopped
    assert "1414" in render_shell(ShellNotice.OPERATOR_HANDOFF, lang, BURIAL).text


@pytest.mark.parametrize("lang", [Language.KK, Language.RU])
def test_the_assigned_result_names_the_account_by_its_last_four_characters(lang: Language) -> None:
    ctx = NoticeContext(
        service=Service.DISABILITY,
        code="417",
        amount=Decimal("111872.20"),
        monthly=True,
        account_last4="0100",
    )
    notice = Notice(
        kind=NoticeKind.ASSIGNED,
        params={"amount": Decimal("111872.20"), "start": date(2026, 1, 5)},
    )
    text = render_notice(notice, lang, ctx).text
    assert "****0100" in text
    assert segments(text) <= 2


@pytest.mark.parametrize(("lang", "word"), [(Language.KK, "Балаңызға"), (Language.RU, "ребёнка")])
def test_a_disability_offer_to_a_representative_says_it_is_for_their_child(
    lang: Language, word: str
) -> None:
    ctx = NoticeContext(
        service=Service.DISABILITY,
        code="417",
        amount=Decimal("111872.20"),
        monthly=True,
        for_child=True,
    )
    text = render_offer(ctx, lang).text
    assert word in text
    assert segments(text) <= 3


# ---------------------------------------------------------------- telling two offers apart


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    "ctx",
    [catalogue.BURIAL, catalogue.SURVIVOR, catalogue.FAMILY_SHARE, catalogue.CHILD_DISABILITY],
    ids=["burial", "survivor", "survivor share", "child's disability"],
)
def test_an_offer_about_someone_else_names_them_within_three_segments(
    ctx: NoticeContext, lang: Language
) -> None:
    assert ctx.subject_name is not None and len(ctx.subject_name) >= 9
    text = render_offer(ctx, lang).text
    assert ctx.subject_name in text
    assert segments(text) <= OFFER_SEGMENTS


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("ctx", [BURIAL, SURVIVOR, DISABILITY], ids=str)
def test_the_reminder_names_the_benefit_and_repeats_what_to_reply(
    ctx: NoticeContext, lang: Language
) -> None:
    text = render_notice(
        Notice(kind=NoticeKind.REMINDER, params={"state": "offered"}), lang, ctx
    ).text
    names = (notice_texts.SHORT_NAMES[ctx.service], notice_texts.BRIEF_NAMES[ctx.service])
    assert any(translations(lang).gettext(name) in text for name in names), text
    assert "1 " in text and "2 " in text
    assert "417" in text


@pytest.mark.parametrize("lang", LANGS)
def test_the_telegram_link_goes_only_in_the_answer_to_tg(lang: Language) -> None:
    link = "t.me/proactive_benefits_bot?start=417"
    text = render_shell(ShellNotice.TELEGRAM_LINK, lang, BURIAL, link=link).text
    assert link in text
    for example in every_example():
        if example.template != ShellNotice.TELEGRAM_LINK.value:
            assert "t.me/" not in example.text(lang), example.name
