"""Injected faults of the simulated SMS provider: a seeded share of temporary failures.

The settings live in the provider's own file (table `fault_settings`, the gateway's third
migration), so testers change them with `python -m bot sms faults` while a bot runs. Whether
a submission fails is drawn from the seed and the reference the bot submitted, which carries
the attempt (`ref#attempt`): a run repeats exactly, and each attempt draws afresh.
"""

from __future__ import annotations

import random
import sqlite3

from pydantic import BaseModel, ConfigDict, Field

MIGRATION = """
    CREATE TABLE fault_settings (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        temporary_rate REAL NOT NULL DEFAULT 0 CHECK (temporary_rate BETWEEN 0 AND 1),
        seed INTEGER NOT NULL DEFAULT 0
    );
    """


class GatewayFaults(BaseModel):
    """The share of submissions that end `temporary`, and the seed they are drawn from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    temporary_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    seed: int = 0


def read(conn: sqlite3.Connection) -> GatewayFaults:
    """The faults in force (none on a fresh file)."""
    row = conn.execute("SELECT temporary_rate, seed FROM fault_settings WHERE id = 1").fetchone()
    return GatewayFaults() if row is None else GatewayFaults.model_validate(dict(row))


def write(conn: sqlite3.Connection, value: GatewayFaults) -> None:
    """Replace the faults (inside the caller's transaction)."""
    conn.execute(
        "INSERT OR REPLACE INTO fault_settings (id, temporary_rate, seed) VALUES (1, ?, ?)",
        (value.temporary_rate, value.seed),
    )


def fails_temporarily(faults: GatewayFaults, submission_ref: str) -> bool:
    """Whether this submission (a reference and its attempt) meets a temporary failure."""
    if faults.temporary_rate == 0:
        return False
    return random.Random(f"{faults.seed}:{submission_ref}").random() < faults.temporary_rate
