"""What hashing says about one file: digests, kind, and the perceptual signals of stills and videos."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


def digest_bytes(value: str | None) -> bytes | None:
    """A hex digest (as records and files carry it) as the raw bytes the store keeps; no digest stays None."""
    return bytes.fromhex(value) if value else None


class MediaKind(StrEnum):
    STILL = "still"
    VIDEO = "video"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class FrameSignature:
    """One PDQ of a video frame, in the vPDQ convention (frame number, quality, hash, seconds)."""

    frame: int
    timestamp: float
    pdq: str
    quality: int


@dataclass(frozen=True, slots=True)
class Thumbnail:
    """A small JPEG of a still (longest side <= the size asked), made from the decode its PDQ came from."""

    jpeg: bytes
    width: int
    height: int


@dataclass(slots=True)
class HashRecord:
    """One record per file given to ``tutela hash``: hashed, or carrying an ``error``.

    Keys of ``to_json`` are documented in docs/hash.md; ``None`` fields are left out.
    """

    path: str
    size: int | None = None
    md5: str | None = None
    sha1: str | None = None
    sha256: str | None = None
    kind: MediaKind | None = None
    mime: str | None = None
    width: int | None = None
    height: int | None = None
    pdq: str | None = None
    quality: int | None = None
    pdq_mode: str | None = None
    duration: float | None = None
    frames: int | None = None
    signatures: list[FrameSignature] | None = None
    error: str | None = None
    path_hex: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # PDQ candidates for near matching (orientation label, hex); working data, never written out.
    match_candidates: list[tuple[str, str]] | None = None
    # Ingest's thumbnail of a still (clear JPEG, encrypted by the coordinator before it is stored); never written out.
    thumbnail: Thumbnail | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_json(self) -> dict[str, Any]:
        # Field by field: ``asdict`` deep-copied the match candidates only for them to be dropped (44 us a record,
        # on the coordinator's one core, for every file of an ingest).
        out: dict[str, Any] = {}
        for key in RECORD_KEYS:
            value = getattr(self, key)
            if value is None:
                continue
            if key == "signatures":
                value = [asdict(signature) for signature in value]
            out[key] = str(value) if isinstance(value, MediaKind) else value
        out.update(self.extra)
        return out


WORKING_FIELDS = frozenset({"match_candidates", "thumbnail"})
RECORD_KEYS: tuple[str, ...] = (
    "path", "size", "md5", "sha1", "sha256", "kind", "mime", "width", "height", "pdq", "quality",
    "pdq_mode", "duration", "frames", "signatures", "error", "path_hex",
)
SIGNATURE_KEYS: tuple[str, ...] = ("frame", "timestamp", "pdq", "quality")
