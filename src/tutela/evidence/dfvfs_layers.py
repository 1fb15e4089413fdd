"""Two dfVFS layers of our own: evidence read without touching access times, and an image that survives holes.

``TUTELA_READ_ONLY``: dfVFS's own OS layer is "system level": libewf and libsmraw then open the image files
themselves by name, a plain read-only open that still updates access times. This path-spec type is not system
level, so dfVFS hands the image libraries file objects that we opened (``open_read_only``: O_NOATIME where the
system allows).

``TUTELA_GUARD`` sits on the image (E01 or raw) and under the partition tables and file systems. A range the
image cannot give (a missing or truncated E01 segment, a raw image shorter than its partitions) reads as zeros
*and is recorded*, so The Sleuth Kit can still read the partition table and every file that lies elsewhere;
a file whose bytes fall in a recorded range is then failed by its reader (evidence/disk.py), never hashed as
zeros. Registering is idempotent and per process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from dfvfs.file_io import file_io, os_file_io
from dfvfs.path import factory as path_spec_factory
from dfvfs.path import os_path_spec, path_spec
from dfvfs.resolver import resolver
from dfvfs.resolver_helpers import manager, resolver_helper
from dfvfs.vfs import os_file_system

from tutela.hashing.hasher import open_read_only

TYPE_INDICATOR = "TUTELA_READ_ONLY"
GUARD = "TUTELA_GUARD"
PIECE = 4096  # a failed read is retried in pieces this size, so one bad sector does not blank its neighbours


class ReadOnlyPathSpec(os_path_spec.OSPathSpec):
    """An evidence file on this machine, by absolute path."""

    _IS_SYSTEM_LEVEL = False  # so image libraries get our file objects, not the file name
    TYPE_INDICATOR = TYPE_INDICATOR


class ReadOnlyFile(os_file_io.OSFile):
    def _Open(self) -> None:
        location = getattr(self._path_spec, "location", None)
        if location is None:
            raise OSError("path specification without a location")
        self._file_object = open_read_only(location)
        self._size = os.fstat(self._file_object.fileno()).st_size


class ReadOnlyFileSystem(os_file_system.OSFileSystem):
    """Answers only the existence questions segment globbing asks (E01 segments, split raw images)."""

    TYPE_INDICATOR = TYPE_INDICATOR


@dataclass(frozen=True, slots=True)
class Hole:
    """Bytes of the image that could not be read (``offset``, ``size``) and why."""

    offset: int
    size: int
    why: str

    def overlaps(self, start: int, end: int) -> bool:
        return self.offset < end and start < self.offset + self.size


class GuardPathSpec(path_spec.PathSpec):
    TYPE_INDICATOR = GUARD

    def __init__(self, parent=None, **kwargs):
        if not parent:
            raise ValueError("the guard layer needs the image under it")
        super().__init__(parent=parent, **kwargs)

    @property
    def comparable(self) -> str:
        return self._GetComparable()


class GuardedImage(file_io.FileIO):
    """The image's bytes; what it cannot give reads as zeros and is added to ``holes``."""

    def __init__(self, resolver_context, path_spec):
        super().__init__(resolver_context, path_spec)
        self.holes: list[Hole] = []
        self._image, self._offset, self._size = None, 0, 0

    def _Open(self) -> None:
        self._image = resolver.Resolver.OpenFileObject(self._path_spec.parent, resolver_context=self._resolver_context)
        self._size = self._image.get_size()

    def _Close(self) -> None:
        self._image = None

    def read(self, size=None):
        end = self._size if size is None or size < 0 else min(self._size, self._offset + size)
        data = self._read(self._offset, max(0, end - self._offset))
        self._offset += len(data)
        return data

    def _read(self, offset: int, size: int) -> bytes:
        data, why = self._try(offset, size)
        if len(data) == size:
            return data
        if size > PIECE:  # find which pieces fail: keep every byte that can be read
            end = offset + size
            return b"".join(self._read(at, min(PIECE, end - at)) for at in range(offset, end, PIECE))
        self.holes.append(Hole(offset + len(data), size - len(data), why or "nothing there: the image ends early"))
        return data + bytes(size - len(data))

    def _try(self, offset: int, size: int) -> tuple[bytes, str | None]:
        try:
            self._image.seek(offset)
            return self._image.read(size), None
        except (OSError, RuntimeError) as exc:
            return b"", str(exc)

    def seek(self, offset, whence=os.SEEK_SET):
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._offset, os.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise OSError("seek before the start of the image")
        self._offset = base + offset

    def get_offset(self):
        return self._offset

    def get_size(self):
        return self._size


class GuardResolverHelper(resolver_helper.ResolverHelper):
    TYPE_INDICATOR = GUARD

    def NewFileObject(self, resolver_context, path_spec):
        return GuardedImage(resolver_context, path_spec)


class ReadOnlyResolverHelper(resolver_helper.ResolverHelper):
    """How dfVFS makes file objects and file systems for the read-only path-spec type (its method names)."""

    TYPE_INDICATOR = TYPE_INDICATOR

    def NewFileObject(self, resolver_context, path_spec):
        return ReadOnlyFile(resolver_context, path_spec)

    def NewFileSystem(self, resolver_context, path_spec):
        return ReadOnlyFileSystem(resolver_context, path_spec)


_registered = False


def register() -> None:
    global _registered
    if not _registered:
        path_spec_factory.Factory.RegisterPathSpec(ReadOnlyPathSpec)
        path_spec_factory.Factory.RegisterPathSpec(GuardPathSpec)
        manager.ResolverHelperManager.RegisterHelper(ReadOnlyResolverHelper())
        manager.ResolverHelperManager.RegisterHelper(GuardResolverHelper())
        _registered = True


def evidence_path_spec(path: str) -> ReadOnlyPathSpec:
    register()
    return ReadOnlyPathSpec(location=os.path.abspath(path))
