"""Hash one file: digests always, then PDQ for stills and frame signatures for videos.

Every call gives exactly one ``HashRecord``; a file that cannot be read or decoded gets an ``error`` (with
its digests whenever its bytes could be read) instead of raising. The record is plain data, so the same task
runs in-process, in the local process pool, or on a Dask worker.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import BinaryIO

from tutela.domain.media import HashRecord, MediaKind
from tutela.errors import MediaError, UnreadableError
from tutela.hashing.digests import CHUNK, DigestBuilder, Digests, digest_bytes
from tutela.hashing.sniff import SNIFF_BYTES, kind_of, sniff_mime


@dataclass(frozen=True, slots=True)
class HashOptions:
    exact: bool = False
    max_pixels: int = 100_000_000
    max_still_bytes: int = 256 * 2**20
    seconds_per_hash: float = 1.0
    match_signals: bool = False  # also take the PDQ candidates near matching needs (dihedral, trimmed)
    thumbnail: int = 0  # with match_signals: also a colour JPEG thumbnail of stills, longest side <= this (px)


_SPECIAL_FILES = (
    (stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
)


def display_path(path: str) -> tuple[str, str | None]:
    """A printable path, and the raw bytes in hex when the name is not valid UTF-8 (nothing is lost)."""
    raw = os.fsencode(path)
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace"), raw.hex()


def hash_file(path: str, options: HashOptions = HashOptions()) -> HashRecord:
    return _with_file(path, lambda stream, record: hash_stream(stream, record, options))


def digest_file(path: str) -> HashRecord:
    """Digests only: the fallback when decoding a file timed out or crashed its worker."""
    return _with_file(path, _digest_only)


def digest_stream(stream: BinaryIO, record: HashRecord) -> None:
    """Kind and digests only, nothing decoded: the fallback for an item whose decoding timed out or crashed."""
    _digest_only(stream, record)


def _with_file(path: str, fill: Callable[[BinaryIO, HashRecord], None]) -> HashRecord:
    """One record for ``path``: ``fill`` reads the open file into it; read failures become its ``error``."""
    shown, raw_hex = display_path(path)
    return fill_from(HashRecord(path=shown, path_hex=raw_hex), lambda: open_read_only(path), fill)


def fill_from(record: HashRecord, opener: Callable[[], AbstractContextManager[BinaryIO]],
              fill: Callable[[BinaryIO, HashRecord], None]) -> HashRecord:
    """``fill`` the record from the stream ``opener`` gives; what cannot be read becomes the record's ``error``."""
    try:
        with opener() as stream:
            fill(stream, record)
    except MediaError as exc:
        record.error = str(exc)
    except OSError as exc:
        record.error = describe_os_error(exc)
    return record


def _digest_only(stream: BinaryIO, record: HashRecord) -> None:
    head = stream.read(SNIFF_BYTES)
    record.mime = sniff_mime(head)
    record.kind = kind_of(record.mime)
    _set_digests(record, _digest_rest(stream, head))


def open_read_only(path: str) -> BinaryIO:
    """Open a regular file for reading without blocking on FIFOs and, where allowed, without touching atime."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags | getattr(os, "O_NOATIME", 0))
    except PermissionError:
        fd = os.open(path, flags)  # O_NOATIME needs ownership; fall back to a plain read-only open
    try:
        mode = os.fstat(fd).st_mode
        for test, what in _SPECIAL_FILES:
            if test(mode):
                raise UnreadableError(f"not a regular file: {what}")
        return open(fd, "rb", buffering=CHUNK)
    except BaseException:
        os.close(fd)
        raise


def hash_stream(stream: BinaryIO, record: HashRecord, options: HashOptions) -> None:
    """Fill ``record`` from a seekable binary stream positioned at its start."""
    head = stream.read(SNIFF_BYTES)
    record.mime = sniff_mime(head)
    record.kind = kind_of(record.mime)
    if record.kind is MediaKind.STILL:
        data = head + stream.read(options.max_still_bytes + 1 - len(head))
        if len(data) <= options.max_still_bytes:
            _set_digests(record, digest_bytes(data))
            _hash_still_into(record, data, options)
            return
        _set_digests(record, _digest_rest(stream, data))
        record.error = f"still larger than {options.max_still_bytes} bytes: digests only"
        return
    _set_digests(record, _digest_rest(stream, head))
    if record.kind is MediaKind.VIDEO:
        stream.seek(0)
        _hash_video_into(record, stream, options)


def _digest_rest(stream: BinaryIO, already: bytes) -> Digests:
    builder = DigestBuilder()
    builder.update(already)
    while chunk := stream.read(CHUNK):
        builder.update(chunk)
    return builder.finish()


def _set_digests(record: HashRecord, digests: Digests) -> None:
    record.size, record.md5, record.sha1, record.sha256 = (
        digests.size, digests.md5, digests.sha1, digests.sha256)


def _hash_still_into(record: HashRecord, data: bytes, options: HashOptions) -> None:
    from tutela.hashing.stills import hash_still, hash_still_and_signals

    try:
        if options.match_signals:
            still, signals, record.thumbnail = hash_still_and_signals(
                data, exact=options.exact, max_pixels=options.max_pixels, thumbnail=options.thumbnail)
            record.match_candidates = [("original", still.pdq), *signals.candidates[1:]]
        else:
            still = hash_still(data, exact=options.exact, max_pixels=options.max_pixels)
    except MediaError as exc:
        record.error = str(exc)
        return
    record.width, record.height = still.width, still.height
    record.pdq, record.quality, record.pdq_mode = still.pdq, still.quality, still.mode


def _hash_video_into(record: HashRecord, stream: BinaryIO, options: HashOptions) -> None:
    from tutela.hashing.video import hash_video

    try:
        video = hash_video(stream, seconds_per_hash=options.seconds_per_hash, exact=options.exact,
                           max_pixels=options.max_pixels)
    except MediaError as exc:
        record.error = str(exc)
        return
    record.width, record.height = video.width, video.height
    record.duration, record.frames = video.duration, video.frames
    record.signatures = list(video.signatures)
    record.pdq_mode = "exact" if options.exact else "fast"


def describe_os_error(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "cannot read: symbolic link loop"
    reason = exc.strerror or type(exc).__name__
    return f"cannot read: {reason.lower()}"


def init_worker() -> None:
    """Per-process set-up for pool and Dask workers: decoders registered once, large buffers reused."""
    from tutela.hashing.memory import keep_decode_buffers
    from tutela.hashing.stills import register_decoders

    register_decoders()
    keep_decode_buffers()
