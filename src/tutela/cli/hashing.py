"""``tutela hash``: digests, kind, PDQ and video signatures of files, folders or paths on stdin."""

from __future__ import annotations

import os
import sys
import time

import typer

from tutela.errors import UsageError


def register(app: typer.Typer) -> None:
    app.command("hash")(hash_command)


def hash_command(
    paths: list[str] = typer.Argument(..., metavar="PATH...", help="files, folders (recursed), or - for stdin"),
    json_out: bool = typer.Option(False, "--json", help="one JSON object per line on stdout"),
    exact: bool = typer.Option(False, "--exact", help="PDQ bit-identical to the reference (slower)"),
    workers: int | None = typer.Option(None, "--workers", min=1, help="processes (default: all cores)"),
) -> None:
    """Hash every file: MD5, SHA-1, SHA-256, kind and MIME from content; PDQ for stills; video signatures."""
    from tutela.cli.output import progress_over, write_json_line
    from tutela.hashing.hasher import HashOptions
    from tutela.services.hashing import collect_entries, hash_entries
    from tutela.settings import load_settings

    settings = load_settings()
    named = _expand_stdin(paths)
    entries = collect_entries(named)
    options = HashOptions(exact=exact, max_pixels=settings.max_pixels, max_still_bytes=settings.max_still_bytes)
    started = time.perf_counter()
    records = hash_entries(entries, options, workers=workers or settings.workers, timeout=settings.item_timeout)
    failed = 0
    rows = []
    with progress_over(records, total=len(entries), description="hashing") as tracked:
        for record in tracked:
            failed += record.error is not None
            if json_out:
                write_json_line(record.to_json())
            else:
                rows.append(record)
    if not json_out:
        _print_table(rows)
        _print_summary(rows, time.perf_counter() - started)
    raise typer.Exit(1 if failed else 0)


def _expand_stdin(paths: list[str]) -> list[str]:
    if paths.count("-") > 1:
        raise UsageError("'-' (paths on stdin) can be given only once")
    if "-" not in paths:
        return paths
    data = sys.stdin.buffer.read()
    separator = b"\0" if b"\0" in data else b"\n"
    given = [os.fsdecode(p.rstrip(b"\r") if separator == b"\n" else p) for p in data.split(separator)]
    from_stdin = [p for p in given if p]
    index = paths.index("-")
    return paths[:index] + from_stdin + paths[index + 1:]


def _print_table(records, root: str | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    columns = ["path", "kind", "mime", "size", "pixels", "quality", "pdq / frames"]
    if any(r.error for r in records):
        columns.append("error")
    table = Table(show_edge=False, pad_edge=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    for r in records:
        pixels = f"{r.width}×{r.height}" if r.width else ""
        signal = r.pdq[:12] + "…" if r.pdq else (f"{len(r.signatures)} sig, {r.frames} fr" if r.signatures else "")
        shown = os.path.relpath(r.path, root) if root else r.path
        row = [shown, str(r.kind or ""), r.mime or "", "" if r.size is None else str(r.size), pixels,
               "" if r.quality is None else str(r.quality), signal]
        table.add_row(*row, *([r.error or ""] if "error" in columns else []))
    Console().print(table)


def _print_summary(records, seconds: float) -> None:
    from collections import Counter

    kinds = Counter(str(r.kind) for r in records if r.kind)
    failed = sum(r.error is not None for r in records)
    rate = len(records) / seconds if seconds > 0 else 0.0
    sys.stderr.write(
        f"hashed {len(records)} files: {kinds['still']} stills, {kinds['video']} videos, {kinds['other']} other,"
        f" {failed} with errors, in {seconds:.1f} s ({rate:.1f} files/s)\n")
