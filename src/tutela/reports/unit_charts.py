"""Charts of the unit reports (matplotlib, imported here only: the CLI must start fast). PNG or SVG by suffix."""

from __future__ import annotations

from pathlib import Path

from tutela.errors import UsageError

SUFFIXES = (".png", ".svg")


def _figure():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    return pyplot


def _check(path: Path) -> None:
    if path.suffix.lower() not in SUFFIXES:
        raise UsageError(f"{path}: a chart is .png or .svg")


def weekly_chart(figures: dict, path: Path) -> None:
    """Referrals per ISO week, with the period's weekly average."""
    _check(path)
    pyplot = _figure()
    weeks = figures["weeks"]
    fig, ax = pyplot.subplots(figsize=(max(6, len(weeks) * 0.6), 3.5), dpi=120)
    try:
        ax.bar([w["week_start"] for w in weeks], [w["count"] for w in weeks], color="#3b6ea5")
        ax.axhline(figures["weekly_average"], color="#999999", linestyle="--", linewidth=1,
                   label=f"average {figures['weekly_average']} a week")
        ax.set_title(f"Referrals {figures['from']} to {figures['to']}: {figures['total']}")
        ax.set_xlabel("week starting")
        ax.set_ylabel("referrals")
        ax.tick_params(axis="x", labelrotation=45)
        ax.legend(loc="upper left", frameon=False)
        fig.tight_layout()
        fig.savefig(path, format=path.suffix.lower().lstrip("."), metadata=_metadata(path))
    finally:
        pyplot.close(fig)


def operation_chart(figures: dict, path: Path) -> None:
    """The operation's four headline figures, per team."""
    _check(path)
    pyplot = _figure()
    names = ("warrants_executed", "arrests", "children_safeguarded", "exhibits_seized")
    teams = list(figures["by_team"])
    fig, ax = pyplot.subplots(figsize=(7, 3.5), dpi=120)
    try:
        width = 0.8 / max(1, len(teams))
        for i, team in enumerate(teams):
            ax.bar([n + i * width for n in range(len(names))], [figures["by_team"][team][k] for k in names],
                   width=width, label=team)
        ax.set_xticks([n + 0.4 - width / 2 for n in range(len(names))], [k.replace("_", " ") for k in names])
        ax.set_title(f"{figures['name']} ({figures['start']} to {figures['end']})")
        ax.legend(frameon=False, fontsize="small")
        fig.tight_layout()
        fig.savefig(path, format=path.suffix.lower().lstrip("."), metadata=_metadata(path))
    finally:
        pyplot.close(fig)


def _metadata(path: Path) -> dict:
    # No creation date: the same figures draw the same file.
    return {"Date": None} if path.suffix.lower() == ".svg" else {"Software": "tutela"}
