"""The on-disk PDQ index: a fixed prefix, a JSON header and 64-byte aligned arrays, mapped read-only.

Layout (all integers little-endian)::

    0   8 bytes  magic b"TUTPDQIX"
    8   uint32   format version (FORMAT_VERSION)
    12  uint32   header length in bytes
    16  uint32   CRC-32 of the header
    20  header   UTF-8 JSON: count, generation, fingerprint, bounds, sections {name: offset, dtype, shape}
    ... arrays   rows (N, 32) u1, ids (N,) <i8, orders (m, N) <i4, offsets (...) <u4, each on a 64-byte
                 boundary; section offsets count from the first 64-byte boundary after the header

Arrays, not pickle: a file outlives the process and is mapped by several workers at once, so opening costs
a few page-table entries rather than a copy. The header carries the entry count, a content fingerprint and
the caller's generation number so the store can tell a stale file from a current one without reading it.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import struct
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tutela.errors import StoreError
from tutela.matching._pdq_segment import Segment, offsets_length

MAGIC = b"TUTPDQIX"
FORMAT_VERSION = 1
_PREFIX = struct.Struct("<8sIII")
_ALIGN = 64
_SECTION_DTYPES = {"rows": "|u1", "ids": "<i8", "orders": "<i4", "offsets": "<u4"}


class IndexFormatError(StoreError):
    """A PDQ index file is missing, truncated, corrupt or of another format version."""


@dataclass(frozen=True)
class PdqIndexInfo:
    """What a file's header says, enough for the store to decide whether to rebuild."""

    count: int
    generation: int
    fingerprint: str
    version: int = FORMAT_VERSION


def content_fingerprint(segments: list[Segment]) -> str:
    """SHA-256 over every entry's row and id in index order: equal exactly when the contents are."""
    digest = hashlib.sha256()
    for segment in segments:
        digest.update(np.ascontiguousarray(segment.rows).data)
        digest.update(np.ascontiguousarray(segment.ids, dtype="<i8").data)
    return digest.hexdigest()


def write_index(path: Path, segment: Segment, info: PdqIndexInfo) -> None:
    """Write atomically (temporary file, then rename) so readers never map a half-written file."""
    arrays = {"rows": segment.rows, "ids": segment.ids, "orders": segment.orders, "offsets": segment.offsets}
    header = _header_bytes(arrays, segment.bounds, info, _payload_digest(arrays))
    temporary = path.with_name(path.name + f".tmp{os.getpid()}")
    with open(temporary, "wb") as out:
        out.write(_PREFIX.pack(MAGIC, FORMAT_VERSION, len(header), zlib.crc32(header)))
        out.write(header)
        for name, array in arrays.items():
            out.write(b"\0" * (-out.tell() % _ALIGN))  # data start, then each section, on 64-byte lines
            out.write(np.ascontiguousarray(array, dtype=_SECTION_DTYPES[name]).data)
    os.replace(temporary, path)


def read_info(path: Path) -> PdqIndexInfo:
    """Read only the header: cheap enough to call before deciding to open or rebuild."""
    with open(_existing(path), "rb") as source:
        prefix = source.read(_PREFIX.size)
        header = _parse_header(prefix, source.read)
    return _info(header)


def read_index(path: Path) -> tuple[Segment, PdqIndexInfo]:
    """Map the file read-only and return its segment, checking sizes and table bounds on the way."""
    with open(_existing(path), "rb") as source:
        try:
            mapped = mmap.mmap(source.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError as error:
            raise IndexFormatError(f"PDQ index {path} is empty or cannot be mapped: {error}") from None
    header = _parse_header(mapped[: _PREFIX.size], lambda length: mapped[_PREFIX.size : _PREFIX.size + length])
    start = _data_start(header["_length"])
    arrays = {name: _section(mapped, header, name, start) for name in _SECTION_DTYPES}
    bounds = np.array(header["bounds"], dtype=np.int32)
    segment = Segment(arrays["rows"], arrays["ids"], bounds, arrays["orders"], arrays["offsets"])
    _check_shapes(segment, header["count"])
    return segment, _info(header)


def check_tables(segment: Segment) -> None:
    """Full check that every table entry points inside the segment (a pass over all tables)."""
    entries = segment.size
    if segment.orders.size and (int(segment.orders.max()) >= entries or int(segment.orders.min()) < 0):
        raise IndexFormatError("PDQ index tables point outside the entries (corrupt file)")
    base = segment.offset_base()
    for part in range(segment.bounds.shape[0] - 1):
        width = int(segment.bounds[part + 1] - segment.bounds[part])
        offsets = segment.offsets[base[part] : base[part] + (1 << width) + 1]
        if (np.diff(offsets.astype(np.int64)) < 0).any():
            raise IndexFormatError("PDQ index bucket offsets are not ordered (corrupt file)")


def _existing(path: Path) -> Path:
    if not path.is_file():
        raise IndexFormatError(f"PDQ index {path} does not exist")
    return path


def verify_payload(path: Path, segment: Segment) -> None:
    """Re-hash every section (tables too) against the header: catches any flipped byte, at ~1 GB/s."""
    arrays = {"rows": segment.rows, "ids": segment.ids, "orders": segment.orders, "offsets": segment.offsets}
    with open(path, "rb") as source:
        prefix = source.read(_PREFIX.size)
        header = _parse_header(prefix, source.read)
    if header.get("payload_sha256") != _payload_digest(arrays):
        raise IndexFormatError(f"PDQ index {path} contents do not match their checksum (corrupt file)")


def _payload_digest(arrays: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for name, array in arrays.items():
        digest.update(np.ascontiguousarray(array, dtype=_SECTION_DTYPES[name]).data)
    return digest.hexdigest()


def _header_bytes(arrays: dict[str, np.ndarray], bounds: np.ndarray, info: PdqIndexInfo, payload: str) -> bytes:
    """Header JSON; section offsets count from the first 64-byte boundary after it (no circularity)."""
    sections: dict[str, dict[str, Any]] = {}
    position = 0
    for name, array in arrays.items():
        position += -position % _ALIGN
        sections[name] = {"offset": position, "dtype": _SECTION_DTYPES[name], "shape": list(array.shape)}
        position += array.size * np.dtype(_SECTION_DTYPES[name]).itemsize
    header = {
        "count": info.count,
        "generation": info.generation,
        "fingerprint": info.fingerprint,
        "bit_order": "le64",
        "bounds": [int(b) for b in bounds],
        "sections": sections,
        "payload_sha256": payload,
    }
    return json.dumps(header).encode()


def _data_start(header_length: int) -> int:
    end = _PREFIX.size + header_length
    return end + (-end % _ALIGN)


def _parse_header(prefix: bytes, read: Callable[[int], bytes]) -> dict[str, Any]:
    if len(prefix) < _PREFIX.size:
        raise IndexFormatError("PDQ index file is truncated (no header)")
    magic, version, length, crc = _PREFIX.unpack(prefix)
    if magic != MAGIC:
        raise IndexFormatError("not a Tutela PDQ index file (bad magic bytes)")
    if version != FORMAT_VERSION:
        raise IndexFormatError(f"PDQ index format version {version} is not supported (expected {FORMAT_VERSION})")
    header = read(length)
    if len(header) != length or zlib.crc32(header) != crc:
        raise IndexFormatError("PDQ index header is truncated or corrupt (checksum mismatch)")
    try:
        parsed = json.loads(header)
        _info(parsed)
        parsed["bounds"] = [int(b) for b in parsed["bounds"]]
    except (ValueError, KeyError, TypeError) as error:
        raise IndexFormatError(f"PDQ index header is not valid: {error}") from None
    if parsed.get("bit_order") != "le64" or sys.byteorder != "little":
        raise IndexFormatError("PDQ index needs a little-endian machine and le64 bit order")
    return {**parsed, "_length": length}


def _section(mapped: mmap.mmap, header: dict[str, Any], name: str, start: int) -> np.ndarray:
    try:
        spec = header["sections"][name]
        dtype, shape = np.dtype(spec["dtype"]), tuple(int(n) for n in spec["shape"])
        offset = start + int(spec["offset"])
    except (KeyError, TypeError, ValueError) as error:
        raise IndexFormatError(f"PDQ index header lacks a valid {name!r} section: {error}") from None
    if dtype != np.dtype(_SECTION_DTYPES[name]) or min(shape, default=0) < 0:
        raise IndexFormatError(f"PDQ index section {name!r} has the wrong type or shape")
    count = int(np.prod(shape, dtype=np.int64))
    if offset < start or offset + count * dtype.itemsize > len(mapped):
        raise IndexFormatError(f"PDQ index file is truncated (section {name!r} ends past the end of the file)")
    return np.frombuffer(mapped, dtype=dtype, count=count, offset=offset).reshape(shape)


def _check_shapes(segment: Segment, count: int) -> None:
    parts = max(0, segment.bounds.shape[0] - 1)
    widths = np.diff(segment.bounds)
    if (
        segment.rows.shape != (count, 32)
        or segment.ids.shape != (count,)
        or segment.orders.shape != (parts, count)
        or (parts and (segment.bounds[0] != 0 or segment.bounds[-1] != 256 or widths.min() < 1 or widths.max() > 32))
        or segment.offsets.shape != (offsets_length(segment.bounds),)
    ):
        raise IndexFormatError("PDQ index sections disagree with the header (corrupt file)")
    base = segment.offset_base()
    for part in range(parts):
        first, last = segment.offsets[base[part]], segment.offsets[base[part] + (1 << int(widths[part]))]
        if first != 0 or last != count:
            raise IndexFormatError("PDQ index bucket offsets do not cover the entries (corrupt file)")


def _info(header: dict[str, Any]) -> PdqIndexInfo:
    return PdqIndexInfo(int(header["count"]), int(header["generation"]), str(header["fingerprint"]))
