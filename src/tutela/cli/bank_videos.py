"""``tutela library add-video``: a bank video, matched by the vPDQ rule (docs/match-service.md)."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    from tutela.cli.library import library

    library.command("add-video")(add_video_command)


def add_video_command(
    path: Path = typer.Argument(..., help="a video file, or a vpdq hash file (.txt)"),
    bank: str = typer.Option(..., "--bank", help="the bank to add it to"),
    category: str = typer.Option(..., "--category", help="its grade: a, b, c, not_indecent, ..."),
    series: str | None = typer.Option(None, "--series", help="series name"),
    json_out: bool = typer.Option(False, "--json", help="one JSON object on stdout"),
) -> None:
    """Add a video to a bank with its frame signatures, hashed here (vPDQ convention) or from a vpdq hash file."""
    from tutela.cli.common import library_store, settings
    from tutela.cli.output import write_json_line
    from tutela.domain.categories import Category
    from tutela.errors import UsageError
    from tutela.services.bank_videos import add_video

    try:
        grade = Category.parse(category)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    store = library_store()
    out = add_video(store.engine, bank, path, grade, series=series, max_pixels=settings().max_pixels)
    if json_out:
        write_json_line(out)
    else:
        typer.echo(f"{'added' if out['added'] else 'already in'} bank {bank}: entry {out['entry_id']}, "
                   f"{out['frames']} frame signatures")
