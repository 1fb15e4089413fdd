"""Library import rate and `tutela lookup` end to end, against faiss flat in-process, in one run.

Corpus: a generated CSV of N synthetic entries (random MD5, SHA-1, SHA-256 and PDQ, grades A/B/C at random).

    .venv/bin/python bench/library.py [--rows 1000000] [--queries 2000]

Prints: import rows/s into SQLite (the whole `library import` use case: read, validate, insert), its CPU seconds
and peak RSS;
re-import rows/s (everything already present); then 2,000 PDQ look-ups as `tutela lookup --json` in a fresh
process (start-up, opening the store and the memory-mapped index, matching, JSON out; the index is built once
beforehand, as after any import) against faiss IndexBinaryFlat.range_search over the same hashes in-process
(index already built, search only), and the ratio, in wall seconds (the target) and in CPU seconds (steadier when
other work shares the machine), and the load average.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
THRESHOLD = 31
TIME = "/usr/bin/time"  # GNU time (Debian package time)
PEAK_MB: list[float] = []  # peak RSS of each tutela command run, in order


def write_csv(path: Path, rows: int, rng: np.random.Generator) -> np.ndarray:
    pdqs = rng.integers(0, 256, size=(rows, 32), dtype=np.uint8)
    digests = rng.integers(0, 256, size=(rows, 68), dtype=np.uint8)
    grades = rng.choice(np.array(["A", "B", "C"]), size=rows)
    with path.open("w") as handle:
        handle.write("md5,sha1,sha256,pdq,category\n")
        for i in range(rows):
            d = digests[i].tobytes().hex()
            handle.write(f"{d[:32]},{d[32:72]},{d[72:136]},{pdqs[i].tobytes().hex()},{grades[i]}\n")
    return pdqs


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def tutela(home: Path, *args: str, stdin: bytes | None = None) -> tuple[float, bytes, float]:
    """(wall seconds, stdout, CPU seconds of the command and its own child processes)."""
    env = {**os.environ, "TUTELA_HOME": str(home)}
    cpu, started = children_cpu(), time.perf_counter()
    # Through GNU time: a child forked from this (large) process would report this process's size as its own
    # peak (Linux keeps ru_maxrss across exec); time is small, and says the peak of the command's processes.
    done = subprocess.run([TIME, "-f", "%M", str(ROOT / ".venv" / "bin" / "tutela"), *args], input=stdin, env=env,
                          capture_output=True, check=True)
    PEAK_MB.append(int(done.stderr.decode().strip().splitlines()[-1]) / 1024)
    return time.perf_counter() - started, done.stdout, children_cpu() - cpu


def queries_near(pdqs: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Half a stored hash with 0-31 bits flipped, half random."""
    near = pdqs[rng.integers(0, len(pdqs), count // 2)].copy()
    bits = np.unpackbits(near, axis=1)
    for row, flips in zip(bits, rng.integers(0, 32, len(near)), strict=True):
        row[rng.choice(256, flips, replace=False)] ^= 1
    return np.vstack([np.packbits(bits, axis=1), rng.integers(0, 256, (count - len(near), 32), dtype=np.uint8)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=2000)
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory(prefix="tutela-bench-library-") as work:
        home, csv = Path(work) / "home", Path(work) / "library.csv"
        pdqs = write_csv(csv, args.rows, rng)
        print(f"corpus: {args.rows:,} synthetic CSV rows ({csv.stat().st_size / 1e6:.0f} MB): md5, sha1, sha256, pdq, "
              "category; SQLite store (WAL)")
        tutela(home, "library", "add-bank", "bench", "--trust", "trusted")
        seconds, _, cpu = tutela(home, "library", "import", str(csv), "--bank", "bench")
        peak = PEAK_MB[-1]
        print(f"import     {args.rows / seconds:10,.0f} rows/s  ({seconds:.1f} s, {cpu:.1f} s CPU in the parser and "
              f"inserter processes, peak RSS {peak:.0f} MB)  (target >= 100,000 rows/s)")
        seconds, _, cpu = tutela(home, "library", "import", str(csv), "--bank", "bench")
        print(f"re-import  {args.rows / seconds:10,.0f} rows/s  ({seconds:.1f} s, {cpu:.1f} s CPU, nothing added)")

        queries = queries_near(pdqs, args.queries, rng)
        stdin = "".join(f"pdq:{q.tobytes().hex()}\n" for q in queries).encode()
        build, _, _ = tutela(home, "lookup", "--json", stdin=b"pdq:" + b"0" * 64 + b"\n")  # builds the indexes once
        runs = [tutela(home, "lookup", "--json", stdin=stdin) for _ in range(3)]
        ours, _, ours_cpu = min(runs)
        matched = sum(line.count(b'"hash_type":"pdq"') for line in runs[0][1].splitlines())
        faiss_seconds, faiss_matched, faiss_cpu = faiss_flat(pdqs, queries)
        print(f"\nindexes built from the store in {build:.1f} s (first look-up after the import)")
        print(f"tutela lookup, {args.queries} PDQ queries, whole process: {ours:.2f} s "
              f"({ours / args.queries * 1e3:.2f} ms/query; {ours_cpu:.2f} s CPU), {matched} matches")
        print(f"faiss IndexBinaryFlat.range_search in-process, search only: {faiss_seconds:.2f} s "
              f"({faiss_cpu:.2f} s CPU), {faiss_matched} matches")
        print(f"ratio faiss / tutela: {faiss_seconds / ours:.1f}x  (target >= 2x); in CPU seconds "
              f"{faiss_cpu / ours_cpu:.1f}x")
        print("load average (1, 5, 15 min) at the end: " + ", ".join(f"{v:.1f}" for v in os.getloadavg()))


def faiss_flat(pdqs: np.ndarray, queries: np.ndarray) -> tuple[float, int, float]:
    """Best of 3: (wall seconds, matches, CPU seconds of that run, all threads)."""
    import faiss

    faiss.omp_set_num_threads(os.cpu_count() or 1)
    index = faiss.IndexBinaryFlat(256)
    index.add(pdqs)
    best, best_cpu = float("inf"), 0.0
    for _ in range(3):
        cpu, started = time.process_time(), time.perf_counter()
        limits, _, _ = index.range_search(queries, THRESHOLD + 1)  # faiss: distance < radius
        if time.perf_counter() - started < best:
            best, best_cpu = time.perf_counter() - started, time.process_time() - cpu
    return best, int(limits[-1]), best_cpu


if __name__ == "__main__":
    sys.exit(main())
