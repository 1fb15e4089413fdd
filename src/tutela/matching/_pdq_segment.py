"""One immutable run of PDQ entries with its multi-index tables, in memory or mapped from a file.

An index is a few segments searched together: the big main one (usually mapped read-only and shared by
worker processes), an in-memory one for entries added since, and a small linear tail. Keeping segments
immutable is what lets many processes share one mapped copy without locks.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from tutela.matching._mih_plan import part_bounds, probe_masks

# A query whose best probe plan would touch more than entries / _LINEAR_RATIO candidates scans instead:
# a sequential XOR-popcount pass costs about a tenth of a random candidate read.
_LINEAR_RATIO = 10.0
_QUERIES_PER_TASK = 256


@dataclass(frozen=True)
class Segment:
    """Rows and ids of N entries plus, per part, entry positions sorted by part key and bucket offsets."""

    rows: np.ndarray  # (N, 32) uint8
    ids: np.ndarray  # (N,) int64
    bounds: np.ndarray  # (m + 1,) int32 bit boundaries; empty for a linear segment
    orders: np.ndarray  # (m, N) int32
    offsets: np.ndarray  # (sum of 2^width_i + 1,) uint32, bucket starts of every part, concatenated

    @property
    def size(self) -> int:
        return int(self.rows.shape[0])

    @property
    def words(self) -> np.ndarray:
        return self.rows.view("<u8")

    def offset_base(self) -> np.ndarray:
        """Where each part's bucket offsets start inside ``offsets``."""
        sizes = (1 << np.diff(self.bounds).astype(np.int64)) + 1
        return np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)


def offsets_length(bounds: np.ndarray) -> int:
    """Length of the concatenated bucket-offset array for these part boundaries."""
    return int(((1 << np.diff(bounds).astype(np.int64)) + 1).sum())


def empty_segment() -> Segment:
    return linear_segment(np.zeros((0, 32), np.uint8), np.zeros(0, np.int64))


def linear_segment(rows: np.ndarray, ids: np.ndarray) -> Segment:
    """A segment without tables, searched by a linear scan: for small additions, built instantly."""
    bounds = np.zeros(0, np.int32)
    return Segment(rows, ids, bounds, np.zeros((0, rows.shape[0]), np.int32), np.zeros(0, np.uint32))


def build_segment(rows: np.ndarray, ids: np.ndarray, threads: int | None = None) -> Segment:
    """Build the tables for ``rows``; parts are sorted in parallel threads (the kernel drops the GIL)."""
    from tutela.matching import _mih_kernels as kernels

    rows = np.ascontiguousarray(rows, dtype=np.uint8)
    bounds = part_bounds(rows.shape[0])
    parts = max(0, bounds.shape[0] - 1)
    orders = np.empty((parts, rows.shape[0]), dtype=np.int32)
    offsets = np.empty(offsets_length(bounds), dtype=np.uint32)
    segment = Segment(rows, np.ascontiguousarray(ids, dtype=np.int64), bounds, orders, offsets)
    base = segment.offset_base()
    words = segment.words

    def build(part: int) -> None:
        start, width = int(bounds[part]), int(bounds[part + 1] - bounds[part])
        view = offsets[base[part] : base[part] + (1 << width) + 1]
        kernels.build_part(words, start, width, orders[part], view)

    with ThreadPoolExecutor(max_workers=_thread_count(threads)) as pool:
        list(pool.map(build, range(parts)))
    return segment


def search_segment(
    segment: Segment, words: np.ndarray, thresholds: np.ndarray, threads: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(query index, row, distance) of every entry within each query's threshold, in query order."""
    from tutela.matching import _mih_kernels as kernels

    if segment.size == 0 or words.shape[0] == 0:
        return np.zeros(0, np.int32), np.zeros(0, np.int64), np.zeros(0, np.int16)
    masks, mask_counts = probe_masks(segment.bounds)
    args = (segment.words, segment.bounds, segment.orders, segment.offsets, segment.offset_base(), masks, mask_counts)

    def run(start: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        stop = start + _QUERIES_PER_TASK
        q, row, dist = kernels.search(*args, words[start:stop], thresholds[start:stop], _LINEAR_RATIO)
        return q + start, row, dist

    starts = range(0, words.shape[0], _QUERIES_PER_TASK)
    workers = min(_thread_count(threads), len(starts))
    if workers == 1:
        chunks = [run(start) for start in starts]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            chunks = list(pool.map(run, starts))
    return tuple(np.concatenate(parts) for parts in zip(*chunks, strict=True))  # type: ignore[return-value]


def _thread_count(threads: int | None) -> int:
    return max(1, threads if threads is not None else (os.cpu_count() or 1))
