"""`tutela ingest` of a disk image (raw and E01 of a FAT volume) against the folder source on the same files.

Corpus: ../shared/tools/photo-corpus JPEGs (phone 12 MP and messaging-size public photographs). They are put in a
folder, in a FAT volume (mkfs.fat + mtools) inside an MBR-partitioned raw image (sfdisk), and in an E01 of that
image (ewfacquirestream, MD5 + SHA-1 stored), once compressed (deflate "fast", `e01`) and once stored
uncompressed (`e01-stored`): libewf-python's wheel inflates with libewf's own deflate code, not zlib, so the
pair shows what decompression costs. Every source is read once before timing, so each
run reads from the page cache. Each figure is the best of 3 whole-process runs of `tutela ingest --json` into a
new exhibit of one SQLite store; peak RSS is the largest of the process tree (ingest and its workers) over the runs.
An E01 ingest also verifies the image's acquisition digests (a full read and decompression of the media); that
step alone is timed in-process too.

    .venv/bin/python bench/ingest_disk.py [--corpus DIR] [--phone 20 --mid 40 --small 40] [--workers 1]

Issue 6 sets no number for this one: "E01 of a FAT volume: rate and overhead against the folder source".
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hash import ROOT, build_corpus
from ingest import corpus_files
from tutela.services.disk_images import e01, fat_volume, partitioned

TUTELA = str(ROOT / ".venv" / "bin" / "tutela")


def run(args: list[str], home: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of one whole `tutela` process and the workers it waited for."""
    started = time.perf_counter()
    process = subprocess.Popen([TUTELA, *args], env={**os.environ, "TUTELA_HOME": str(home)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    if process.returncode not in (0, 1):
        raise SystemExit(f"tutela {' '.join(args)} exited {process.returncode}")
    return elapsed, usage.ru_maxrss * 1024


def best_ingest(source: Path, home: Path, workers: int, exhibits: list[int]) -> tuple[float, int]:
    best, peak = float("inf"), 0
    for _ in range(3):
        exhibits[0] += 1
        exhibit = f"EX-{exhibits[0]}"
        run(["exhibit", "add", exhibit, "--case", "C-BENCH", "--type", "storage"], home)
        seconds, rss = run(["ingest", str(source), "--case", "C-BENCH", "--exhibit", exhibit, "--json",
                            "--workers", str(workers)], home)
        best, peak = min(best, seconds), max(peak, rss)
    return best, peak


def warm(path: Path) -> None:
    for file in [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file()):
        with open(file, "rb") as stream:
            while stream.read(2**22):
                pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "bench" / "out" / "photo-corpus-ingest")
    parser.add_argument("--phone", type=int, default=20)
    parser.add_argument("--mid", type=int, default=40)
    parser.add_argument("--small", type=int, default=40)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    from cryptography.fernet import Fernet

    # Python as installed writes and reuses compiled bytecode; a shell with PYTHONDONTWRITEBYTECODE set (these
    # machines have it) would compile tutela's sources again in every run, ~0.1 s of every start-up.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["TUTELA_MEDIA_KEY"] = Fernet.generate_key().decode()  # ingests make encrypted thumbnails, as a unit's
    build_corpus(args.corpus, args.phone, args.mid, args.small)
    # Exactly the counts asked for (a corpus folder built for another bench may hold more).
    files = corpus_files(args.corpus, {"phone": args.phone, "mid": args.mid, "small": args.small})
    with tempfile.TemporaryDirectory(prefix="tutela-bench-disk-") as scratch:
        work = Path(scratch)
        folder = work / "evidence"
        folder.mkdir()
        for path in files:
            (folder / path.name).write_bytes(path.read_bytes())
        started = time.perf_counter()
        volume = fat_volume(work / "volume.img", {f"DCIM/{p.name}": p.read_bytes() for p in files})
        raw = partitioned(work / "exhibit.dd", volume, "mbr")
        volume.unlink()
        built = time.perf_counter() - started
        [image] = e01(raw, work / "exhibit")
        [stored] = e01(raw, work / "stored", compress=False)
        sources = {"folder": folder, "raw": raw, "e01": image, "e01-stored": stored}
        for source in sources.values():
            warm(source)
        home = work / "home"
        run(["team", "add", "T-BENCH", "--name", "Bench", "--kind", "borough"], home)
        run(["case", "create", "C-BENCH", "--team", "T-BENCH"], home)
        print(f"corpus: {len(files)} photo-corpus JPEGs ({args.phone} phone 12 MP, {args.mid + args.small} "
              f"messaging-size), {sum(p.stat().st_size for p in files) / 1e6:.0f} MB; raw image "
              f"{raw.stat().st_size / 1e6:.0f} MB (FAT built in {built:.1f} s), "
              f"E01 {image.stat().st_size / 1e6:.0f} MB")
        print(f"whole processes, best of 3, --workers {args.workers}; load average {os.getloadavg()[0]:.1f} at start")
        figures, exhibits = {}, [0]
        for name, source in sources.items():
            seconds, rss = best_ingest(source, home, args.workers, exhibits)
            figures[name] = seconds
            print(f"  {name:10s} {len(files) / seconds:6.1f} files/s  ({seconds:.2f} s, peak RSS {rss / 2**20:.0f} MB)")
        for name in ("raw", "e01", "e01-stored"):
            print(f"ratio {name} / folder (files/s): {figures['folder'] / figures[name]:.2f}x  "
                  f"(overhead {figures[name] / figures['folder'] - 1:+.0%})")
        for name in ("e01", "e01-stored"):
            print(f"  {name}: acquisition verification alone (in-process) {verification_seconds(sources[name]):.2f} s")
        print(f"load average {os.getloadavg()[0]:.1f} at end")


def verification_seconds(image: Path) -> float:
    from tutela.evidence.disk import image_segments
    from tutela.evidence.ewf import verify_e01

    started = time.perf_counter()
    check = verify_e01(image_segments(str(image)))
    assert check.result == "verified", check
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
