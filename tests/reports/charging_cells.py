"""Expected charging cells written out by hand: every cell zero but those given."""

from __future__ import annotations

from tutela.domain.charging import KINDS, ROWS


def table(keys, filled: dict) -> dict:
    """Every cell zero but those given as {(row, kind): {key: n}}."""
    out = {row: {kind: dict.fromkeys(keys, 0) for kind in KINDS} for row in ROWS}
    for (row, kind), values in filled.items():
        out[row][kind].update(values)
    return out
