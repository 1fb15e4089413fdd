"""The indexes behind matching, kept in TUTELA_HOME/indexes and rebuilt from the store when stale.

Each index file records the library generation it was built from; the store bumps the generation whenever
banks or entries change, so a stale or missing index is rebuilt before it answers, never used.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tutela.matching.digest_index import DIGEST_LENGTHS, DigestIndex, DigestIndexError, DigestTable
from tutela.matching.matcher import BLANK_DISTANCE, MAX_BITS_SET, MIN_BITS_SET, flat_picture_hashes

PDQ_FILE = "pdq.idx"


def open_or_build(folder: Path, store):
    """(digest index, PDQ index) at the store's current generation."""
    generation = store.generation()
    return _digest_index(folder / "digests", store, generation), _pdq_index(folder / PDQ_FILE, store, generation)


def open_current(folder: Path, generation: int):
    """(digest index, PDQ index) when both files are at ``generation``, else None (the caller rebuilds them)."""
    from tutela.matching.pdq_index import IndexFormatError, PdqIndex

    try:
        exact = DigestIndex.open(folder / "digests")
        if exact.generation != generation or PdqIndex.read_info(folder / PDQ_FILE).generation != generation:
            return None
        return exact, PdqIndex.open(folder / PDQ_FILE)
    except (DigestIndexError, IndexFormatError, OSError):
        return None


def _digest_index(folder: Path, store, generation: int) -> DigestIndex:
    try:
        exact = DigestIndex.open(folder)
        if exact.generation == generation:
            return exact
    except DigestIndexError:
        pass
    columns = store.hash_columns(tuple(DIGEST_LENGTHS))
    exact = DigestIndex({name: DigestTable.from_arrays(*columns[name].arrays(width))
                         for name, width in DIGEST_LENGTHS.items()}, generation)
    exact.save(folder)
    return exact


def _pdq_index(path: Path, store, generation: int):
    from tutela.matching.pdq_index import IndexFormatError, PdqIndex

    try:
        if PdqIndex.read_info(path).generation == generation:
            return PdqIndex.open(path)
    except (IndexFormatError, OSError):
        pass  # missing, damaged or of another version: rebuilt below
    index = build_near_index(*pdq_rows(store), generation=generation)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    index.save(partial, generation=generation)
    partial.replace(path)  # readers see the old file or the new one, never half of one
    return PdqIndex.open(path)


def build_near_index(ids: np.ndarray, rows: np.ndarray, generation: int):
    """A PDQ index of the rows that may be near-matched: blank-like hashes (see matcher.blank_like) left out,
    since they would match every blank picture."""
    from tutela.matching.pdq_index import PdqIndex

    bits = np.bitwise_count(np.ascontiguousarray(rows).view(np.uint64)).sum(axis=1)
    keep = (bits >= MIN_BITS_SET) & (bits <= MAX_BITS_SET)
    ids, rows = ids[keep], rows[keep]
    index = PdqIndex.build(rows, ids, generation=generation)
    flats = np.stack([np.frombuffer(f.to_bytes(32, "big"), dtype=np.uint8) for f in flat_picture_hashes()])
    # A few hundred flat-picture hashes looked up in the index itself: cheap even at 10M entries. A library
    # rarely holds one, so the index is built a second time only when it does.
    near_flat = {entry for hits in index.search(flats, BLANK_DISTANCE) for entry, _ in hits}
    if near_flat:
        keep = ~np.isin(ids, np.fromiter(near_flat, dtype=np.int64))
        index = PdqIndex.build(rows[keep], ids[keep], generation=generation)
    return index


def pdq_rows(store) -> tuple[np.ndarray, np.ndarray]:
    """Entry ids and PDQ rows of every library entry with a PDQ."""
    return store.hash_columns(("pdq",))["pdq"].arrays(32)
