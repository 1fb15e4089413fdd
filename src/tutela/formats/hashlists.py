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
import json
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from tutela.domain.categories import US_PROFILE, Category, VicsProfile
from tutela.formats.entries import (
    HASH_FIELDS,
    HASH_LENGTHS,
    HASH_MATCHERS,
    EntryRecord,
    EntryValues,
    FormatError,
    LibraryEntry,
    ParsedRow,
    RowProblem,
    entry_record,
    normalise_hash,
    parse_flag,
    record_key,
    strict,
    text_lines,
    text_writer,
)

CSV_COLUMNS: tuple[str, ...] = (*HASH_FIELDS, "category", "series", "victim_identified", "comments")
_CATEGORY_CACHE_LIMIT = 256
_NO_HASHES = [None, None, None, None]
_fromhex = bytes.fromhex


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
        self._width = len(self.columns)
        self._hash_columns = [(index, HASH_FIELDS.index(name), name, HASH_MATCHERS[name])
                              for name, index in self._at.items() if name in HASH_MATCHERS]
        self._category_at = self._at.get("category")
        self._plain_hashes = [(index, slot, HASH_LENGTHS[name] // 2) for index, slot, name, _ in self._hash_columns]
        # category cell -> the grade's tail of an EntryRecord (category value, series, victim, comments, extra)
        self._grades: dict[str, tuple[str, None, None, None, str | None]] = {}
        if self._category_at is None:
            self._grades[""] = (default_category.value, None, None, None, None)
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
        for line, values in self._parsed(self._parse_row):
            if isinstance(values, RowProblem):
                yield values
            else:
                md5, sha1, sha256, pdq, category, series, victim, comments, extra = values
                yield LibraryEntry(md5=md5, sha1=sha1, sha256=sha256, pdq=pdq, category=category, series=series,
                                   victim_identified=victim, comments=comments, source_line=line, extra=extra or {})

    def records(self) -> Iterator[EntryRecord | RowProblem]:
        """Rows as ``EntryRecord`` tuples, for a bulk load: the same checks as iterating, but a well-formed row
        of hashes and a grade is read straight into its record, without the steps of an entry."""
        if set(self._at) - {*HASH_FIELDS, "category"}:
            return (r if isinstance(r, RowProblem) else entry_record(r) for _, r in self._parsed(self._parse_row))
        return (record for _, record in self._parsed(self._record_row))

    def _record_row(self, row: list[str], line: int) -> EntryRecord | RowProblem:
        if len(row) == self._width:
            raw: list[bytes | None] = [None, None, None, None]
            text = ["", "", "", ""]
            for index, slot, width in self._plain_hashes:
                cell = row[index]
                if not cell:
                    continue
                if len(cell) != width * 2:
                    break
                try:
                    value = _fromhex(cell)
                except ValueError:
                    break
                if len(value) != width:  # fromhex skips spaces: the cell was not all hex digits
                    break
                raw[slot], text[slot] = value, cell.lower()
            else:
                grade = self._grades.get(row[self._category_at] if self._category_at is not None else "")
                if grade is not None and raw != _NO_HASHES:
                    md5, sha1, sha256, pdq = text
                    return (record_key(md5, sha1, sha256, pdq, grade[0]), *raw, *grade)
        # Anything unusual (spaces, bad hex, a grade not seen yet, a short row) takes the full checks.
        values = self._parse_row(row, line)
        if isinstance(values, RowProblem):
            return values
        if len(self._grades) < _CATEGORY_CACHE_LIMIT and self._category_at is not None:
            cell = row[self._category_at]
            category, code = self._categories.get(cell) or (values[4], None)
            extra = None if code is None or self.profile.round_trips(code) else {"vics_category": code}
            self._grades[cell] = (category.value, None, None, None, json.dumps(extra) if extra else None)
        return entry_record(values)

    def _parsed(self, parse: Callable[[list[str], int], Any]) -> Iterator[tuple[int, Any]]:
        reader = self._reader
        rows = iter(reader)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except csv.Error as error:
                yield reader.line_num, RowProblem(reader.line_num, f"unreadable row: {error}")
                continue
            except UnicodeDecodeError:
                raise FormatError(reader.line_num + 1, "not UTF-8 text") from None
            if row:
                line = reader.line_num
                yield line, parse(row, line)

    def _parse_row(self, row: list[str], line: int) -> EntryValues | RowProblem:
        if len(row) != self._width:
            return RowProblem(line, f"expected {self._width} fields, found {len(row)}")
        hashes: list[str | None] = [None, None, None, None]
        for index, slot, name, matches in self._hash_columns:
            value = row[index]
            if value:
                if not matches(value):  # a well-formed cell needs no strip; anything else gets the full check
                    value = value.strip()
                    if not value:
                        continue
                    if not matches(value):
                        return _hash_problem(line, name, value)
                hashes[slot] = value.lower()
        if hashes == _NO_HASHES:
            return RowProblem(line, "no hash in this row")
        category, code = self.default_category, None
        victim = series = comments = None
        at = self._at
        try:
            if self._category_at is not None:
                category, code = self._category(row[self._category_at])
            if "victim_identified" in at:
                victim = _flag(row[at["victim_identified"]])
            if "series" in at:
                series = unguard_cell(_text(row[at["series"]], "series").strip()) or None
            if "comments" in at:
                comments = unguard_cell(_text(row[at["comments"]], "comments")) or None
        except ValueError as error:
            return RowProblem(line, str(error))
        extra = None if code is None or self.profile.round_trips(code) else {"vics_category": code}
        return (*hashes, category, series, victim, comments, extra)

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
        entry.category.value, guard_cell(entry.series or ""), victim, guard_cell(entry.comments or ""),
    )


# A spreadsheet opening a CSV runs a cell that starts with one of these as a formula (OWASP "CSV injection"):
# free text from a library (series, comments) could carry one. The writer puts an apostrophe before such a cell,
# which spreadsheets show as text; the reader takes it off again, so an export re-imports unchanged.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard_cell(text: str) -> str:
    """``text`` safe to open in a spreadsheet: ``'`` before a formula start, and before an apostrophe that would
    otherwise read as a guard."""
    if text.startswith(_FORMULA_STARTS) or (text.startswith("'") and text[1:].startswith((*_FORMULA_STARTS, "'"))):
        return "'" + text
    return text


def unguard_cell(text: str) -> str:
    """The text ``guard_cell`` was given."""
    if text.startswith("'") and text[1:].startswith((*_FORMULA_STARTS, "'")):
        return text[1:]
    return text
