"""What the citizen (or a timer, or the decision service) means, whatever channel it came by."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from domain.banking import Iban
from domain.decisions import Decision
from domain.model import Language


class _Intent(BaseModel):
    model_config = ConfigDict(frozen=True)


class ConsentYes(_Intent):
    """Yes: "1", иә, да, келісемін, согласен."""


class ConsentNo(_Intent):
    """No: "2", жоқ, нет."""


class ConfirmAccount(_Intent):
    """The account on file is right."""


class AnotherAccount(_Intent):
    """Pay to another account; an IBAN follows."""


class GiveIban(_Intent):
    """An IBAN given in a reply."""

    iban: Iban


class ChooseLanguage(_Intent):
    """Address me in this language from now on."""

    language: Language


class Stop(_Intent):
    """STOP / СТОП: refuse before consent, withdraw consent after it."""


class Help(_Intent):
    """HELP / ? / АНЫҚТАМА / СПРАВКА."""


class HomeVisit(_Intent):
    """Documents to be taken at home by the State Corporation (App.2 row 10)."""


class Unknown(_Intent):
    """A reply that says none of the above."""


class Remind(_Intent):
    """Timer: the reminder is due (48 h after the offer was sent, by default)."""


class Expire(_Intent):
    """Timer: the offer expires (72 h after it was sent, by default)."""


class ApplicationChecked(_Intent):
    """The acceptance checks ran on fresh registry data; these failed (burial p.13)."""

    failures: tuple[str, ...] = ()


class Decided(_Intent):
    """A decision was made, automatically or by a reviewer, and signed."""

    decision: Decision


Intent = (
    ConsentYes
    | ConsentNo
    | ConfirmAccount
    | AnotherAccount
    | GiveIban
    | ChooseLanguage
    | Stop
    | Help
    | HomeVisit
    | Unknown
    | Remind
    | Expire
    | ApplicationChecked
    | Decided
)
CITIZEN_INTENTS = (
    ConsentYes,
    ConsentNo,
    ConfirmAccount,
    AnotherAccount,
    GiveIban,
    ChooseLanguage,
    Stop,
    Help,
    HomeVisit,
    Unknown,
)
