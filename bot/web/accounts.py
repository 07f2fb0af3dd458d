"""Console accounts: create, change role or password, disable; the rules in one place."""

from __future__ import annotations

import re
from datetime import datetime

from bot.ports import Storage
from bot.records import Operator, Role
from bot.web.passwords import WeakPassword, hash_password

NAME = re.compile(r"[a-z][a-z0-9._-]{1,31}")


class AccountError(ValueError):
    """An account operation that cannot be done, said so an admin can act on it."""


def check_name(name: str) -> str:
    """A login name: 2-32 characters, lower-case Latin letters, digits, '.', '_' or '-'."""
    if not NAME.fullmatch(name):
        raise AccountError(
            "a name is 2-32 characters: lower-case Latin letters, digits, '.', '_' or '-', "
            "starting with a letter"
        )
    return name


async def add_operator(
    storage: Storage, name: str, role: Role, password: str, at: datetime
) -> Operator:
    """Create an account; AccountError when the name is taken or the password weak."""
    try:
        hashed = hash_password(password)
    except WeakPassword as error:
        raise AccountError(str(error)) from error
    account = Operator(name=check_name(name), role=role, password_hash=hashed, created_at=at)
    async with storage.unit_of_work() as uow:
        if not await uow.operators.add(account):
            raise AccountError(f"the name {name!r} is taken")
        await uow.commit()
    return account


async def _change(storage: Storage, name: str, **update: object) -> Operator:
    """Change an account and end its sessions; AccountError when there is none."""
    async with storage.unit_of_work() as uow:
        account = await uow.operators.get(name)
        if account is None:
            raise AccountError(f"no account {name!r}")
        account = account.model_copy(update=update)
        await uow.operators.save(account)
        await uow.sessions.delete_for(name)
        await uow.commit()
    return account


async def disable_operator(storage: Storage, name: str, at: datetime) -> Operator:
    """Disable an account and end its sessions."""
    return await _change(storage, name, disabled_at=at)


async def set_password(storage: Storage, name: str, password: str) -> Operator:
    """Change an account's password and end its sessions."""
    try:
        hashed = hash_password(password)
    except WeakPassword as error:
        raise AccountError(str(error)) from error
    return await _change(storage, name, password_hash=hashed)
