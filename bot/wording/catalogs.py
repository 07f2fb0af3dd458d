"""The gettext catalogs at run time: where they live, and their compiled `.mo` files.

`locales/{kk,ru}/LC_MESSAGES/messages.po` translate the English msgids; the `.mo` files are
built from them and never committed. `bot.wording.texts` compiles a missing or stale `.mo`
on first use. Extracting, updating and checking the catalogs is build tooling, outside the
runtime package: `tooling/i18n_catalog.py`, run by `scripts/catalogs.py`.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = "messages"
PROJECT = "proactive-benefits-bot"
LANGUAGES = ("kk", "ru")


@dataclass(frozen=True)
class Layout:
    """Where the mapping, the template and the catalogs of a source tree live."""

    root: Path = ROOT

    @property
    def mapping(self) -> Path:
        """The extraction mapping, `babel.cfg`."""
        return self.root / "babel.cfg"

    @property
    def template(self) -> Path:
        """The template of msgids, `locales/messages.pot`."""
        return self.root / "locales" / f"{DOMAIN}.pot"

    def po(self, lang: str) -> Path:
        """The translations of one language."""
        return self.root / "locales" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"

    def mo(self, lang: str) -> Path:
        """The compiled translations of one language (git-ignored)."""
        return self.po(lang).with_suffix(".mo")


def read_catalog(path: Path, lang: str | None = None) -> Catalog:
    """A template or catalog from disk; a malformed file raises PoFileError."""
    with path.open("rb") as fileobj:
        return read_po(fileobj, locale=lang, domain=DOMAIN, abort_invalid=True)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace the file in one step, so a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as f:
        f.write(data)
    os.replace(f.name, path)


def project_version(layout: Layout) -> str:
    """The version in `pyproject.toml`, or "0" for a tree without one."""
    pyproject = layout.root / "pyproject.toml"
    if not pyproject.exists():
        return "0"
    return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])


def compile_catalog(lang: str, layout: Layout) -> Path:
    """Build the `.mo` of one language from its `.po`, leaving out fuzzy entries."""
    buffer = BytesIO()
    write_mo(buffer, read_catalog(layout.po(lang), lang), use_fuzzy=False)
    write_atomically(layout.mo(lang), buffer.getvalue())
    return layout.mo(lang)


def compile_all(layout: Layout) -> list[Path]:
    """Build the `.mo` of every language."""
    return [compile_catalog(lang, layout) for lang in LANGUAGES]


def is_stale(lang: str, layout: Layout) -> bool:
    """True when the `.mo` is missing or older than its `.po`."""
    mo = layout.mo(lang)
    return not mo.exists() or mo.stat().st_mtime < layout.po(lang).stat().st_mtime
