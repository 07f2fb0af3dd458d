"""Build tooling for the gettext catalogs: extract the msgids, update kk and ru, check them.

`locales/messages.pot` holds the English msgids found in `bot/` (mapping in `babel.cfg`);
`locales/{kk,ru}/LC_MESSAGES/messages.po` translate them. `scripts/catalogs.py` is the
command line over this module. What the running bot needs of the catalogs (their layout and
compiling the `.mo` files) is `bot.wording.catalogs`.

Files are rewritten only when something besides their dates changes, so running
`extract` or `update` twice leaves the tree as it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from string import Formatter

from babel.messages.catalog import PYTHON_FORMAT, Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import PoFileError, write_po

from bot.wording.catalogs import (
    DOMAIN,
    LANGUAGES,
    PROJECT,
    Layout,
    project_version,
    read_catalog,
    write_atomically,
)

PLURAL_FORMS = {
    "kk": "nplurals=2; plural=(n!=1);",
    "ru": (
        "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 "
        "&& (n%100<10 || n%100>=20) ? 1 : 2);"
    ),
}
# The marker functions of bot.wording.texts, and gettext's own names should code call them
# directly.
KEYWORDS: dict[str, tuple[int | tuple[int, str], ...] | None] = {
    "N_": None,
    "N_plural": (1, 2),
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
}
COMMENT_TAGS = ("TRANSLATORS:",)
WIDTH = 76
HEADER = "# Translations template for PROJECT.\n# English msgids; see scripts/catalogs.py.\n#"
DATE_HEADERS = re.compile(rb'^"(POT-Creation-Date|PO-Revision-Date): .*\n', re.MULTILINE)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the catalogs, in words an engineer can act on."""

    where: str
    msgid: str
    what: str

    def __str__(self) -> str:
        subject = f"{self.msgid!r}: " if self.msgid else ""
        return f"{self.where}: {subject}{self.what}"


# ---------------------------------------------------------------- reading and writing


def po_bytes(catalog: Catalog, *, omit_header: bool = False) -> bytes:
    """The catalog as written to disk: sorted by msgid, file locations only, no obsolete."""
    buffer = BytesIO()
    write_po(
        buffer,
        catalog,
        width=WIDTH,
        omit_header=omit_header,
        sort_output=True,
        ignore_obsolete=True,
        include_lineno=False,
    )
    return buffer.getvalue()


def write_if_changed(path: Path, catalog: Catalog) -> bool:
    """Write the catalog unless only its dates would change; True when written."""
    new = po_bytes(catalog)
    if path.exists() and DATE_HEADERS.sub(b"", path.read_bytes()) == DATE_HEADERS.sub(b"", new):
        return False
    write_atomically(path, new)
    return True


# ---------------------------------------------------------------- extract, update, compile


def extract(layout: Layout) -> Catalog:
    """The template as the code has it now, in memory."""
    with layout.mapping.open(encoding="utf-8") as fileobj:
        method_map, options_map = parse_mapping_cfg(fileobj)  # type: ignore[no-untyped-call]
    catalog = Catalog(project=PROJECT, version=project_version(layout), header_comment=HEADER)
    found = extract_from_dir(
        layout.root,
        method_map,
        options_map,
        keywords=KEYWORDS,
        comment_tags=COMMENT_TAGS,
        strip_comment_tags=True,
    )
    for filename, lineno, message, comments, context in found:
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def write_template(layout: Layout) -> bool:
    """Extract into `messages.pot`; True when the file changed."""
    return write_if_changed(layout.template, extract(layout))


def new_catalog(lang: str, template: Catalog) -> Catalog:
    """An empty catalog of one language with the project's plural forms."""
    catalog = Catalog(
        locale=lang,
        domain=DOMAIN,
        project=template.project,
        version=template.version,
        header_comment=HEADER,
        creation_date=template.creation_date,
        revision_date=datetime.now(UTC),
        fuzzy=False,
    )
    catalog.mime_headers = [("Plural-Forms", PLURAL_FORMS[lang])]
    return catalog


def update_catalog(lang: str, template: Catalog, layout: Layout) -> bool:
    """Merge the template into one language, without fuzzy matching; True when changed."""
    path = layout.po(lang)
    catalog = read_catalog(path, lang) if path.exists() else new_catalog(lang, template)
    catalog.mime_headers = [("Plural-Forms", PLURAL_FORMS[lang])]
    catalog.update(template, no_fuzzy_matching=True)
    return write_if_changed(path, catalog)


def update(layout: Layout) -> list[Path]:
    """Extract, then update every language; the files that changed."""
    changed = [layout.template] if write_template(layout) else []
    template = read_catalog(layout.template)
    changed += [layout.po(lang) for lang in LANGUAGES if update_catalog(lang, template, layout)]
    return changed


# ---------------------------------------------------------------- checks


def _key(message: Message) -> str:
    """The msgid a reader recognises: the singular, with its context if any."""
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return f"{message.context}|{msgid}" if message.context else msgid


def _keys(catalog: Catalog) -> set[str]:
    return {_key(m) for m in catalog if m.id}


def check_template(fresh: Catalog, path: Path) -> list[Problem]:
    """Whether `messages.pot` says what the code says, ignoring its header."""
    where = path.name
    if not path.exists():
        return [Problem(where, "", "missing; run scripts/catalogs.py update")]
    try:
        saved = read_catalog(path)
    except PoFileError as error:
        return [Problem(where, "", f"is malformed: {error}")]
    problems = [
        Problem(where, key, "is in the code but not in the template; run update")
        for key in sorted(_keys(fresh) - _keys(saved))
    ] + [
        Problem(where, key, "is in the template but no longer in the code; run update")
        for key in sorted(_keys(saved) - _keys(fresh))
    ]
    if not problems and po_bytes(fresh, omit_header=True) != po_bytes(saved, omit_header=True):
        problems.append(Problem(where, "", "comments, flags or locations are stale; run update"))
    return problems


def placeholders(text: str) -> list[str]:
    """The %-style and {brace} placeholders of a text, in a comparable form."""
    percent = sorted(
        f"%({name}){kind}" if name else f"%{kind}"
        for name, _, kind in PYTHON_FORMAT.findall(text)
        if kind != "%"
    )
    try:
        fields = {name for _, name, _, _ in Formatter().parse(text) if name is not None}
    except ValueError:
        return [*percent, "<unbalanced braces>"]
    return percent + sorted(f"{{{name}}}" for name in fields)


def _forms(message: Message) -> list[str]:
    string = message.string
    if isinstance(string, str):
        return [string]
    return list(string or ())


def _expected(message: Message) -> str:
    """The msgid every form is compared to: the plural msgid for plural entries."""
    return message.id if isinstance(message.id, str) else message.id[-1]


def _form_problems(message: Message, nplurals: int) -> list[str]:
    forms = _forms(message)
    if message.pluralizable and len(forms) != nplurals:
        return [f"has {len(forms)} plural forms, expected {nplurals}"]
    empty = [index for index, form in enumerate(forms) if not form]
    if not empty:
        return []
    if message.pluralizable:
        return [f"plural forms {empty} of {nplurals} are untranslated"]
    return ["is untranslated"]


def message_problems(message: Message, nplurals: int) -> list[str]:
    """What is wrong with one translated entry: fuzzy, empty, plural forms, placeholders."""
    found = ["is fuzzy"] if message.fuzzy else []
    found += _form_problems(message, nplurals)
    wanted = placeholders(_expected(message))
    for form in filter(None, _forms(message)):
        if (got := placeholders(form)) != wanted:
            found.append(f"placeholders {got} differ from the msgid's {wanted}: {form!r}")
    return found


def _header_problems(catalog: Catalog, lang: str) -> list[Problem]:
    problems = []
    if catalog.fuzzy:
        problems.append(Problem(lang, "", "the header is marked fuzzy (compile would skip it)"))
    expected = PLURAL_FORMS[lang]
    if catalog.plural_forms.replace(" ", "") != expected.replace(" ", ""):
        problems.append(
            Problem(lang, "", f"Plural-Forms is {catalog.plural_forms!r}, not {expected!r}")
        )
    return problems


def check_translations(catalog: Catalog, template: Catalog, lang: str) -> list[Problem]:
    """Every template msgid translated in `catalog`, none fuzzy, forms and placeholders right."""
    problems = _header_problems(catalog, lang)
    problems += [
        Problem(lang, key, "is missing; run scripts/catalogs.py update")
        for key in sorted(_keys(template) - _keys(catalog))
    ]
    problems += [
        Problem(lang, key, "is not in the template; run scripts/catalogs.py update")
        for key in sorted(_keys(catalog) - _keys(template))
    ]
    for message in sorted((m for m in catalog if m.id), key=_key):
        problems += [
            Problem(lang, _key(message), what)
            for what in message_problems(message, catalog.num_plurals)
        ]
    return problems


def check_language(lang: str, template: Catalog, layout: Layout) -> list[Problem]:
    """The checks of one language's `.po` file, or why it cannot be read."""
    path = layout.po(lang)
    if not path.exists():
        return [Problem(lang, "", f"{path} is missing; run scripts/catalogs.py update")]
    try:
        catalog = read_catalog(path, lang)
    except PoFileError as error:
        return [Problem(lang, "", f"{path} is malformed: {error}")]
    return check_translations(catalog, template, lang)


def check(layout: Layout) -> list[Problem]:
    """Everything wrong with the template and the kk and ru catalogs; empty when all is well."""
    fresh = extract(layout)
    problems = check_template(fresh, layout.template)
    for lang in LANGUAGES:
        problems += check_language(lang, fresh, layout)
    return problems
