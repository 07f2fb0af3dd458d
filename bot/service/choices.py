"""The answers a prompt offers as buttons in chat: the same answers an SMS reply can give.

A message that asks something gets a keyboard here, worded from the catalogs in the
message's language: the offer asks for consent (yes / no), the account question asks to
confirm the account on file or give another, and a bilingual text lets the citizen choose
a language. A press becomes the same reply and intent as the words it stands for.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from bot.records import Button, Keyboard
from bot.service.replies import Reply
from bot.wording.notice_texts import Rendered
from bot.wording.texts import N_, render
from domain import intents
from domain.cases import CaseState
from domain.model import Language

# TRANSLATORS: a button under the offer in Telegram: the consent to the proactive service.
YES = N_("Yes, I consent")
# TRANSLATORS: a button under the offer in Telegram: no consent.
NO = N_("No, thank you")
# TRANSLATORS: a button: the benefit is to be paid to the bank account on file.
CONFIRM = N_("Yes, to this account")
# TRANSLATORS: a button: the citizen will type another IBAN.
ANOTHER = N_("Another account")
# TRANSLATORS: the name of THIS language in itself, on a language button: "Қазақша" in the
# Kazakh catalog, "Русский" in the Russian one.
SELF_NAME = N_("English")

MESSAGE_ID = re.compile(r"[1-9][0-9]{0,18}")  # an outbox row id: ASCII digits, no leading 0
MAX_MESSAGE_ID = 2**63 - 1  # SQLite's INTEGER
CALLBACK_DATA_LIMIT = 64  # bytes (Bot API, InlineKeyboardButton.callback_data)
LANGUAGE_ACTION = {Language.KK: "lang:kk", Language.RU: "lang:ru"}
LABELS = {"yes": YES, "no": NO, "confirm": CONFIRM, "another": ANOTHER}

# What each press means: the reply it stands for (language, nonsense count) and the intent.
MEANINGS: dict[str, tuple[Reply, intents.Intent]] = {
    "yes": (Reply(kind="yes"), intents.ConsentYes()),
    "no": (Reply(kind="no"), intents.ConsentNo()),
    "confirm": (Reply(kind="yes"), intents.ConfirmAccount()),
    "another": (Reply(kind="no"), intents.AnotherAccount()),
    **{
        action: (Reply(kind="language", language=lang), intents.ChooseLanguage(language=lang))
        for lang, action in LANGUAGE_ACTION.items()
    },
}
LANGUAGE_ACTIONS = frozenset(LANGUAGE_ACTION.values())


def _label(msgid: str, language: str) -> str:
    """A label in the message's language; both, Kazakh first, for a bilingual message."""
    if language == "kk+ru":
        return " / ".join(render(msgid, lang) for lang in ("kk", "ru"))
    return render(msgid, language)


def _buttons(actions: tuple[str, ...], language: str) -> tuple[Button, ...]:
    return tuple(Button(text=_label(LABELS[a], language), action=a) for a in actions)


def language_buttons() -> tuple[Button, ...]:
    """Қазақша | Русский: each language named in itself."""
    return tuple(
        Button(text=render(SELF_NAME, lang.value), action=action)
        for lang, action in LANGUAGE_ACTION.items()
    )


def keyboard_for(rendered: Rendered, state: CaseState) -> Keyboard | None:
    """The buttons a message of a case in `state` carries in chat; None when it asks nothing."""
    rows: list[tuple[Button, ...]] = []
    if rendered.template_id.startswith("offer") and state is CaseState.OFFERED:
        rows.append(_buttons(("yes", "no"), rendered.language))
    elif rendered.template_id == "ask_account_confirm" and state is CaseState.AWAITING_ACCOUNT:
        rows.append(_buttons(("confirm", "another"), rendered.language))
    if rendered.language == "kk+ru":
        rows.append(language_buttons())
    return Keyboard(step=state.value, rows=tuple(rows)) if rows else None


def is_current(keyboard: Keyboard, state: CaseState, action: str) -> bool:
    """Whether a press still answers the case: the language any time, the rest in its step."""
    return action in LANGUAGE_ACTIONS or keyboard.step == state.value


class Press(NamedTuple):
    """What a button's callback data says: the message it came with, the case and the step
    it answers, and the answer."""

    message_id: int
    case_id: str | None  # None: a chat's own keyboard (the language), about no case
    step: str  # the case state the keyboard was made in ("" for none)
    action: str


# The step in callback data, two letters at most: the data must fit 64 bytes.
STEP_CODES: dict[str, str] = {
    "": "-",
    CaseState.NOT_OFFERED.value: "no",
    CaseState.NO_CONTACT.value: "nc",
    CaseState.OFFERED.value: "o",
    CaseState.AWAITING_ACCOUNT.value: "a",
    CaseState.REGISTERED.value: "r",
    CaseState.NOT_ACCEPTED.value: "na",
    CaseState.UNDER_REVIEW.value: "u",
    CaseState.ASSIGNED.value: "as",
    CaseState.REFUSED.value: "rf",
    CaseState.DECLINED.value: "d",
    CaseState.WITHDRAWN.value: "w",
    CaseState.EXPIRED.value: "e",
}
STEPS = {code: step for step, code in STEP_CODES.items()}
CASE_ID = re.compile(r"[0-9a-f]{1,24}")  # bot.service.intake.case_id: 16 hex digits
NO_CASE = "-"


def parse_button(data: str) -> Press | None:
    """Callback data "<message id>:<case id>:<step>:<action>" → a Press; None when it is not
    ours (a modified client may send anything: only our own shape is read)."""
    parts = data.split(":", 3)  # the action itself may hold a colon ("lang:kk")
    if len(parts) != 4:  # noqa: PLR2004 (the four fields)
        return None
    head, case, code, action = parts
    if not MESSAGE_ID.fullmatch(head) or action not in MEANINGS or code not in STEPS:
        return None
    if case != NO_CASE and not CASE_ID.fullmatch(case):
        return None
    message_id = int(head)
    if message_id > MAX_MESSAGE_ID:
        return None
    return Press(message_id, None if case == NO_CASE else case, STEPS[code], action)


def button_data(message_id: int, case_id: str | None, step: str, action: str) -> str:
    """The callback data of a button: the message, the case and the step, and the answer;
    at most 19 + 24 + 2 + 8 bytes and three colons, within Telegram's 64."""
    valid_case = case_id is None or CASE_ID.fullmatch(case_id)
    if not 1 <= message_id <= MAX_MESSAGE_ID or action not in MEANINGS or not valid_case:
        raise ValueError(f"no button for message {message_id} and action {action!r}")
    if step not in STEP_CODES:
        raise ValueError(f"no button for a keyboard made in step {step!r}")
    data = f"{message_id}:{case_id or NO_CASE}:{STEP_CODES[step]}:{action}"
    assert len(data.encode()) <= CALLBACK_DATA_LIMIT
    return data
