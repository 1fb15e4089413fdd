"""Exact near-match index for PDQ hashes: every entry within the Hamming threshold, never fewer.

Multi-index hashing with per-query part radii (see `_mih_plan`) finds candidates, a compiled kernel checks
each against the full 256 bits, and a query whose plan would touch too much of the index (near-blank
hashes, dense clusters) scans linearly instead, so skew costs time but never recall. The main segment is
saved in a versioned file and mapped read-only so worker processes share one copy; entries added later go
to a small in-memory delta searched alongside it until the caller saves (or `merge`s) again.

Typical use::

    index = PdqIndex.build(rows, ids)          # rows: (N, 32) uint8, ids: (N,) int64
    index.save(path, generation=7)
    index = PdqIndex.open(path)                # read-only mmap, cheap
    matches = index.query(query_rows, 31)      # matches.for_query(i) -> [(entry_id, distance), ...]
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tutela.matching._pdq_file import (
    IndexFormatError,
    PdqIndexInfo,
    check_tables,
    content_fingerprint,
    read_index,
    read_info,
    verify_payload,
    write_index,
)
from tutela.matching._pdq_segment import (
    Segment,
    build_segment,
    empty_segment,
    linear_segment,
    search_segment,
)
from tutela.matching.pdq_codes import as_rows, hex_to_rows

__all__ = ["MAX_THRESHOLD", "IndexFormatError", "PdqIndex", "PdqIndexInfo", "PdqMatches"]

MAX_THRESHOLD = 256
# Added entries stay in a linear tail up to this many, then are folded into the in-memory delta segment.
# With prefetching an indexed search of 10M entries takes ~0.11 ms a query, about a linear pass over 64k
# hashes: a tail that long doubled a match server's cost while new entries arrived, and rebuilding the delta
# is cheap (~10 ms for 100k entries), so the tail is kept short.
_TAIL_LIMIT = 8_192


@dataclass(frozen=True)
class PdqMatches:
    """Matches of a batch of queries, flat: query i owns ``entry_ids[offsets[i]:offsets[i + 1]]``.

    Within a query matches are ordered by distance, then entry id. Flat arrays are the fast path; callers
    with several thresholds query once at the largest and filter ``distances``.
    """

    offsets: np.ndarray  # (Q + 1,) int64
    entry_ids: np.ndarray  # (K,) int64
    distances: np.ndarray  # (K,) int16

    def __len__(self) -> int:
        return int(self.offsets.shape[0] - 1)

    def for_query(self, query: int) -> list[tuple[int, int]]:
        """(entry_id, distance) pairs of one query."""
        start, stop = int(self.offsets[query]), int(self.offsets[query + 1])
        return list(zip(self.entry_ids[start:stop].tolist(), self.distances[start:stop].tolist(), strict=True))

    def to_lists(self) -> list[list[tuple[int, int]]]:
        return [self.for_query(query) for query in range(len(self))]


class PdqIndex:
    """Entries (256-bit PDQ hash, int64 id) searchable by Hamming distance, exactly.

    Not thread-safe for `add` concurrent with `query`; concurrent queries are fine.
    """

    def __init__(self, main: Segment, *, generation: int = 0, threads: int | None = None) -> None:
        self._main = main
        self._delta = empty_segment()
        self._tail = empty_segment()
        self.generation = generation
        self.threads = threads

    @classmethod
    def build(
        cls, rows: np.ndarray, ids: np.ndarray | None = None, *, generation: int = 0, threads: int | None = None
    ) -> PdqIndex:
        """Index (N, 32) uint8 rows; ids default to 0..N-1 (row numbers)."""
        checked = as_rows(rows)
        entry_ids = _entry_ids(ids, checked.shape[0], first=0)
        return cls(build_segment(checked, entry_ids, threads), generation=generation, threads=threads)

    @classmethod
    def empty(cls, *, generation: int = 0) -> PdqIndex:
        return cls(empty_segment(), generation=generation)

    @classmethod
    def from_hex(cls, hashes: Iterable[str], ids: np.ndarray | None = None, *, generation: int = 0) -> PdqIndex:
        return cls.build(hex_to_rows(hashes), ids, generation=generation)

    @classmethod
    def open(cls, path: str | Path, *, verify: bool = False, threads: int | None = None) -> PdqIndex:
        """Map a saved index read-only; ``verify`` also re-hashes every byte and checks every table entry.

        Without ``verify`` opening reads only the header and bucket bounds, so it stays well under a second at
        10M entries; the store decides staleness from `read_info` (count, generation, fingerprint).
        """
        segment, info = read_index(Path(path))
        if verify:
            verify_payload(Path(path), segment)
            check_tables(segment)
        return cls(segment, generation=info.generation, threads=threads)

    @staticmethod
    def read_info(path: str | Path) -> PdqIndexInfo:
        """Header of a saved index without mapping its arrays."""
        return read_info(Path(path))

    def __len__(self) -> int:
        return self._main.size + self._delta.size + self._tail.size

    @property
    def pending(self) -> int:
        """Entries added since build or open, searched from memory until the next `save` or `merge`."""
        return self._delta.size + self._tail.size

    def fingerprint(self) -> str:
        """SHA-256 of every (row, id) in index order; what `save` records in the header."""
        return content_fingerprint(self._segments())

    def add(self, rows: np.ndarray, ids: np.ndarray | None = None) -> None:
        """Add entries without rebuilding the main tables; ids default to the next row numbers."""
        checked = as_rows(rows)
        entry_ids = _entry_ids(ids, checked.shape[0], first=len(self))
        tail_rows = np.concatenate([self._tail.rows, checked])
        tail_ids = np.concatenate([self._tail.ids, entry_ids])
        if tail_rows.shape[0] <= _TAIL_LIMIT:
            self._tail = linear_segment(tail_rows, tail_ids)
            return
        self._delta = build_segment(
            np.concatenate([self._delta.rows, tail_rows]), np.concatenate([self._delta.ids, tail_ids]), self.threads
        )
        self._tail = empty_segment()

    def with_added(self, rows: np.ndarray, ids: np.ndarray | None = None) -> PdqIndex:
        """A new index holding this one's entries and ``rows``; this one is left as it was.

        The segments are immutable and shared, so a server can build the next index beside the one it is
        answering from and swap them in one assignment: queries running on the old one are never disturbed.
        """
        other = copy.copy(self)
        other.add(rows, ids)
        return other

    def add_hex(self, hashes: Iterable[str], ids: np.ndarray | None = None) -> None:
        self.add(hex_to_rows(hashes), ids)

    def merge(self) -> None:
        """Rebuild one main segment from everything (in memory); `save` does this implicitly."""
        if self.pending:
            segments = self._segments()
            rows = np.concatenate([segment.rows for segment in segments])
            ids = np.concatenate([segment.ids for segment in segments])
            self._main = build_segment(rows, ids, self.threads)
            self._delta, self._tail = empty_segment(), empty_segment()

    def save(self, path: str | Path, *, generation: int | None = None) -> PdqIndexInfo:
        """Write all entries as one segment (atomically); ``generation`` is the caller's version number."""
        self.merge()
        if generation is not None:
            self.generation = generation
        info = PdqIndexInfo(len(self), self.generation, self.fingerprint())
        write_index(Path(path), self._main, info)
        return info

    def query(self, rows: np.ndarray, threshold: int | np.ndarray = 31) -> PdqMatches:
        """All entries within ``threshold`` bits of each (Q, 32) uint8 query row.

        ``threshold`` is one int or a (Q,) array of per-query maxima, each 0..256.
        """
        queries = as_rows(rows)
        thresholds = _thresholds(threshold, queries.shape[0])
        words = queries.view("<u8")
        hits = [self._search(segment, words, thresholds) for segment in self._segments()]
        query_index = np.concatenate([h[0] for h in hits])
        entry_ids = np.concatenate([h[1] for h in hits])
        distances = np.concatenate([h[2] for h in hits])
        order = np.lexsort((entry_ids, distances, query_index))
        counts = np.bincount(query_index, minlength=queries.shape[0])
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return PdqMatches(offsets, entry_ids[order], distances[order])

    def query_hex(self, hashes: Iterable[str], threshold: int = 31) -> list[list[tuple[int, int]]]:
        """Convenience for hex strings: per hash, its (entry_id, distance) pairs."""
        return self.query(hex_to_rows(hashes), threshold).to_lists()

    def search(self, queries: np.ndarray, threshold: int) -> list[list[tuple[int, int]]]:
        """Same answers as `BruteForcePdqIndex.search`, so either can stand behind the matcher."""
        return self.query(np.asarray(queries, dtype=np.uint8).reshape(-1, 32), threshold).to_lists()

    def _segments(self) -> list[Segment]:
        return [self._main, self._delta, self._tail]

    def _search(
        self, segment: Segment, words: np.ndarray, thresholds: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        query_index, positions, distances = search_segment(segment, words, thresholds, self.threads)
        return query_index.astype(np.int64), segment.ids[positions], distances


def _entry_ids(ids: np.ndarray | None, count: int, first: int) -> np.ndarray:
    if ids is None:
        return np.arange(first, first + count, dtype=np.int64)
    array = np.asarray(ids)
    if array.shape != (count,) or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"ids must be {count} integers, got shape {array.shape} of {array.dtype}")
    return array.astype(np.int64)


def _thresholds(threshold: int | np.ndarray, count: int) -> np.ndarray:
    array = np.asarray(threshold)
    if not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"threshold must be an integer or integer array, got {array.dtype}")
    if array.ndim == 0:
        array = np.full(count, int(array))
    if array.shape != (count,):
        raise ValueError(f"threshold array must have shape ({count},), got {array.shape}")
    if count and (array.min() < 0 or array.max() > MAX_THRESHOLD):
        raise ValueError(f"threshold must be between 0 and {MAX_THRESHOLD}")
    return array.astype(np.int32)
