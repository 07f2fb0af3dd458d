"""aiogram's I18n over the bot's own catalogs, and a middleware that reads the stored language.

`catalog_i18n()` hands aiogram the same compiled catalogs `bot.wording.texts` uses for SMS
(built from
the `.po` files when stale), so both channels word a msgid alike. `StoredLanguage` picks the
locale of each update: the linked citizen's language (the same choice SMS uses), else the
one chosen in the chat, else Telegram's language of the user when it is Kazakh or Russian,
else Kazakh, the state language.
"""

from __future__ import annotations

import gettext
from typing import Any

from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware

from bot.channels.telegram.linking import language_of_chat
from bot.ports import Storage
from bot.wording.texts import LAYOUT, translations
from domain.model import Language

DEFAULT_LOCALE = Language.KK.value


def catalog_i18n() -> I18n:
    """aiogram's I18n whose locales are the very catalogs of `bot.wording.texts` (compiled first
    when
    stale). Not a subclass: aiogram's `gettext` finds the I18n of the update by its class."""
    locales: dict[str, gettext.GNUTranslations] = {
        lang.value: translations(lang) for lang in Language
    }
    i18n = I18n(path=LAYOUT.root / "locales", default_locale=DEFAULT_LOCALE)
    i18n.locales = locales
    return i18n


def telegram_language(user: User | None) -> Language | None:
    """The user's Telegram interface language, when it is Kazakh or Russian."""
    code = (user.language_code or "") if user is not None else ""
    base = code.split("-")[0].lower()
    return Language(base) if base in {lang.value for lang in Language} else None


class StoredLanguage(I18nMiddleware):
    """The locale of an update: what the citizen chose or told, as stored."""

    def __init__(self, i18n: I18n, storage: Storage) -> None:
        super().__init__(i18n)
        self.storage = storage

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        """The stored language of the chat's citizen, else a guess (see the module)."""
        user: User | None = data.get("event_from_user")
        chat = data.get("event_chat")
        chat_id = getattr(chat, "id", None) or (user.id if user is not None else None)
        stored = None if chat_id is None else await language_of_chat(self.storage, chat_id)
        chosen = stored or telegram_language(user)
        return chosen.value if chosen is not None else DEFAULT_LOCALE
