"""Recording what operators look at and do: who, when, what, whose data, and why."""

from __future__ import annotations

import unicodedata

from aiohttp import web

from bot.records import AuditEntry
from bot.web.app_state import console_of
from bot.web.security import address, current, now

MIN_REASON = 10  # visible characters of a reason to reveal an IIN or an account in full
SEEN = frozenset("LNPS")  # letters, digits, punctuation, symbols: what a reader sees


def reason_given(reason: str) -> bool:
    """Whether a reason to reveal says something: MIN_REASON characters a reader sees at
    least (spaces, invisible and zero-width characters, combining marks not counted)."""
    return sum(unicodedata.category(char)[0] in SEEN for char in reason) >= MIN_REASON


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
