"""Records shared by every hash-library format: one graded entry, one rejected row, and the helpers
that validate, deduplicate and stream them.

Readers yield ``LibraryEntry`` or ``RowProblem`` in file order; the caller decides whether a problem
rejects the whole file (``strict``) or only that row (skip it and count it). Structural damage that
stops reading altogether (no header, broken JSON, bytes that are not UTF-8) raises ``FormatError``.

Duplicates (same hashes and same category) are collapsed by ``DuplicateFilter``, not by the readers:
it holds one key per distinct entry, so it suits a file read whole; a store import relies on its own
unique key instead and stays in bounded memory.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from tutela.domain.categories import Category
from tutela.errors import UsageError

HASH_FIELDS: tuple[str, ...] = ("md5", "sha1", "sha256", "pdq")
HASH_LENGTHS: dict[str, int] = {"md5": 32, "sha1": 40, "sha256": 64, "pdq": 64}
_blake2b = hashlib.blake2b
_fromhex = bytes.fromhex
HASH_MATCHERS = {name: re.compile(f"[0-9a-fA-F]{{{length}}}").fullmatch for name, length in HASH_LENGTHS.items()}

_FLAGS: dict[str, bool | None] = {
    "true": True, "yes": True, "1": True, "false": False, "no": False, "0": False, "": None,
}


class FormatError(UsageError, ValueError):
    """A library file that cannot be read, or (from ``strict``) its first bad row.

    ``str()`` is one line naming where: ``line 17: bad md5 ...`` or ``record 17: ...``.
    """

    def __init__(self, line: int | None, message: str, unit: str = "line") -> None:
        self.line = line
        self.message = message
        self.unit = unit
        super().__init__(str(self))

    def __str__(self) -> str:
        return self.message if self.line is None else f"{self.unit} {self.line}: {self.message}"

    def __reduce__(self):
        # Rebuilt from its fields, not from ``str()``: readers may run in a child process that sends it back.
        return type(self), (self.line, self.message, self.unit)


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One row (CSV/md5list line, or VICS record number) that could not become an entry."""

    line: int
    message: str
    unit: str = "line"

    def __str__(self) -> str:
        return f"{self.unit} {self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class LibraryEntry:
    """One graded hash record. Hashes are lower-case hex; at least one is present.

    ``source_line`` is the CSV/md5list line or the VICS record number it came from; ``extra`` keeps
    format-specific values opaque (VICS ``photodna``, ``vics_category``...). Entries compare by all
    fields but hash by their hashes and category only (``extra`` is a dict).
    """

    md5: str | None = None
    sha1: str | None = None
    sha256: str | None = None
    pdq: str | None = None
    category: Category = Category.UNGRADED
    series: str | None = None
    victim_identified: bool | None = None
    comments: str | None = None
    source_line: int = 0
    extra: dict[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if self.md5 is None and self.sha1 is None and self.sha256 is None and self.pdq is None:
            raise ValueError("a library entry needs at least one hash")

    @property
    def key(self) -> tuple[str | None, str | None, str | None, str | None, Category]:
        """What makes two entries duplicates: the same hashes and the same grade."""
        return (self.md5, self.sha1, self.sha256, self.pdq, self.category)


ParsedRow = LibraryEntry | RowProblem

# An entry as plain values, for bulk paths where a LibraryEntry per row costs more than the work itself:
# (md5, sha1, sha256, pdq, category, series, victim_identified, comments, extra or None), hashes lower-case hex.
EntryValues = tuple[str | None, str | None, str | None, str | None, Category, str | None, bool | None, str | None,
                    dict[str, Any] | None]


def entry_values(entry: LibraryEntry) -> EntryValues:
    return (entry.md5, entry.sha1, entry.sha256, entry.pdq, entry.category, entry.series, entry.victim_identified,
            entry.comments, entry.extra or None)


# The same entry as binary values, the row a store bulk-loads: (key, md5, sha1, sha256, pdq, category value,
# series, victim_identified, comments, extra as JSON or None), hashes as raw bytes or None. ``key`` is a 16-byte
# digest of the hashes and the grade: two entries with the same key are duplicates.
EntryRecord = tuple[bytes, bytes | None, bytes | None, bytes | None, bytes | None, str, str | None, bool | None,
                    str | None, str | None]


def record_key(md5: str, sha1: str, sha256: str, pdq: str, category: str) -> bytes:
    """The duplicate key from the hashes as lower-case hex ('' when absent) and the category value."""
    return _blake2b(f"{md5}|{sha1}|{sha256}|{pdq}|{category}".encode(), digest_size=16).digest()


def entry_record(values: EntryValues) -> EntryRecord:
    md5, sha1, sha256, pdq, category, series, victim, comments, extra = values
    return (record_key(md5 or "", sha1 or "", sha256 or "", pdq or "", category.value),
            md5 and _fromhex(md5), sha1 and _fromhex(sha1), sha256 and _fromhex(sha256), pdq and _fromhex(pdq),
            category.value, series, victim, comments, json.dumps(extra) if extra else None)


def entry_records(reader: Iterable[ParsedRow]) -> Iterator[EntryRecord | RowProblem]:
    """The rows of ``reader`` as ``EntryRecord`` (or problems): its own fast ``records()`` when it has one."""
    fast = getattr(reader, "records", None)
    if fast is not None:
        return fast()
    return (row if isinstance(row, RowProblem) else entry_record(entry_values(row)) for row in reader)


def normalise_hash(name: str, value: str) -> str:
    """``value`` as lower-case hex, or ValueError naming the hash and what is wrong with it."""
    if HASH_MATCHERS[name](value):
        return value.lower()
    length = HASH_LENGTHS[name]
    if len(value) != length:
        raise ValueError(f"{name} must be {length} hex digits, got {len(value)} characters")
    raise ValueError(f"{name} is not hexadecimal: {value!r}")


def parse_flag(value: str) -> bool | None:
    """true/false/yes/no/1/0, any case; empty means unknown (None)."""
    try:
        return _FLAGS[value.strip().lower()]
    except KeyError:
        raise ValueError(f"expected true/false/yes/no/1/0 or empty, got {value!r}") from None


def strict(rows: Iterable[ParsedRow]) -> Iterator[LibraryEntry]:
    """The entries of ``rows``; raises ``FormatError`` at the first problem (reject the whole file)."""
    for row in rows:
        if isinstance(row, RowProblem):
            raise FormatError(row.line, row.message, row.unit)
        yield row


class DuplicateFilter:
    """Drops entries whose hashes and category were already seen; problems pass through.

    Counts what it dropped so totals still add up (``read == kept + dropped + problems``). Entries with
    the same hashes but another category are not duplicates: they are grade conflicts and pass through.
    Memory grows with the number of distinct entries.
    """

    def __init__(self) -> None:
        self.dropped = 0
        self._seen: set[tuple[str | None, str | None, str | None, str | None, Category]] = set()

    def __call__(self, rows: Iterable[ParsedRow]) -> Iterator[ParsedRow]:
        seen = self._seen
        for row in rows:
            if isinstance(row, LibraryEntry):
                key = row.key
                if key in seen:
                    self.dropped += 1
                    continue
                seen.add(key)
            yield row


def collapse_duplicates(rows: Iterable[ParsedRow]) -> Iterator[ParsedRow]:
    """``rows`` without repeated entries (same hashes and grade); see ``DuplicateFilter`` for counts."""
    return DuplicateFilter()(rows)


def text_lines(stream: IO[Any]) -> Iterator[str]:
    """Lines of ``stream`` as text whether it is binary (UTF-8, BOM dropped) or text."""
    if isinstance(stream.read(0), bytes):
        return codecs.iterdecode(stream, "utf-8-sig")
    return iter(stream)


def text_writer(stream: IO[Any]) -> tuple[IO[str], io.TextIOWrapper | None]:
    """A text view of ``stream``; for a binary stream, a wrapper the caller flushes and detaches."""
    if isinstance(stream, io.TextIOBase):
        return stream, None
    wrapper = io.TextIOWrapper(stream, encoding="utf-8", newline="")
    return wrapper, wrapper
