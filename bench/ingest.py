"""`tutela ingest` of a folder against `tutela hash` of the same files, 2 workers against 1, and Dask, in one run.

Corpus: ../shared/tools/photo-corpus (phone 12 MP and messaging-size JPEGs from public wallpaper photographs), exactly
the counts asked for, read once before timing so every run reads from the page cache. Each figure is the best of 3
whole processes; every ingest uses a new exhibit of one case (exhibits of one case are not cross-linked) in one SQLite
store, so nothing is skipped as already done. Ingests make encrypted thumbnails (a fresh TUTELA_MEDIA_KEY), as an
examiner's would. `tutela hash` gets the same number of worker processes as the ingest it is compared with.

Two rates are printed for each command: whole process (what a user waits for on this corpus), and steady (start-up
taken out: (files - 1) / (time on the corpus - time on its first file alone), the same command on a one-file folder
timed in the same run), since a run's fixed cost (imports, store, pool start, the evidence digests of one file) is
paid once per exhibit while the targets are about rates. The Dask figure runs `tutela ingest --scheduler` against a
LocalCluster of N worker processes (1 thread each, Dask's default worker settings) started before timing, as a
standing cluster would be; it is compared with N times one local pool worker (the target as this bench reads it)
and, for the cluster's own scaling, with N times a LocalCluster of one worker. Peak RSS is per run: the largest of
a command's process and its pool workers (wait4).

    .venv/bin/python bench/ingest.py [--corpus DIR] [--phone 30 --mid 0 --small 100] [--dask-workers 2]

Targets (issue 6): ingest >= 0.8x the rate of `tutela hash` alone on the same files; 2 workers >= 1.7x one;
Dask with N local workers >= 0.8 N x one local worker.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hash import ROOT, build_corpus

TUTELA = str(ROOT / ".venv" / "bin" / "tutela")
ROUNDS = 3


@dataclass
class Timing:
    seconds: float = float("inf")
    peak_rss_mb: float = 0.0

    def add(self, seconds: float, rss_mb: float) -> None:
        self.seconds = min(self.seconds, seconds)
        self.peak_rss_mb = max(self.peak_rss_mb, rss_mb)


class Bench:
    def __init__(self, home: Path) -> None:
        self.home, self.exhibits = home, 0

    def run(self, args: list[str]) -> tuple[float, float]:
        """Seconds and peak RSS (MB, the process or any of its children) of one whole `tutela` process."""
        started = time.perf_counter()
        process = subprocess.Popen([TUTELA, *args], env={**os.environ, "TUTELA_HOME": str(self.home)},
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise SystemExit(f"tutela {' '.join(args)} failed with status {process.returncode}")
        return seconds, usage.ru_maxrss / 1024

    def hashing(self, folder: Path, workers: int) -> Timing:
        timing = Timing()
        for _ in range(ROUNDS):
            timing.add(*self.run(["hash", str(folder), "--json", "--workers", str(workers)]))
        return timing

    def ingest(self, folder: Path, engine: list[str]) -> Timing:
        timing = Timing()
        for _ in range(ROUNDS):
            self.exhibits += 1
            exhibit = f"EX-{self.exhibits}"
            self.run(["exhibit", "add", exhibit, "--case", "C-BENCH", "--type", "phone"])
            timing.add(*self.run(["ingest", str(folder), "--case", "C-BENCH", "--exhibit", exhibit, "--json",
                                  *engine]))
        return timing


@dataclass
class Rates:
    whole: float  # files/s of the whole process on the corpus
    steady: float  # files/s with the one-file run's time taken out
    peak_rss_mb: float

    @classmethod
    def of(cls, files: int, corpus: Timing, first: Timing) -> Rates:
        return cls(files / corpus.seconds, (files - 1) / max(corpus.seconds - first.seconds, 1e-9),
                   max(corpus.peak_rss_mb, first.peak_rss_mb))

    def text(self) -> str:
        return f"{self.whole:6.1f} files/s whole, {self.steady:6.1f} steady, peak RSS {self.peak_rss_mb:4.0f} MB"


def ratio(a: Rates, b: Rates) -> str:
    return f"{a.whole / b.whole:.2f}x whole, {a.steady / b.steady:.2f}x steady"


def corpus_files(corpus: Path, counts: dict[str, int]) -> list[Path]:
    files = [p for kind, n in counts.items() for p in sorted((corpus / kind).glob("*.jpg"))[:n]]
    short = {kind: n for kind, n in counts.items() if len(sorted((corpus / kind).glob("*.jpg"))[:n]) < n}
    if short:
        raise SystemExit(f"the corpus at {corpus} has fewer files than asked for: {short}")
    return files


def copied(files: list[Path], folder: Path) -> Path:
    folder.mkdir()
    for path in files:
        (folder / path.name).write_bytes(path.read_bytes())  # and so read into the page cache
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "bench" / "out" / "photo-corpus-ingest")
    parser.add_argument("--phone", type=int, default=30)
    parser.add_argument("--mid", type=int, default=0)
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--dask-workers", type=int, default=2)
    args = parser.parse_args()
    from cryptography.fernet import Fernet

    # Python as installed writes and reuses compiled bytecode; a shell with PYTHONDONTWRITEBYTECODE set (these
    # machines have it) would compile tutela's sources again in every run, ~0.1 s of every start-up.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["TUTELA_MEDIA_KEY"] = Fernet.generate_key().decode()
    build_corpus(args.corpus, args.phone, args.mid, args.small)
    files = corpus_files(args.corpus, {"phone": args.phone, "mid": args.mid, "small": args.small})
    with tempfile.TemporaryDirectory(prefix="tutela-bench-ingest-") as work:
        folder, first = copied(files, Path(work) / "evidence"), copied(files[:1], Path(work) / "first")
        bench = Bench(Path(work) / "home")
        bench.run(["team", "add", "T-BENCH", "--name", "Bench", "--kind", "borough"])
        bench.run(["case", "create", "C-BENCH", "--team", "T-BENCH"])
        print(f"corpus: {args.corpus}: {len(files)} photo-corpus JPEGs ({args.phone} phone 12 MP, {args.mid} mid "
              f"1600 px, {args.small} small 640 px), {sum(p.stat().st_size for p in files) / 1e6:.0f} MB; "
              f"whole processes, best of {ROUNDS}; load {os.getloadavg()[0]:.2f}")
        ingests = {}
        for workers in (1, 2):
            engine = ["--workers", str(workers)]
            hashing = Rates.of(len(files), bench.hashing(folder, workers), bench.hashing(first, workers))
            ingests[workers] = Rates.of(len(files), bench.ingest(folder, engine), bench.ingest(first, engine))
            print(f"{workers} worker(s): tutela hash   {hashing.text()}")
            print(f"{workers} worker(s): tutela ingest {ingests[workers].text()}")
            print(f"{workers} worker(s): ingest / hash {ratio(ingests[workers], hashing)} (target >= 0.8x)")
        print(f"ingest 2 workers / 1 worker: {ratio(ingests[2], ingests[1])} (target >= 1.7x)")
        n = args.dask_workers
        dask = dask_ingest(bench, folder, first, len(files), n)
        print(f"dask {n} worker(s): tutela ingest {dask.text()}")
        print(f"dask {n} worker(s) / ({n} x 1 local worker): {dask.whole / (n * ingests[1].whole):.2f} whole, "
              f"{dask.steady / (n * ingests[1].steady):.2f} steady (target >= 0.8)")
        one = dask_ingest(bench, folder, first, len(files), 1)
        print(f"dask 1 worker: tutela ingest {one.text()}")
        print(f"dask {n} worker(s) / ({n} x dask 1 worker): {dask.whole / (n * one.whole):.2f} whole, "
              f"{dask.steady / (n * one.steady):.2f} steady (the cluster's own scaling)")
        print(f"load {os.getloadavg()[0]:.2f}")


def dask_ingest(bench: Bench, folder: Path, first: Path, files: int, workers: int) -> Rates:
    from distributed import LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1", scheduler_port=0,
                      dashboard_address="127.0.0.1:0", worker_dashboard_address=None) as cluster:
        engine = ["--scheduler", cluster.scheduler_address]
        return Rates.of(files, bench.ingest(folder, engine), bench.ingest(first, engine))


if __name__ == "__main__":
    main()
