"""Archives inside any source: zip, tar (plain, gzip, bzip2, xz) and 7z, read member by member.

Nothing is extracted to disk beside the evidence: a member is copied, within limits, into a spool (memory, or a
temporary file past ``spool_memory`` bytes). Member names are kept exactly as the archive spells them and are
never used as paths. Declared sizes and compression ratios are checked before anything is decompressed, and
the bytes actually read are counted, so an archive bomb costs one item with a problem, not the machine.
"""

from __future__ import annotations

import io
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from tutela.domain.registry import Registry
from tutela.errors import TooLargeError, UnreadableError

CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    max_depth: int = 3  # archives inside archives inside the evidence
    max_member_bytes: int = 1 << 30
    max_archive_bytes: int = 8 << 30  # all members of one archive, as declared
    max_ratio: float = 200.0  # uncompressed / compressed, checked on members above ratio_floor
    ratio_floor: int = 1 << 20
    max_members: int = 100_000
    spool_memory: int = 64 << 20
    spool_folder: str | None = None  # temporary files for large members (never the evidence folder)


@dataclass(frozen=True, slots=True)
class MemberEntry:
    """A member as the archive's directory describes it; ``problem`` when it must not be read."""

    name: str
    index: int
    size: int | None = None
    compressed: int | None = None
    problem: str | None = None


class OpenArchive(Protocol):
    def members(self) -> Iterator[MemberEntry]: ...
    def open_member(self, index: int) -> AbstractContextManager[BinaryIO]: ...


class ArchiveFormat(Protocol):
    name: str

    def detects(self, head: bytes) -> bool: ...
    def open(self, stream: BinaryIO, limits: ArchiveLimits) -> AbstractContextManager[OpenArchive]: ...


class ArchiveRegistry(Registry[ArchiveFormat]):
    """Archive formats by name; a second format under one name is refused."""

    kind = "archive format"

    def detect(self, head: bytes) -> ArchiveFormat | None:
        return next((fmt for fmt in self if fmt.detects(head)), None)


def default_archives() -> ArchiveRegistry:
    registry = ArchiveRegistry()
    registry.register(ZipFormat())
    registry.register(TarFormat())
    registry.register(SevenZipFormat())
    return registry


def bomb_problem(entry: MemberEntry, limits: ArchiveLimits) -> str | None:
    """Why a member's declared size or ratio says it must not be decompressed, or None."""
    if entry.size is not None and entry.size > limits.max_member_bytes:
        return f"archive bomb: member declares {entry.size} bytes, more than {limits.max_member_bytes}"
    if entry.size is not None and entry.compressed and entry.size > limits.ratio_floor:
        ratio = entry.size / entry.compressed
        if ratio > limits.max_ratio:
            return f"archive bomb: compression ratio {ratio:.0f} above {limits.max_ratio:g}"
    return None


def spool(stream: BinaryIO, limits: ArchiveLimits) -> BinaryIO:
    """A seekable copy of a member stream, refused past ``max_member_bytes`` whatever the archive declared."""
    # Handed to the caller, who closes it.
    out = tempfile.SpooledTemporaryFile(max_size=limits.spool_memory, dir=limits.spool_folder)  # noqa: SIM115
    copied = 0
    try:
        while chunk := stream.read(CHUNK):
            copied += len(chunk)
            if copied > limits.max_member_bytes:
                raise TooLargeError(f"archive bomb: member larger than {limits.max_member_bytes} bytes")
            out.write(chunk)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out  # type: ignore[return-value]


# zip ----------------------------------------------------------------------------------------------------
class ZipFormat:
    name = "zip"

    def detects(self, head: bytes) -> bool:
        return head.startswith((b"PK\x03\x04", b"PK\x05\x06"))

    @contextmanager
    def open(self, stream: BinaryIO, limits: ArchiveLimits) -> Iterator[OpenArchive]:
        try:
            archive = zipfile.ZipFile(stream)
        except (zipfile.BadZipFile, ValueError, EOFError) as exc:
            raise UnreadableError(f"cannot read zip: {exc}") from None
        with archive:
            yield _OpenZip(archive)


class _OpenZip:
    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive

    def members(self) -> Iterator[MemberEntry]:
        for index, info in enumerate(self.archive.infolist()):
            if info.is_dir():
                continue
            problem = None
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                problem = "symbolic link in archive, not followed"
            elif info.flag_bits & 0x1:
                problem = "encrypted archive member"
            yield MemberEntry(info.filename, index, info.file_size, info.compress_size, problem)

    @contextmanager
    def open_member(self, index: int) -> Iterator[BinaryIO]:
        try:
            with self.archive.open(self.archive.infolist()[index]) as member:
                yield member  # type: ignore[misc]
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, OSError, zlib.error) as exc:
            raise UnreadableError(f"cannot read zip member: {exc}") from None


# tar ----------------------------------------------------------------------------------------------------
_TAR_KINDS = ((tarfile.TarInfo.issym, "symbolic link in archive, not followed"),
              (tarfile.TarInfo.islnk, "hard link in archive, not followed"),
              (tarfile.TarInfo.isdev, "device in archive, not a regular file"),
              (tarfile.TarInfo.isfifo, "FIFO in archive, not a regular file"))


class TarFormat:
    """Plain tar and tar compressed with gzip, bzip2 or xz (a compressed file that is not a tar is no archive)."""

    name = "tar"

    def detects(self, head: bytes) -> bool:
        if head[257:262] == b"ustar":
            return True
        if not head.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")):
            return False
        return _compressed_tar(head)

    @contextmanager
    def open(self, stream: BinaryIO, limits: ArchiveLimits) -> Iterator[OpenArchive]:
        try:
            archive = tarfile.open(fileobj=stream, mode="r:*")  # noqa: SIM115  (closed below)
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise UnreadableError(f"cannot read tar: {exc}") from None
        with archive:
            yield _OpenTar(archive)


def _compressed_tar(head: bytes) -> bool:
    """Whether the start of a compressed file decompresses to a tar header."""
    import bz2
    import lzma

    try:
        if head.startswith(b"\x1f\x8b"):
            inner = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 512)
        elif head.startswith(b"BZh"):
            inner = bz2.BZ2Decompressor().decompress(head, 512)
        else:
            inner = lzma.LZMADecompressor().decompress(head, 512)
    except (zlib.error, OSError, EOFError, lzma.LZMAError):
        return False
    return inner[257:262] == b"ustar"


class _OpenTar:
    def __init__(self, archive: tarfile.TarFile) -> None:
        self.archive = archive

    def members(self) -> Iterator[MemberEntry]:
        try:
            for index, info in enumerate(self.archive):
                if info.isdir():
                    continue
                problem = next((why for test, why in _TAR_KINDS if test(info)), None)
                if problem is None and not info.isfile():
                    problem = "not a regular file in archive"
                yield MemberEntry(info.name, index, info.size, None, problem)
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise UnreadableError(f"cannot read tar: {exc}") from None

    @contextmanager
    def open_member(self, index: int) -> Iterator[BinaryIO]:
        try:
            info = self.archive.getmembers()[index]
            member = self.archive.extractfile(info)
            if member is None:
                raise UnreadableError("tar member is not a regular file")
            with member:
                yield member  # type: ignore[misc]
        except (tarfile.TarError, EOFError, OSError, IndexError, zlib.error) as exc:
            raise UnreadableError(f"cannot read tar member: {exc}") from None


# 7z -----------------------------------------------------------------------------------------------------
class SevenZipFormat:
    name = "7z"

    def detects(self, head: bytes) -> bool:
        return head.startswith(b"7z\xbc\xaf\x27\x1c")

    @contextmanager
    def open(self, stream: BinaryIO, limits: ArchiveLimits) -> Iterator[OpenArchive]:
        import py7zr

        try:
            archive = py7zr.SevenZipFile(stream)
        except (py7zr.Bad7zFile, EOFError, OSError, ValueError) as exc:
            raise UnreadableError(f"cannot read 7z: {exc}") from None
        with archive:
            yield _OpenSevenZip(archive, limits.max_member_bytes + 1)


class _OpenSevenZip:
    def __init__(self, archive, limit: int) -> None:
        self.archive, self.limit = archive, limit
        self.infos = list(archive.list())

    def members(self) -> Iterator[MemberEntry]:
        if self.archive.needs_password():
            raise UnreadableError("encrypted 7z archive")
        for index, info in enumerate(self.infos):
            if info.is_directory:
                continue
            problem = "symbolic link in archive, not followed" if info.is_symlink else None
            yield MemberEntry(info.filename, index, info.uncompressed, info.compressed, problem)

    @contextmanager
    def open_member(self, index: int) -> Iterator[BinaryIO]:
        import py7zr

        name = self.infos[index].filename
        occurrence = sum(1 for info in self.infos[:index] if info.filename == name)
        factory = _spool_factory(name, self.limit)
        try:
            self.archive.reset()
            self.archive.extract(targets=[name], factory=factory)
        except (py7zr.Bad7zFile, EOFError, OSError, ValueError, KeyError) as exc:
            raise UnreadableError(f"cannot read 7z member: {exc}") from None
        if len(factory.made) <= occurrence:
            raise UnreadableError("7z member could not be read")
        made = factory.made[occurrence]
        if made.size() >= self.limit:
            raise TooLargeError(f"archive bomb: member larger than {self.limit - 1} bytes")
        made.seek(0)
        yield io.BytesIO(made.read())


def _spool_factory(name: str, limit: int):
    """py7zr writes members into objects it asks for; this one keeps the bytes of the named member only."""
    from py7zr.io import NullIO, Py7zBytesIO, WriterFactory

    class Factory(WriterFactory):
        def __init__(self) -> None:
            self.made: list[Py7zBytesIO] = []

        def create(self, filename: str):
            if filename != name:
                return NullIO()
            writer = Py7zBytesIO(filename, limit)
            self.made.append(writer)
            return writer

    return Factory()
