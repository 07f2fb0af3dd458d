"""What the Telegram handlers need from the bot, handed to them by the aiogram dispatcher."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.ports import Clock, Storage
from bot.registries.port import RegistryClient


def _nothing() -> None:
    """No loop to wake: the caller ticks."""


@dataclass(frozen=True)
class Deps:
    """The storage, the registries, the clock, and a way to wake the bot's loop (so what a
    handler logged or queued is handled and sent now, not at the next interval)."""

    storage: Storage
    registries: RegistryClient
    clock: Clock
    wake: Callable[[], None] = field(default=_nothing)
