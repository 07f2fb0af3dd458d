"""Charts drawn on the server as SVG: no script, no library, nothing loaded from elsewhere.

Each function returns the parts of a chart (bars with their boxes and labels) for a template
to draw, so the wording stays in templates and the numbers stay testable.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 560
BAR = 22
GAP = 8
LABEL = 150  # room for the stage names on the left


@dataclass(frozen=True)
class Bar:
    """One bar: its label, value, and box in the SVG's coordinates."""

    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


def funnel(stages: list[tuple[str, int]]) -> tuple[list[Bar], int]:
    """Horizontal bars, one per stage, scaled to the first (the widest); the SVG height."""
    top = max((value for _, value in stages), default=0) or 1
    room = WIDTH - LABEL - 60
    bars = [
        Bar(label, value, LABEL, i * (BAR + GAP), room * value / top, BAR)
        for i, (label, value) in enumerate(stages)
    ]
    return bars, len(stages) * (BAR + GAP)


def columns(points: list[tuple[str, int]], height: int = 160) -> tuple[list[Bar], int]:
    """Vertical bars, one per day, scaled to the largest; the SVG width."""
    top = max((value for _, value in points), default=0) or 1
    step = 18
    bars = [
        Bar(
            label,
            value,
            30 + i * step,
            height - height * value / top,
            step - 4,
            height * value / top,
        )  # fmt: skip
        for i, (label, value) in enumerate(points)
    ]
    return bars, 30 + len(points) * step + 10
