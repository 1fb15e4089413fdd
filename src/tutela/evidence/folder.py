"""Walk the paths a user names: files as given, folders recursed without following symbolic links.

What a folder holds that is not a regular file (links, FIFOs, devices, sockets, unreadable folders) is
still reported as one entry with a ``problem``, so every name ends as exactly one record.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PathEntry:
    path: str
    problem: str | None = None


_SPECIAL = (
    (stat.S_ISLNK, "symbolic link, not followed"), (stat.S_ISFIFO, "not a regular file: a FIFO"),
    (stat.S_ISCHR, "not a regular file: a character device"),
    (stat.S_ISBLK, "not a regular file: a block device"), (stat.S_ISSOCK, "not a regular file: a socket"),
)


def walk_paths(paths: Iterable[str]) -> Iterator[PathEntry]:
    """Entries for every named path, in a stable order (names sorted within each folder)."""
    for path in paths:
        if os.path.isdir(path):  # a folder named by the user is entered even through a link
            yield from _walk_folder(path, seen=set())
        else:
            yield PathEntry(path)  # files named on the command line are opened as given (links followed)


def _walk_folder(folder: str, seen: set[tuple[int, int]]) -> Iterator[PathEntry]:
    try:
        info = os.stat(folder)
        if (info.st_dev, info.st_ino) in seen:  # a bind mount back into itself
            yield PathEntry(folder, "folder loop, not followed")
            return
        seen = seen | {(info.st_dev, info.st_ino)}
        names = _names_in(folder)
    except OSError as exc:
        yield PathEntry(folder, f"cannot read folder: {(exc.strerror or str(exc)).lower()}")
        return
    for name in names:
        yield from _entry(os.path.join(folder, name), seen)


def _names_in(folder: str) -> list[str]:
    """The folder's names, sorted; read without touching its access time where allowed (evidence is read-only)."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
    try:
        fd = os.open(folder, flags | getattr(os, "O_NOATIME", 0))
    except PermissionError:
        fd = os.open(folder, flags)  # O_NOATIME needs ownership
    try:
        with os.scandir(fd) as listing:
            return sorted((entry.name for entry in listing), key=os.fsencode)
    finally:
        os.close(fd)


def _entry(path: str, seen: set[tuple[int, int]]) -> Iterator[PathEntry]:
    try:
        mode = os.lstat(path).st_mode
    except OSError as exc:
        yield PathEntry(path, f"cannot read: {(exc.strerror or str(exc)).lower()}")
        return
    if stat.S_ISDIR(mode):
        yield from _walk_folder(path, seen)
        return
    for test, problem in _SPECIAL:
        if test(mode):
            yield PathEntry(path, problem)
            return
    yield PathEntry(path)
