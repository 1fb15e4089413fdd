"""MD5, SHA-1 and SHA-256 of a byte stream in one pass."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Digests:
    size: int
    md5: str
    sha1: str
    sha256: str


class DigestBuilder:
    """Feeds chunks to the three digests; ``finish`` gives lower-case hex."""

    def __init__(self) -> None:
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._sha1 = hashlib.sha1(usedforsecurity=False)
        self._sha256 = hashlib.sha256()
        self._size = 0

    def update(self, chunk: bytes | memoryview) -> None:
        self._md5.update(chunk)
        self._sha1.update(chunk)
        self._sha256.update(chunk)
        self._size += len(chunk)

    def finish(self) -> Digests:
        return Digests(self._size, self._md5.hexdigest(), self._sha1.hexdigest(), self._sha256.hexdigest())


def digest_bytes(data: bytes | memoryview) -> Digests:
    builder = DigestBuilder()
    builder.update(data)
    return builder.finish()


def digest_chunks(chunks: Iterable[bytes]) -> Digests:
    builder = DigestBuilder()
    for chunk in chunks:
        builder.update(chunk)
    return builder.finish()
