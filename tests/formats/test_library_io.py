"""Format registry, sniffing, duplicates and the shared record types."""

from __future__ import annotations

import io
import json

import pytest

from tutela.domain.categories import UK_PROFILE, Category
from tutela.errors import UsageError
from tutela.formats.entries import (
    DuplicateFilter,
    FormatError,
    LibraryEntry,
    RowProblem,
    collapse_duplicates,
    strict,
)
from tutela.formats.library_io import (
    LibraryFormat,
    UnknownFormatError,
    default_formats,
    detect_format,
    read_library,
    write_library,
)

MD5 = "0123456789abcdef" * 2


@pytest.mark.parametrize(("head", "expected"), [
    (b'{"odata.metadata": "x", "value": []}', "vics"),
    (b'\xef\xbb\xbf\r\n  {"@odata.context": ', "vics"),
    (b"md5,category\r\n" + MD5.encode() + b",A", "csv"),
    (b"\xef\xbb\xbfSHA1\n", "csv"),
    (MD5.upper().encode() + b"\r\n" + MD5.encode(), "md5list"),
    (b"# exported list\n" + MD5.encode(), "md5list"),
])
def test_detect_format(head, expected):
    assert detect_format(head) == expected


@pytest.mark.parametrize(("head", "message"), [
    (b"", "^empty file$"),
    (b"\xef\xbb\xbf \n\t", "^empty file$"),
    (b"hello world\n", "^line 1: cannot tell the library format"),
])
def test_detect_format_failures(head, message):
    with pytest.raises(FormatError, match=message):
        detect_format(head)


def test_read_library_dispatches_by_name_with_profile_and_category():
    rows = list(read_library("csv", io.StringIO(f"md5,category\n{MD5},1\n"), profile=UK_PROFILE))
    assert rows == [LibraryEntry(md5=MD5, category=Category.A, source_line=2)]
    rows = list(read_library("MD5LIST", io.StringIO(MD5 + "\n"), category=Category.B))
    assert rows == [LibraryEntry(md5=MD5, category=Category.B, source_line=1)]
    reader = read_library("vics", io.StringIO(json.dumps({"value": [{"MD5": MD5, "Category": 2}]})),
                          profile=UK_PROFILE)
    assert [r.category for r in reader.entries()] == [Category.B]


@pytest.mark.parametrize("name", ["csv", "vics"])
def test_write_library_round_trips(name):
    entries = [LibraryEntry(md5=MD5, category=Category.C, series="s", source_line=1)]
    buffer = io.StringIO(newline="")
    assert write_library(name, entries, buffer, profile=UK_PROFILE) == 1
    buffer.seek(0)
    again = list(read_library(name, buffer, profile=UK_PROFILE).entries())
    assert [e.key for e in again] == [e.key for e in entries]


def test_unknown_format_names_are_clear_usage_errors():
    with pytest.raises(UnknownFormatError) as caught:
        read_library("xml", io.StringIO(""))
    assert str(caught.value) == "unknown library format 'xml' (known: csv, md5list, vics)"
    assert isinstance(caught.value, UsageError) and isinstance(caught.value, ValueError)
    with pytest.raises(UnknownFormatError, match="unknown library export format 'md5list' \\(known: csv, vics\\)"):
        write_library("md5list", [], io.StringIO())


def test_registry_refuses_a_duplicate_name():
    formats = default_formats()
    with pytest.raises(ValueError, match="'csv' is already registered"):
        formats.register(LibraryFormat("csv", lambda s, p, c: None))


def test_entry_needs_a_hash_and_hashes_without_extra():
    with pytest.raises(ValueError, match="at least one hash"):
        LibraryEntry(category=Category.A)
    one = LibraryEntry(md5=MD5, extra={"photodna": "x"})
    assert hash(one) == hash(LibraryEntry(md5=MD5, extra={"photodna": "y"}))
    assert one != LibraryEntry(md5=MD5)


def test_format_error_is_one_line_naming_where():
    assert str(FormatError(17, "bad md5")) == "line 17: bad md5"
    assert str(FormatError(3, "bad md5", "record")) == "record 3: bad md5"
    assert str(FormatError(None, "empty file")) == "empty file"
    assert FormatError(None, "empty file").exit_status == 2


def test_strict_stops_at_the_first_problem():
    rows = [LibraryEntry(md5=MD5, source_line=1), RowProblem(2, "bad", "record"), RowProblem(3, "worse")]
    out = strict(rows)
    assert next(out).md5 == MD5
    with pytest.raises(FormatError, match=r"^record 2: bad$"):
        next(out)


def test_duplicates_collapse_but_grade_conflicts_and_problems_pass():
    a = LibraryEntry(md5=MD5, category=Category.A, source_line=1)
    rows = [
        a,
        LibraryEntry(md5=MD5, category=Category.A, series="other series", source_line=2),
        LibraryEntry(md5=MD5, category=Category.B, source_line=3),
        RowProblem(4, "bad"),
        LibraryEntry(md5=MD5, sha1="f" * 40, category=Category.A, source_line=5),
        LibraryEntry(md5=MD5, category=Category.A, source_line=6),
    ]
    dedup = DuplicateFilter()
    kept = list(dedup(rows))
    assert [r.line if isinstance(r, RowProblem) else r.source_line for r in kept] == [1, 3, 4, 5]
    assert dedup.dropped == 2
    assert len(kept) + dedup.dropped == len(rows)
    assert list(collapse_duplicates(rows)) == kept
