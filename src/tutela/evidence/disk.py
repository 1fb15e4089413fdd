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
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from tutela.domain.locator import Locator
from tutela.errors import UnreadableError
from tutela.evidence.disk_stream import GuardedStream, file_ranges, why
from tutela.evidence.sources import EvidenceItem

EWF_SIGNATURE = b"EVF\x09\x0d\x0a\xff\x00"
BUFFER = 256 * 1024  # reads from an image are batched: each one crosses pytsk3, libewf and Python file objects

KEPT_OPEN = 8  # images a process keeps open (per thread), oldest closed first
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

    # dfVFS and its helpers take 0.13 s to import: once in the coordinator, not again in every worker
    preload = ("tutela.evidence.dfvfs_layers", "tutela.evidence.disk_walk", "dfvfs.resolver.resolver",
               "dfvfs.resolver.context", "dfvfs.path.factory", "dfvfs.lib.definitions", "dfvfs.lib.errors",
               "dfvfs.lib.tsk_partition")

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
        for label in volumes:
            yield from disk.files(label)

    def open(self, locator: Locator) -> BinaryIO:
        """The file's bytes (a buffered stream, itself the context manager that closes it)."""
        disk = _open_disk(locator.evidence, self.name)
        try:
            file_object, ranges = disk.open(locator)
        except (ImageError, PartitionTableError) as exc:
            raise UnreadableError(str(exc)) from exc
        return io.BufferedReader(GuardedStream(file_object, disk.image.holes, ranges), BUFFER)


class ImageError(Exception):
    """The image itself cannot be opened (a truncated or damaged E01, a missing segment)."""


class PartitionTableError(Exception):
    """The partition a locator names is not one this source knows."""


@dataclass
class _Disk:
    """One image opened in this process: its dfVFS path specs and resolver context, file systems kept open."""

    evidence: str
    source: str
    context: Any
    image_spec: Any
    image: Any  # the guarded image (dfVFS caches weakly: this keeps it open), with its ``holes``
    open_file_systems: dict[str, Any]
    table_problem: str | None = None
    volume_offsets: dict[str | None, int] = field(default_factory=dict)

    def volumes(self) -> list[str | None]:
        """Partition labels (``mbr:p1``...), or ``[None]`` when the image is one volume without a table.

        Each table type is tried by opening it (GPT, then APM, then MBR through TSK) rather than by dfVFS's
        signature scan, which also reads the image's last sectors and fails whole on a truncated image. An MBR
        that TSK refuses (one entry pointing past the end of the image refuses them all) is salvaged entry by
        entry: each primary entry that lies inside the image is read as a volume (``range:START+SECTORS``)."""
        from dfvfs.lib import errors

        self.table_problem = None
        for table, kind in _PARTITION_TABLES.items():
            try:
                root = self._file_system(kind, self.image_spec, location="/").GetRootFileEntry()
                locations = [getattr(entry.path_spec, "location", None) for entry in root.sub_file_entries]
            except (errors.Error, OSError, RuntimeError) as exc:
                if table == "mbr" and _mbr_signature(self.image):
                    self.table_problem = f"partition table cannot be read ({why(exc)})"
                continue
            labels = [f"{table}:{location.lstrip('/')}" for location in locations if location]
            if labels:
                return labels
            self.table_problem = f"{table.upper()} partition table lists no partition"
        salvaged = [f"range:{start}+{sectors}" for start, sectors in _mbr_entries(self.image)]
        return salvaged if self.table_problem and salvaged else [None]

    def files(self, label: str | None) -> Iterator[EvidenceItem]:
        """Every file of the volume's file system, deleted ones flagged; the volume's stream when there is none."""
        from tutela.evidence.disk_walk import walk_file_system

        volume = Locator(self.evidence, self.source, partition=label)
        salvaged = f"{self.table_problem}: read from its table entry" if label and label.startswith("range:") else None
        why = f"{self.table_problem}; " if label is None and self.table_problem else ""
        try:
            fs_info = self.tsk_file_system(label).GetFsInfo()
        except (ImageError, PartitionTableError) as exc:
            note = f"{why}no file system that can be read ({exc}): hashed as one stream"
            yield EvidenceItem(volume, note=f"{salvaged}; {note}" if salvaged else note)
            return
        for entry in walk_file_system(fs_info):
            yield EvidenceItem(Locator(self.evidence, self.source, partition=label, path=entry.path,
                                       inode=entry.inode, deleted=entry.deleted), entry.problem,
                               "; ".join(n for n in (salvaged, entry.note) if n) or None)

    def volume_spec(self, label: str | None) -> Any:
        from dfvfs.path import factory

        if label is None:
            return self.image_spec
        table, _, name = label.partition(":")
        if table == "range":
            start, sectors = _sectors(label)
            return factory.Factory.NewPathSpec("DATA_RANGE", range_offset=start * 512, range_size=sectors * 512,
                                               parent=self.image_spec)
        kind = _PARTITION_TABLES.get(table)
        if kind is None or not name:
            raise PartitionTableError(f"unknown partition {label!r}")
        return factory.Factory.NewPathSpec(kind, location=f"/{name}", parent=self.image_spec)

    def tsk_file_system(self, label: str | None) -> Any:
        from dfvfs.lib import definitions, errors

        try:
            return self._file_system(definitions.TYPE_INDICATOR_TSK, self.volume_spec(label), location="/")
        except (errors.Error, OSError, RuntimeError) as exc:  # pytsk3 raises RuntimeError for a failed read
            raise ImageError(why(exc)) from exc

    def open(self, locator: Locator) -> tuple[Any, list[tuple[int, int]] | None]:
        """The dfVFS file object of a file (by inode) or of a whole volume's stream, and where its bytes lie in
        the image (None when that cannot be told)."""
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
            file_object = resolver.Resolver.OpenFileObject(spec, resolver_context=self.context)
            base = self.volume_offset(locator.partition)
            if locator.inode is None:
                return file_object, [(base, base + file_object.get_size())]
            fs_info = self.tsk_file_system(locator.partition).GetFsInfo()
            return file_object, file_ranges(fs_info, locator.inode, base)
        except (errors.Error, OSError, RuntimeError) as exc:
            raise ImageError(f"cannot open: {why(exc)}") from exc

    def volume_offset(self, label: str | None) -> int:
        """Where the volume starts in the image, in bytes."""
        if label not in self.volume_offsets:
            self.volume_offsets[label] = (0 if label is None else _sectors(label)[0] * 512
                                          if label.startswith("range:") else self._partition_start(label))
        return self.volume_offsets[label]

    def _partition_start(self, label: str) -> int:
        from dfvfs.lib import tsk_partition
        from dfvfs.resolver import resolver

        kind = _PARTITION_TABLES[label.partition(":")[0]]
        entry = resolver.Resolver.OpenFileEntry(self.volume_spec(label), resolver_context=self.context)
        if kind == "GPT":
            return entry.GetGPTPartition().volume_offset
        if kind == "APM":
            return entry.GetAPMPartition().volume_offset
        table = self._file_system(kind, self.image_spec, location="/").GetTSKVolume()
        return (tsk_partition.TSKVsPartGetStartSector(entry.GetTSKVsPart())
                * tsk_partition.TSKVolumeGetBytesPerSector(table))

    def _file_system(self, kind: str, parent: Any, **kwargs: Any) -> Any:
        from dfvfs.path import factory
        from dfvfs.resolver import resolver

        key = f"{kind}|{parent.comparable}"
        if key not in self.open_file_systems:
            spec = factory.Factory.NewPathSpec(kind, parent=parent, **kwargs)
            self.open_file_systems[key] = resolver.Resolver.OpenFileSystem(spec, resolver_context=self.context)
        return self.open_file_systems[key]


_OPEN: dict[tuple[int, int, str, str], _Disk] = {}


def _open_disk(evidence: str, source: str) -> _Disk:
    """The image opened by this process and thread (kept: opening an E01 and parsing a file system is done once;
    per thread because dfVFS objects keep one file offset, and a Dask worker runs tasks in threads)."""
    key = (os.getpid(), threading.get_ident(), evidence, source)
    if key not in _OPEN:
        for stale in [k for k in _OPEN if k[0] != key[0]]:
            del _OPEN[stale]  # inherited through fork: its file offsets are shared with the parent
        while len(_OPEN) >= KEPT_OPEN:
            del _OPEN[next(iter(_OPEN))]  # a long-lived worker sees many exhibits: the oldest is closed
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
        raise ImageError(f"the {kind} image cannot be opened: {why(exc)}") from exc
    return _Disk(evidence, source, resolver_context, image_spec, image, {})


def _image_spec(evidence: str, source: str, resolver_context: Any) -> Any:
    """E01 through libewf; a raw image split in segments (.001, .002...) through libsmraw; else the file itself;
    under the guard that turns holes in the image into recorded zeros (evidence/dfvfs_layers.py)."""
    from dfvfs.path import factory

    from tutela.evidence.dfvfs_layers import GUARD, evidence_path_spec

    spec = evidence_path_spec(evidence)
    if source == "e01" or len(_segment_specs(spec, "RAW", resolver_context)) > 1:
        spec = factory.Factory.NewPathSpec(_IMAGE_TYPES[source], parent=spec)
    return factory.Factory.NewPathSpec(GUARD, parent=spec)


def image_segments(evidence: str) -> list[str]:
    """The files an image is stored in, in order: E01 segments (.E01, .E02...), split raw (.001, .002...)."""
    from dfvfs.resolver import context

    from tutela.evidence.dfvfs_layers import evidence_path_spec

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
    if _mbr_with_entries(path):
        return True
    scanner = _scanner(resolver_context)
    try:
        spec = _image_spec(path, "disk", resolver_context)
        return scanner.ScanForVolumeSystem(spec) is not None or scanner.ScanForFileSystem(spec) is not None
    except (errors.Error, OSError, RuntimeError):
        return True  # something is there that dfVFS half recognises: the disk source reports what it can't read


def _scanner(resolver_context: Any) -> Any:
    from dfvfs.helpers import source_scanner

    return source_scanner.SourceScanner(resolver_context=resolver_context)


def _mbr_with_entries(path: str) -> bool:
    """A first sector that is an MBR with an entry used: a disk, even when its table cannot be read."""
    from tutela.hashing.hasher import open_read_only

    try:
        with open_read_only(path) as stream:
            head = stream.read(512)
    except (OSError, UnreadableError):
        return False
    return head[510:512] == b"\x55\xaa" and any(head[at + 4] and head[at + 12:at + 16] != bytes(4)
                                                 for at in range(446, 510, 16))


def _mbr_signature(image: Any) -> bool:
    """An MBR's (or a boot sector's) 0x55AA: something that looked like a partition table was there."""
    image.seek(510)
    return image.read(2) == b"\x55\xaa"


def _mbr_entries(image: Any) -> list[tuple[int, int]]:
    """(first sector, sectors) of each primary MBR entry that is used, not extended, and inside the image."""
    image.seek(446)
    table, size, found = image.read(64), image.get_size(), []
    for at in range(0, len(table) - 15, 16):
        kind = table[at + 4]
        start, sectors = (int.from_bytes(table[at + i:at + i + 4], "little") for i in (8, 12))
        if kind not in (0x00, 0x05, 0x0F, 0x85) and sectors and start > 0 and (start + sectors) * 512 <= size:
            found.append((start, sectors))
    return found


def _sectors(label: str) -> tuple[int, int]:
    start, _, sectors = label.removeprefix("range:").partition("+")
    try:
        return int(start), int(sectors)
    except ValueError:
        raise PartitionTableError(f"unknown partition {label!r}") from None
