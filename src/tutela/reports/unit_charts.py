"""Charts of the unit reports (matplotlib, imported here only: the CLI must start fast).

Each chart goes to a file (PNG or SVG by suffix) or, with ``png(...)``, to bytes for a report document. Nothing
in a chart depends on the clock: the same figures draw the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import IO

from tutela.errors import UsageError

SUFFIXES = (".png", ".svg")
MOVING_AVERAGE_WEEKS = 4
AGE_BANDS = ((0, 7, "under a week"), (8, 30, "8-30 days"), (31, 90, "1-3 months"), (91, 180, "3-6 months"),
             (181, None, "over 6 months"))

Target = Path | IO[bytes]


def _figure():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    pyplot.rcParams["svg.hashsalt"] = "tutela"  # element ids from the figure, not from a random salt
    return pyplot


def _check(target: Target) -> None:
    if isinstance(target, Path) and target.suffix.lower() not in SUFFIXES:
        raise UsageError(f"{target}: a chart is .png or .svg")


def _save(pyplot, fig, target: Target) -> None:
    try:
        fmt = target.suffix.lower().lstrip(".") if isinstance(target, Path) else "png"
        # No creation date: the same figures draw the same file.
        metadata = {"Date": None} if fmt == "svg" else {"Software": "tutela"}
        for ax in fig.axes:  # counts are whole numbers
            ax.yaxis.get_major_locator().set_params(integer=True)
        fig.tight_layout()
        fig.savefig(target, format=fmt, metadata=metadata)
    finally:
        pyplot.close(fig)


def png(draw: Callable[[dict, Target], None], figures: dict) -> bytes:
    """A chart as PNG bytes (for report documents)."""
    out = io.BytesIO()
    draw(figures, out)
    return out.getvalue()


def moving_average(counts: list[int], weeks: int = MOVING_AVERAGE_WEEKS) -> list[float | None]:
    """The mean of each week and the weeks before it (``weeks`` in all); None until there are enough weeks."""
    return [None if n + 1 < weeks else round(sum(counts[n + 1 - weeks:n + 1]) / weeks, 2)
            for n in range(len(counts))]


def weekly_chart(figures: dict, target: Target) -> None:
    """Referrals per ISO week, the period's weekly average and a moving average over four weeks."""
    _check(target)
    pyplot = _figure()
    weeks = figures["weeks"]
    labels, counts = [w["week_start"] for w in weeks], [w["count"] for w in weeks]
    fig, ax = pyplot.subplots(figsize=(max(6, len(weeks) * 0.6), 3.5), dpi=120)
    ax.bar(labels, counts, color="#3b6ea5")
    ax.axhline(figures["weekly_average"], color="#999999", linestyle="--", linewidth=1,
               label=f"average {figures['weekly_average']} a week")
    average = moving_average(counts)
    if any(v is not None for v in average):
        ax.plot(labels, [float("nan") if v is None else v for v in average], color="#c0392b", marker="o",
                markersize=3, linewidth=1.5, label=f"{MOVING_AVERAGE_WEEKS}-week moving average")
    ax.set_title(f"Referrals {figures['from']} to {figures['to']}: {figures['total']}")
    ax.set_xlabel("week starting")
    ax.set_ylabel("referrals")
    ax.tick_params(axis="x", labelrotation=45)
    ax.legend(loc="upper left", frameon=False)
    _save(pyplot, fig, target)


def operation_chart(figures: dict, target: Target) -> None:
    """The operation's four headline figures, per team."""
    _check(target)
    pyplot = _figure()
    names = ("warrants_executed", "arrests", "children_safeguarded", "exhibits_seized")
    teams = list(figures["by_team"])
    fig, ax = pyplot.subplots(figsize=(7, 3.5), dpi=120)
    width = 0.8 / max(1, len(teams))
    for i, team in enumerate(teams):
        ax.bar([n + i * width for n in range(len(names))], [figures["by_team"][team][k] for k in names],
               width=width, label=team)
    ax.set_xticks([n + 0.4 - width / 2 for n in range(len(names))], [k.replace("_", " ") for k in names])
    ax.set_title(f"{figures['name']} ({figures['start']} to {figures['end']})")
    if teams:
        ax.legend(frameon=False, fontsize="small")
    _save(pyplot, fig, target)


def operations_chart(operations: list[dict], target: Target) -> None:
    """Warrants executed, arrests and children safeguarded, one group of bars per operation."""
    _check(target)
    pyplot = _figure()
    names = ("warrants_executed", "arrests", "children_safeguarded")
    fig, ax = pyplot.subplots(figsize=(max(6, len(operations) * 1.4), 3.5), dpi=120)
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        ax.bar([n + i * width for n in range(len(operations))], [op[name] for op in operations], width=width,
               label=name.replace("_", " "))
    ax.set_xticks([n + 0.4 - width / 2 for n in range(len(operations))], [op["name"] for op in operations])
    ax.set_title("Operations: warrants, arrests, children safeguarded")
    ax.legend(frameon=False, fontsize="small")
    _save(pyplot, fig, target)


def age_band(days: int) -> str:
    for low, high, name in AGE_BANDS:
        if low <= days and (high is None or days <= high):
            return name
    raise ValueError(f"negative age {days}")


def exhibits_age_chart(figures: dict, target: Target) -> None:
    """Exhibits awaiting examination by how long they have waited (unknown seizure dates apart)."""
    _check(target)
    pyplot = _figure()
    bands = [name for _, _, name in AGE_BANDS] + ["seizure date unknown"]
    counts = dict.fromkeys(bands, 0)
    for exhibit in figures["exhibits"]:
        age = exhibit["age_days"]
        counts["seizure date unknown" if age is None else age_band(max(age, 0))] += 1
    fig, ax = pyplot.subplots(figsize=(7, 3.2), dpi=120)
    ax.bar(bands, [counts[b] for b in bands], color="#7a5195")
    ax.set_title(f"Exhibits awaiting examination: {figures['exhibits_awaiting_examination']}, by age")
    ax.set_ylabel("exhibits")
    ax.tick_params(axis="x", labelrotation=20)
    _save(pyplot, fig, target)


def exposure_chart(figures: dict, target: Target) -> None:
    """Thumbnails each examiner was shown per day: all of them (solid) and those shown clear (dashed)."""
    _check(target)
    pyplot = _figure()
    rows = figures["rows"]
    days = sorted({r["day"] for r in rows})
    fig, ax = pyplot.subplots(figsize=(max(6, len(days) * 0.45), 3.5), dpi=120)
    for examiner in sorted({r["examiner"] for r in rows}):
        mine = {r["day"]: r for r in rows if r["examiner"] == examiner}
        total = [mine[d]["blurred"] + mine[d]["clear"] if d in mine else 0 for d in days]
        line, = ax.plot(days, total, marker="o", markersize=3, label=f"{examiner}: all")
        ax.plot(days, [mine[d]["clear"] if d in mine else 0 for d in days], linestyle="--",
                color=line.get_color(), label=f"{examiner}: clear")
    ax.set_title("Examiner exposure: thumbnails shown per day")
    ax.set_ylabel("thumbnails")
    ax.tick_params(axis="x", labelrotation=45)
    ax.legend(frameon=False, fontsize="x-small", ncols=2)
    _save(pyplot, fig, target)
