"""Evidence sources: one small interface, an explicit registry, and the folder and single-file sources.

A source lists what the evidence holds as items (a locator, and a problem when the item cannot be read) and
opens the file a locator names, read-only. Archives inside any source are handled by ``EvidenceReader``
(evidence/reader.py), so every source gets them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from tutela.domain.locator import Locator
from tutela.domain.registry import Registry
from tutela.errors import UsageError


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """One file the evidence holds. ``problem``: it cannot be read (it ends as failed with that reason);
    ``note``: it was read, but something about it is worth saying (an archive whose members were not read)."""

    locator: Locator
    problem: str | None = None
    note: str | None = None


class EvidenceSource(Protocol):
    name: str
    preload: tuple[str, ...]  # modules ``open`` needs: imported before workers fork, so that each has them already

    def claims(self, evidence: str) -> bool:
        """Whether this source reads the evidence at that path."""

    def items(self, evidence: str) -> Iterator[EvidenceItem]: ...

    def open(self, locator: Locator) -> AbstractContextManager[BinaryIO]:
        """The file the locator names in this source (archive members are left to the reader)."""


class SourceRegistry(Registry[EvidenceSource]):
    """Sources by name, asked in the order registered; a second source under one name is refused."""

    kind = "evidence source"

    def for_evidence(self, evidence: str) -> EvidenceSource:
        for source in self:
            if source.claims(evidence):
                return source
        raise UsageError(f"no evidence source reads {evidence!r} (not a folder or a regular file)")


def default_sources() -> SourceRegistry:
    from tutela.evidence.disk import DiskImageSource

    registry = SourceRegistry()
    registry.register(FolderSource())
    registry.register(DiskImageSource("e01"))  # disk images before the single-file source that would take them
    registry.register(DiskImageSource("disk"))
    registry.register(FileSource())
    return registry


class FolderSource:
    """A folder, walked without following symbolic links (evidence/folder.py rules)."""

    name = "folder"
    preload = ()

    def claims(self, evidence: str) -> bool:
        return os.path.isdir(evidence)

    def items(self, evidence: str) -> Iterator[EvidenceItem]:
        from tutela.evidence.folder import walk_paths

        for entry in walk_paths([evidence]):
            relative = os.path.relpath(entry.path, evidence).replace(os.sep, "/")
            yield EvidenceItem(Locator(evidence, self.name, path=relative), entry.problem)

    def open(self, locator: Locator) -> AbstractContextManager[BinaryIO]:
        from tutela.hashing.hasher import open_read_only

        return open_read_only(os.path.join(locator.evidence, locator.path or ""))


class FileSource:
    """One regular file given as the evidence (an archive, a single picture; disk images come with dfVFS)."""

    name = "file"
    preload = ()

    def claims(self, evidence: str) -> bool:
        return os.path.isfile(evidence)

    def items(self, evidence: str) -> Iterator[EvidenceItem]:
        yield EvidenceItem(Locator(evidence, self.name))

    def open(self, locator: Locator) -> AbstractContextManager[BinaryIO]:
        from tutela.hashing.hasher import open_read_only

        return open_read_only(locator.evidence)
