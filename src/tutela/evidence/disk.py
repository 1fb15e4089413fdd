"""Disk images through dfVFS: raw/dd and E01 (split segments too), partition tables found, files and deleted files.

evidence file (raw or E01) -> partition (MBR, GPT or APM, found by dfVFS's analyzer; none for a bare volume)
-> file system read by The Sleuth Kit (FAT, exFAT, NTFS, ext, HFS+, ISO 9660) -> every regular file, by path and
inode. dfVFS's own directory listing skips names the file system marks unallocated, so directories are walked
with pytsk3 (from the dfVFS file system) to find the deleted files it still describes; they are opened, like
every file, by inode through dfVFS. A partition whose file system cannot be read is one item: its raw stream.

A locator is enough to reopen a file in any process: the partition is named ``TABLE:pN`` (``mbr:p1``,
``gpt:p2``) and the file by inode. Each process opens an image once and keeps it (file systems parsed once, not
per file); a process forked from one that had it open opens its own (a shared file offset would mix reads).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from tutela.domain.locator import Locator
from tutela.errors import UnreadableError
from tutela.evidence.sources import EvidenceItem

EWF_SIGNATURE = b"EVF\x09\x0d\x0a\xff\x00"
BUFFER = 256 * 1024  # reads from an image are batched: each one crosses pytsk3, libewf and Python file objects

_IMAGE_TYPES = {"e01": "EWF", "disk": "RAW"}
_PARTITION_TABLES = {"gpt": "GPT", "apm": "APM", "mbr": "TSK_PARTITION"}  # in order of preference


def is_e01(path: str) -> bool:
    from tutela.hashing.hasher import open_read_only

    try:
        with open_read_only(path) as stream:
            return stream.read(len(EWF_SIGNATURE)) == EWF_SIGNATURE
    except (OSError, UnreadableError):
        return False


class DiskImageSource:
    """A disk image: ``e01`` claims Expert Witness files, ``disk`` any other file dfVFS finds volumes in."""

    def __init__(self, name: str) -> None:
        self.name = name

    def claims(self, evidence: str) -> bool:
        if not os.path.isfile(evidence):
            return False
        if self.name == "e01":
            return is_e01(evidence)
        return not is_e01(evidence) and _looks_like_disk(evidence)

    def items(self, evidence: str) -> Iterator[EvidenceItem]:
        image = Locator(evidence, self.name)
        try:
            disk = _open_disk(evidence, self.name)
            volumes = disk.volumes()
        except ImageError as exc:
            yield EvidenceItem(image, problem=str(exc))
            return
        except PartitionTableError as exc:
            yield EvidenceItem(image, note=f"{exc}: the image is hashed as one stream")
            return
        for label in volumes:
            yield from disk.files(label)

    def open(self, locator: Locator) -> BinaryIO:
        """The file's bytes (a buffered stream, itself the context manager that closes it)."""
        try:
            file_object = _open_disk(locator.evidence, self.name).open(locator)
        except (ImageError, PartitionTableError) as exc:
            raise UnreadableError(str(exc)) from exc
        return io.BufferedReader(_Stream(file_object), BUFFER)


class ImageError(Exception):
    """The image itself cannot be opened (a truncated or damaged E01, a missing segment)."""


class PartitionTableError(Exception):
    """A partition table is there but cannot be read."""


@dataclass
class _Disk:
    """One image opened in this process: its dfVFS path specs and resolver context, file systems kept open."""

    evidence: str
    source: str
    context: Any
    image_spec: Any
    open_file_systems: dict[str | None, Any]

    def volumes(self) -> list[str | None]:
        """Partition labels (``mbr:p1``...), or ``[None]`` when the image is one volume without a table."""
        from dfvfs.lib import errors

        try:
            found = _scanner(self.context).ScanForVolumeSystem(self.image_spec)
        except (errors.Error, OSError, RuntimeError) as exc:
            raise PartitionTableError(f"partition table cannot be read: {_why(exc)}") from exc
        table = next((name for name, kind in _PARTITION_TABLES.items()
                      if found is not None and found.type_indicator == kind), None)
        if found is None or table is None:
            return [None]
        try:
            root = self._file_system(found.type_indicator, self.image_spec, location="/").GetRootFileEntry()
            locations = [getattr(entry.path_spec, "location", None) for entry in root.sub_file_entries]
        except (errors.Error, OSError) as exc:
            raise PartitionTableError(f"{table.upper()} partition table cannot be read: {_why(exc)}") from exc
        labels = [f"{table}:{location.lstrip('/')}" for location in locations if location]
        if not labels:
            raise PartitionTableError(f"{table.upper()} partition table lists no partition")
        return labels

    def files(self, label: str | None) -> Iterator[EvidenceItem]:
        """Every file of the volume's file system, deleted ones flagged; the volume's stream when there is none."""
        from tutela.evidence.disk_walk import walk_file_system

        volume = Locator(self.evidence, self.source, partition=label)
        try:
            fs_info = self.tsk_file_system(label).GetFsInfo()
        except (ImageError, PartitionTableError) as exc:
            yield EvidenceItem(volume, note=f"no file system that can be read ({exc}): hashed as one stream")
            return
        for entry in walk_file_system(fs_info):
            yield EvidenceItem(Locator(self.evidence, self.source, partition=label, path=entry.path,
                                       inode=entry.inode, deleted=entry.deleted), entry.problem, entry.note)

    def volume_spec(self, label: str | None) -> Any:
        from dfvfs.path import factory

        if label is None:
            return self.image_spec
        table, _, name = label.partition(":")
        kind = _PARTITION_TABLES.get(table)
        if kind is None or not name:
            raise PartitionTableError(f"unknown partition {label!r}")
        return factory.Factory.NewPathSpec(kind, location=f"/{name}", parent=self.image_spec)

    def tsk_file_system(self, label: str | None) -> Any:
        from dfvfs.lib import definitions, errors

        try:
            return self._file_system(definitions.TYPE_INDICATOR_TSK, self.volume_spec(label), location="/")
        except (errors.Error, OSError) as exc:
            raise ImageError(_why(exc)) from exc

    def open(self, locator: Locator) -> Any:
        """The dfVFS file object of a file (by inode) or of a whole volume's stream."""
        from dfvfs.lib import definitions, errors
        from dfvfs.path import factory
        from dfvfs.resolver import resolver

        spec = self.volume_spec(locator.partition)
        if locator.inode is not None:
            self.tsk_file_system(locator.partition)  # parsed once per process, kept
            kwargs: dict[str, Any] = {"inode": locator.inode, "parent": spec}
            if locator.path is not None:
                kwargs["location"] = locator.path
            spec = factory.Factory.NewPathSpec(definitions.TYPE_INDICATOR_TSK, **kwargs)
        try:
            return resolver.Resolver.OpenFileObject(spec, resolver_context=self.context)
        except (errors.Error, OSError) as exc:
            raise ImageError(f"cannot open: {_why(exc)}") from exc

    def _file_system(self, kind: str, parent: Any, **kwargs: Any) -> Any:
        from dfvfs.path import factory
        from dfvfs.resolver import resolver

        key = f"{kind}|{parent.comparable}"
        if key not in self.open_file_systems:
            spec = factory.Factory.NewPathSpec(kind, parent=parent, **kwargs)
            self.open_file_systems[key] = resolver.Resolver.OpenFileSystem(spec, resolver_context=self.context)
        return self.open_file_systems[key]


_OPEN: dict[tuple[int, str, str], _Disk] = {}


def _open_disk(evidence: str, source: str) -> _Disk:
    """The image opened by this process (kept: opening an E01 and parsing a file system is done once)."""
    key = (os.getpid(), evidence, source)
    if key not in _OPEN:
        for stale in [k for k in _OPEN if k[0] != key[0]]:
            del _OPEN[stale]  # inherited through fork: its file offsets are shared with the parent
        _OPEN[key] = _new_disk(evidence, source)
    return _OPEN[key]


def _new_disk(evidence: str, source: str) -> _Disk:
    from dfvfs.lib import errors
    from dfvfs.resolver import context, resolver

    resolver_context = context.Context()
    try:
        image_spec = _image_spec(evidence, source, resolver_context)
        image = resolver.Resolver.OpenFileObject(image_spec, resolver_context=resolver_context)
    except (errors.Error, OSError, RuntimeError) as exc:
        kind = "E01" if source == "e01" else "disk"
        raise ImageError(f"the {kind} image cannot be opened: {_why(exc)}") from exc
    disk = _Disk(evidence, source, resolver_context, image_spec, {})
    disk.open_file_systems["image"] = image  # dfVFS caches weakly: keep the image open
    return disk


def _image_spec(evidence: str, source: str, resolver_context: Any) -> Any:
    """E01 through libewf; a raw image split in segments (.001, .002...) through libsmraw; else the file itself."""
    from dfvfs.path import factory

    from tutela.evidence.dfvfs_read_only import evidence_path_spec

    spec = evidence_path_spec(evidence)
    if source == "e01" or len(_segment_specs(spec, "RAW", resolver_context)) > 1:
        return factory.Factory.NewPathSpec(_IMAGE_TYPES[source], parent=spec)
    return spec


def image_segments(evidence: str) -> list[str]:
    """The files an image is stored in, in order: E01 segments (.E01, .E02...), split raw (.001, .002...)."""
    from dfvfs.resolver import context

    from tutela.evidence.dfvfs_read_only import evidence_path_spec

    kind = "EWF" if is_e01(evidence) else "RAW"
    try:
        specs = _segment_specs(evidence_path_spec(evidence), kind, context.Context())
    except (OSError, RuntimeError, ValueError):
        specs = []
    return [spec.location for spec in specs] or [os.path.abspath(evidence)]


def _segment_specs(spec: Any, kind: str, resolver_context: Any) -> list[Any]:
    from dfvfs.lib import errors, ewf_helper, raw_helper
    from dfvfs.path import factory
    from dfvfs.resolver import resolver

    glob = ewf_helper.EWFGlobPathSpec if kind == "EWF" else raw_helper.RawGlobPathSpec
    file_system = resolver.Resolver.OpenFileSystem(spec, resolver_context=resolver_context)
    try:
        return glob(file_system, factory.Factory.NewPathSpec(kind, parent=spec))
    except errors.PathSpecError:
        return []


def _looks_like_disk(path: str) -> bool:
    """Whether dfVFS finds a partition table or a file system in a plain file (a JPEG or a zip is not one)."""
    from dfvfs.lib import errors
    from dfvfs.resolver import context

    resolver_context = context.Context()
    scanner = _scanner(resolver_context)
    try:
        spec = _image_spec(path, "disk", resolver_context)
        return scanner.ScanForVolumeSystem(spec) is not None or scanner.ScanForFileSystem(spec) is not None
    except (errors.Error, OSError, RuntimeError):
        return True  # something is there that dfVFS half recognises: the disk source reports what it can't read


def _scanner(resolver_context: Any) -> Any:
    from dfvfs.helpers import source_scanner

    return source_scanner.SourceScanner(resolver_context=resolver_context)


def _why(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    for noise in ("Unable to open file object with error: ", "Unable to open file system with error: "):
        text = text.replace(noise, "")
    return text.splitlines()[0]


class _Stream(io.RawIOBase):
    """A dfVFS file object as a Python stream. It keeps its own offset and seeks before every read, because
    dfVFS hands the same cached object to every opener of the same path spec in a process."""

    def __init__(self, file_object: Any) -> None:
        self._file, self._offset, self._size = file_object, 0, file_object.get_size()

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._offset

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._offset, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise OSError("seek before the start of the file")
        self._offset = base + offset
        return self._offset

    def readinto(self, buffer: Any) -> int:
        wanted = min(len(buffer), max(0, self._size - self._offset))
        if wanted == 0:
            return 0
        self._file.seek(self._offset)
        data = self._file.read(wanted)
        buffer[: len(data)] = data
        self._offset += len(data)
        return len(data)
