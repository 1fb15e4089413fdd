"""Small things commands share: settings and store from the environment, choices as enums."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Any


def settings():
    from tutela.settings import load_settings

    return load_settings()


def library_store(create: bool = False):
    from tutela.services.store import open_store
    from tutela.store.library import LibraryStore

    return LibraryStore(open_store(settings(), create=create))


def say(message: str) -> None:
    sys.stderr.write(message + "\n")


@contextmanager
def counting_progress(description: str):
    """A spinner with a running count and rate on stderr when it is a terminal; yields update(count)."""
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        yield lambda count: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed:,} rows"),
                  TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), console=console,
                  redirect_stdout=False, redirect_stderr=False) as progress:
        task = progress.add_task(description, total=None, rate="")

        def update(count: int) -> None:
            speed = progress.tasks[0].speed
            progress.update(task, completed=count, rate=f"{speed:,.0f} rows/s" if speed else "")

        yield update


def table(columns: list[str], rows: list[list[Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    out = Table(show_edge=False, pad_edge=False)
    for column in columns:
        out.add_column(column)
    for row in rows:
        out.add_row(*("" if v is None else str(v) for v in row))
    Console().print(out)
