"""``tutela demo``: the main job on benign drawn media, end to end, on the embedded default."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_command)


def demo_command(
    keep: Path | None = typer.Option(None, "--keep", help="draw the demo media into this folder and keep it"),
) -> None:
    """Draw a benign set of images and a short video, hash them, and print a summary."""
    from rich.console import Console

    from tutela.cli.hashing import _print_table
    from tutela.hashing.hasher import HashOptions
    from tutela.services.demo import write_demo_media
    from tutela.services.hashing import collect_entries, hash_entries
    from tutela.settings import load_settings

    settings = load_settings()
    console = Console()
    with tempfile.TemporaryDirectory(prefix="tutela-demo-") as scratch:
        folder = keep or Path(scratch)
        write_demo_media(folder)
        console.print(f"[bold]Tutela demo[/]: benign drawn media in {folder}")
        started = time.perf_counter()
        entries = collect_entries([str(folder)])
        records = list(hash_entries(entries, HashOptions(), workers=settings.workers,
                                    timeout=settings.item_timeout))
        seconds = time.perf_counter() - started
    _print_table(records, root=str(folder))
    stills = sum(r.kind == "still" for r in records)
    videos = sum(r.kind == "video" for r in records)
    failed = sum(r.error is not None for r in records)
    console.print(f"hashed {len(records)} files: {stills} stills, {videos} videos, {failed} failed, "
                  f"in {seconds:.1f} s")
    raise typer.Exit(1 if failed else 0)
