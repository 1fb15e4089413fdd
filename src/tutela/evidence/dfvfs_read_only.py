"""A dfVFS base layer that reads evidence files read-only without touching their access times.

dfVFS's own OS layer is "system level": libewf and libsmraw then open the image files themselves by name, a
plain read-only open that still updates access times. This layer is a path-spec type of its own that is not
system level, so dfVFS hands the image libraries file objects that we opened (``open_read_only``: O_NOATIME
where the system allows). Registering it is idempotent and per process.
"""

from __future__ import annotations

import os

from dfvfs.file_io import os_file_io
from dfvfs.path import factory as path_spec_factory
from dfvfs.path import os_path_spec
from dfvfs.resolver_helpers import manager, resolver_helper
from dfvfs.vfs import os_file_system

from tutela.hashing.hasher import open_read_only

TYPE_INDICATOR = "TUTELA_READ_ONLY"


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
        manager.ResolverHelperManager.RegisterHelper(ReadOnlyResolverHelper())
        _registered = True


def evidence_path_spec(path: str) -> ReadOnlyPathSpec:
    register()
    return ReadOnlyPathSpec(location=os.path.abspath(path))
