"""The compiled multi-index kernels (``_mih.c``) on their own: tables against numpy, search against brute force,
and arrays of the wrong size or with damaged contents refused or contained rather than read past their ends."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tutela.matching import _mih_kernels as kernels
from tutela.matching import pdq_synthetic
from tutela.matching._mih_plan import part_bounds, probe_masks
from tutela.matching._pdq_segment import build_segment


def _sets():
    rng = np.random.default_rng(5)
    return {
        "uniform": pdq_synthetic.uniform(10_000, rng),
        "skewed": pdq_synthetic.skewed(10_000, rng),
        "near-blank": pdq_synthetic.near_blank(10_000, rng),
    }


SETS = _sets()


def _part_keys(rows: np.ndarray, start: int, width: int) -> np.ndarray:
    bits = np.unpackbits(rows.view("<u8").view(np.uint8), axis=1, bitorder="little")[:, start:start + width]
    return (bits.astype(np.int64) << np.arange(width)).sum(axis=1)


@pytest.mark.parametrize("kind", sorted(SETS))
def test_part_tables_are_a_stable_sort_by_part_key(kind):
    rows = SETS[kind]
    bounds = part_bounds(len(rows))
    for start, stop in itertools.pairwise(bounds):
        width = int(stop - start)
        order = np.empty(len(rows), np.int32)
        offsets = np.empty((1 << width) + 1, np.uint32)
        kernels.build_part(rows.view("<u8"), int(start), width, order, offsets)
        keys = _part_keys(rows, int(start), width)
        assert order.tolist() == np.argsort(keys, kind="stable").tolist()
        assert offsets.tolist() == np.concatenate([[0], np.cumsum(np.bincount(keys, minlength=1 << width))]).tolist()


def _search(segment, queries, thresholds):
    masks, counts = probe_masks(segment.bounds)
    return kernels.search(segment.words, segment.bounds, segment.orders, segment.offsets, segment.offset_base(),
                          masks, counts, queries.view("<u8"), thresholds, 10.0)


@pytest.mark.parametrize("kind", sorted(SETS))
def test_search_reports_each_entry_within_its_query_threshold_once(kind):
    rows = SETS[kind]
    rng = np.random.default_rng(len(kind))
    near = pdq_synthetic.flip_bits(rows[rng.integers(0, len(rows), 80)], rng.integers(0, 40, 80), rng)
    queries = np.concatenate([near, pdq_synthetic.uniform(20, rng), np.zeros((2, 32), np.uint8)])
    thresholds = rng.integers(-1, 70, len(queries)).astype(np.int32)
    thresholds[-1] = 256  # everything: the linear scan
    segment = build_segment(rows, np.arange(len(rows), dtype=np.int64))
    query_of, row_of, distance_of = _search(segment, queries, thresholds)
    assert np.all(np.diff(query_of) >= 0), "answers come in query order"
    got = set(zip(query_of.tolist(), row_of.tolist(), distance_of.tolist(), strict=True))
    assert len(got) == len(query_of), "an entry is reported twice for one query"
    distances = np.bitwise_count(rows.view("<u8")[None, :, :] ^ queries.view("<u8")[:, None, :]).sum(axis=2)
    expected = {(q, r, int(distances[q, r])) for q, r in zip(*np.nonzero(distances <= thresholds[:, None]),
                                                             strict=True)}
    assert got == expected


def test_arrays_of_the_wrong_size_are_refused():
    rows = SETS["uniform"][:5000]
    segment = build_segment(rows, np.arange(len(rows), dtype=np.int64))
    masks, counts = probe_masks(segment.bounds)
    queries = rows[:3].view("<u8")
    good = [segment.words, segment.bounds, segment.orders, segment.offsets, segment.offset_base(), masks, counts,
            queries, np.full(3, 10, np.int32), 10.0]
    for position, shorter in [(2, segment.orders[:, :-1]), (8, np.full(2, 10, np.int32)), (6, counts[:, :0])]:
        arguments = list(good)
        arguments[position] = shorter
        with pytest.raises(ValueError):
            kernels.search(*arguments)
    with pytest.raises(ValueError):
        kernels.build_part(rows.view("<u8"), 0, 12, np.empty(len(rows) - 1, np.int32), np.empty(4097, np.uint32))


def test_damaged_tables_never_report_rows_outside_the_segment():
    rows = SETS["uniform"][:8000]
    segment = build_segment(rows, np.arange(len(rows), dtype=np.int64))
    segment.orders[:, ::7] = 2**31 - 1  # positions far past the end
    segment.offsets[::5] = 4_000_000_000  # bucket bounds past the end
    _, row_of, _ = _search(segment, rows[:50], np.full(50, 31, np.int32))
    assert row_of.size == 0 or (row_of.min() >= 0 and row_of.max() < len(rows))
