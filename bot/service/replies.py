"""Tolerant, pure parser of a citizen's SMS reply: yes, no, an IBAN, a language, STOP, help,
a home visit, the Telegram link (TG).

Words match whatever the case, punctuation or emoji around them, with Latin look-alikes read as
Cyrillic ("HET") and Kazakh letters typed without marks ("жок"); in IBANs Cyrillic look-alikes
are read as Latin ("КZ86…"). STOP outweighs all, then an IBAN (or a failed attempt at one);
otherwise the words must agree on one meaning, or the reply is "unknown".

`mask_personal` masks a citizen's words for display with the same reading: every account
attempt the parser would find, and every run of twelve digits or more (an IIN).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from domain.banking import KZ_IBAN_LENGTH, Iban, InvalidIban, Reason, parse_iban
from domain.model import Language

ReplyKind = Literal[
    "yes", "no", "iban", "language", "stop", "help", "home_visit", "telegram", "unknown", "empty"
]
Signal = Literal["yes", "no", "stop", "help", "home_visit", "telegram"] | Language

MAX_CHARS = 1000  # only the start of a longer text is read


class Reply(BaseModel):
    """What a reply says; the flow turns it into an intent."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ReplyKind
    iban: Iban | None = None  # kind "iban": the valid IBAN given
    iban_error: Reason | None = None  # kind "iban": why the IBAN-like text was refused
    language: Language | None = None  # kind "language": the language asked for
    code: str | None = None  # a quoted 3-digit case code, 100-999
    wrote_in: Language | None = None  # the language the reply's words are in


# Words, in their natural spelling; each group maps to the signal it gives.
_KK_WORDS: dict[Signal, str] = {
    "yes": "иә ия иа ие йә келісемін келісім келісем мақұл жарайды",
    "no": "келіспеймін жоқ",
    "stop": "тоқтат тоқтату тоқта",
    "help": "анықтама көмек",
    Language.KK: "қазақша",
    Language.RU: "орысша",
    "home_visit": "үй үйге үйден үйде",
}
_RU_WORDS: dict[Signal, str] = {
    "yes": "да согласен согласна соглашаюсь",
    "no": "нет отказываюсь",
    "stop": "отписаться отписка отпишите",
    "help": "справка помощь",
    Language.KK: "казахский казахски",
    Language.RU: "русский русски рус",
    "home_visit": "дом дому домой выезд",
}
_NEUTRAL_WORDS: dict[Signal, str] = {
    "yes": "ок",
    "stop": "стоп",
    Language.KK: "каз",
    "telegram": "тг телеграм телеграмм",
}
_LATIN_WORDS: dict[Signal, str] = {
    "yes": "1 ok okay yes y",
    "no": "2 no n",
    "stop": "stop",
    "help": "help",
    Language.KK: "kz kaz kk qaz",
    Language.RU: "ru rus russkiy russkii",
    "home_visit": "home",
    "telegram": "tg telegram",
}
_KK_ONLY = "рахмет емес бас тартамын менің шотым"  # Kazakh words with no signal of their own
_SYMBOLS: dict[str, Signal] = {"+": "yes", "👍": "yes", "👎": "no", "?": "help"}
_OUTWEIGHS_YES = "жок"  # plain жоқ: "келісім жоқ" is "no consent"

_LOOKALIKE_LATIN, _LOOKALIKE_CYRILLIC = "ABCEHKMOPTXYI", "АВСЕНКМОРТХУІ"
_TO_CYRILLIC = str.maketrans(_LOOKALIKE_LATIN, _LOOKALIKE_CYRILLIC)
_TO_LATIN = str.maketrans(_LOOKALIKE_CYRILLIC + "ҮЅЈ", _LOOKALIKE_LATIN + "YSJ")
_UNMARKED = str.maketrans("әғқңөұүһіёй", "агкноуухиеи")  # Kazakh letters typed without marks
_KAZAKH_LETTERS = frozenset("әғқңөұүһі")

_WORD = re.compile(r"[^\W_]+")
_CYRILLIC, _LATIN_LETTER = re.compile("[\u0400-\u04ff]"), re.compile("[A-Za-z]")
_SEPARATOR = re.compile(r"[ \-‐‑‒–—]+")  # what may stand between the groups of an IBAN
_ALNUM = re.compile(r"[A-Z0-9]+")
_KZ_RUN = re.compile(r"K[ZЗ]([A-Z0-9]*)")  # a Cyrillic З typed for Z is forgiven
_KZ_ATTEMPT = re.compile(r"KZ\d\d")
_CODE = re.compile(r"[1-9][0-9]{2}")
_BARE_MIN_LENGTH, _BARE_MIN_DIGITS = 16, 8  # an account-like run of letters and digits


def _plain(word: str) -> str:
    """Lower case, Kazakh letters without their marks: the form words are looked up in."""
    return word.lower().translate(_UNMARKED)


def _table(groups: dict[Signal, str]) -> dict[str, Signal]:
    return {_plain(word): signal for signal, words in groups.items() for word in words.split()}


_SIGNAL_OF = {**_table(_RU_WORDS), **_table(_KK_WORDS), **_table(_NEUTRAL_WORDS)}
_LATIN_SIGNAL_OF = _table(_LATIN_WORDS)
_PAIRS: dict[tuple[str, str], Signal] = {
    **{("не", _plain(w)): "no" for w in (*_RU_WORDS["yes"].split(), "хочу", "надо", "нужно")},
    **{(_plain(w), "емес"): "no" for w in (*_KK_WORDS["yes"].split(), "керек", "қажет")},
    ("бас", "тартамын"): "no",
}
_LANGUAGE_OF: dict[str, Language | None] = {
    **dict.fromkeys(_table(_RU_WORDS), Language.RU),
    **dict.fromkeys(map(_plain, _KK_ONLY.split()), Language.KK),
    **dict.fromkeys(_table(_KK_WORDS), Language.KK),
    **dict.fromkeys((*_table(_NEUTRAL_WORDS), "я")),  # "я" is also Russian "I"
}


@dataclass(frozen=True)
class _Token:
    """A run of letters and digits, read three ways, and the text up to the next token."""

    raw: str
    latin: str  # upper case, Cyrillic look-alikes as Latin: for IBANs
    latin_key: str  # lower-case `latin` for Latin words; "" when nothing was typed in ASCII
    word: str  # plain Cyrillic form for Cyrillic words; "" when the token is not such a word
    gap: str
    start: int  # where `raw` begins in the cleaned text


def _token(raw: str, gap: str, start: int) -> _Token:
    upper = raw.upper()
    latin, cyrillic = upper.translate(_TO_LATIN), upper.translate(_TO_CYRILLIC)
    latin_key = latin.lower() if raw.isascii() or _LATIN_LETTER.search(raw) else ""
    folds = _CYRILLIC.search(cyrillic) and not _LATIN_LETTER.search(cyrillic)  # "HET"
    word = _plain(cyrillic) if _CYRILLIC.search(raw) or folds else ""
    return _Token(raw=raw, latin=latin, latin_key=latin_key, word=word, gap=gap, start=start)


def _cleaned(text: str) -> tuple[str, list[int]]:
    """The text as it is read, and for each of its characters the index in `text` of the
    character it came from: controls and direction marks out, every space a plain space, NFKC
    forms in (a letter with its combining marks at a time; "№" stays "#", not "No")."""
    chars: list[str] = []
    origins: list[int] = []
    index = 0
    while index < len(text):
        char, end = text[index], index + 1
        if char.isspace():
            chars.append(" ")
            origins.append(index)
        elif unicodedata.category(char)[0] != "C":
            while end < len(text) and unicodedata.category(text[end])[0] == "M":
                end += 1
            for normal in unicodedata.normalize("NFKC", text[index:end].replace("№", "#")):
                chars.append(normal)
                origins.append(index)
        index = end
    return "".join(chars), origins


def _clean(text: str) -> str:
    """The first MAX_CHARS characters, as they are read (`_cleaned`)."""
    return _cleaned(text[:MAX_CHARS])[0]


def _tokens(text: str) -> list[_Token]:
    found = list(_WORD.finditer(text))
    ends = [match.start() for match in found[1:]] + [len(text)] if found else []
    return [
        _token(m.group(), text[m.end() : end], m.start())
        for m, end in zip(found, ends, strict=True)
    ]


def _joinable(tokens: list[_Token], index: int) -> bool:
    """True when token `index` is a letter-and-digit group right after a separator."""
    return (
        0 < index < len(tokens)
        and _SEPARATOR.fullmatch(tokens[index - 1].gap) is not None
        and _ALNUM.fullmatch(tokens[index].latin) is not None
    )


def _kz_attempt(tokens: list[_Token], first: int) -> tuple[int, str, int] | None:
    """(end, compact, where KZ stands in the token) of an IBAN attempt opening in token
    `first` with KZ and 2 digits."""
    latin = tokens[first].latin
    run = _KZ_RUN.search(latin)
    if run is None:
        return None
    compact, end = "KZ" + run.group(1), first + 1
    if run.end() == len(latin):  # groups may follow, as in "KZ86 125K ZT50 0410 0100"
        while _joinable(tokens, end) and len(compact + tokens[end].latin) <= KZ_IBAN_LENGTH:
            compact, end = compact + tokens[end].latin, end + 1
    elif len(compact) > KZ_IBAN_LENGTH and isinstance(_check(compact[:KZ_IBAN_LENGTH]), Iban):
        compact = compact[:KZ_IBAN_LENGTH]  # a word glued on: "kz86…0100спасибо"
    return (end, compact, run.start()) if _KZ_ATTEMPT.match(compact) else None


def _bare_part(token: _Token) -> bool:
    """Letters and digits that may belong to an account written without KZ: Latin letters
    and digits (of any script), nothing else."""
    return _ALNUM.fullmatch(token.latin) is not None and all(
        char.isascii() or char.isdigit() for char in token.raw
    )


def _bare_attempt(
    tokens: list[_Token], first: int, taken: set[int]
) -> tuple[int, str, int] | None:
    """(end, compact, 0) of a long account-like run without KZ, as "DE89 3704 0044 0532 0130
    00". Cyrillic letters are no part of one, even those with a Latin look-alike
    ("800505303007 рахмет" is no account)."""
    if first in taken or not _bare_part(tokens[first]):
        return None
    in_run = _joinable(tokens, first) and _bare_part(tokens[first - 1])
    if in_run and first - 1 not in taken:
        return None  # not the start of its run
    end = first + 1
    while _joinable(tokens, end) and end not in taken and _bare_part(tokens[end]):
        end += 1
    compact = "".join(token.latin for token in tokens[first:end])
    digits = sum(char.isdigit() for char in compact)
    if len(compact) < _BARE_MIN_LENGTH or digits < _BARE_MIN_DIGITS:
        return None
    return end, compact, 0


def _iban_spans(tokens: list[_Token]) -> list[tuple[int, int, str, int]]:
    """(first, end, compact, where it starts in the first token) of each IBAN attempt, in
    text order; KZ ones are found first."""
    spans: list[tuple[int, int, str, int]] = []
    taken: set[int] = set()
    for bare in (False, True):
        for first in range(len(tokens)):
            if first in taken:
                continue
            found = _bare_attempt(tokens, first, taken) if bare else _kz_attempt(tokens, first)
            if found is not None:
                spans.append((first, *found))
                taken.update(range(first, found[0]))
    return sorted(spans)


def _check(compact: str) -> Iban | Reason:
    try:
        return parse_iban(compact)
    except InvalidIban as error:
        return error.reason


def _signals(tokens: list[_Token]) -> list[Signal]:
    """The signal of each word or two-word phrase ("не согласен", "мақұл емес")."""
    signals: list[Signal] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        following = tokens[index + 1].word if index + 1 < len(tokens) else ""
        pair = _PAIRS.get((token.word, following))
        single = _LATIN_SIGNAL_OF.get(token.latin_key) or _SIGNAL_OF.get(token.word)
        signal = pair or single
        if signal is not None:
            signals.append(signal)
        index += 2 if pair else 1
    return signals


def _symbol_signals(text: str) -> list[Signal]:
    """Signals of chunks that are only symbols: "+", "?", "👍", "👎" (not "+7 701…")."""
    return [
        signal
        for chunk in text.split()
        if not _WORD.search(chunk)
        for char in chunk
        if (signal := _SYMBOLS.get(char)) is not None
    ]


def _language_of(token: _Token) -> Language | None:
    if _KAZAKH_LETTERS.intersection(token.raw.lower()):
        return Language.KK
    if token.latin_key in _LATIN_SIGNAL_OF:
        return None  # "НЕLР", "КZ": Latin words, whatever keyboard typed them
    if token.word in _LANGUAGE_OF:
        return _LANGUAGE_OF[token.word]
    return Language.RU if _CYRILLIC.search(token.raw) else None


def _wrote_in(words: list[_Token]) -> Language | None:
    """Kazakh if any word is Kazakh, else Russian if any is in Cyrillic, else None."""
    found = {_language_of(token) for token in words}
    return next((lang for lang in (Language.KK, Language.RU) if lang in found), None)


def _meaning(signals: list[Signal], words: list[_Token]) -> tuple[ReplyKind, Language | None]:
    """The one meaning the words agree on, or "unknown"."""
    found = set(signals)
    if any(token.word == _OUTWEIGHS_YES for token in words):
        found.discard("yes")
    if not found and [token.word for token in words if not token.raw.isdigit()] == ["я"]:
        found = {"yes"}  # "я" is yes only alone: "я не знаю" is not
    if len(found) != 1:
        return "unknown", None
    signal = found.pop()
    return ("language", signal) if isinstance(signal, Language) else (signal, None)


def _iban_reply(compacts: list[str], code: str | None, wrote_in: Language | None) -> Reply:
    results = [_check(compact) for compact in compacts]
    ibans = {result.compact: result for result in results if isinstance(result, Iban)}
    errors = [result for result in results if not isinstance(result, Iban)]
    if len(ibans) > 1:
        return Reply(kind="unknown", code=code, wrote_in=wrote_in)  # two accounts: which?
    iban = next(iter(ibans.values()), None)
    error = errors[0] if iban is None else None
    return Reply(kind="iban", iban=iban, iban_error=error, code=code, wrote_in=wrote_in)


def _is_blank(text: str) -> bool:
    return all(char == " " or unicodedata.category(char)[0] == "P" for char in text)


def parse_reply(text: str) -> Reply:
    """What a citizen's reply says; never raises, whatever the text."""
    clean = _clean(text)
    tokens = _tokens(clean)
    spans = _iban_spans(tokens)
    taken = {index for first, end, *_ in spans for index in range(first, end)}
    words = [token for index, token in enumerate(tokens) if index not in taken]
    codes = sorted({token.raw for token in words if _CODE.fullmatch(token.raw)})
    code, wrote_in = (codes[0] if len(codes) == 1 else None), _wrote_in(words)
    symbols = _symbol_signals(clean)
    if "stop" in _signals(tokens):
        return Reply(kind="stop", code=code, wrote_in=wrote_in)
    if len(codes) > 1:
        return Reply(kind="unknown", wrote_in=wrote_in)  # two cases quoted: which?
    if spans:
        return _iban_reply([compact for _, _, compact, _ in spans], code, wrote_in)
    if not tokens and not symbols and _is_blank(clean):
        return Reply(kind="empty")
    kind, language = _meaning(_signals(words) + symbols, words)
    return Reply(kind=kind, language=language, code=code, wrote_in=wrote_in)


# ---------------------------------------------------------------- personal data in the words

_DIGIT_RUN = re.compile(rf"\d+(?:{_SEPARATOR.pattern}\d+)*")  # digits, grouped as an IBAN may be
IIN_DIGITS = 12  # a run of this many digits or more may be an IIN
SHOWN = 4  # the last letters or digits of an account or an IIN that stay visible


def _letters_and_digits(clean: str, start: int, stop: int) -> list[int]:
    return [i for i in range(start, stop) if _WORD.fullmatch(clean[i])]


def _accounts(clean: str, tokens: list[_Token]) -> set[int]:
    """The characters of `clean` that hide in every IBAN attempt the parser finds: all its
    letters and digits but "KZ" and the last SHOWN."""
    hidden: set[int] = set()
    for first, end, compact, offset in _iban_spans(tokens):
        head, last = tokens[first], tokens[end - 1]
        exact = len(head.latin) == len(head.raw)  # else the whole token is the attempt's
        start = head.start + (offset if exact else 0)
        stop = last.start + len(last.raw)
        if end - first == 1 and exact and len(head.raw) - offset > len(compact):
            stop = start + len(compact)  # a word glued on after it: "KZ86…0100спасибо"
        kept = 2 if compact.startswith("KZ") else 0
        shown = _letters_and_digits(clean, start, stop)
        hidden.update(shown[kept : max(kept, len(shown) - SHOWN)])
    return hidden


def _iins(clean: str) -> set[int]:
    """The characters of `clean` that hide in every run of IIN_DIGITS digits or more (in
    groups or not): all its digits but the last SHOWN."""
    hidden: set[int] = set()
    for run in _DIGIT_RUN.finditer(clean):
        digits = [run.start() + i for i, char in enumerate(run.group()) if char.isdigit()]
        if len(digits) >= IIN_DIGITS:
            hidden.update(digits[: len(digits) - SHOWN])
    return hidden


def mask_personal(text: str) -> str:
    """A citizen's words with every IBAN and IIN in them masked, each character hidden
    shown as "*": the account's "KZ" and the last four letters or digits of each stay. The
    accounts are found as `parse_reply` finds them (the same cleaning, tokens and attempts,
    in every spelling it accepts), the IINs as any run of twelve digits or more; the whole
    text is read, not only the part a reply is read by."""
    clean, origins = _cleaned(text)
    hidden = _accounts(clean, _tokens(clean)) | _iins(clean)
    if not hidden:
        return text
    masked = {origins[i] for i in hidden}  # the characters of `text` they came from
    out: list[str] = []
    hiding = False  # inside a hidden letter: its combining marks go with it
    for index, char in enumerate(text):
        if index in masked:
            out.append("*")
            hiding = True
        elif hiding and unicodedata.category(char)[0] == "M":
            continue
        else:
            out.append(char)
            hiding = False
    return "".join(out)
