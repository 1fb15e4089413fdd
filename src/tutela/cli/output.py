"""What every command shares: JSON lines on stdout, tables, and a progress bar on stderr for terminals."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")


def write_json_line(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")


def stderr_console():
    from rich.console import Console

    return Console(stderr=True)


def _may_be_terminal() -> bool:
    """False when Rich would not call stderr a terminal either: not a TTY, and neither TTY_COMPATIBLE nor
    FORCE_COLOR says otherwise. Rich's console is then not imported (25 ms of a run's start-up)."""
    if os.environ.get("TTY_COMPATIBLE") or os.environ.get("FORCE_COLOR") is not None:
        return True
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # no stream, or a closed one
        return False


@contextmanager
def progress_over(items: Iterable[T], *, total: int | None, description: str,
                  status: Callable[[], str] | None = None) -> Iterator[Iterable[T]]:
    """Iterate ``items`` with a Rich progress bar (rate and ETA) when stderr is a terminal; ``status``, asked at
    every refresh (ten times a second), says what else is under way, even while no item comes."""
    if not _may_be_terminal():
        yield items
        return
    console = stderr_console()
    if not console.is_terminal:
        yield items
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.table import Column
    from rich.text import Text

    class Said(ProgressColumn):
        def render(self, task) -> Text:
            try:
                said = status() if status is not None else ""
            except Exception:  # in Rich's refresh thread: a failing status must not take the display down
                said = ""
            return Text(said, style="progress.description")

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
               TextColumn("[progress.data.speed]{task.fields[rate]}"), TimeElapsedColumn(), TimeRemainingColumn(),
               *([Said(table_column=Column(no_wrap=True, overflow="ellipsis"))] if status is not None else []))
    # stdout is data (JSON lines): Rich must not capture it into the live display.
    with Progress(*columns, console=console, transient=False, redirect_stdout=False, redirect_stderr=False) as progress:
        task = progress.add_task(description, total=total, rate="")

        def advance() -> Iterator[T]:
            for item in items:
                yield item
                speed = progress.tasks[0].speed
                progress.update(task, advance=1, rate=f"{speed:.1f}/s" if speed else "")

        yield advance()
