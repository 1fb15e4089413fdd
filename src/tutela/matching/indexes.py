"""The indexes behind matching, kept in TUTELA_HOME/indexes and rebuilt from the store when stale."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tutela.matching.brute import BruteForcePdqIndex
from tutela.matching.digest_index import DigestIndex, DigestIndexError
from tutela.matching.matcher import blank_like


def open_or_build(folder: Path, store) -> tuple[DigestIndex, BruteForcePdqIndex]:
    generation = store.generation()
    digests_folder = folder / "digests"
    try:
        exact = DigestIndex.open(digests_folder)
        if exact.generation != generation:
            raise DigestIndexError("stale")
    except DigestIndexError:
        exact = DigestIndex.build(store.digest_rows(), generation)
        exact.save(digests_folder)
    return exact, build_near_index(store)


def build_near_index(store) -> BruteForcePdqIndex:
    ids, hashes = [], []
    for entry_id, pdq, _bank in store.pdq_rows():
        if not blank_like(pdq.hex()):  # blank-like library hashes would match every blank picture
            ids.append(entry_id)
            hashes.append(np.frombuffer(pdq, dtype=np.uint8))
    stacked = np.stack(hashes) if hashes else np.zeros((0, 32), dtype=np.uint8)
    return BruteForcePdqIndex(np.asarray(ids, dtype=np.int64), stacked)
