"""The Telegram routers, one concern each; `all_routers()` in the order they are tried."""

from __future__ import annotations

from aiogram import Router

from bot.channels.telegram.routers import (
    buttons,
    commands,
    contact,
    membership,
    messages,
    start,
)


def all_routers() -> list[Router]:
    """Fresh routers (a router is attached to one dispatcher only), free text last."""
    return [
        start.build(),
        contact.build(),
        commands.build(),
        buttons.build(),
        membership.build(),
        messages.build(),
    ]
