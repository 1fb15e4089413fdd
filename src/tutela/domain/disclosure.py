"""What the public may be told: aggregate figures only, small counts suppressed (docs/reports.md).

- **Primary suppression.** A count from 1 to 4 is not published: it is shown as "fewer than 5". Zero is
  published (it identifies no one); so is any count of 5 or more.
- **Secondary suppression.** In a breakdown published beside its total (operations adding up to the period's
  figures), one suppressed cell could be worked out by subtraction; so when exactly one cell of a column is
  suppressed, the smallest other non-zero cell of that column is suppressed too.
- Only aggregates: no reference of a case, suspect, child or exhibit is ever part of the public figures.
"""

from __future__ import annotations

from collections.abc import Sequence

THRESHOLD = 5
HIDDEN = "fewer than 5"


def small(count: int) -> bool:
    """A count the public may not see: 1 to 4."""
    return 0 < count < THRESHOLD


def suppressed_column(counts: Sequence[int]) -> list[bool]:
    """Which cells of a column (published beside its total) are hidden: primary, then secondary suppression."""
    hidden = [small(c) for c in counts]
    if sum(hidden) == 1:
        others = [(c, n) for n, c in enumerate(counts) if c > 0 and not hidden[n]]
        if others:
            hidden[min(others)[1]] = True
    return hidden


def shown(count: int | None, hidden: bool | None = None) -> dict:
    """A published figure: ``value`` (None when hidden or unknown) and ``shown`` (what the page prints)."""
    if count is None:
        return {"value": None, "shown": "no records"}
    if small(count) if hidden is None else hidden:
        return {"value": None, "shown": HIDDEN}
    return {"value": count, "shown": f"{count:,}"}
