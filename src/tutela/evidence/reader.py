"""Reading evidence by locator: a source's items with the members of the archives among them, recursively.

The coordinator lists (``items``); workers open (``open``). Both take only plain data, so a worker anywhere
that sees the evidence can open any item from its locator alone.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from typing import BinaryIO

from tutela.domain.locator import Locator
from tutela.errors import MediaError
from tutela.evidence.archives import (
    ArchiveFormat,
    ArchiveLimits,
    ArchiveRegistry,
    MemberEntry,
    OpenArchive,
    bomb_problem,
    default_archives,
    spool,
)
from tutela.evidence.sources import EvidenceItem, SourceRegistry, default_sources

HEAD = 4096  # enough to recognise every archive format (a tar header inside gzip, bzip2 or xz included)


@dataclass
class EvidenceReader:
    limits: ArchiveLimits = field(default_factory=ArchiveLimits)
    sources: SourceRegistry = field(default_factory=default_sources)
    archives: ArchiveRegistry = field(default_factory=default_archives)

    def items(self, evidence: str) -> Iterator[EvidenceItem]:
        """Every file of the evidence in a stable order, each archive followed by its members."""
        source = self.sources.for_evidence(evidence)
        for item in source.items(evidence):
            if item.problem is not None:
                yield item
                continue
            try:
                stream = source.open(item.locator)
            except (MediaError, OSError):
                yield item  # the worker meets the same failure and records why
                continue
            with stream:
                yield from self._with_members(item, stream)

    @contextmanager
    def open(self, locator: Locator) -> Iterator[BinaryIO]:
        """The bytes of the file a locator names, read-only; archive members spooled within the limits."""
        with ExitStack() as stack:
            stream = stack.enter_context(self.sources.get(locator.source).open(locator))
            for member in locator.members:
                archive = stack.enter_context(self.archives.get(member.archive).open(stream, self.limits))
                raw = stack.enter_context(archive.open_member(member.index))
                stream = stack.enter_context(spool(raw, self.limits))
            yield stream

    def _with_members(self, item: EvidenceItem, stream: BinaryIO) -> Iterator[EvidenceItem]:
        try:
            head = stream.read(HEAD)
            fmt = self.archives.detect(head)
            stream.seek(0)
        except (MediaError, OSError, ValueError):
            yield item
            return
        if fmt is None:
            yield item
            return
        if item.locator.depth >= self.limits.max_depth:
            yield replace(item, note=f"archive nested deeper than {self.limits.max_depth}: members not read")
            return
        listed = False
        try:
            with fmt.open(stream, self.limits) as archive:
                entries, note = self._entries(archive, _size_of(stream))
                listed = True
                yield replace(item, note=note)
                for entry in entries:
                    yield from self._member(fmt, archive, item.locator, entry)
        except (MediaError, OSError) as exc:
            if not listed:
                yield replace(item, note=f"archive members not read: {exc}")

    def _entries(self, archive: OpenArchive, archive_size: int) -> tuple[list[MemberEntry], str | None]:
        """The members to list, stopping (lazily: a tar is not read past) at the count and size limits."""
        limits, entries, declared = self.limits, [], 0
        try:
            for entry in archive.members():
                if len(entries) >= limits.max_members:
                    return entries, f"more than {limits.max_members} members: the rest not read"
                declared += entry.size or 0
                why = _archive_bomb(declared, archive_size, limits)
                if why:
                    entries.append(replace(entry, problem=why))
                    return entries, f"{why}: the rest not read"
                entries.append(entry)
        except MediaError as exc:
            return entries, f"members after the first {len(entries)} not read: {exc}"
        return entries, None

    def _member(self, fmt: ArchiveFormat, archive: OpenArchive, parent: Locator,
                entry: MemberEntry) -> Iterator[EvidenceItem]:
        locator = parent.member(fmt.name, entry.name, entry.index)
        problem = entry.problem or bomb_problem(entry, self.limits)
        if problem is not None:
            yield EvidenceItem(locator, problem)
            return
        try:
            with archive.open_member(entry.index) as raw:
                head = raw.read(HEAD)
                is_archive = self.archives.detect(head) is not None
                nested = spool(_Prefixed(head, raw), self.limits) if is_archive else None
        except (MediaError, OSError) as exc:
            yield EvidenceItem(locator, str(exc) if isinstance(exc, MediaError) else f"cannot read: {exc}")
            return
        if nested is None:
            yield EvidenceItem(locator)
            return
        with nested:
            yield from self._with_members(EvidenceItem(locator), nested)


def _archive_bomb(declared: int, archive_size: int, limits: ArchiveLimits) -> str | None:
    if declared > limits.max_archive_bytes:
        return f"archive bomb: members declare more than {limits.max_archive_bytes} bytes"
    if declared > limits.ratio_floor and archive_size and declared / archive_size > limits.max_ratio:
        return f"archive bomb: members declare {declared / archive_size:.0f} times the archive's size"
    return None


def _size_of(stream: BinaryIO) -> int:
    here = stream.tell()
    size = stream.seek(0, io.SEEK_END)
    stream.seek(here)
    return size


class _Prefixed(io.RawIOBase):
    """A stream whose first bytes were already read: those bytes, then the rest."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self.head, self.rest = head, rest

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.head:
            out, self.head = (self.head, b"") if size < 0 or size >= len(self.head) else (
                self.head[:size], self.head[size:])
            return out
        return self.rest.read(size)
