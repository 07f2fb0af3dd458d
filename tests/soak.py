"""Sizes of the reliability tests, and their figures for `make soak`.

The crash harness, fault, feed and fuzz tests run at a reduced size in the normal suite
and at full size under `make soak` (`SOAK=1` in the environment). Each also reports what it
measured (`report`): with `SOAK_REPORT` naming a file, one JSON object a line is appended
to it, which `scripts/soak.py` prints as the soak's summary. Without it, nothing is written.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

SOAK = "SOAK"  # "1": the full sizes
SOAK_REPORT = "SOAK_REPORT"  # a file the figures are appended to, a JSON object a line


def full() -> bool:
    """Whether this run is the soak (full sizes)."""
    return os.environ.get(SOAK, "").strip() == "1"


def size(reduced: int, soak: int) -> int:
    """The reduced size in the normal suite, the full one in the soak."""
    return soak if full() else reduced


def report(name: str, **figures: object) -> None:
    """Append one test's figures to the soak report, when a run asks for one."""
    target = os.environ.get(SOAK_REPORT, "").strip()
    if not target:
        return
    line = json.dumps({"test": name, "soak": full(), **figures}, ensure_ascii=False, default=str)
    with Path(target).open("a", encoding="utf-8") as out:
        out.write(line + "\n")
