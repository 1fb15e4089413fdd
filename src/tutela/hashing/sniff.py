"""What a file is, from its first bytes (libmagic), never from its name."""

from __future__ import annotations

from functools import cache

from tutela.domain.media import MediaKind

SNIFF_BYTES = 64 * 1024

STILL_MIMES = frozenset({
    "image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "image/x-ms-bmp",
    "image/tiff", "image/heic", "image/heif", "image/heic-sequence", "image/heif-sequence", "image/avif",
})
VIDEO_MIMES = frozenset({
    "video/mp4", "video/quicktime", "video/3gpp", "video/3gpp2", "video/x-msvideo", "video/x-matroska",
    "video/webm", "video/x-m4v", "video/mpeg", "video/mp2t", "video/x-flv", "video/x-ms-asf",
})


@cache
def _magic():  # one libmagic handle per process: loading its database costs ~20 ms
    import magic

    return magic.Magic(mime=True)


def sniff_mime(head: bytes) -> str:
    """The MIME type of content whose first bytes are ``head`` (up to SNIFF_BYTES)."""
    if not head:
        return "application/x-empty"
    return _magic().from_buffer(head[:SNIFF_BYTES])


def kind_of(mime: str) -> MediaKind:
    if mime in STILL_MIMES:
        return MediaKind.STILL
    if mime in VIDEO_MIMES:
        return MediaKind.VIDEO
    return MediaKind.OTHER
