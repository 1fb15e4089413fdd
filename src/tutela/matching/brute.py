"""Exhaustive PDQ search with numpy: the reference that the fast index is checked against."""

from __future__ import annotations

import numpy as np


class BruteForcePdqIndex:
    """Every query against every entry; exact by construction, linear in the bank size."""

    def __init__(self, ids: np.ndarray, hashes: np.ndarray) -> None:
        self.ids = np.asarray(ids, dtype=np.int64)
        self.hashes = np.ascontiguousarray(hashes, dtype=np.uint8).reshape(-1, 32)
        self.words = self.hashes.view(np.uint64)

    def search(self, queries: np.ndarray, threshold: int) -> list[list[tuple[int, int]]]:
        out = []
        for query in np.ascontiguousarray(queries, dtype=np.uint8).reshape(-1, 32):
            distances = np.bitwise_count(np.bitwise_xor(self.words, query.view(np.uint64))).sum(axis=1, dtype=np.int32)
            hits = np.flatnonzero(distances <= threshold)
            out.append([(int(self.ids[i]), int(distances[i])) for i in hits])
        return out

    def __len__(self) -> int:
        return len(self.ids)
