"""An E01's acquisition digests verified: the MD5 (and SHA-1) the imager stored, against the media data read now.

The media data is read through libewf (pyewf) from segment files we open read-only without touching their access
times, and digested in one pass. The result is one of ``verified`` (every stored digest equals the computed one),
``mismatch`` (one differs: the image is not what was acquired, or was damaged since), ``no_stored_digest`` (the
imager stored none; the computed digests are still recorded) or ``unreadable`` (the media data cannot be read to
its end: a missing or truncated segment; the reason says where).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

CHUNK = 4 * 2**20
_DIGESTS = {"MD5": "md5", "SHA1": "sha1", "SHA256": "sha256"}  # libewf's names -> ours (hashlib's)


@dataclass(frozen=True, slots=True)
class AcquisitionCheck:
    result: str  # verified | mismatch | no_stored_digest | unreadable
    stored: dict[str, str]
    computed: dict[str, str]
    media_size: int | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"format": "e01", "result": self.result, "stored": self.stored, "computed": self.computed,
                "media_size": self.media_size, "reason": self.reason}

    def sentence(self) -> str:
        """For the continuity log."""
        stored = ", ".join(f"{name.upper()} {value}" for name, value in self.stored.items()) or "no digest"
        return f"E01 acquisition {stored}: {self.result.replace('_', ' ')}" + (f" ({self.reason})" if self.reason
                                                                             else "")


def verify_e01(segments: list[str], stop: threading.Event | None = None,
               read: Callable[[int], None] | None = None) -> AcquisitionCheck:
    """Read the media data of the E01 stored in ``segments`` (first to last) and compare with its stored digests.
    Once ``stop`` is set, the next read raises DigestStopped (evidence/integrity.py); ``read`` is told the bytes of
    every read, for a progress display."""
    import pyewf

    from tutela.hashing.hasher import open_read_only

    with ExitStack() as stack:
        try:
            files = [stack.enter_context(open_read_only(path)) for path in segments]
            handle = pyewf.handle()
            handle.open_file_objects(files)
            stack.callback(handle.close)
            stored = {_DIGESTS[k]: v.lower() for k, v in handle.get_hash_values().items() if k in _DIGESTS and v}
            size = handle.get_media_size()
        except OSError as exc:
            return AcquisitionCheck("unreadable", {}, {}, reason=f"the E01 cannot be opened: {_cause(exc)}")
        digests = {name: hashlib.new(name) for name in (stored or {"md5": "", "sha1": ""})}
        problem = _digest_media(handle, size, digests.values(), stop, read)
    computed = {name: digest.hexdigest() for name, digest in digests.items()} if problem is None else {}
    if problem is not None:
        return AcquisitionCheck("unreadable", stored, computed, size, problem)
    if not stored:
        return AcquisitionCheck("no_stored_digest", stored, computed, size)
    same = all(computed[name] == value for name, value in stored.items())
    return AcquisitionCheck("verified" if same else "mismatch", stored, computed, size)


def _digest_media(handle: Any, size: int, digests, stop: threading.Event | None,
                  read: Callable[[int], None] | None) -> str | None:
    from tutela.evidence.integrity import DigestStopped

    offset = 0
    while offset < size:
        if stop is not None and stop.is_set():
            raise DigestStopped("the E01's acquisition check was stopped")
        try:
            data = handle.read_buffer_at_offset(min(CHUNK, size - offset), offset)
        except OSError as exc:
            return f"media data from byte {offset} of {size} cannot be read: {_cause(exc)}"
        if not data:
            return f"media data ends at byte {offset} of {size}: the image is truncated"
        for digest in digests:
            digest.update(data)
        offset += len(data)
        if read is not None:
            read(len(data))
    return None


def _cause(exc: BaseException) -> str:
    """libewf's innermost message, without its function names."""
    parts = [part.split(": ", 1)[-1] for part in str(exc).split(". ") if part]
    return parts[1] if len(parts) > 1 else (parts[0] if parts else type(exc).__name__)
