"""VICS JSON 1.2/1.3/2.0 hash sets: synthetic documents in the shapes other tools read and write."""

from __future__ import annotations

import base64
import io
import json
import random

import pytest

from tutela.domain.categories import UK_PROFILE, US_PROFILE, Category
from tutela.formats import vics
from tutela.formats.entries import FormatError, LibraryEntry, RowProblem
from tutela.formats.vics import VICS_20_CONTEXT, VicsReader, write_vics

CONTEXT_13 = "http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Media"
CONTEXT_12 = "http://github.com/ICMEC/ProjectVic/DataModels/1.2.xml#Media"
CONTEXT_UK = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/UK/$metadata#Cases"

# Both parsers when ijson is installed; the whole-document fallback always.
MODES = [False, True] if vics.ijson is not None else [False]


@pytest.fixture(params=MODES, ids=lambda streaming: "ijson" if streaming else "json")
def streaming(request):
    return request.param


def hexes(rnd: random.Random, bits: int, upper: bool = True) -> str:
    text = f"{rnd.getrandbits(bits):0{bits // 4}x}"
    return text.upper() if upper else text


def write_doc(tmp_path, document: dict | str | bytes, name: str = "vics.json"):
    path = tmp_path / name
    if isinstance(document, dict):
        document = json.dumps(document, indent=1)
    path.write_bytes(document.encode("utf-8") if isinstance(document, str) else document)
    return path


def read(path, streaming, profile=US_PROFILE):
    with path.open("rb") as stream:
        reader = VicsReader(stream, profile=profile, streaming=streaming)
        return reader, list(reader)


def test_vics_13_media_records(tmp_path, streaming):
    rnd = random.Random(13)
    md5, sha1, sha256 = hexes(rnd, 128), hexes(rnd, 160), hexes(rnd, 256)
    photodna = base64.b64encode(rnd.randbytes(144)).decode()
    doc = {"odata.metadata": CONTEXT_13, "value": [
        {"MediaID": 1, "Category": 1, "MD5": md5, "SHA1": sha1, "VictimIdentified": True,
         "Series": "synthetic-series", "Comments": "benign stand-in", "IsPrecategorized": "false",
         "MediaFiles": [{"MD5": md5, "FileName": "x.jpg", "FilePath": "C:\\x.jpg"}],
         "AlternativeHashes": [{"HashName": "PhotoDNA", "HashValue": photodna},
                               {"HashName": "SHA256", "HashValue": sha256}]},
        {"MediaID": 2, "Category": 4, "MD5": md5.lower(), "VictimIdentified": False},
    ]}
    reader, rows = read(write_doc(tmp_path, doc), streaming)
    assert (reader.version, reader.context) == ("1.3", CONTEXT_13)
    assert rows == [
        LibraryEntry(md5=md5.lower(), sha1=sha1.lower(), sha256=sha256.lower(), category=Category.UNGRADED,
                     series="synthetic-series", victim_identified=True, comments="benign stand-in",
                     source_line=1, extra={"photodna": photodna, "vics_category": 1}),
        LibraryEntry(md5=md5.lower(), category=Category.COMPARISON, victim_identified=False, source_line=2),
    ]
    assert reader.warnings == []


def test_vics_20_with_string_booleans_photodna_and_pdq(tmp_path, streaming):
    rnd = random.Random(20)
    md5, pdq = hexes(rnd, 128), hexes(rnd, 256, upper=False)
    doc = {"@odata.context": VICS_20_CONTEXT, "value": [
        {"MediaID": 1, "Category": "2", "MD5": md5, "PhotoDNA": "opaque==", "PDQ": pdq,
         "VictimIdentified": "true", "OffenderIdentified": "false", "IsDistributed": "true",
         "Tags": "tag, one", "MediaSize": "2835", "DateUpdated": "2025-01-02T03:04:05-05:00"},
    ]}
    reader, rows = read(write_doc(tmp_path, doc), streaming, profile=UK_PROFILE)
    assert reader.version == "2.0"
    assert rows == [LibraryEntry(
        md5=md5.lower(), pdq=pdq, category=Category.B, victim_identified=True, source_line=1,
        extra={"photodna": "opaque==", "offender_identified": False, "is_distributed": True, "tags": "tag, one"},
    )]


def test_uk_cases_shape_with_media_inside_and_category_omitted(tmp_path, streaming):
    rnd = random.Random(2)
    md5s = [hexes(rnd, 128) for _ in range(4)]
    doc = {"@odata.context": CONTEXT_UK, "value": [
        {"CaseID": "{0000}", "CaseNumber": "SYN/1", "SourceApplicationName": "synthetic",
         "Media": [{"MediaID": 1, "MD5": md5s[0]}, {"MediaID": 2, "Category": 3, "MD5": md5s[1]}],
         "After": {"nested": [1, 2]}},
        {"CaseID": "{0001}", "Media": [{"MediaID": 3, "Category": 1, "MD5": md5s[2]}]},
    ]}
    reader, rows = read(write_doc(tmp_path, doc), streaming, profile=UK_PROFILE)
    assert reader.version == "2.0" and reader.context == CONTEXT_UK
    assert [(r.md5, r.category, r.source_line) for r in rows] == [
        (md5s[0].lower(), Category.UNGRADED, 1), (md5s[1].lower(), Category.C, 2),
        (md5s[2].lower(), Category.A, 3),
    ]


def test_vics_12_header_bom_and_md5_from_media_files(tmp_path, streaming):
    md5 = "ab" * 16
    doc = {"odata.metadata": CONTEXT_12, "value": [
        {"MediaID": 1, "Category": 0, "MediaSize": "12", "MediaFiles": [{"MD5": md5.upper()}]},
    ]}
    path = write_doc(tmp_path, b"\xef\xbb\xbf" + json.dumps(doc).encode())
    reader, rows = read(path, streaming)
    assert reader.version == "1.2"
    assert rows == [LibraryEntry(md5=md5, category=Category.UNGRADED, source_line=1)]


def test_text_stream_is_accepted(streaming):
    doc = json.dumps({"@odata.context": VICS_20_CONTEXT, "value": [{"MD5": "c" * 32, "Category": 4}]})
    reader = VicsReader(io.StringIO("\ufeff" + doc), streaming=streaming)
    assert list(reader) == [LibraryEntry(md5="c" * 32, category=Category.COMPARISON, source_line=1)]


def test_header_after_the_records_is_still_read(tmp_path, streaming):
    text = '{"value": [{"MD5": "' + "d" * 32 + '"}], "odata.metadata": "' + CONTEXT_13 + '"}'
    path = write_doc(tmp_path, text.replace('"value"', " " * 70_000 + '"value"'))
    reader, rows = read(path, streaming)
    assert len(rows) == 1
    assert reader.version == "1.3"


def test_missing_header_is_a_warning(tmp_path, streaming):
    reader, rows = read(write_doc(tmp_path, {"value": [{"MD5": "e" * 32}]}), streaming)
    assert len(rows) == 1
    assert reader.version is None
    assert reader.warnings == ["no odata.metadata or @odata.context header; read as VICS"]


@pytest.mark.parametrize(("record", "message"), [
    ({"MD5": "a" * 31}, "md5 must be 32 hex digits, got 31 characters"),
    ({"MD5": "q" * 32}, "md5 is not hexadecimal"),
    ({"SHA1": 12}, "sha1 is not a string"),
    ({"MediaID": 5}, "no MD5, SHA1, SHA256 or PDQ in this record"),
    ({"MD5": "a" * 32, "Category": 9}, "VICS category 9 is not in the us profile"),
    ({"MD5": "a" * 32, "Category": "one"}, "Category must be a number, got 'one'"),
    ({"MD5": "a" * 32, "Category": True}, "Category must be a number, got True"),
    ({"MD5": "a" * 32, "VictimIdentified": "perhaps"}, "VictimIdentified: expected true/false"),
    ({"MD5": "a" * 32, "AlternativeHashes": [{"HashName": "MD5", "HashValue": "b" * 32}]},
     "two different md5 values in one record"),
    ({"MD5": "a" * 32, "AlternativeHashes": [{"HashName": "SHA-256", "HashValue": "b" * 63}]},
     "sha256 must be 64 hex digits"),
    ({"MD5": "a" * 32, "AlternativeHashes": {"HashName": "x"}}, "AlternativeHashes is not a list"),
    (["not", "an", "object"], "record is not a JSON object"),
    ("a string", "record is not a JSON object"),
])
def test_bad_records_are_problems_numbered_by_record(tmp_path, streaming, record, message):
    good = {"MD5": "f" * 32, "Category": 1}
    doc = {"@odata.context": VICS_20_CONTEXT, "value": [good, good, record, good]}
    _, rows = read(write_doc(tmp_path, doc), streaming)
    assert [type(r).__name__ for r in rows] == ["LibraryEntry", "LibraryEntry", "RowProblem", "LibraryEntry"]
    problem = rows[2]
    assert (problem.line, problem.unit) == (3, "record")
    assert problem.message.startswith(message)
    assert str(problem).startswith("record 3: ")
    assert rows[3].source_line == 4


def test_strict_entries_name_the_record(tmp_path, streaming):
    doc = {"@odata.context": VICS_20_CONTEXT, "value": [{"MD5": "a" * 32}, {"MD5": "xyz"}]}
    with write_doc(tmp_path, doc).open("rb") as stream:
        entries = VicsReader(stream, streaming=streaming).entries()
        assert next(entries).md5 == "a" * 32
        with pytest.raises(FormatError) as caught:
            next(entries)
    assert str(caught.value) == "record 2: md5 must be 32 hex digits, got 3 characters"


@pytest.mark.parametrize(("content", "message"), [
    (b"", "^empty file$"),
    (b" \r\n\t", "^empty file$"),
    (b"\xef\xbb\xbf\n", "^empty file$"),
    (b'["value"]', "not a VICS document: expected a JSON object"),
    (b"md5\n" + b"a" * 32, "not a VICS document: expected a JSON object"),
])
def test_unreadable_documents_fail_on_open(tmp_path, streaming, content, message):
    with write_doc(tmp_path, content).open("rb") as stream, pytest.raises(FormatError, match=message):
        VicsReader(stream, streaming=streaming)


def test_document_without_value_array_fails(tmp_path, streaming):
    with pytest.raises(FormatError, match="no value array"):
        read(write_doc(tmp_path, {"@odata.context": VICS_20_CONTEXT, "Media": []}), streaming)


def test_broken_json_fails_with_a_position(tmp_path, streaming):
    text = '{"@odata.context": "' + VICS_20_CONTEXT + '", "value": [{"MD5": "' + "a" * 32 + '"}, {"MD5": '
    with write_doc(tmp_path, text).open("rb") as stream:
        rows = VicsReader(stream, streaming=streaming)
        with pytest.raises(FormatError, match="invalid JSON") as caught:
            list(rows)
    assert caught.value.line is not None


def random_entries(count: int, profile, seed: int = 11) -> list[LibraryEntry]:
    rnd = random.Random(seed)
    categories = sorted({profile.category_for(code) for code in profile.categories
                         if profile.round_trips(code)})
    out = []
    for i in range(count):
        extra = {}
        if i % 3 == 0:
            extra["photodna"] = base64.b64encode(rnd.randbytes(144)).decode()
        if i % 7 == 0:
            extra |= {"offender_identified": False, "is_distributed": True, "tags": "t1 ] \" ,"}
        out.append(LibraryEntry(
            md5=hexes(rnd, 128, upper=False), sha1=hexes(rnd, 160, upper=False) if i % 2 else None,
            sha256=hexes(rnd, 256, upper=False) if i % 4 == 1 else None,
            pdq=hexes(rnd, 256, upper=False) if i % 5 == 2 else None,
            category=rnd.choice(categories), series=rnd.choice([None, "series ✓ 日本", "s2"]),
            victim_identified=rnd.choice([None, True, False]),
            comments=rnd.choice([None, "plain", "line\nbreak"]), source_line=i + 1, extra=extra,
        ))
    return out


@pytest.mark.parametrize("profile", [UK_PROFILE, US_PROFILE], ids=["uk", "us"])
def test_written_vics_reads_back_as_the_same_entries(tmp_path, streaming, profile):
    entries = random_entries(250, profile)
    entries.append(LibraryEntry(sha1="1" * 40, category=Category.UNGRADED, source_line=251,
                                extra={"vics_category": 1} if profile is US_PROFILE else {}))
    path = tmp_path / "out.json"
    with path.open("wb") as stream:
        assert write_vics(entries, stream, profile=profile) == 251
    reader, rows = read(path, streaming, profile=profile)
    assert reader.version == "2.0" and reader.context == VICS_20_CONTEXT
    assert rows == entries


def test_written_vics_uses_profile_codes_and_upper_case_md5():
    buffer = io.StringIO()
    write_vics([LibraryEntry(md5="ab" * 16, category=Category.A)], buffer, profile=US_PROFILE)
    document = json.loads(buffer.getvalue())
    assert document["@odata.context"] == VICS_20_CONTEXT
    assert document["value"] == [{"MediaID": 1, "Category": 1, "@tutela.category": "a", "MD5": "AB" * 16}]


def test_lossy_profile_code_alone_reads_back_what_the_code_means(tmp_path):
    buffer = io.StringIO()
    write_vics([LibraryEntry(md5="ab" * 16, category=Category.B)], buffer, profile=US_PROFILE)
    document = json.loads(buffer.getvalue())
    del document["value"][0]["@tutela.category"]  # as another tool would write it
    (entry,) = VicsReader(io.StringIO(json.dumps(document)), profile=US_PROFILE)
    assert entry.category is Category.UNGRADED
    assert entry.extra == {"vics_category": 1}


def test_our_grade_annotation_survives_a_lossy_profile():
    buffer = io.StringIO()
    write_vics([LibraryEntry(md5="ab" * 16, category=Category.B)], buffer, profile=US_PROFILE)
    buffer.seek(0)
    (entry,) = VicsReader(buffer, profile=US_PROFILE)
    assert entry.category is Category.B


def test_empty_library_writes_a_valid_document(streaming):
    buffer = io.StringIO()
    assert write_vics([], buffer) == 0
    buffer.seek(0)
    reader = VicsReader(buffer, streaming=streaming)
    assert list(reader) == []
    assert reader.warnings == ["no Media records"]


def test_records_are_read_one_at_a_time_when_streaming(tmp_path):
    if vics.ijson is None:
        pytest.fail("ijson is a dependency of the streaming path")
    doc = {"@odata.context": VICS_20_CONTEXT, "value": [{"MD5": f"{n:032x}"} for n in range(3)]}
    with write_doc(tmp_path, doc).open("rb") as stream:
        rows = iter(VicsReader(stream, streaming=True))
        first = next(rows)
        assert isinstance(first, LibraryEntry) and not isinstance(first, RowProblem)
        assert first.md5 == "0" * 32
