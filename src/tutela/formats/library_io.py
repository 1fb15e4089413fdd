"""Hash-library formats by name: the registry ``tutela library import/export`` uses, and sniffing.

``read_library(name, stream, ...)`` returns a reader (iterate for ``LibraryEntry``/``RowProblem``,
``.entries()`` for strict reading, ``.warnings``); ``write_library(name, entries, stream, ...)``
writes and returns a count. ``detect_format(first_bytes)`` tells vics, csv and md5list apart.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, Protocol

from tutela.domain.categories import US_PROFILE, Category, VicsProfile
from tutela.domain.registry import Registry
from tutela.errors import UsageError
from tutela.formats.entries import FormatError, LibraryEntry, ParsedRow
from tutela.formats.hashlists import CsvLibraryReader, Md5ListReader, write_csv
from tutela.formats.vics import VicsReader, write_vics

_MD5_LINE = re.compile(rb"[0-9a-fA-F]{32}")


class LibraryReader(Protocol):
    format: str
    warnings: list[str]

    def __iter__(self) -> Iterator[ParsedRow]: ...

    def entries(self) -> Iterator[LibraryEntry]: ...


class UnknownFormatError(UsageError, ValueError):
    """A library format name that no reader or writer is registered under."""


@dataclass(frozen=True, slots=True)
class LibraryFormat:
    """One format: how to open a reader and, when it can be exported, how to write it."""

    name: str
    open_reader: Callable[[IO[Any], VicsProfile, Category], LibraryReader]
    write: Callable[[Iterable[LibraryEntry], IO[Any], VicsProfile], int] | None = None


class LibraryFormats(Registry[LibraryFormat]):
    """Formats by name; registering a name twice is an error."""

    kind = "library format"

    def names(self, *, writable: bool = False) -> tuple[str, ...]:  # sorted; only exportable ones if asked
        return tuple(sorted(f.name for f in self if f.write is not None or not writable))

    def get(self, name: str, *, writable: bool = False) -> LibraryFormat:
        found = self._entries.get(name.lower())
        if found is None or (writable and found.write is None):
            kind = "export format" if writable else "format"
            known = ", ".join(self.names(writable=writable))
            raise UnknownFormatError(f"unknown library {kind} {name!r} (known: {known})")
        return found


def default_formats() -> LibraryFormats:
    """The built-in formats, registered in one place."""
    formats = LibraryFormats()
    formats.register(LibraryFormat(
        "csv",
        lambda s, p, c: CsvLibraryReader(s, profile=p, default_category=c),
        lambda e, s, p: write_csv(e, s),
    ))
    formats.register(LibraryFormat("md5list", lambda s, p, c: Md5ListReader(s, category=c)))
    formats.register(LibraryFormat(
        "vics",
        lambda s, p, c: VicsReader(s, profile=p),
        lambda e, s, p: write_vics(e, s, profile=p),
    ))
    return formats


def read_library(name: str, stream: IO[Any], *, profile: VicsProfile = US_PROFILE,
                 category: Category = Category.UNGRADED,
                 formats: LibraryFormats | None = None) -> LibraryReader:
    """A reader for ``stream`` in format ``name``; ``category`` is the grade of ungraded rows."""
    return (formats or default_formats()).get(name).open_reader(stream, profile, category)


def write_library(name: str, entries: Iterable[LibraryEntry], stream: IO[Any], *,
                  profile: VicsProfile = US_PROFILE, formats: LibraryFormats | None = None) -> int:
    write = (formats or default_formats()).get(name, writable=True).write
    assert write is not None  # get(writable=True) guarantees it
    return write(entries, stream, profile)


def detect_format(first_bytes: bytes) -> str:
    """``"vics"``, ``"csv"`` or ``"md5list"`` from the start of a file (a few KB is plenty).

    A JSON object is VICS; a first meaningful line that is a bare MD5 or a ``#`` comment is an MD5
    list; anything else with a comma or a hash column name in its first line is CSV.
    """
    text = first_bytes.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not text:
        raise FormatError(None, "empty file")
    if text.startswith(b"{"):
        return "vics"
    first = text.splitlines()[0].strip()
    if first.startswith(b"#") or _MD5_LINE.fullmatch(first):
        return "md5list"
    lowered = first.lower()
    if b"," in first or any(name in lowered for name in (b"md5", b"sha1", b"sha256", b"pdq")):
        return "csv"
    raise FormatError(1, "cannot tell the library format (expected VICS JSON, CSV or an MD5 list)")
