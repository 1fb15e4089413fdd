"""PDQ near-match index against faiss IndexBinaryFlat.range_search, measured in one run on the same queries.

For each corpus (uniform random; skewed: 15 % near-duplicate clusters, 5 % near-blank; the skewed one as a library is
indexed, blank-like hashes left out) and size it prints
build time, open-by-mmap time, ms per query on one core and on all cores, peak RSS of the building and of
the serving process, and recall against faiss flat (exact, so its result sets are the brute-force
reference). Queries: half a stored hash with 0-31 random bits flipped, half uniform random.

    .venv/bin/python bench/match.py --sizes 1000000,10000000
    .venv/bin/python bench/match.py --quick

Building and serving run in child processes so each peak RSS is the index's own, not the benchmark's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from tutela.matching import pdq_synthetic
from tutela.matching.matcher import MAX_BITS_SET, MIN_BITS_SET

THRESHOLD = 31
CORPORA = {
    "uniform": "uniform random 256-bit hashes",
    "skewed": "80% uniform, 15% clusters of near-duplicates (1000 centres, <=24 bits), 5% near-blank (<=40 ones)",
    "skewed-as-indexed": "the skewed corpus as tutela indexes a library: blank-like hashes (< 48 or > 208 ones) "
                         "left out, as build_near_index does, since they would match every blank picture",
}


def main() -> None:
    args = _arguments()
    if args.child:
        _child(args.child, Path(args.work))
        return
    sizes = (
        [int(size) for size in args.sizes.split(",")]
        if args.sizes
        else ([1_000_000] if args.quick else [1_000_000, 10_000_000])
    )
    queries = args.queries or (200 if args.quick else 2000)
    print(f"PDQ near-match index vs faiss IndexBinaryFlat.range_search, threshold {THRESHOLD}, {queries} queries")
    print(f"machine: {os.cpu_count()} cores; queries: half near a stored hash (0-31 bits flipped), half random")
    for corpus in CORPORA:
        for size in sizes:
            with tempfile.TemporaryDirectory(prefix="tutela-bench-") as work:
                _measure(corpus, size, queries, Path(work))


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", help="comma-separated corpus sizes (default 1000000,10000000)")
    parser.add_argument("--quick", action="store_true", help="1M only and 200 queries")
    parser.add_argument("--queries", type=int, help="number of queries (default 2000, 200 with --quick)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    return parser.parse_args()


def _measure(corpus: str, size: int, count: int, work: Path) -> None:
    rng = np.random.default_rng(size + len(corpus))
    rows = pdq_synthetic.uniform(size, rng) if corpus == "uniform" else pdq_synthetic.skewed(size, rng)
    if corpus == "skewed-as-indexed":
        bits = np.bitwise_count(rows.view(np.uint64)).sum(axis=1)
        rows = rows[(bits >= MIN_BITS_SET) & (bits <= MAX_BITS_SET)]
    queries = pdq_synthetic.mixed_queries(rows, count, rng)
    np.save(work / "rows.npy", rows)
    np.save(work / "queries.npy", queries)
    built = _run_child("build", work)
    served = _run_child("serve", work)
    ours = np.load(work / "matches.npz")
    del rows
    flat = _faiss(work, count)
    recall, extra = _compare(ours, flat["sets"])
    print(f"\n== {corpus} ({CORPORA[corpus]}), {size:,} hashes made, {built['rows']:,} indexed ==")
    print(
        f"  build {built['seconds']:.1f} s, peak RSS while building {built['rss_mb']:.0f} MB; "
        f"file {built['file_mb']:.0f} MB"
    )
    print(f"  open by mmap {served['open_ms']:.1f} ms; peak RSS serving {served['rss_mb']:.0f} MB")
    print(f"  matches: {flat['found']:,} in total; recall vs faiss {recall:.6f}, extra {extra}")
    for threads in (1, os.cpu_count() or 1):
        mine, theirs = served[f"ms_{threads}"], flat[f"ms_{threads}"]
        clock = "CPU time" if threads == 1 else "wall time"
        print(
            f"  {threads} thread(s), {clock}: index {mine:.4f} ms/query, faiss flat {theirs:.3f} ms/query, "
            f"index is {theirs / mine:.1f}x faster"
        )


def _run_child(role: str, work: Path) -> dict:
    command = [sys.executable, __file__, "--child", role, "--work", str(work)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.splitlines()[-1])


def _child(role: str, work: Path) -> None:
    from tutela.matching.pdq_index import PdqIndex

    if role == "build":
        rows = np.load(work / "rows.npy")
        started = time.perf_counter()
        index = PdqIndex.build(rows)
        index.save(work / "pdq.idx")
        seconds = time.perf_counter() - started
        print(
            json.dumps(
                {"seconds": seconds, "rss_mb": _peak_rss_mb(), "rows": len(rows),
                 "file_mb": (work / "pdq.idx").stat().st_size / 2**20}
            )
        )
        return
    queries = np.load(work / "queries.npy")
    started = time.perf_counter()
    index = PdqIndex.open(work / "pdq.idx")
    result: dict = {"open_ms": (time.perf_counter() - started) * 1e3}
    index.query(queries[:8], THRESHOLD)  # first touch of the mapped file
    for threads in (1, os.cpu_count() or 1):
        index.threads = threads
        started, cpu = time.perf_counter(), time.process_time()
        matches = index.query(queries, THRESHOLD)
        result[f"ms_{threads}"] = _elapsed(threads, started, cpu) * 1e3 / len(queries)
    np.savez(work / "matches.npz", offsets=matches.offsets, ids=matches.entry_ids)
    result["rss_mb"] = _peak_rss_mb()
    print(json.dumps(result))


def _faiss(work: Path, count: int) -> dict:
    import faiss

    rows, queries = np.load(work / "rows.npy"), np.load(work / "queries.npy")
    flat = faiss.IndexBinaryFlat(256)
    flat.add(rows)
    result: dict = {}
    flat.range_search(queries[:8], THRESHOLD + 1)  # first call pays page faults and thread start-up
    for threads in (1, os.cpu_count() or 1):
        faiss.omp_set_num_threads(threads)
        started, cpu = time.perf_counter(), time.process_time()
        limits, _distances, labels = flat.range_search(queries, THRESHOLD + 1)  # faiss: distance < radius
        result[f"ms_{threads}"] = _elapsed(threads, started, cpu) * 1e3 / count
    result["sets"] = [set(labels[limits[q] : limits[q + 1]].tolist()) for q in range(count)]
    result["found"] = int(limits[-1])
    return result


def _compare(ours: np.lib.npyio.NpzFile, reference: list[set]) -> tuple[float, int]:
    offsets, ids = ours["offsets"], ours["ids"]
    hit = extra = 0
    for q, expected in enumerate(reference):
        got = set(ids[offsets[q] : offsets[q + 1]].tolist())
        hit += len(got & expected)
        extra += len(got - expected)
    total = sum(len(expected) for expected in reference)
    return (hit / total if total else 1.0), extra


def _elapsed(threads: int, started: float, cpu: float) -> float:
    """One thread: CPU seconds, which other work on a shared machine does not inflate; more: wall seconds."""
    return time.process_time() - cpu if threads == 1 else time.perf_counter() - started


def _peak_rss_mb() -> float:
    """This process's own peak (VmHWM): Linux keeps ru_maxrss across exec, so a child started from a large
    benchmark process would report the benchmark's size instead of its own."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
