"""VICS (Project VIC) JSON hash sets: read 1.2/1.3/2.0 documents as a stream, write 2.0.

No public sample or schema of the VICS data model is available (Project VIC shares it with law
enforcement and vendors under agreement), so the fields below are those that other tools' public
code reads and writes:

* Header: ``"odata.metadata": ".../ProjectVic/DataModels/1.3.xml#Media"`` (1.x) or
  ``"@odata.context": ".../ProjectVic/DataModels/2.0.xml/Default/$metadata#Media"`` (2.0): IPED's hash
  database loader accepts exactly these two (sepinf-inc/IPED, HashDBTool); a UK X-Ways extension
  (Clees4All) writes ``.../2.0.xml/UK/$metadata#Cases``; shared/vectors/vics/README.md adds 1.2.
  The version is the number in ``DataModels/<n>.xml``, else 1.3 for ``odata.metadata`` and 2.0 for
  ``@odata.context``.
* Records: ``value[]`` holds Media records, or Cases whose ``Media[]`` holds them (Clees4All, and a
  Project VIC 2.0 import/export module that reads ``value[*].Media``). Both shapes are read.
* Per Media record (key case ignored, as IPED does): ``MD5``, ``SHA1`` (hex, upper case in
  distributed sets), ``Category`` (integer, or a digit string; omitted when 0 by Clees4All),
  ``Series``, ``VictimIdentified``, ``OffenderIdentified``, ``IsDistributed`` (JSON booleans or the
  strings "true"/"false": IPED and Clees4All), ``Comments``, ``Tags``, ``PhotoDNA`` (2.0, base64;
  IPED, Clees4All), ``AlternativeHashes[]`` of ``{"HashName", "HashValue"}`` (IPED reads PhotoDNA
  there in 1.3), ``MediaFiles[]`` whose items carry ``MD5`` (Clees4All), used only when the record
  has no MD5 of its own. SHA-256 and PDQ are read from ``SHA256``/``PDQ`` keys or alternative hashes
  named SHA256/SHA-256/PDQ when present (no public document shows them; accepted defensively).
  ``IsPrecategorized``, ``MediaSize``, ``DateUpdated``, file paths and EXIF are not read.

Memory: with ``ijson`` installed (the default path) one record at a time is held, whatever the
document size. Without it the document is parsed whole with ``json`` (several times the file size).
Problems are numbered by record (``record 17``), counting from 1 across all cases.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import IO, Any

from tutela.domain.categories import US_PROFILE, Category, VicsProfile
from tutela.formats.entries import (
    HASH_FIELDS,
    FormatError,
    LibraryEntry,
    ParsedRow,
    RowProblem,
    normalise_hash,
    parse_flag,
    strict,
    text_writer,
)

try:
    import ijson
except ImportError:  # pragma: no cover - exercised by forcing streaming=False in tests
    ijson = None

VICS_20_CONTEXT = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/Default/$metadata#Media"
_HEADER_KEYS = {"odata.metadata": "1.3", "@odata.context": "2.0"}
_HEADER = re.compile(rb'"(odata\.metadata|@odata\.context)"\s*:\s*"([^"]*)"')
_MODEL_VERSION = re.compile(r"DataModels/(\d+(?:\.\d+)?)\.xml")
_HEAD_BYTES = 1 << 16
_ALT_HASH_NAMES = {"md5": "md5", "sha1": "sha1", "sha-1": "sha1", "sha256": "sha256", "sha-256": "sha256",
                   "pdq": "pdq"}
_FLAG_EXTRAS = {"offenderidentified": "offender_identified", "isdistributed": "is_distributed"}
_RECORD_PREFIXES = ("value.item", "value.item.Media.item")
_SCALAR_EVENTS = ("string", "number", "boolean", "null")


class _ByteSource:
    """``read(n) -> bytes`` over a binary or text stream, BOM dropped; keeps the head for sniffing."""

    def __init__(self, stream: IO[Any]) -> None:
        self._stream = stream
        self._text = isinstance(stream.read(0), str)
        head = self._raw(_HEAD_BYTES)
        self.head = head.removeprefix(b"\xef\xbb\xbf")  # a text BOM encodes to the same bytes
        self._pending = self.head

    def _raw(self, size: int) -> bytes:
        data = self._stream.read(size)
        return data.encode("utf-8") if self._text else data

    def read(self, size: int = -1) -> bytes:
        if self._pending and size != 0:  # ijson probes with read(0)
            data, self._pending = self._pending, b""
            return data + self._raw(-1) if size < 0 else data
        return self._raw(size)


class VicsReader:
    """Reads a VICS JSON document. Iterate for ``LibraryEntry`` or ``RowProblem`` by record.

    ``version`` and ``context`` come from the header (read from the head of the file on construction,
    completed while streaming if the header comes late); ``warnings`` lists oddities worth showing.
    """

    format = "vics"

    def __init__(self, stream: IO[Any], *, profile: VicsProfile = US_PROFILE,
                 streaming: bool | None = None) -> None:
        self.profile = profile
        self.warnings: list[str] = []
        self.context: str | None = None
        self.version: str | None = None
        self._source = _ByteSource(stream)
        head = self._source.head.lstrip()
        if not head:
            raise FormatError(None, "empty file")
        if not head.startswith(b"{"):
            raise FormatError(None, "not a VICS document: expected a JSON object")
        found = _HEADER.search(self._source.head)
        if found:
            self._set_header(found.group(1).decode(), found.group(2).decode("utf-8", "replace"))
        self._streaming = ijson is not None if streaming is None else streaming
        self._seen_value = False

    def _set_header(self, key: str, context: str) -> None:
        if self.context is not None:
            return
        self.context = context
        model = _MODEL_VERSION.search(context)
        self.version = model.group(1) if model else _HEADER_KEYS[key]

    def entries(self) -> Iterator[LibraryEntry]:
        return strict(self)

    def __iter__(self) -> Iterator[ParsedRow]:
        records = self._streamed_records() if self._streaming else self._loaded_records()
        number = 0
        for number, record in enumerate(records, start=1):
            yield _record_entry(record, number, self.profile)
        if not self._seen_value:
            raise FormatError(None, "not a VICS document: no value array")
        if self.context is None:
            self.warnings.append("no odata.metadata or @odata.context header; read as VICS")
        if number == 0:
            self.warnings.append("no Media records")

    def _streamed_records(self) -> Iterator[Any]:
        builder: Any = None
        at = ""
        count = 0
        try:
            for prefix, event, value in ijson.parse(self._source, use_float=True):
                if builder is not None:
                    if event == "map_key" and value == "Media" and prefix == at == "value.item":
                        builder = None  # a Case: its records are under Media
                        continue
                    builder.event(event, value)
                    if prefix == at and event in ("end_map", "end_array"):
                        count += 1
                        yield builder.value
                        builder = None
                elif prefix in _RECORD_PREFIXES and event in ("start_map", "start_array"):
                    builder, at = ijson.ObjectBuilder(), prefix
                    builder.event(event, value)
                elif prefix in _RECORD_PREFIXES and event in _SCALAR_EVENTS:
                    count += 1
                    yield value
                elif prefix == "value" and event == "start_array":
                    self._seen_value = True
                elif prefix in _HEADER_KEYS and event == "string":
                    self._set_header(prefix, value)
        except ijson.JSONError as error:
            raise FormatError(count + 1, f"invalid JSON: {error}", unit="record") from None

    def _loaded_records(self) -> Iterator[Any]:
        try:
            document = json.loads(self._source.read())
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise FormatError(getattr(error, "lineno", None), f"invalid JSON: {error}") from None
        for key in _HEADER_KEYS:
            if isinstance(document.get(key), str):
                self._set_header(key, document[key])
        items = document.get("value")
        if not isinstance(items, list):
            return
        self._seen_value = True
        for item in items:
            if isinstance(item, dict) and "Media" in item:
                yield from item["Media"] if isinstance(item["Media"], list) else ()
            else:
                yield item


GRADE_ANNOTATION = "@tutela.category"  # keys are compared lower-cased


def _record_entry(record: Any, number: int, profile: VicsProfile) -> ParsedRow:
    if not isinstance(record, dict):
        return RowProblem(number, "record is not a JSON object", "record")
    fields = {str(key).lower(): value for key, value in record.items()}
    try:
        hashes, extra = _hashes(fields)
        category = _category(fields.get("category"), profile, extra)
        if fields.get(GRADE_ANNOTATION) is not None:  # our own grade, exact where the VICS code is lossy
            category = Category.parse(str(fields[GRADE_ANNOTATION]))
        victim = _flag(fields.get("victimidentified"), "VictimIdentified")
        for key, name in _FLAG_EXTRAS.items():
            flag = _flag(fields.get(key), key)
            if flag is not None:
                extra[name] = flag
    except ValueError as error:
        return RowProblem(number, str(error), "record")
    if not hashes:
        return RowProblem(number, "no MD5, SHA1, SHA256 or PDQ in this record", "record")
    if isinstance(fields.get("tags"), str) and fields["tags"]:
        extra["tags"] = fields["tags"]
    return LibraryEntry(
        **hashes, category=category, series=_text(fields.get("series")), victim_identified=victim,
        comments=_text(fields.get("comments")), source_line=number, extra=extra,
    )


def _hashes(fields: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
    hashes: dict[str, str] = {}
    extra: dict[str, Any] = {}
    for name in HASH_FIELDS:
        _put_hash(hashes, name, fields.get(name))
    if isinstance(fields.get("photodna"), str) and fields["photodna"]:
        extra["photodna"] = fields["photodna"]
    alternatives = fields.get("alternativehashes") or []
    if not isinstance(alternatives, list):
        raise ValueError("AlternativeHashes is not a list")
    for item in alternatives:
        if not isinstance(item, dict):
            raise ValueError("AlternativeHashes item is not an object")
        label = str(item.get("HashName", "")).strip()
        value = item.get("HashValue")
        name = _ALT_HASH_NAMES.get(label.lower())
        if name is not None:
            _put_hash(hashes, name, value)
        elif label.lower() == "photodna":
            extra.setdefault("photodna", value)
        else:
            extra.setdefault("alternative_hashes", []).append({"HashName": label, "HashValue": value})
    if "md5" not in hashes:
        files = fields.get("mediafiles")
        if isinstance(files, list) and files and isinstance(files[0], dict):
            _put_hash(hashes, "md5", files[0].get("MD5"))
    return hashes, extra


def _put_hash(hashes: dict[str, str], name: str, value: Any) -> None:
    if value is None or value == "":
        return
    if not isinstance(value, str):
        raise ValueError(f"{name} is not a string")
    normal = normalise_hash(name, value.strip())
    if hashes.setdefault(name, normal) != normal:
        raise ValueError(f"two different {name} values in one record")


def _category(value: Any, profile: VicsProfile, extra: dict[str, Any]) -> Category:
    if value is None or value == "":
        return Category.UNGRADED
    if isinstance(value, bool):
        raise ValueError(f"Category must be a number, got {value!r}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int):
        raise ValueError(f"Category must be a number, got {value!r}")
    category = profile.category_for(value)
    if not profile.round_trips(value):
        extra["vics_category"] = value
    return category


def _flag(value: Any, name: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    try:
        return parse_flag(str(value))
    except ValueError as error:
        raise ValueError(f"{name}: {error}") from None


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else json.dumps(value)


def write_vics(entries: Iterable[LibraryEntry], stream: IO[Any], *,
               profile: VicsProfile = US_PROFILE) -> int:
    """Write ``entries`` as a VICS 2.0 document with Media records at the top; returns the count.

    Categories are written as ``profile`` codes (a code kept in ``extra["vics_category"]`` is written
    back when it still reads as the entry's category). VICS consumers expect an MD5 on every record;
    entries without one are written with the hashes they have.
    """
    text, wrapper = text_writer(stream)
    try:
        text.write('{"@odata.context": ' + json.dumps(VICS_20_CONTEXT) + ', "value": [')
        count = 0
        for count, entry in enumerate(entries, start=1):
            text.write(("," if count > 1 else "") + "\n" + json.dumps(_media(entry, count, profile),
                                                                        ensure_ascii=False))
        text.write("\n]}\n")
        return count
    finally:
        if wrapper is not None:
            wrapper.flush()
            wrapper.detach()


def _media(entry: LibraryEntry, media_id: int, profile: VicsProfile) -> dict[str, Any]:
    kept = entry.extra.get("vics_category")
    if isinstance(kept, int) and profile.categories.get(kept) == entry.category:
        code = kept
    else:
        code = profile.code_for(entry.category)
    # The VICS code alone cannot carry every grade (the US profile has one code for A, B and C), so the grade
    # also travels as an OData instance annotation, which other VICS readers ignore.
    record: dict[str, Any] = {"MediaID": media_id, "Category": code, "@tutela.category": str(entry.category)}
    if entry.md5:
        record["MD5"] = entry.md5.upper()
    if entry.sha1:
        record["SHA1"] = entry.sha1.upper()
    alternatives = [{"HashName": name.upper(), "HashValue": value}
                    for name, value in (("sha256", entry.sha256), ("pdq", entry.pdq)) if value]
    alternatives += entry.extra.get("alternative_hashes", [])
    if alternatives:
        record["AlternativeHashes"] = alternatives
    if entry.extra.get("photodna"):
        record["PhotoDNA"] = entry.extra["photodna"]
    if entry.victim_identified is not None:
        record["VictimIdentified"] = entry.victim_identified
    for key, name in (("OffenderIdentified", "offender_identified"), ("IsDistributed", "is_distributed")):
        if name in entry.extra:
            record[key] = entry.extra[name]
    for key, value in (("Series", entry.series), ("Comments", entry.comments), ("Tags", entry.extra.get("tags"))):
        if value:
            record[key] = value
    return record
