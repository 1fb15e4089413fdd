"""Exact digest look-ups (MD5, SHA-1, SHA-256) over sorted arrays, memory-mapped from .npy files.

The store keeps entries; this index answers "which entries carry this digest" without a B-tree per digest
in the database. Each digest type is a sorted array of 64-bit prefixes (for ``searchsorted``), the full
digests in the same order (to confirm), and the entry ids.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

DIGEST_LENGTHS = {"md5": 16, "sha1": 20, "sha256": 32}
FORMAT = "tutela-digest-index"
VERSION = 1


class DigestIndexError(Exception):
    """The index files are missing, damaged or of another version."""


class DigestTable:
    """One digest type: sorted prefixes, full digests and entry ids."""

    def __init__(self, prefixes: np.ndarray, digests: np.ndarray, ids: np.ndarray) -> None:
        self.prefixes, self.digests, self.ids = prefixes, digests, ids

    @classmethod
    def build(cls, length: int, pairs: Iterable[tuple[int, bytes]]) -> DigestTable:
        ids, raw = [], bytearray()
        for entry_id, digest in pairs:
            ids.append(entry_id)
            raw += digest
        return cls.from_arrays(np.asarray(ids, dtype=np.int64),
                               np.frombuffer(bytes(raw), dtype=np.uint8).reshape(-1, length))

    @classmethod
    def from_arrays(cls, ids: np.ndarray, digests: np.ndarray) -> DigestTable:
        """The table of ``digests`` (rows of bytes) carried by entries ``ids``, in any order."""
        prefixes = np.ascontiguousarray(digests[:, :8]).view(">u8").ravel().astype(np.uint64)
        order = np.argsort(prefixes, kind="stable")
        return cls(prefixes[order], digests[order], np.asarray(ids, dtype=np.int64)[order])

    def lookup(self, digest: bytes) -> list[int]:
        """Entry ids whose digest is exactly ``digest``."""
        prefix = np.frombuffer(digest[:8], dtype=">u8")[0]
        low = int(np.searchsorted(self.prefixes, prefix, side="left"))
        high = int(np.searchsorted(self.prefixes, prefix, side="right"))
        return [int(self.ids[i]) for i in range(low, high) if self.digests[i].tobytes() == digest]

    def __len__(self) -> int:
        return len(self.ids)


class DigestIndex:
    """All three digest tables, with the store generation they were built from."""

    def __init__(self, tables: dict[str, DigestTable], generation: int) -> None:
        self.tables, self.generation = tables, generation

    @classmethod
    def build(cls, rows: Iterable[Sequence], generation: int) -> DigestIndex:
        """``rows`` are (entry id, md5, sha1, sha256) with bytes or None."""
        pairs: dict[str, list[tuple[int, bytes]]] = {name: [] for name in DIGEST_LENGTHS}
        for entry_id, *digests in rows:
            for name, digest in zip(DIGEST_LENGTHS, digests, strict=True):
                if digest:
                    pairs[name].append((entry_id, bytes(digest)))
        return cls({name: DigestTable.build(DIGEST_LENGTHS[name], pairs[name]) for name in DIGEST_LENGTHS},
                   generation)

    def lookup(self, hash_type: str, digest: bytes) -> list[int]:
        return self.tables[hash_type].lookup(digest)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name, table in self.tables.items():
            for part in ("prefixes", "digests", "ids"):
                np.save(folder / f"{name}.{part}.npy", getattr(table, part), allow_pickle=False)
        manifest = {"format": FORMAT, "version": VERSION, "generation": self.generation,
                    "counts": {name: len(table) for name, table in self.tables.items()}}
        (folder / "digests.json").write_text(json.dumps(manifest))  # written last: it marks the set complete

    @classmethod
    def open(cls, folder: Path) -> DigestIndex:
        try:
            manifest = json.loads((folder / "digests.json").read_text())
            if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
                raise DigestIndexError(f"{folder}: not a version {VERSION} digest index")
            tables = {}
            for name, length in DIGEST_LENGTHS.items():
                parts = [np.load(folder / f"{name}.{part}.npy", mmap_mode="r", allow_pickle=False)
                         for part in ("prefixes", "digests", "ids")]
                if len(parts[0]) != manifest["counts"][name] or parts[1].shape[1:] != (length,):
                    raise DigestIndexError(f"{folder}: {name} table does not match its manifest")
                tables[name] = DigestTable(*parts)
        except (OSError, ValueError, KeyError) as exc:
            raise DigestIndexError(f"{folder}: cannot open digest index: {exc}") from None
        return cls(tables, int(manifest["generation"]))
