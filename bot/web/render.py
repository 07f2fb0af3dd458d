"""Pages from Jinja2 templates, worded from the same catalogs as SMS and Telegram.

The interface language is kk, ru or en (en is the msgids themselves), chosen by a cookie;
templates use `_()` / `{% trans %}` (extracted by `scripts/catalogs.py` like the code's
msgids). Filters mask personal data: an IIN shows its last four digits, an IBAN its bank
and last four, a phone its operator code and last two digits, and a citizen's own words
every IIN and IBAN in them (`mask_words`).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import jinja2
from aiohttp import web
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations

from bot.service.replies import mask_personal
from bot.web.access import Permission, may
from bot.web.security import CSRF_FIELD, SIGNED
from bot.wording.texts import N_, translations
from domain.calendar import ALMATY
from domain.identity import InvalidIin, parse_iin
from domain.model import Language
from domain.phone import InvalidPhone, mask_phone

LANG_COOKIE = "console_lang"
LANGUAGES = ("kk", "ru", "en")
DEFAULT = "kk"
LOCALES = {"kk": "kk_KZ", "ru": "ru_KZ", "en": "en"}
ENV_KEY: web.AppKey[jinja2.Environment] = web.AppKey("jinja", jinja2.Environment)
SIMULATION_KEY: web.AppKey[bool] = web.AppKey("simulation", bool)
LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}  # each in itself
ROLE_NAMES = {
    "operator": N_("operator"),
    "reviewer": N_("reviewer"),
    "tester": N_("tester"),
    "admin": N_("administrator"),
}
# The menu: (path, label, permission, only in simulation).
NAV: tuple[tuple[str, str, Permission, bool], ...] = (
    ("/", N_("Dashboard"), Permission.OVERVIEW, False),
    ("/ledger", N_("Consent ledger"), Permission.READ, False),
    ("/cases", N_("Cases"), Permission.READ, False),
    ("/review", N_("Review queue"), Permission.READ, False),
    ("/overdue", N_("Overdue"), Permission.READ, False),
    ("/system", N_("System"), Permission.OVERVIEW, False),
    ("/sim", N_("Simulation"), Permission.SIMULATE, True),
    ("/audit", N_("Audit"), Permission.ADMIN, False),
    ("/accounts", N_("Accounts"), Permission.ADMIN, False),
)


def language_of(request: web.Request) -> str:
    """The interface language the browser chose (a cookie), else Kazakh."""
    chosen = request.cookies.get(LANG_COOKIE, DEFAULT)
    return chosen if chosen in LANGUAGES else DEFAULT


def catalog(lang: str) -> NullTranslations:
    """kk and ru from the catalogs; en is the msgids themselves."""
    return NullTranslations() if lang == "en" else translations(Language(lang))


def mask_iin(value: str | None) -> str:
    """ "********1234"."""
    if not value:
        return ""
    try:
        return parse_iin(value).masked
    except InvalidIin:
        return "*" * max(len(value) - 4, 0) + value[-4:]


def mask_iban(value: str | None) -> str:
    """ "KZ86 125* **** **** 0100": the country, check digits and bank, and the last four."""
    if not value:
        return ""
    compact = value.replace(" ", "")
    hidden = compact[:7] + "*" * (len(compact) - 11) + compact[-4:]
    return " ".join(hidden[i : i + 4] for i in range(0, len(hidden), 4))


def mask_words(text: str | None) -> str:
    """A citizen's own words (a reply, a message, an error naming them) with every IIN and
    every IBAN in them masked, in any spelling the reply parser reads (`mask_personal`)."""
    return mask_personal(text) if text else ""


def mask_phone_filter(value: str | None) -> str:
    """ "+7 701 *** ** 71"."""
    if not value:
        return ""
    try:
        return mask_phone(value)
    except InvalidPhone:
        return value[:4] + "***"


def environment() -> jinja2.Environment:
    """The templates of bot/web/templates, autoescaped, with i18n and the masking filters."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("bot.web", "templates"),
        autoescape=jinja2.select_autoescape(("html", "svg")),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        mask_iin=mask_iin, mask_iban=mask_iban, mask_phone=mask_phone_filter, mask_words=mask_words
    )
    return env


def _formatters(lang: str) -> dict[str, Any]:
    locale = LOCALES[lang]

    def money(amount: Decimal | float | None) -> str:
        return "" if amount is None else format_currency(amount, "KZT", locale=locale)

    def number(value: int | Decimal) -> str:
        return format_decimal(value, locale=locale)

    def when(moment: datetime | None) -> str:
        if moment is None:
            return ""
        return format_datetime(moment.astimezone(ALMATY), "dd.MM.yyyy HH:mm", locale=locale)

    def day(value: date | None) -> str:
        return "" if value is None else format_date(value, "dd.MM.yyyy", locale=locale)

    return {"money": money, "number": number, "when": when, "day": day}


def page(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    """A template rendered in the request's language, with the signed-in account (if any)
    and its CSRF token for forms."""
    lang = language_of(request)
    words = catalog(lang)
    who = request.get(SIGNED)
    simulation = request.app[SIMULATION_KEY]
    nav = [
        (href, words.gettext(label))
        for href, label, permission, sim_only in NAV
        if who is not None and may(who.operator.role, permission) and (simulation or not sim_only)
    ]
    text = (
        request.app[ENV_KEY]
        .get_template(template)
        .render(
            gettext=words.gettext,
            ngettext=words.ngettext,
            _=words.gettext,
            lang=lang,
            languages=LANGUAGES,
            who=None if who is None else who.operator,
            csrf_field=CSRF_FIELD,
            csrf="" if who is None else who.session.csrf,
            path=request.path,
            nav=nav,
            role_names=ROLE_NAMES,
            language_names=LANGUAGE_NAMES,
            **_formatters(lang),
            **context,
        )
    )
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")
