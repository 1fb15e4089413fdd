"""The PDQ index against brute force: exact recall on random, clustered and near-blank sets."""

from __future__ import annotations

import numpy as np
import pytest

from tutela.matching import pdq_index, pdq_synthetic
from tutela.matching.pdq_codes import rows_to_hex
from tutela.matching.pdq_index import IndexFormatError, PdqIndex

THRESHOLDS = (0, 10, 31)


def brute_force(rows: np.ndarray, ids: np.ndarray, queries: np.ndarray, threshold: int) -> list[set]:
    out = []
    for query in queries:
        distances = np.bitwise_count(rows ^ query).sum(axis=1)
        hits = np.flatnonzero(distances <= threshold)
        out.append({(int(ids[i]), int(distances[i])) for i in hits})
    return out


def assert_exact(index: PdqIndex, rows: np.ndarray, ids: np.ndarray, queries: np.ndarray, threshold) -> int:
    matches = index.query(queries, threshold)
    per_query = np.broadcast_to(np.asarray(threshold), (len(queries),))
    found = 0
    for q in range(len(queries)):
        got = matches.for_query(q)
        assert len(got) == len(set(got)), "a match is reported twice"
        assert set(got) == brute_force(rows, ids, queries[q : q + 1], int(per_query[q]))[0]
        assert got == sorted(got, key=lambda pair: (pair[1], pair[0]))
        found += len(got)
    return found


def corpus(kind: str, count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "uniform":
        return pdq_synthetic.uniform(count, rng)
    if kind == "clustered":
        return pdq_synthetic.clustered(count, rng, centres=40)
    if kind == "near-blank":
        half = pdq_synthetic.near_blank(count // 2, rng)
        return np.concatenate([half, pdq_synthetic.uniform(count - count // 2, rng)])
    return pdq_synthetic.skewed(count, rng)


@pytest.fixture(scope="module", params=["uniform", "clustered", "near-blank", "skewed"])
def indexed(request):
    rows = corpus(request.param, 60_000, seed=len(request.param))
    ids = np.random.default_rng(1).permutation(10 * len(rows))[: len(rows)].astype(np.int64)
    return rows, ids, PdqIndex.build(rows, ids)


@pytest.mark.parametrize("threshold", THRESHOLDS)
def test_recall_is_exact_against_brute_force(indexed, threshold):
    rows, ids, index = indexed
    queries = pdq_synthetic.mixed_queries(rows, 60, np.random.default_rng(threshold))
    found = assert_exact(index, rows, ids, queries, threshold)
    if threshold == 31:
        assert found >= 15  # half the queries sit within 0..31 bits of a stored row


@pytest.mark.parametrize("threshold", THRESHOLDS)
def test_entries_exactly_at_the_threshold_are_found(indexed, threshold):
    rows, ids, index = indexed
    rng = np.random.default_rng(100 + threshold)
    picked = rng.integers(0, len(rows), 40)
    queries = pdq_synthetic.flip_bits(rows[picked], np.full(40, threshold), rng, exact=True)
    matches = index.query(queries, threshold)
    for q, row in enumerate(picked):
        assert (int(ids[row]), threshold) in matches.for_query(q)
    assert_exact(index, rows, ids, queries, threshold)


def test_per_query_thresholds(indexed):
    rows, ids, index = indexed
    queries = pdq_synthetic.mixed_queries(rows, 40, np.random.default_rng(7))
    assert_exact(index, rows, ids, queries, np.arange(40) % 32)


def test_large_threshold_falls_back_to_a_scan_and_stays_exact():
    rows = corpus("near-blank", 20_000, seed=3)
    index = PdqIndex.build(rows)
    queries = pdq_synthetic.mixed_queries(rows, 10, np.random.default_rng(3))
    assert_exact(index, rows, np.arange(len(rows)), queries, 70)


def test_near_blank_query_finds_every_near_blank_entry():
    rows = corpus("near-blank", 20_000, seed=4)
    index = PdqIndex.build(rows)
    zero = np.zeros((1, 32), np.uint8)
    assert assert_exact(index, rows, np.arange(len(rows)), zero, 31) > 5_000


def test_small_sets_are_scanned_linearly_and_exact():
    rows = corpus("uniform", 500, seed=5)
    index = PdqIndex.build(rows)
    assert_exact(index, rows, np.arange(500), rows[:20], 31)


def test_empty_index_and_empty_batch():
    empty = PdqIndex.empty()
    assert len(empty) == 0
    assert empty.query(pdq_synthetic.uniform(3, np.random.default_rng(0)), 31).to_lists() == [[], [], []]
    index = PdqIndex.build(corpus("uniform", 5_000, seed=6))
    matches = index.query(np.zeros((0, 32), np.uint8), 31)
    assert len(matches) == 0 and matches.entry_ids.shape == (0,)


def test_hex_convenience_round_trips():
    rows = corpus("uniform", 5_000, seed=8)
    index = PdqIndex.from_hex(rows_to_hex(rows))
    assert index.query_hex(rows_to_hex(rows[:3]), 0) == [[(0, 0)], [(1, 0)], [(2, 0)]]
    assert index.search(rows[:2], 0) == [[(0, 0)], [(1, 0)]]


@pytest.mark.parametrize(
    "bad",
    ["", "0" * 63, "0" * 65, "A" * 64, "g" * 64, " " + "0" * 63, 42],
)
def test_bad_hex_is_a_value_error(bad):
    with pytest.raises(ValueError, match="PDQ hash #1"):
        PdqIndex.empty().query_hex(["0" * 64, bad])


def test_bad_thresholds_and_ids_are_value_errors():
    index = PdqIndex.build(corpus("uniform", 100, seed=9))
    queries = np.zeros((2, 32), np.uint8)
    for threshold in (-1, 257, np.array([1, 2, 3]), 1.5):
        with pytest.raises(ValueError, match="threshold"):
            index.query(queries, threshold)
    with pytest.raises(ValueError, match="ids"):
        PdqIndex.build(queries, np.array([1]))
    with pytest.raises(ValueError, match="shape"):
        index.query(np.zeros((2, 31), np.uint8), 1)


def test_entries_added_after_open_are_found(tmp_path, monkeypatch):
    monkeypatch.setattr(pdq_index, "_TAIL_LIMIT", 3_000)  # so additions also reach the indexed delta
    rng = np.random.default_rng(10)
    base, extra = corpus("clustered", 20_000, seed=10), corpus("skewed", 9_000, seed=11)
    PdqIndex.build(base).save(tmp_path / "pdq.idx", generation=3)
    index = PdqIndex.open(tmp_path / "pdq.idx")
    for start in range(0, len(extra), 2_000):
        index.add(extra[start : start + 2_000])
    assert len(index) == 29_000 and index.pending == 9_000
    rows = np.concatenate([base, extra])
    queries = pdq_synthetic.mixed_queries(extra, 40, rng)
    assert_exact(index, rows, np.arange(len(rows)), queries, 31)
    info = index.save(tmp_path / "pdq.idx")
    reopened = PdqIndex.open(tmp_path / "pdq.idx", verify=True)
    assert (info.count, info.generation, reopened.pending) == (29_000, 3, 0)
    assert_exact(reopened, rows, np.arange(len(rows)), queries, 31)


def test_save_open_round_trip_keeps_ids_generation_and_fingerprint(tmp_path):
    rows = corpus("skewed", 30_000, seed=12)
    ids = np.arange(len(rows), dtype=np.int64) * 7 - 5
    built = PdqIndex.build(rows, ids, generation=41)
    info = built.save(tmp_path / "pdq.idx")
    assert PdqIndex.read_info(tmp_path / "pdq.idx") == info
    assert (info.count, info.generation, info.fingerprint) == (30_000, 41, built.fingerprint())
    opened = PdqIndex.open(tmp_path / "pdq.idx", verify=True)
    assert opened.generation == 41 and opened.fingerprint() == info.fingerprint
    queries = pdq_synthetic.mixed_queries(rows, 30, np.random.default_rng(12))
    assert assert_exact(opened, rows, ids, queries, 31) >= 15


def test_empty_index_round_trip(tmp_path):
    PdqIndex.empty(generation=2).save(tmp_path / "empty.idx")
    opened = PdqIndex.open(tmp_path / "empty.idx", verify=True)
    assert len(opened) == 0 and opened.generation == 2


@pytest.fixture(scope="module")
def saved_bytes(tmp_path_factory):
    path = tmp_path_factory.mktemp("saved") / "pdq.idx"
    PdqIndex.build(corpus("uniform", 8_000, seed=13)).save(path)
    return path.read_bytes()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: data[:10], "truncated"),
        (lambda data: data[: len(data) // 2], "truncated"),
        (lambda data: b"", "empty"),
        (lambda data: b"NOTANIDX" + data[8:], "magic"),
        (lambda data: data[:8] + (99).to_bytes(4, "little") + data[12:], "version 99"),
        (lambda data: data[:30] + bytes([data[30] ^ 1]) + data[31:], "checksum"),
    ],
)
def test_damaged_files_raise_index_format_error(tmp_path, saved_bytes, damage, message):
    path = tmp_path / "damaged.idx"
    path.write_bytes(damage(saved_bytes))
    with pytest.raises(IndexFormatError, match=message):
        PdqIndex.open(path)


def test_corrupt_contents_are_caught_by_verify(tmp_path, saved_bytes):
    path = tmp_path / "flipped.idx"
    data = bytearray(saved_bytes)
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(IndexFormatError, match="corrupt"):
        PdqIndex.open(path, verify=True)


def test_missing_file_is_an_index_format_error(tmp_path):
    with pytest.raises(IndexFormatError, match="does not exist"):
        PdqIndex.open(tmp_path / "nowhere.idx")
    assert str(IndexFormatError("x")) == "x" and issubclass(IndexFormatError, Exception)
