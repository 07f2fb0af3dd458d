"""The buttons a message offers in chat, their callback data, and what a press means."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.records import Keyboard
from bot.service.choices import (
    ANOTHER,
    CALLBACK_DATA_LIMIT,
    CONFIRM,
    LABELS,
    MAX_MESSAGE_ID,
    MEANINGS,
    NO,
    SELF_NAME,
    YES,
    Press,
    button_data,
    is_current,
    keyboard_for,
    language_buttons,
    parse_button,
)
from bot.service.replies import Reply
from bot.wording.notice_texts import LanguageTag, Rendered
from bot.wording.texts import render
from domain import intents
from domain.cases import CaseState
from domain.model import Language

LANGUAGE_ROW = ("lang:kk", "lang:ru")
NOT_OFFERED = [state for state in CaseState if state is not CaseState.OFFERED]
NOT_AWAITING_ACCOUNT = [state for state in CaseState if state is not CaseState.AWAITING_ACCOUNT]


def rendered(template_id: str, language: LanguageTag = "kk") -> Rendered:
    """A text of the given template, worded in `language`."""
    return Rendered(text="…", template_id=template_id, template_version="x", language=language)


def actions(keyboard: Keyboard) -> list[tuple[str, ...]]:
    """The actions of a keyboard, row by row."""
    return [tuple(button.action for button in row) for row in keyboard.rows]


def labels(keyboard: Keyboard) -> dict[str, str]:
    """Each button's label by its action."""
    return {button.action: button.text for row in keyboard.rows for button in row}


# ---------------------------------------------------------------- keyboard_for


@pytest.mark.parametrize("template_id", ["offer", "offer.disability", "offer.burial"])
def test_an_offer_awaiting_consent_carries_one_row_of_yes_and_no(template_id: str) -> None:
    keyboard = keyboard_for(rendered(template_id), CaseState.OFFERED)

    assert keyboard is not None
    assert actions(keyboard) == [("yes", "no")]


@pytest.mark.parametrize("state", NOT_OFFERED)
def test_an_offer_outside_the_offered_state_carries_no_consent_buttons(state: CaseState) -> None:
    assert keyboard_for(rendered("offer.disability"), state) is None


@pytest.mark.parametrize("state", NOT_OFFERED)
def test_a_bilingual_offer_outside_the_offered_state_offers_only_the_languages(
    state: CaseState,
) -> None:
    keyboard = keyboard_for(rendered("offer.disability", "kk+ru"), state)

    assert keyboard is not None
    assert actions(keyboard) == [LANGUAGE_ROW]


def test_the_account_question_awaiting_the_account_carries_confirm_and_another() -> None:
    keyboard = keyboard_for(rendered("ask_account_confirm"), CaseState.AWAITING_ACCOUNT)

    assert keyboard is not None
    assert actions(keyboard) == [("confirm", "another")]


@pytest.mark.parametrize("state", NOT_AWAITING_ACCOUNT)
def test_the_account_question_in_another_state_carries_no_buttons(state: CaseState) -> None:
    assert keyboard_for(rendered("ask_account_confirm"), state) is None


@pytest.mark.parametrize("template_id", ["accepted", "assigned", "ask_iban", "reminder"])
@pytest.mark.parametrize("state", [CaseState.OFFERED, CaseState.AWAITING_ACCOUNT])
def test_a_message_that_asks_nothing_carries_no_keyboard(
    template_id: str, state: CaseState
) -> None:
    assert keyboard_for(rendered(template_id, "ru"), state) is None


def test_a_bilingual_offer_carries_language_buttons_under_the_consent_buttons() -> None:
    keyboard = keyboard_for(rendered("offer.disability", "kk+ru"), CaseState.OFFERED)

    assert keyboard is not None
    assert actions(keyboard) == [("yes", "no"), LANGUAGE_ROW]


def test_a_bilingual_label_names_the_answer_in_kazakh_then_russian() -> None:
    keyboard = keyboard_for(rendered("offer.disability", "kk+ru"), CaseState.OFFERED)

    assert keyboard is not None
    shown = labels(keyboard)
    assert shown["yes"] == render(YES, "kk") + " / " + render(YES, "ru")
    assert shown["no"] == render(NO, "kk") + " / " + render(NO, "ru")


def test_a_bilingual_account_question_words_its_buttons_in_both_languages() -> None:
    keyboard = keyboard_for(rendered("ask_account_confirm", "kk+ru"), CaseState.AWAITING_ACCOUNT)

    assert keyboard is not None
    assert actions(keyboard) == [("confirm", "another"), LANGUAGE_ROW]
    shown = labels(keyboard)
    assert shown["confirm"] == render(CONFIRM, "kk") + " / " + render(CONFIRM, "ru")
    assert shown["another"] == render(ANOTHER, "kk") + " / " + render(ANOTHER, "ru")


@pytest.mark.parametrize(
    ("template_id", "state"),
    [("offer.burial", CaseState.OFFERED), ("ask_account_confirm", CaseState.AWAITING_ACCOUNT)],
)
def test_a_keyboard_remembers_the_step_it_was_made_for(template_id: str, state: CaseState) -> None:
    keyboard = keyboard_for(rendered(template_id), state)

    assert keyboard is not None
    assert keyboard.step == state.value


@pytest.mark.parametrize("language", ["kk", "ru"])
@pytest.mark.parametrize(
    ("template_id", "state"),
    [("offer.burial", CaseState.OFFERED), ("ask_account_confirm", CaseState.AWAITING_ACCOUNT)],
)
def test_labels_are_worded_from_the_catalog_of_the_message_language(
    language: LanguageTag, template_id: str, state: CaseState
) -> None:
    keyboard = keyboard_for(rendered(template_id, language), state)

    assert keyboard is not None
    for action, text in labels(keyboard).items():
        assert text == render(LABELS[action], language)


def test_a_russian_offer_says_yes_in_russian_not_in_kazakh() -> None:
    keyboard = keyboard_for(rendered("offer.survivor", "ru"), CaseState.OFFERED)

    assert keyboard is not None
    assert labels(keyboard)["yes"] == render(YES, "ru")
    assert labels(keyboard)["yes"] != render(YES, "kk")


def test_the_language_buttons_name_each_language_in_itself() -> None:
    buttons = language_buttons()

    assert [(b.action, b.text) for b in buttons] == [
        ("lang:kk", render(SELF_NAME, "kk")),
        ("lang:ru", render(SELF_NAME, "ru")),
    ]
    assert buttons[0].text != buttons[1].text


# ---------------------------------------------------------------- callback data


CASE = "94c0163d375a4c5e"  # a case id as bot.service.intake makes them: 16 hex digits
STATES = ["", *(state.value for state in CaseState)]


@given(
    message_id=st.integers(min_value=1, max_value=MAX_MESSAGE_ID),
    case_id=st.one_of(st.none(), st.just(CASE)),
    step=st.sampled_from(STATES),
    action=st.sampled_from(sorted(MEANINGS)),
)
def test_callback_data_reads_back_as_the_message_case_step_and_action_it_was_made_from(
    message_id: int, case_id: str | None, step: str, action: str
) -> None:
    data = button_data(message_id, case_id, step, action)
    assert len(data.encode()) <= CALLBACK_DATA_LIMIT
    assert parse_button(data) == Press(message_id, case_id, step, action)


@pytest.mark.parametrize(
    "data",
    [
        "",
        "abc:yes",
        "12:yes",
        f"12:{CASE}:o:",
        f"12:{CASE}:o:maybe",
        f":{CASE}:o:yes",
        "yes",
        f"-12:{CASE}:o:yes",
        f"1.5:{CASE}:o:yes",
        f"12:{CASE}:o:YES",
        f"12:{CASE}:zz:yes",  # no such step
        "12:NOT-A-CASE:o:yes",
        f"12:{CASE}:offered:yes",  # the step is coded, never spelled out
    ],
)
def test_callback_data_that_is_not_ours_is_refused(data: str) -> None:
    assert parse_button(data) is None


def test_a_language_action_keeps_its_colon() -> None:
    assert parse_button("7:-:-:lang:ru") == Press(7, None, "", "lang:ru")


@pytest.mark.parametrize("message_id", [0, -1, MAX_MESSAGE_ID + 1, 10**60])
def test_no_button_is_made_for_an_id_no_outbox_row_can_have(message_id: int) -> None:
    with pytest.raises(ValueError, match="no button"):
        button_data(message_id, CASE, "offered", "yes")


@pytest.mark.parametrize(
    ("case_id", "step", "action"),
    [(CASE, "offered", "maybe"), ("not a case", "offered", "yes"), (CASE, "pondering", "yes")],
)
def test_no_button_is_made_for_an_unknown_action_case_or_step(
    case_id: str, step: str, action: str
) -> None:
    with pytest.raises(ValueError, match="no button"):
        button_data(12, case_id, step, action)


@pytest.mark.parametrize(
    "data",
    [
        f"²:{CASE}:o:yes",
        f"١٢:{CASE}:o:yes",
        f"0:{CASE}:o:yes",
        f"012:{CASE}:o:yes",
        f"{MAX_MESSAGE_ID + 1}:{CASE}:o:yes",
        "9" * 40 + ":-:-:yes",
    ],
)
def test_callback_data_a_modified_client_could_send_is_refused_not_crashed_on(data: str) -> None:
    assert parse_button(data) is None


# ---------------------------------------------------------------- is_current


@pytest.mark.parametrize("action", ["yes", "no"])
def test_a_consent_press_counts_only_in_the_step_its_keyboard_was_made_for(action: str) -> None:
    keyboard = keyboard_for(rendered("offer.burial"), CaseState.OFFERED)
    assert keyboard is not None

    assert is_current(keyboard, CaseState.OFFERED, action)
    for state in NOT_OFFERED:
        assert not is_current(keyboard, state, action)


@pytest.mark.parametrize("action", ["confirm", "another"])
def test_an_account_press_counts_only_while_the_account_is_awaited(action: str) -> None:
    keyboard = keyboard_for(rendered("ask_account_confirm"), CaseState.AWAITING_ACCOUNT)
    assert keyboard is not None

    assert is_current(keyboard, CaseState.AWAITING_ACCOUNT, action)
    for state in NOT_AWAITING_ACCOUNT:
        assert not is_current(keyboard, state, action)


@pytest.mark.parametrize("action", LANGUAGE_ROW)
@pytest.mark.parametrize("state", list(CaseState))
def test_a_language_press_counts_in_any_state(action: str, state: CaseState) -> None:
    keyboard = keyboard_for(rendered("offer.burial", "kk+ru"), CaseState.OFFERED)
    assert keyboard is not None

    assert is_current(keyboard, state, action)


# ---------------------------------------------------------------- meanings


@pytest.mark.parametrize(
    ("action", "reply", "intent"),
    [
        ("yes", Reply(kind="yes"), intents.ConsentYes()),
        ("no", Reply(kind="no"), intents.ConsentNo()),
        ("confirm", Reply(kind="yes"), intents.ConfirmAccount()),
        ("another", Reply(kind="no"), intents.AnotherAccount()),
        (
            "lang:kk",
            Reply(kind="language", language=Language.KK),
            intents.ChooseLanguage(language=Language.KK),
        ),
        (
            "lang:ru",
            Reply(kind="language", language=Language.RU),
            intents.ChooseLanguage(language=Language.RU),
        ),
    ],
)
def test_a_press_means_the_reply_and_intent_of_the_words_it_stands_for(
    action: str, reply: Reply, intent: intents.Intent
) -> None:
    assert MEANINGS[action] == (reply, intent)


def test_every_labelled_button_has_a_meaning() -> None:
    assert set(LABELS) | set(LANGUAGE_ROW) == set(MEANINGS)
