"""The gettext catalogs from the command line: extract, update, compile, check.

    python scripts/catalogs.py extract   # code -> locales/messages.pot
    python scripts/catalogs.py update    # extract, then merge into kk and ru (no fuzzy matching)
    python scripts/catalogs.py compile   # kk and ru .po -> .mo (git-ignored)
    python scripts/catalogs.py check     # fail (exit 1) on any problem, else compile

The work is done by `tooling.i18n_catalog` with Babel's Python API; the pybabel equivalent of
`extract` is `pybabel extract -F babel.cfg -k N_ -k N_plural:1,2 --sort-output
--add-location=file -o locales/messages.pot .`. A file is rewritten only when more than
its dates would change.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python scripts/catalogs.py` from a checkout
    sys.path.insert(0, str(ROOT))

from bot.wording import catalogs  # noqa: E402 - needs the checkout on sys.path first
from tooling import i18n_catalog  # noqa: E402


def relative(path: Path) -> str:
    """A path as seen from the repository root."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def report(changed: Sequence[Path], nothing: str) -> None:
    """Print the files written, or that there were none."""
    for path in changed:
        print(f"written: {relative(path)}")
    if not changed:
        print(nothing)


def extract(layout: catalogs.Layout) -> int:
    """Write messages.pot from the code."""
    changed = [layout.template] if i18n_catalog.write_template(layout) else []
    report(changed, "messages.pot is up to date")
    return 0


def update(layout: catalogs.Layout) -> int:
    """Extract, then update the kk and ru catalogs."""
    report(i18n_catalog.update(layout), "the template and the catalogs are up to date")
    return 0


def compile_(layout: catalogs.Layout) -> int:
    """Compile every catalog to .mo."""
    report(catalogs.compile_all(layout), "no catalogs")
    return 0


def check(layout: catalogs.Layout) -> int:
    """List every problem and exit 1; with none, compile and exit 0."""
    problems = i18n_catalog.check(layout)
    if problems:
        print(f"{len(problems)} problem(s) in the catalogs:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        print("fix the .po files, or run: python scripts/catalogs.py update", file=sys.stderr)
        return 1
    compiled = catalogs.compile_all(layout)
    size = len(catalogs.read_catalog(layout.template))
    langs = " and ".join(catalogs.LANGUAGES)
    print(f"catalogs ok: {size} msgids, all translated in {langs}; compiled {len(compiled)}")
    return 0


COMMANDS: dict[str, Callable[[catalogs.Layout], int]] = {
    "extract": extract,
    "update": update,
    "compile": compile_,
    "check": check,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; its exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("command", choices=COMMANDS, help="what to do with the catalogs")
    args = parser.parse_args(argv)
    return COMMANDS[args.command](catalogs.Layout(ROOT))


if __name__ == "__main__":
    sys.exit(main())
