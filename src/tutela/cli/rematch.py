"""``tutela rematch``: exhibits' unknown media matched again after the library changed."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    app.command("rematch")(rematch_command)


def rematch_command(
    case: list[str] = typer.Option([], "--case", help="every exhibit of this case (ref; repeatable)"),
    exhibit: list[str] = typer.Option([], "--exhibit", help="this exhibit (ref; repeatable)"),
    json_out: bool = typer.Option(False, "--json", help="one JSON line per exhibit"),
) -> None:
    """Match the unknown media of exhibits (all, unless --case or --exhibit) against the library as it is now:
    what a trusted or ignorable bank now knows takes its grade, loses its thumbnail and leaves the grading queue."""
    import getpass

    from tutela.cli.common import say, settings
    from tutela.cli.output import write_json_line
    from tutela.services.rematch import rematch_all
    from tutela.services.store import open_store

    config = settings()
    engine = open_store(config)
    try:
        summaries = rematch_all(config, engine, case, exhibit, actor=f"tutela rematch ({getpass.getuser()})")
    finally:
        engine.dispose()
    for summary in summaries:
        if json_out:
            write_json_line(summary)
        else:
            known = ", ".join(f"{n} {c}" for c, n in sorted(summary["known"].items())) or "none"
            typer.echo(f"{summary['exhibit']}: {summary['unknown_before']} unknown, {summary['now_known']} now known "
                       f"(by category: {known}; ignorable {summary['ignorable']}); "
                       f"{summary['groups_emptied']} groups left with nothing to grade")
    if not summaries:
        say("no exhibits to re-match")
