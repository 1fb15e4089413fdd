"""`tutela ingest` of a folder against `tutela hash` of the same files, and 2 workers against 1, in one run.

Corpus: ../shared/tools/photo-corpus (phone 12 MP and messaging-size JPEGs from public wallpaper photographs), read
once before timing so every run reads from the page cache. Each figure is the best of 3 whole-process runs; every
ingest uses a new exhibit of one case (exhibits of one case are not cross-linked) in one SQLite store, so nothing is
skipped as already done. Ingests make encrypted thumbnails (a fresh TUTELA_MEDIA_KEY), as an examiner's would.
The Dask figure runs `tutela ingest --scheduler` against a LocalCluster of N worker processes (1 thread each)
started before timing, as a standing cluster would be.

    .venv/bin/python bench/ingest.py [--corpus DIR] [--phone 60 --mid 0 --small 200] [--dask-workers 2]

Targets (issue 6): ingest >= 0.8x the rate of `tutela hash` alone on the same files; 2 workers >= 1.7x one;
Dask with N local workers >= 0.8 N x one local worker.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hash import ROOT, build_corpus

TUTELA = str(ROOT / ".venv" / "bin" / "tutela")


def timed(args: list[str], home: Path) -> float:
    started = time.perf_counter()
    subprocess.run([TUTELA, *args], env={**os.environ, "TUTELA_HOME": str(home)}, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def best_ingest(folder: Path, home: Path, engine: list[str], runs: list[int]) -> float:
    best = float("inf")
    for _ in range(3):
        runs[0] += 1
        exhibit = f"EX-{runs[0]}"
        timed(["exhibit", "add", exhibit, "--case", "C-BENCH", "--type", "phone"], home)
        best = min(best, timed(["ingest", str(folder), "--case", "C-BENCH", "--exhibit", exhibit, "--json",
                                *engine], home))
    return best


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "bench" / "out" / "photo-corpus-ingest")
    parser.add_argument("--phone", type=int, default=60)
    parser.add_argument("--mid", type=int, default=0)
    parser.add_argument("--small", type=int, default=200)
    parser.add_argument("--dask-workers", type=int, default=2)
    args = parser.parse_args()
    from cryptography.fernet import Fernet

    os.environ["TUTELA_MEDIA_KEY"] = Fernet.generate_key().decode()
    build_corpus(args.corpus, args.phone, args.mid, args.small)
    files = [p for kind in ("phone", "mid", "small") for p in sorted((args.corpus / kind).glob("*.jpg"))]
    with tempfile.TemporaryDirectory(prefix="tutela-bench-ingest-") as work:
        folder = Path(work) / "evidence"
        folder.mkdir()
        for path in files:
            (folder / path.name).write_bytes(path.read_bytes())
        home = Path(work) / "home"
        timed(["team", "add", "T-BENCH", "--name", "Bench", "--kind", "borough"], home)
        timed(["case", "create", "C-BENCH", "--team", "T-BENCH"], home)
        print(f"corpus: {len(files)} photo-corpus JPEGs ({args.phone} phone 12 MP, {args.mid + args.small} "
              f"messaging-size), {sum(p.stat().st_size for p in files) / 1e6:.0f} MB; whole processes, best of 3; "
              f"load {os.getloadavg()[0]:.1f}")
        runs = [0]
        rates = {}
        for workers in (1, 2):
            hashing = min(timed(["hash", str(folder), "--json", "--workers", str(workers)], home) for _ in range(3))
            ingest = best_ingest(folder, home, ["--workers", str(workers)], runs)
            rates[workers] = len(files) / ingest
            print(f"{workers} worker(s): tutela hash {len(files) / hashing:6.1f} files/s, tutela ingest "
                  f"{len(files) / ingest:6.1f} files/s, ingest / hash {hashing / ingest:.2f}x (target >= 0.8x)")
        print(f"ingest 2 workers / 1 worker: {rates[2] / rates[1]:.2f}x (target >= 1.7x)")
        dask = len(files) / dask_ingest(folder, home, args.dask_workers, runs)
        n = args.dask_workers
        print(f"dask {n} worker(s): tutela ingest {dask:6.1f} files/s, / (N x 1 local worker) "
              f"{dask / (n * rates[1]):.2f} (target >= 0.8)")
        print(f"peak RSS of one run (largest child): {peak_rss_mb():.0f} MB; load {os.getloadavg()[0]:.1f}")


def dask_ingest(folder: Path, home: Path, workers: int, runs: list[int]) -> float:
    from distributed import LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1", scheduler_port=0,
                      dashboard_address="127.0.0.1:0", worker_dashboard_address=None) as cluster:
        return best_ingest(folder, home, ["--scheduler", cluster.scheduler_address], runs)


if __name__ == "__main__":
    main()
