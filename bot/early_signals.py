"""A SIGTERM that comes while `python -m bot` is still loading: remembered, not fatal.

`serve` (and `run`, `console`) stop cleanly on SIGTERM once their event loop handles it
(`bot.cli.operations.stop_on_signals`); before that, Python's default action would kill the
process mid-start (exit -15) — a service manager stopping a unit that just started. This
module is imported first by `bot.__main__`: it notes the signal, and a long-running command
stops as soon as its loop starts; any other command gets the default back (and the signal
noted meanwhile), so it still ends as a Unix tool does.
"""

from __future__ import annotations

import os
import signal
from types import FrameType

_requested: list[int] = []
_installed: list[bool] = []


def _note(signum: int, _frame: FrameType | None) -> None:
    _requested.append(signum)


def install() -> None:
    """Note SIGTERM from now on, until a command takes it over."""
    signal.signal(signal.SIGTERM, _note)
    _installed.append(True)


def requested() -> bool:
    """Whether SIGTERM came before the command's own handling began."""
    return bool(_requested)


def release() -> None:
    """The default action again; a SIGTERM noted meanwhile is delivered now. Nothing when
    `install` was not called (`main` run by a test, in a thread)."""
    if not _installed:
        return
    _installed.clear()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if _requested:
        os.kill(os.getpid(), signal.SIGTERM)
