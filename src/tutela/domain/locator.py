"""Where a file came from: an immutable chain from the evidence down to one file (dfVFS path specs).

evidence file or folder -> partition -> file-system path (or inode, deleted flag) -> archive member -> ...

A locator is plain data: it goes to a worker process or a Dask worker as it is, into the store as JSON, and
back. Names are kept exactly as found (``../`` and absolute archive names included): they are only names.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True, slots=True)
class Member:
    """One archive member: its name as the archive spells it, and its position (names can repeat)."""

    archive: str  # the archive format that reads it: zip, tar, 7z
    name: str
    index: int

    def to_json(self) -> dict[str, Any]:
        return {"archive": self.archive, "name": self.name, "index": self.index}


@dataclass(frozen=True, slots=True)
class Locator:
    evidence: str  # the evidence as named to the ingest (absolute path of a folder or a file)
    source: str  # the evidence source that reads it: folder, file
    partition: str | None = None
    path: str | None = None  # inside the evidence (folder or file system), "/"-separated
    inode: int | None = None
    deleted: bool = False
    members: tuple[Member, ...] = ()

    def member(self, archive: str, name: str, index: int) -> Locator:
        return replace(self, members=(*self.members, Member(archive, name, index)))

    @property
    def depth(self) -> int:
        """How many archives deep the file is."""
        return len(self.members)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"evidence": self.evidence, "source": self.source}
        for key in ("partition", "path", "inode"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.deleted:
            out["deleted"] = True
        if self.members:
            out["members"] = [m.to_json() for m in self.members]
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Locator:
        members = tuple(Member(m["archive"], m["name"], m["index"]) for m in data.get("members", ()))
        return cls(data["evidence"], data["source"], data.get("partition"), data.get("path"), data.get("inode"),
                   bool(data.get("deleted", False)), members)

    def canonical(self) -> str:
        """One spelling of the locator (sorted keys, ASCII escapes keep odd names lossless)."""
        return json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=True)

    def key(self) -> bytes:
        """32 bytes that identify the locator in the store (its canonical JSON may be long)."""
        return hashlib.sha256(self.canonical().encode("ascii")).digest()

    def __str__(self) -> str:
        """As an examiner reads it: ``evidence » partition » /path/in/file/system » member`` (deleted).

        A path relative to a folder joins the folder with ``/``; a file-system path (absolute) is its own part.
        """
        parts = [self.evidence]
        if self.partition is not None:
            parts.append(self.partition)
        if self.path is not None and not self.path.startswith("/"):
            parts[-1] = f"{parts[-1]}/{self.path}"
        elif self.path is not None:
            parts.append(self.path)
        elif self.inode is not None:
            parts.append(f"inode {self.inode}")
        parts += [m.name for m in self.members]
        return " » ".join(parts) + (" (deleted)" if self.deleted else "")
