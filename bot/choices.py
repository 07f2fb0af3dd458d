"""The answers a prompt offers as buttons in chat: the same answers an SMS reply can give.

A message that asks something gets a keyboard here, worded from the catalogs in the
message's language: the offer asks for consent (yes / no), the account question asks to
confirm the account on file or give another, and a bilingual text lets the citizen choose
a language. A press becomes the same reply and intent as the words it stands for.
"""

from __future__ import annotations

import re

from bot.notice_texts import Rendered
from bot.records import Button, Keyboard
from bot.replies import Reply
from bot.texts import N_, render
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


def parse_button(data: str) -> tuple[int, str] | None:
    """Callback data "<outbox id>:<action>" → (id, action); None when it is not ours."""
    head, _, action = data.partition(":")
    if not MESSAGE_ID.fullmatch(head) or action not in MEANINGS:
        return None  # a modified client may send anything: only our own shape is read
    message_id = int(head)
    return (message_id, action) if message_id <= MAX_MESSAGE_ID else None


def button_data(message_id: int, action: str) -> str:
    """The callback data of a button: at most 64 bytes, as Telegram requires."""
    if not 1 <= message_id <= MAX_MESSAGE_ID or action not in MEANINGS:
        raise ValueError(f"no button for message {message_id} and action {action!r}")
    return f"{message_id}:{action}"  # at most 19 + 1 + 8 bytes: well within the limit
