"""The simulator's registries in process: the file of `python -m fake_registries`, read through
the same port and timeouts as over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.registries.port import RegistryClient
from fake_registries import db as registries_db
from fake_registries.client import DirectClient
from fake_registries.service import RegistryService


def in_process(
    data_dir: Path, timeout: float, closers: list[Callable[[], None]]
) -> RegistryClient:
    """The registries of `data_dir` in process; their file's close is added to `closers`."""
    conn = registries_db.connect(registries_db.path_in(data_dir))
    closers.append(conn.close)
    return DirectClient(RegistryService(conn), timeout=timeout)
