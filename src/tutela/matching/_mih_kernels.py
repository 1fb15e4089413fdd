"""The multi-index kernels for building and searching one segment, compiled from ``_mih.c`` at install time.

A thin layer over the C extension: it checks dtypes and turns the kernel's result buffers into arrays. The
kernels were numba functions until a fresh `tutela lookup` was measured spending ~1 s in numba's import and
first-call start-up for a 0.25 s search; compiled ahead, they load in about a millisecond. The algorithm and
its memory-access passes are unchanged (see ``_mih.c``).
"""

from __future__ import annotations

import numpy as np

from tutela.errors import ConfigurationError

try:
    from tutela.matching import _mih
except ImportError as error:  # an install that skipped `pip install -e .` (scripts/setup) or failed to compile
    raise ConfigurationError(
        f"tutela's compiled PDQ index kernels are missing ({error}): run scripts/setup, which builds them "
        "(it needs gcc and python3-dev)"
    ) from None


def build_part(words: np.ndarray, start: int, width: int, order: np.ndarray, offsets: np.ndarray) -> None:
    """Counting sort of entry positions by one part's key: fills ``order`` (N,) int32 and ``offsets``
    (2^width + 1,) uint32 in place. Drops the GIL."""
    if order.dtype != np.int32 or offsets.dtype != np.uint32:
        raise TypeError("order must be int32 and offsets uint32")
    _mih.build_part(np.ascontiguousarray(words, dtype="<u8"), int(start), int(width), order, offsets)


def search(words: np.ndarray, bounds: np.ndarray, orders: np.ndarray, offsets: np.ndarray, offset_base: np.ndarray,
           masks: np.ndarray, mask_counts: np.ndarray, queries: np.ndarray, thresholds: np.ndarray,
           linear_ratio: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All (query, row, distance) with distance <= thresholds[query], in query order. Drops the GIL.

    A query whose cheapest probe plan would touch more than entries / linear_ratio candidates is answered by a
    linear scan instead: a sequential scan beats that many random reads.
    """
    query, row, distance = _mih.search(
        np.ascontiguousarray(words, dtype="<u8"), np.ascontiguousarray(bounds, dtype=np.int32),
        np.ascontiguousarray(orders, dtype=np.int32), np.ascontiguousarray(offsets, dtype=np.uint32),
        np.ascontiguousarray(offset_base, dtype=np.int64), np.ascontiguousarray(masks, dtype=np.uint32),
        np.ascontiguousarray(mask_counts, dtype=np.int64), np.ascontiguousarray(queries, dtype="<u8"),
        np.ascontiguousarray(thresholds, dtype=np.int32), float(linear_ratio),
    )
    return np.frombuffer(query, np.int32), np.frombuffer(row, np.int64), np.frombuffer(distance, np.int16)
