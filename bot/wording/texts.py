"""What the citizen reads: domain codes to msgids, rendered with an explicit locale.

The domain returns notice kinds, codes and parameters, never wording. Here each code maps
to an English msgid marked with `N_` (or `N_plural`) so the extractor finds it; the kk and
ru catalogs in `locales/` translate it. Every function takes the language explicitly, so
SMS, scheduled jobs and Telegram render through one path. Numbers, money and dates are
formatted by Babel for kk_KZ and ru_KZ.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache
from typing import NamedTuple

from babel.dates import format_date as babel_format_date
from babel.numbers import format_currency, format_decimal
from babel.support import Translations

from bot.wording.catalogs import DOMAIN, Layout, compile_catalog, is_stale
from domain.model import BurialCheck, Language, ReasonCode, RefusalGround, Service
from domain.services.disability import Cause

LAYOUT = Layout()
BABEL_LOCALE = {Language.KK: "kk_KZ", Language.RU: "ru_KZ"}
CURRENCY = "KZT"  # shown as the tenge sign ₸: not GSM-7, but kk and ru SMS are UCS-2 anyway
DATE_FORMAT = "long"  # kk_KZ: "2026 ж. 25 қараша"; ru_KZ: "25 ноября 2026 г."


class UnknownLanguage(ValueError):
    """A language the bot has no catalog for."""


class PluralText(NamedTuple):
    """A msgid with its plural msgid; the catalogs hold the forms (kk two, ru three)."""

    singular: str
    plural: str


def N_(msgid: str) -> str:
    """Mark a msgid for extraction; it is translated later, when rendered."""
    return msgid


def N_plural(singular: str, plural: str) -> PluralText:
    """Mark a msgid with plural forms for extraction."""
    return PluralText(singular, plural)


# ---------------------------------------------------------------- catalogs and rendering


def language(lang: str) -> Language:
    """The language named `lang`, or UnknownLanguage."""
    try:
        return Language(lang)
    except ValueError:
        known = ", ".join(member.value for member in Language)
        raise UnknownLanguage(f"unknown language {lang!r}; expected one of {known}") from None


@cache
def translations(lang: Language) -> Translations:
    """The compiled catalog of a language, built from its `.po` first when stale."""
    if is_stale(lang.value, LAYOUT):
        compile_catalog(lang.value, LAYOUT)
    with LAYOUT.mo(lang.value).open("rb") as fileobj:
        return Translations(fileobj, domain=DOMAIN)


def render(msgid: str, lang: str, **params: object) -> str:
    """The translation of `msgid` in `lang`, with its {placeholders} filled in."""
    return translations(language(lang)).gettext(msgid).format(**params)


def render_plural(text: PluralText, n: int, lang: str, **params: object) -> str:
    """The plural form for `n` in `lang`; `{n}` is filled in with `n` formatted."""
    form = translations(language(lang)).ngettext(text.singular, text.plural, n)
    return form.format(**{"n": format_number(n, lang), **params})


@lru_cache(maxsize=4096)  # Babel's formatting is slow and a few amounts recur in every text
def format_money(amount: Decimal, lang: str) -> str:
    """An amount in tenge, e.g. "95 495,40 ₸" (no-break spaces) in both kk and ru."""
    return format_currency(amount, CURRENCY, locale=BABEL_LOCALE[language(lang)])


def format_date(day: date, lang: str) -> str:
    """A date in words: "2026 ж. 25 қараша" (kk), "25 ноября 2026 г." (ru)."""
    return babel_format_date(day, DATE_FORMAT, locale=BABEL_LOCALE[language(lang)])


def format_number(value: Decimal | int, lang: str) -> str:
    """A number with the locale's separators, e.g. "1,76" or "50 851"."""
    return format_decimal(value, locale=BABEL_LOCALE[language(lang)])


# ---------------------------------------------------------------- the texts


@dataclass(frozen=True)
class BenefitNames:
    """A benefit's names, lower case (a sentence start capitalises one)."""

    legal: str  # as the law names it: decisions, the CLI, the console's case page
    short: str  # in an SMS, shorter where the legal name is long
    brief: str  # a word or two: several open cases in one SMS, the console's lists


# Every benefit of `domain.benefits.BENEFITS` has its names here (a test holds them together).
BENEFIT_NAMES: dict[Service, BenefitNames] = {
    Service.BURIAL: BenefitNames(
        legal=N_("one-time burial payment"),
        short=N_("one-time burial payment"),
        brief=N_("burial"),
    ),
    Service.DISABILITY: BenefitNames(
        legal=N_("state social benefit for disability"),
        short=N_("disability benefit"),
        brief=N_("disability"),
    ),
    Service.SURVIVOR: BenefitNames(
        legal=N_("state social benefit in case of loss of a breadwinner"),
        short=N_("benefit in case of loss of a breadwinner"),
        brief=N_("loss of a breadwinner"),
    ),
}
SERVICE_NAMES: dict[Service, str] = {s: names.legal for s, names in BENEFIT_NAMES.items()}

# burial p.13: each check, phrased as the fact that failed it (a notice of non-acceptance).
ALREADY_ASSIGNED = N_("A burial payment has already been assigned for this deceased person.")
ALREADY_FILED = N_(
    "An application for the burial payment has already been filed for this deceased person."
)
NOT_A_RECIPIENT = N_(
    "On the date of death the deceased did not receive an age pension, the state basic "
    "pension, a state social benefit or the state special benefit."
)
TOO_LATE = N_("More than three years have passed since the date of death.")

CHECK_FAILURES: dict[BurialCheck, str] = {
    BurialCheck.DATA_COMPLETE: N_("The data needed for the application are incomplete."),
    BurialCheck.NOT_ALREADY_ASSIGNED: ALREADY_ASSIGNED,
    BurialCheck.NOT_ALREADY_FILED: ALREADY_FILED,
    BurialCheck.RECIPIENT_ON_DEATH: NOT_A_RECIPIENT,
    BurialCheck.WITHIN_THREE_YEARS: TOO_LATE,
}

REASONS: dict[ReasonCode, str] = {
    ReasonCode.DATA_MISSING: N_("The state databases lack data needed for the decision."),
    ReasonCode.DATA_INCORRECT: N_(
        "Data needed for the decision are recorded incorrectly in the state databases."
    ),
    ReasonCode.BURIAL_ALREADY_ASSIGNED: ALREADY_ASSIGNED,
    ReasonCode.BURIAL_ALREADY_FILED: ALREADY_FILED,
    ReasonCode.DECEASED_NOT_A_RECIPIENT: NOT_A_RECIPIENT,
    ReasonCode.BURIAL_TOO_LATE: TOO_LATE,
    ReasonCode.DISABILITY_NOT_ESTABLISHED: N_(
        "For the period of the benefit the central database of persons with disabilities "
        "shows no established disability."
    ),
    ReasonCode.DISABILITY_ALREADY_ASSIGNED: N_(
        "The state social benefit for disability is already paid for this establishment of "
        "disability."
    ),
    ReasonCode.NO_ELIGIBLE_DEPENDENTS: N_(
        "None of the dependents the application is for is entitled to the benefit on its "
        "start date."
    ),
    ReasonCode.CONSENT_WITHDRAWN: N_("Consent to access restricted personal data was withdrawn."),
}

# App.2/3/4 row 9: the three grounds of refusal.
GROUNDS: dict[RefusalGround, str] = {
    RefusalGround.UNRELIABLE_DATA: N_(
        "The documents or the data in them were found to be unreliable."
    ),
    RefusalGround.NOT_ELIGIBLE: N_(
        "The service recipient or the data do not meet the requirements of the law of the "
        "Republic of Kazakhstan."
    ),
    RefusalGround.NO_CONSENT: N_("There is no consent to access restricted personal data."),
}

# disability p.34, survivor p.34 (Law on Public Services art. 25 p.2): every refusal says so.
APPEAL = N_(
    "If you disagree with the result, you may file a complaint with the authorised body for "
    "assessing and controlling the quality of public services."
)
# App.2/3/4 row 10: status and home visits through the contact centre.
CONTACT_CENTRE = N_("Information: contact centre 1414, 8-800-080-7777.")

CAUSES: dict[Cause, str] = {
    Cause.GENERAL_ILLNESS: N_("general illness"),
    Cause.WORK_INJURY: N_("work injury"),
    Cause.OCCUPATIONAL_DISEASE: N_("occupational disease"),
    Cause.SINCE_CHILDHOOD: N_("disability since childhood"),
    Cause.CHILD_7_TO_18: N_("child with disability aged 7 to 18"),
    Cause.CHILD_UNDER_7: N_("child with disability under 7"),
}


def service_name(service: Service, lang: str) -> str:
    """The service's legal name, lower case, for use inside a sentence."""
    return render(SERVICE_NAMES[service], lang)


def check_text(check: BurialCheck, lang: str) -> str:
    """Why a burial application was not accepted, as the failed fact (burial p.13, p.16)."""
    return render(CHECK_FAILURES[check], lang)


def reason_text(code: ReasonCode, lang: str) -> str:
    """Why a decision refuses, in plain words."""
    return render(REASONS[code], lang)


def ground_text(ground: RefusalGround, lang: str) -> str:
    """The legal ground of a refusal (App.2/3/4 row 9)."""
    return render(GROUNDS[ground], lang)


def appeal_text(lang: str) -> str:
    """The right to complain about the result (disability and survivor p.34)."""
    return render(APPEAL, lang)


def contact_text(lang: str) -> str:
    """Where to ask about the status: the contact centre (App.2/3/4 row 10)."""
    return render(CONTACT_CENTRE, lang)


def cause_text(cause: Cause, lang: str) -> str:
    """The cause of a disability as the registry records it, lower case."""
    return render(CAUSES[cause], lang)


def capitalized(text: str) -> str:
    """The text with its first letter in upper case, for a title or a sentence start."""
    return text[:1].upper() + text[1:]
