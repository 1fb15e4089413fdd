"""How a multi-index segment splits the 256 bits, and the XOR masks that enumerate nearby part keys.

Multi-index hashing (Norouzi et al.) cuts each hash into m parts and keeps one table per part. With the
generalised pigeonhole principle (Qin et al., GPH) a query may give each part its own radius r_i in
{-1, 0, 1, ...} (-1: not probed): if sum(r_i) >= t - m + 1 and every part differs by more than r_i bits,
the whole hash differs by at least sum(r_i + 1) >= t + 1 bits, so probing every part within r_i bits
finds every entry within t bits. The radii are chosen per query from the real bucket sizes, which is what
keeps skewed data (near-blank hashes, near-duplicate clusters) from swamping the search.
"""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np

HASH_BITS = 256
MAX_RADIUS = 3
MIN_INDEXED_ENTRIES = 4096
_MIN_PART_BITS = 12
_MAX_PART_BITS = 24


def part_bounds(entries: int) -> np.ndarray:
    """Bit boundaries (m + 1 values) for a segment of ``entries`` hashes; empty for a linear segment.

    Parts of about log2(N) bits leave about one entry per bucket, the MIH optimum; below a few thousand
    entries a linear scan is faster than any table and needs no memory.
    """
    if entries < MIN_INDEXED_ENTRIES:
        return np.zeros(0, dtype=np.int32)
    bits = min(_MAX_PART_BITS, max(_MIN_PART_BITS, round(math.log2(entries))))
    parts = math.ceil(HASH_BITS / bits)
    return np.array([round(i * HASH_BITS / parts) for i in range(parts + 1)], dtype=np.int32)


def probe_masks(bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """XOR masks per part ordered by popcount, and per part the count of masks of popcount <= r.

    Cached per layout: every search of a segment needs them and they never change. Returns ``masks``
    (m, L) uint32 and ``counts`` (m, MAX_RADIUS + 1) int64; the probes of part i at radius r are
    ``masks[i, :counts[i, r]]``.
    """
    return _probe_masks(tuple(int(b) for b in bounds))


@functools.lru_cache(maxsize=16)
def _probe_masks(bounds: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    widths = [stop - start for start, stop in itertools.pairwise(bounds)]
    per_width = {width: _masks_for_width(width) for width in set(widths)}
    longest = max((len(m) for m, _ in per_width.values()), default=0)
    masks = np.zeros((len(widths), longest), dtype=np.uint32)
    counts = np.zeros((len(widths), MAX_RADIUS + 1), dtype=np.int64)
    for part, width in enumerate(widths):
        values, cumulative = per_width[width]
        masks[part, : len(values)] = values
        counts[part] = cumulative
    return masks, counts


def _masks_for_width(width: int) -> tuple[np.ndarray, np.ndarray]:
    values: list[int] = []
    cumulative: list[int] = []
    for radius in range(MAX_RADIUS + 1):
        for bits in itertools.combinations(range(width), radius):
            values.append(sum(1 << bit for bit in bits))
        cumulative.append(len(values))
    return np.array(values, dtype=np.uint32), np.array(cumulative, dtype=np.int64)
