"""Names, regions and institutions from data/names.toml, and how surnames and patronymics form."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files
from typing import Literal

from pydantic import BaseModel, ConfigDict

Sex = Literal["M", "F"]
Origin = Literal["kazakh", "russian", "korean"]

# Kazakh letters as Russian-language documents spell them in a -ович/-овна patronymic.
_RUSSIFIED = str.maketrans("әғқңөұүһіӘҒҚҢӨҰҮҺІ", "агкноуухиАГКНОУУХИ")
_FEMININE_ENDINGS = ("ов", "ев", "ёв", "ин", "ын")
_ADJECTIVE_ENDINGS = ("ский", "цкий")
_VOWELS = "аеёиоуыэюяәөұүі"


class _Data(BaseModel):
    """Frozen data read from the TOML file."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class NameList(_Data):
    """Given names by sex and surnames (masculine form) of one naming tradition."""

    male: tuple[str, ...] = ()
    female: tuple[str, ...] = ()
    surnames: tuple[str, ...]


class Region(_Data):
    """An oblast or city of republican significance, weighted by population."""

    name: str
    weight: int


class NameBook(_Data):
    """Everything the generator names people and places with."""

    kazakh: NameList
    russian: NameList
    korean: NameList
    patronymic_exceptions: dict[str, tuple[str, str]]
    region: tuple[Region, ...]
    institutions: tuple[str, ...]

    def given(self, origin: Origin, sex: Sex) -> tuple[str, ...]:
        """Given names for a sex in a tradition (Koreans of Kazakhstan use Russian names)."""
        names = self.kazakh if origin == "kazakh" else self.russian
        return names.male if sex == "M" else names.female

    def surnames(self, origin: Origin) -> tuple[str, ...]:
        """Surnames (masculine form) of a tradition."""
        lists = {"kazakh": self.kazakh, "russian": self.russian, "korean": self.korean}
        return lists[origin].surnames


@cache
def name_book() -> NameBook:
    """The name book from fake_registries/data/names.toml."""
    text = files("fake_registries").joinpath("data", "names.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    data["institutions"] = data["institutions"]["names"]
    return NameBook.model_validate(data)


def surname_for(surname: str, sex: Sex) -> str:
    """The registered form of a (masculine) surname for a sex: Ахметов -> Ахметова for women."""
    if sex == "M":
        return surname
    if surname.endswith(_FEMININE_ENDINGS):
        return surname + "а"
    if surname.endswith(_ADJECTIVE_ENDINGS):
        return surname[:-2] + "ая"
    return surname


def kazakh_patronymic(father: str, sex: Sex) -> str:
    """The Kazakh form from the father's given name: Ерлан -> Ерланұлы / Ерланқызы."""
    return father + ("ұлы" if sex == "M" else "қызы")


def russian_patronymic(father: str, sex: Sex) -> str:
    """Russian form: Иван -> Иванович, Сергей -> Сергеевич, Илья -> Ильич, Асқар -> Аскарович."""
    exception = name_book().patronymic_exceptions.get(father)
    if exception is not None:
        return exception[0 if sex == "M" else 1]
    stem = father.translate(_RUSSIFIED)
    male, female = "ович", "овна"
    if stem.endswith("ий"):
        stem, male, female = stem[:-2], "ьевич", "ьевна"
    elif stem.endswith(("й", "ь")):
        stem, male, female = stem[:-1], "евич", "евна"
    elif stem.endswith(("а", "я")):
        stem, male, female = stem[:-1], "ич", "ична"
    elif stem[-1] in _VOWELS:
        male, female = "евич", "евна"
    return stem + (male if sex == "M" else female)


def patronymic_forms(father: str, sex: Sex) -> tuple[str, ...]:
    """Every patronymic a child of this father may carry: the Kazakh and the Russian form."""
    return (kazakh_patronymic(father, sex), russian_patronymic(father, sex))
