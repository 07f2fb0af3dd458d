"""Who may do what in the console: each role's permissions, from the issue's roles."""

from __future__ import annotations

from enum import StrEnum

from bot.records import Role


class Permission(StrEnum):
    """A kind of access a route needs."""

    OVERVIEW = "overview"  # the dashboard and the system page (counts, no citizen), signing out
    READ = "read"  # citizens' data, masked: the ledger, cases, the review queue, overdue cases
    REVEAL = "reveal"  # show an IIN or IBAN in full, with a reason, audited
    DECIDE = "decide"  # decide review cases
    SIMULATE = "simulate"  # the tester pages (simulation mode only)
    ADMIN = "admin"  # accounts and the audit


# An admin keeps accounts and reads the audit; no citizen's data, masked or not, is theirs.
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OPERATOR: frozenset({Permission.OVERVIEW, Permission.READ, Permission.REVEAL}),
    Role.REVIEWER: frozenset(
        {Permission.OVERVIEW, Permission.READ, Permission.REVEAL, Permission.DECIDE}
    ),
    Role.TESTER: frozenset(
        {Permission.OVERVIEW, Permission.READ, Permission.REVEAL, Permission.SIMULATE}
    ),
    Role.ADMIN: frozenset({Permission.OVERVIEW, Permission.ADMIN}),
}


def may(role: Role, permission: Permission) -> bool:
    """Whether a role has a permission."""
    return permission in PERMISSIONS[role]
