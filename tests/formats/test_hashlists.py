"""CSV and MD5-list hash libraries: synthetic random hashes with random grades, in generated temp files."""

from __future__ import annotations

import csv
import dataclasses
import io
import random

import pytest

from tutela.domain.categories import UK_PROFILE, US_PROFILE, Category
from tutela.errors import UsageError
from tutela.formats.entries import FormatError, LibraryEntry, RowProblem, entry_record, entry_values
from tutela.formats.hashlists import CSV_COLUMNS, CsvLibraryReader, Md5ListReader, write_csv

HEADER = ",".join(CSV_COLUMNS)


def random_entries(count: int, seed: int = 7) -> list[LibraryEntry]:
    rnd = random.Random(seed)
    out = []
    for i in range(count):
        hashes = {
            "md5": f"{rnd.getrandbits(128):032x}",
            "sha1": f"{rnd.getrandbits(160):040x}" if i % 2 else None,
            "sha256": f"{rnd.getrandbits(256):064x}" if i % 3 else None,
            "pdq": f"{rnd.getrandbits(256):064x}" if i % 4 == 1 else None,
        }
        if i % 5 == 4:
            hashes["md5"] = None
            hashes["sha1"] = f"{rnd.getrandbits(160):040x}"
        out.append(LibraryEntry(
            **hashes, category=rnd.choice(list(Category)),
            series=rnd.choice([None, "series-1", "synthetic, with comma"]),
            victim_identified=rnd.choice([None, True, False]),
            comments=rnd.choice([None, "plain", 'quoted "word"', "two\nlines", "ünïcode ✓"]),
            source_line=i + 2,
        ))
    return out


def write_file(tmp_path, content: bytes | str, name: str = "library.csv"):
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def read_csv(path, **kwargs):
    with path.open("rb") as stream:
        reader = CsvLibraryReader(stream, **kwargs)
        return reader, list(reader)


def only_problem(rows) -> RowProblem:
    problems = [r for r in rows if isinstance(r, RowProblem)]
    assert len(problems) == 1, rows
    return problems[0]


def test_written_csv_reads_back_as_the_same_entries(tmp_path):
    entries = random_entries(300)
    path = tmp_path / "out.csv"
    with path.open("wb") as stream:
        assert write_csv(entries, stream) == 300
    _, rows = read_csv(path)
    assert len(rows) == 300
    # A comment holding a newline spans two physical lines, so line numbers shift after it.
    strip = [dataclasses.replace(r, source_line=0) for r in rows]
    assert strip == [dataclasses.replace(e, source_line=0) for e in entries]


def test_written_csv_reads_back_from_a_text_stream():
    entries = random_entries(20, seed=3)
    buffer = io.StringIO(newline="")
    write_csv(entries, buffer)
    buffer.seek(0)
    rows = list(CsvLibraryReader(buffer))
    assert [r.key for r in rows] == [e.key for e in entries]


def test_bom_crlf_and_mixed_case_hex_are_accepted(tmp_path):
    md5 = "0123456789ABCDEFabcdef0123456789"
    path = write_file(tmp_path, b"\xef\xbb\xbfMD5,Category\r\n" + md5.encode() + b",A\r\n")
    reader, rows = read_csv(path)
    assert reader.columns == ("md5", "category")
    assert rows == [LibraryEntry(md5=md5.lower(), category=Category.A, source_line=2)]


def test_text_stream_with_bom_is_accepted():
    rows = list(CsvLibraryReader(io.StringIO("\ufeffsha1\n" + "Ab" * 20 + "\n")))
    assert rows == [LibraryEntry(sha1="ab" * 20, source_line=2)]


def test_any_single_hash_column_is_enough(tmp_path):
    pdq = "f" * 64
    _, rows = read_csv(write_file(tmp_path, f"pdq\n{pdq}\n"))
    assert rows == [LibraryEntry(pdq=pdq, category=Category.UNGRADED, source_line=2)]


def test_unknown_columns_are_ignored_and_reported_once(tmp_path):
    text = "Notes,md5,Size\n" + "\n".join(f"x,{'a' * 32},{n}" for n in range(3)) + "\n"
    reader, rows = read_csv(write_file(tmp_path, text))
    assert reader.unknown_columns == ("notes", "size")
    assert reader.warnings == ["unknown columns ignored: notes, size"]
    assert len(rows) == 3 and all(isinstance(r, LibraryEntry) for r in rows)


@pytest.mark.parametrize(("content", "message"), [
    ("", "empty file"),
    ("\r\n  \n", "empty file"),
    (b"\xef\xbb\xbf", "empty file"),
    ("category,series\nA,x\n", "line 1: no hash column in the header (need md5, sha1, sha256 or pdq)"),
    ("md5,MD5\n", "line 1: repeated column: md5"),
    ("\n\nseries\n", "line 3: no hash column in the header (need md5, sha1, sha256 or pdq)"),
])
def test_file_level_errors_stop_reading(tmp_path, content, message):
    with pytest.raises(FormatError) as caught:
        read_csv(write_file(tmp_path, content))
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, UsageError)


@pytest.mark.parametrize(("cell", "message"), [
    ("a" * 31, "md5 must be 32 hex digits, got 31 characters"),
    ("a" * 33, "md5 must be 32 hex digits, got 33 characters"),
    ("g" * 32, "md5 is not hexadecimal: 'gggggggggggggggggggggggggggggggg'"),
    ("0x" + "a" * 30, "md5 is not hexadecimal"),
])
def test_bad_md5_is_a_problem_on_its_line(tmp_path, cell, message):
    good = "b" * 32
    text = f"md5,category\n{good},A\n\n{cell},B\n{good},C\n"
    _, rows = read_csv(write_file(tmp_path, text))
    problem = only_problem(rows)
    assert problem.line == 4
    assert problem.message.startswith(message)
    assert [r.source_line for r in rows if isinstance(r, LibraryEntry)] == [2, 5]


@pytest.mark.parametrize(("column", "cell", "message"), [
    ("sha1", "a" * 39, "sha1 must be 40 hex digits, got 39 characters"),
    ("sha256", "z" * 64, "sha256 is not hexadecimal"),
    ("pdq", "a" * 63, "pdq must be 64 hex digits, got 63 characters"),
    ("category", "D", "unknown category 'D'"),
    ("category", "9", "VICS category 9 is not in the us profile"),
    ("victim_identified", "maybe", "victim_identified: expected true/false/yes/no/1/0 or empty, got 'maybe'"),
])
def test_bad_cells_are_problems_with_line_numbers(tmp_path, column, cell, message):
    text = f"md5,{column}\n{'c' * 32},{cell}\n"
    if column in {"sha1", "sha256", "pdq"}:
        text = f"{column},series\n{cell},s\n"
    _, rows = read_csv(write_file(tmp_path, text))
    problem = only_problem(rows)
    assert (problem.line, problem.unit) == (2, "line")
    assert problem.message.startswith(message)


def test_row_without_any_hash_and_row_of_wrong_width(tmp_path):
    text = "md5,sha1,series\n,,s\n" + "a" * 32 + ",,s,extra\n" + "a" * 32 + "\n"
    _, rows = read_csv(write_file(tmp_path, text))
    assert [(r.line, r.message) for r in rows] == [
        (2, "no hash in this row"), (3, "expected 3 fields, found 4"), (4, "expected 3 fields, found 1"),
    ]


def test_category_spellings_and_vics_codes(tmp_path):
    cells = ["A", "b", "C", "not_indecent", "NON_PHOTOGRAPHIC", "comparison", "", "1", "3", "0"]
    text = "md5,category\n" + "".join(f"{n:032x},{c}\n" for n, c in enumerate(cells))
    _, rows = read_csv(write_file(tmp_path, text), profile=UK_PROFILE)
    assert [r.category for r in rows] == [
        Category.A, Category.B, Category.C, Category.NOT_INDECENT, Category.NON_PHOTOGRAPHIC,
        Category.COMPARISON, Category.UNGRADED, Category.A, Category.C, Category.UNGRADED,
    ]
    assert all(r.extra == {} for r in rows)


def test_us_codes_read_ungraded_but_keep_the_code(tmp_path):
    text = "md5,category\n" + "a" * 32 + ",1\n" + "b" * 32 + ",4\n"
    _, rows = read_csv(write_file(tmp_path, text), profile=US_PROFILE)
    assert [(r.category, r.extra) for r in rows] == [
        (Category.UNGRADED, {"vics_category": 1}), (Category.COMPARISON, {}),
    ]


def test_empty_category_takes_the_default(tmp_path):
    text = "md5,category\n" + "a" * 32 + ",\n"
    _, rows = read_csv(write_file(tmp_path, text), default_category=Category.B)
    assert rows[0].category is Category.B


@pytest.mark.parametrize(("cell", "expected"), [
    ("true", True), ("TRUE", True), ("yes", True), ("1", True),
    ("false", False), ("No", False), ("0", False), ("", None), (" ", None),
])
def test_victim_identified_values(tmp_path, cell, expected):
    _, rows = read_csv(write_file(tmp_path, f"md5,victim_identified\n{'a' * 32},{cell}\n"))
    assert rows[0].victim_identified is expected


def test_strict_entries_raise_at_the_first_problem(tmp_path):
    text = "md5\n" + "a" * 32 + "\n" + "b" * 32 + "\nnot-a-hash\n" + "c" * 31 + "\n"
    with write_file(tmp_path, text).open("rb") as stream:
        entries = CsvLibraryReader(stream).entries()
        assert next(entries).md5 == "a" * 32
        assert next(entries).md5 == "b" * 32
        with pytest.raises(FormatError) as caught:
            next(entries)
    assert caught.value.line == 4
    assert str(caught.value) == "line 4: md5 must be 32 hex digits, got 10 characters"
    assert "\n" not in str(caught.value)


def test_bytes_that_are_not_utf8_stop_reading(tmp_path):
    path = write_file(tmp_path, b"md5,comments\n" + b"a" * 32 + b",ok\n" + b"b" * 32 + b",\xff\xfe\n")
    with path.open("rb") as stream, pytest.raises(FormatError, match="not UTF-8 text"):
        list(CsvLibraryReader(stream))


def test_nul_byte_in_text_is_a_row_problem(tmp_path):
    path = write_file(tmp_path, b"md5,comments\n" + b"a" * 32 + b",x\x00y\n" + b"b" * 32 + b",ok\n")
    _, rows = read_csv(path)
    assert rows[0] == RowProblem(2, "comments contains a NUL character")
    assert rows[1] == LibraryEntry(md5="b" * 32, comments="ok", source_line=3)


def test_oversized_field_is_a_row_problem_and_reading_goes_on(tmp_path):
    huge = b"x" * 200_000
    path = write_file(tmp_path, b"md5,comments\n" + b"a" * 32 + b',"' + huge + b'"\n' + b"b" * 32 + b",ok\n")
    _, rows = read_csv(path)
    assert isinstance(rows[0], RowProblem) and rows[0].line == 2
    assert rows[0].message.startswith("unreadable row: field larger than field limit")
    assert rows[-1] == LibraryEntry(md5="b" * 32, comments="ok", source_line=3)


def test_md5list_skips_comments_and_blanks_and_takes_the_callers_category(tmp_path):
    content = b"\xef\xbb\xbf# synthetic list\r\n\r\n" + b"A" * 32 + b"\r\n  # note\r\n" + b"b" * 32 + b"\r\n"
    with write_file(tmp_path, content, "list.txt").open("rb") as stream:
        rows = list(Md5ListReader(stream, category=Category.C))
    assert rows == [
        LibraryEntry(md5="a" * 32, category=Category.C, source_line=3),
        LibraryEntry(md5="b" * 32, category=Category.C, source_line=5),
    ]


def test_md5list_defaults_to_ungraded_and_reports_bad_lines():
    text = "\ufeff" + "a" * 32 + "\n" + "a" * 40 + "\n\nxyz\n"
    rows = list(Md5ListReader(io.StringIO(text)))
    assert rows[0] == LibraryEntry(md5="a" * 32, category=Category.UNGRADED, source_line=1)
    assert [(r.line, r.message) for r in rows[1:]] == [
        (2, "md5 must be 32 hex digits, got 40 characters"),
        (4, "md5 must be 32 hex digits, got 3 characters"),
    ]


@pytest.mark.parametrize("content", [b"", b"\n\n", b"# only a comment\n\n#another\n"])
def test_md5list_without_hashes_is_an_empty_file(tmp_path, content):
    with write_file(tmp_path, content, "list.txt").open("rb") as stream, \
            pytest.raises(FormatError, match=r"^empty file$"):
        Md5ListReader(stream)


def test_md5list_strict_names_the_line():
    reader = Md5ListReader(io.StringIO("a" * 32 + "\n#\nnope\n"))
    with pytest.raises(FormatError, match=r"^line 3: md5 must be 32 hex digits"):
        list(reader.entries())


def _records_both_ways(path, **kwargs) -> tuple[list, list]:
    """What the bulk path reads (records()) and what iterating reads, made into records the general way."""
    with path.open("rb") as stream:
        fast = list(CsvLibraryReader(stream, **kwargs).records())
    _, rows = read_csv(path, **kwargs)
    slow = [r if isinstance(r, RowProblem) else entry_record(entry_values(r)) for r in rows]
    return fast, slow


@pytest.mark.parametrize("header", ["md5,sha1,sha256,pdq,category", "pdq,md5,notes", "sha256,category,md5"])
def test_bulk_records_are_what_iterating_reads(tmp_path, header):
    rnd = random.Random(header)
    columns = header.split(",")
    cells = {"md5": 16, "sha1": 20, "sha256": 32, "pdq": 32}
    odd = ["", " ", "g" * 32, "ab cd", "0x12", "AbCd" * 16]
    grades = ["A", "b", "", "1", "3", "not_indecent", "7", "Z"]
    lines = [header]
    for i in range(400):
        row = []
        for column in columns:
            if column in cells:
                value = rnd.randbytes(cells[column]).hex()
                row.append(rnd.choice([value, value.upper(), f" {value}", "", rnd.choice(odd)]) if i % 3 else value)
            elif column == "category":
                row.append(rnd.choice(grades))
            else:
                row.append("note")
        lines.append(",".join(row) + ("," if i % 97 == 5 else ""))
    path = write_file(tmp_path, "\r\n".join(lines) + "\r\n")
    fast, slow = _records_both_ways(path, profile=US_PROFILE)
    assert fast == slow
    assert any(isinstance(r, RowProblem) for r in fast) and any(isinstance(r, tuple) for r in fast)


def test_bulk_records_of_rows_with_series_and_comments(tmp_path):
    path = tmp_path / "full.csv"
    with path.open("wb") as stream:
        write_csv(random_entries(200, seed=11), stream)
    fast, slow = _records_both_ways(path)
    assert fast == slow and len(fast) == 200


def test_bulk_record_keys_tell_duplicates_and_grades_apart(tmp_path):
    md5 = "ab" * 16
    path = write_file(tmp_path, f"md5,category\n{md5},A\n{md5.upper()},a\n{md5},B\n")
    with path.open("rb") as stream:
        keys = [record[0] for record in CsvLibraryReader(stream).records()]
    assert keys[0] == keys[1] != keys[2]


FORMULA_TEXTS = ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tlead", "'=quoted", "''two", "'tis", "plain"]


def test_cells_a_spreadsheet_would_run_are_written_as_text_and_read_back_unchanged(tmp_path):
    entries = [LibraryEntry(md5=f"{i:032x}", series=text.strip() or None, comments=text, source_line=i + 2)
               for i, text in enumerate(FORMULA_TEXTS)]
    path = tmp_path / "out.csv"
    with path.open("wb") as stream:
        write_csv(entries, stream)
    written = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))[1:]
    comments = [row[CSV_COLUMNS.index("comments")] for row in written]
    assert comments == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2+3", "'@SUM(A1)", "'\tlead", "''=quoted", "'''two",
                        "'tis", "plain"]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t")) for row in written for cell in row)
    _, rows = read_csv(path)
    assert [(r.series, r.comments) for r in rows] == [(e.series, e.comments) for e in entries]
