"""Plain hash lists: graded CSV files and bare MD5 lists, read and written as streams.

CSV: a header row is required; known columns are ``md5, sha1, sha256, pdq, category, series,
victim_identified, comments`` in any order and case, any subset with at least one hash column.
Unknown columns are ignored and named once in ``reader.warnings``. ``category`` accepts A/B/C, the
``Category`` values and names, and VICS numeric codes read through a ``VicsProfile``; an empty cell
takes the reader's default category. Line numbers are the file's physical lines (the header is line 1).

md5list: one MD5 a line; blank lines and lines starting with ``#`` are ignored; every entry gets the
category the caller passes (``ungraded`` by default).

Both accept a binary stream (decoded as UTF-8, a BOM dropped) or a text stream, and CRLF or LF line
ends. Memory stays bounded: one row at a time.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import IO, Any

from tutela.domain.categories import US_PROFILE, Category, VicsProfile
from tutela.formats.entries import (
    HASH_FIELDS,
    HASH_MATCHERS,
    FormatError,
    LibraryEntry,
    ParsedRow,
    RowProblem,
    normalise_hash,
    parse_flag,
    strict,
    text_lines,
    text_writer,
)

CSV_COLUMNS: tuple[str, ...] = (*HASH_FIELDS, "category", "series", "victim_identified", "comments")
_CATEGORY_CACHE_LIMIT = 256


class CsvLibraryReader:
    """Reads a graded CSV hash list. The header is read on construction; iterate for rows.

    Iterating yields ``LibraryEntry`` or ``RowProblem`` in file order; ``entries()`` yields only entries
    and raises ``FormatError`` at the first problem.
    """

    format = "csv"

    def __init__(
        self,
        stream: IO[Any],
        *,
        profile: VicsProfile = US_PROFILE,
        default_category: Category = Category.UNGRADED,
    ) -> None:
        self.profile = profile
        self.default_category = default_category
        self.warnings: list[str] = []
        self._reader = csv.reader(text_lines(stream))
        self._categories: dict[str, tuple[Category, int | None]] = {}
        self.columns = self._read_header()
        self._at = {name: index for index, name in enumerate(self.columns) if name in CSV_COLUMNS}
        self._hash_columns = [(index, name, HASH_MATCHERS[name]) for name, index in self._at.items()
                              if name in HASH_MATCHERS]
        self.unknown_columns = tuple(c for c in self.columns if c not in CSV_COLUMNS)
        if self.unknown_columns:
            self.warnings.append("unknown columns ignored: " + ", ".join(self.unknown_columns))

    def _read_header(self) -> tuple[str, ...]:
        try:
            header = next((row for row in self._reader if any(cell.strip() for cell in row)), None)
        except (csv.Error, UnicodeDecodeError) as error:
            raise FormatError(self._reader.line_num or 1, f"unreadable header: {error}") from None
        if header is None:
            raise FormatError(None, "empty file")
        line = self._reader.line_num
        columns = tuple(cell.strip().lstrip("\ufeff").strip().lower() for cell in header)
        repeated = sorted({c for c in columns if columns.count(c) > 1 and c})
        if repeated:
            raise FormatError(line, "repeated column: " + ", ".join(repeated))
        if not any(name in columns for name in HASH_FIELDS):
            raise FormatError(line, "no hash column in the header (need md5, sha1, sha256 or pdq)")
        return columns

    def entries(self) -> Iterator[LibraryEntry]:
        return strict(self)

    def __iter__(self) -> Iterator[ParsedRow]:
        reader = self._reader
        rows = iter(reader)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except csv.Error as error:
                yield RowProblem(reader.line_num, f"unreadable row: {error}")
                continue
            except UnicodeDecodeError:
                raise FormatError(reader.line_num + 1, "not UTF-8 text") from None
            if row:
                yield self._parse_row(row, reader.line_num)

    def _parse_row(self, row: list[str], line: int) -> ParsedRow:
        if len(row) != len(self.columns):
            return RowProblem(line, f"expected {len(self.columns)} fields, found {len(row)}")
        hashes: dict[str, str] = {}
        for index, name, matches in self._hash_columns:
            value = row[index].strip()
            if value:
                if not matches(value):
                    return _hash_problem(line, name, value)
                hashes[name] = value.lower()
        if not hashes:
            return RowProblem(line, "no hash in this row")
        category, code = self.default_category, None
        victim = series = comments = None
        at = self._at
        try:
            if "category" in at:
                category, code = self._category(row[at["category"]])
            if "victim_identified" in at:
                victim = _flag(row[at["victim_identified"]])
            if "series" in at:
                series = _text(row[at["series"]], "series").strip() or None
            if "comments" in at:
                comments = _text(row[at["comments"]], "comments") or None
        except ValueError as error:
            return RowProblem(line, str(error))
        extra = {} if code is None or self.profile.round_trips(code) else {"vics_category": code}
        return LibraryEntry(
            **hashes, category=category, series=series, victim_identified=victim,
            comments=comments, source_line=line, extra=extra,
        )

    def _category(self, cell: str) -> tuple[Category, int | None]:
        found = self._categories.get(cell)
        if found is None:
            found = _parse_category(cell, self.profile, self.default_category)
            if len(self._categories) < _CATEGORY_CACHE_LIMIT:
                self._categories[cell] = found
        return found


def _parse_category(cell: str, profile: VicsProfile, default: Category) -> tuple[Category, int | None]:
    text = cell.strip()
    if not text:
        return default, None
    if text.isdigit():
        code = int(text)
        return profile.category_for(code), code
    return Category.parse(text), None


def _flag(cell: str) -> bool | None:
    try:
        return parse_flag(cell)
    except ValueError as error:
        raise ValueError(f"victim_identified: {error}") from None


def _text(cell: str, name: str) -> str:
    if "\x00" in cell:
        raise ValueError(f"{name} contains a NUL character")
    return cell


def _hash_problem(line: int, name: str, value: str) -> RowProblem:
    try:
        normalise_hash(name, value)
    except ValueError as error:
        return RowProblem(line, str(error))
    raise AssertionError("unreachable: the value failed the same check")  # pragma: no cover


class Md5ListReader:
    """Reads a bare list of MD5s, one a line; every entry carries ``category``."""

    format = "md5list"

    def __init__(self, stream: IO[Any], *, category: Category = Category.UNGRADED) -> None:
        self.category = category
        self.warnings: list[str] = []
        self._lines = text_lines(stream)
        self._line = 0
        self._first = self._first_entry_line()

    def _first_entry_line(self) -> str | None:
        for text in self._read():
            stripped = text.strip()
            if stripped and not stripped.startswith("#"):
                return stripped
        raise FormatError(None, "empty file")

    def _read(self) -> Iterator[str]:
        try:
            for text in self._lines:
                self._line += 1
                yield text.lstrip("\ufeff") if self._line == 1 else text
        except UnicodeDecodeError:
            raise FormatError(self._line + 1, "not UTF-8 text") from None

    def entries(self) -> Iterator[LibraryEntry]:
        return strict(self)

    def __iter__(self) -> Iterator[ParsedRow]:
        if self._first is not None:
            first, self._first = self._first, None
            yield self._parse(first, self._line)
        for text in self._read():
            stripped = text.strip()
            if stripped and not stripped.startswith("#"):
                yield self._parse(stripped, self._line)

    def _parse(self, value: str, line: int) -> ParsedRow:
        if not HASH_MATCHERS["md5"](value):
            return _hash_problem(line, "md5", value)
        return LibraryEntry(md5=value.lower(), category=self.category, source_line=line)


def write_csv(entries: Iterable[LibraryEntry], stream: IO[Any]) -> int:
    """Write ``entries`` as CSV with every known column (UTF-8, CRLF); returns how many were written.

    ``extra`` values are not written: CSV carries the known columns only.
    """
    text, wrapper = text_writer(stream)
    try:
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        count = 0
        for entry in entries:
            writer.writerow(_csv_row(entry))
            count += 1
        return count
    finally:
        if wrapper is not None:
            wrapper.flush()
            wrapper.detach()


def _csv_row(entry: LibraryEntry) -> tuple[str, ...]:
    victim = "" if entry.victim_identified is None else ("true" if entry.victim_identified else "false")
    return (
        entry.md5 or "", entry.sha1 or "", entry.sha256 or "", entry.pdq or "",
        entry.category.value, entry.series or "", victim, entry.comments or "",
    )
