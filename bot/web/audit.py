"""Recording what operators look at and do: who, when, what, whose data, and why."""

from __future__ import annotations

from aiohttp import web

from bot.records import AuditEntry
from bot.web.app_state import console_of
from bot.web.security import address, current, now


async def audited(
    request: web.Request, action: str, subject: str | None, what: str, reason: str | None = None
) -> None:
    """Record one view or act of the signed-in operator, in its own transaction.

    `action` is a short code ("view_case", "reveal_iin", "decide", "export_ledger", ...),
    `subject` whose data it was (an IIN, a case id, a phone), `what` a sentence for admins.
    """
    entry = AuditEntry(
        at=now(),
        operator=current(request).operator.name,
        action=action,
        subject=subject,
        what=what,
        reason=reason,
        address=address(request),
    )
    async with console_of(request).app.storage.unit_of_work() as uow:
        await uow.audit.add(entry)
        await uow.commit()
