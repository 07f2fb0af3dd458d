"""How many of one sender's messages the bot reads: a sliding window over what it read.

A citizen in a conversation sends a few messages (a consent, an IBAN, perhaps a correction);
a script, a stuck phone or a hostile sender sends hundreds, each costing a step and, often, an
SMS back. The bot reads at most `LIMIT` messages of one address in any `WINDOW`; the first
one over it gets one answer saying so and when the bot reads again, the rest of the window is
logged unread (`DROPPED`) and changes no case. Only messages read count towards the limit,
so the time told in the answer holds whatever the sender does meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

# product rule (issue 10), not law: the seed sets no limit on replies. A real conversation is
# 2-4 replies over minutes (consent, account, perhaps a wrong IBAN and the right one, help);
# ten in ten minutes leaves room for several corrections and a second case, while a flood is
# read at one message a minute on average at most.
LIMIT = 10  # messages of one sender read in any window
WINDOW = timedelta(minutes=10)


class Taken(StrEnum):
    """What became of a sender's message; the values are what the inbound log records."""

    READ = "read"  # handled as usual (the log records what it meant instead)
    SLOWED = "rate_limit_notice"  # over the limit: not read, answered with the time to wait
    DROPPED = "rate_limited"  # over the limit after that answer: logged, not read, not answered


class Heard(BaseModel):
    """A message of the sender handled before this one: when it came and what became of it."""

    model_config = ConfigDict(frozen=True)

    received_at: datetime
    taken: Taken


class Judgement(BaseModel):
    """Whether a message is read; when it is not, when the sender's next one will be."""

    model_config = ConfigDict(frozen=True)

    taken: Taken
    read_again_at: datetime | None = None  # None when the message is read


def in_window(received_at: datetime, now: datetime) -> bool:
    """Whether a message received at `received_at` is in the window that ends at `now`."""
    return now - WINDOW < received_at <= now


def judge(earlier: Iterable[Heard], now: datetime) -> Judgement:
    """What to do with a message received at `now`, given the sender's earlier messages.

    Read while fewer than `LIMIT` were read in the window; else answered, unless the window
    already holds that answer, then dropped. The next message is read once the oldest of the
    last `LIMIT` read has left the window.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    recent = [m for m in earlier if in_window(m.received_at, now)]
    read = sorted(m.received_at for m in recent if m.taken is Taken.READ)
    if len(read) < LIMIT:
        return Judgement(taken=Taken.READ)
    answered = any(m.taken is Taken.SLOWED for m in recent)
    taken = Taken.DROPPED if answered else Taken.SLOWED
    return Judgement(taken=taken, read_again_at=read[-LIMIT] + WINDOW)
