"""Benchmark hash-library parsing: rows/s for a generated CSV against the bare csv-module floor.

Corpus: a CSV generated in a temporary folder before timing (default 1,000,000 rows): every row has a
random MD5, half a SHA-1, a third a SHA-256, a quarter a PDQ (all synthetic random hex, mixed case),
a random grade, a series on one row in ten and a victim flag on most. A VICS 2.0 document of the same
entries (default 200,000 records) is written and read back through the streaming parser.

    .venv/bin/python bench/library_formats.py [--rows 1000000] [--vics-rows 200000]

Prints, on one core: the floor (csv.reader over the file, no validation), CsvLibraryReader with full
validation, their ratio, the md5list reader, VICS write and streaming read, and the peak resident
memory after each step (it must not grow with the row count).
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tutela.domain.categories import Category
from tutela.formats.entries import LibraryEntry
from tutela.formats.hashlists import CSV_COLUMNS, CsvLibraryReader, Md5ListReader
from tutela.formats.vics import VicsReader, write_vics

GRADES = [c.value for c in Category] + ["A", "B", "C"]


def generate_csv(path: Path, rows: int, seed: int = 1) -> None:
    rnd = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(CSV_COLUMNS)
        for i in range(rows):
            md5 = f"{rnd.getrandbits(128):032x}"
            writer.writerow((
                md5.upper() if i % 2 else md5,
                f"{rnd.getrandbits(160):040x}" if i % 2 else "",
                f"{rnd.getrandbits(256):064x}" if i % 3 == 0 else "",
                f"{rnd.getrandbits(256):064x}" if i % 4 == 0 else "",
                rnd.choice(GRADES),
                f"series-{i % 97}" if i % 10 == 0 else "",
                rnd.choice(("true", "false", "")),
                "",
            ))


def generate_md5list(path: Path, rows: int, seed: int = 2) -> None:
    rnd = random.Random(seed)
    with path.open("w", encoding="utf-8") as stream:
        stream.write("# synthetic list\n")
        stream.writelines(f"{rnd.getrandbits(128):032x}\n" for _ in range(rows))


def timed(label: str, rows: int, work: Callable[[], int]) -> float:
    start = time.perf_counter()
    count = work()
    seconds = time.perf_counter() - start
    assert count == rows, (label, count, rows)
    rate = rows / seconds
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{label:<34} {rows:>9,} rows  {seconds:7.2f} s  {rate:>11,.0f} rows/s  peak RSS {peak_mb:6.0f} MB")
    return rate


def csv_floor(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as stream:
        reader = csv.reader(stream)
        next(reader)
        return sum(1 for _ in reader)


def parse_csv(path: Path) -> int:
    with path.open("rb") as stream:
        return sum(1 for row in CsvLibraryReader(stream) if isinstance(row, LibraryEntry))


def parse_md5list(path: Path) -> int:
    with path.open("rb") as stream:
        return sum(1 for row in Md5ListReader(stream) if isinstance(row, LibraryEntry))


def write_vics_from_csv(source: Path, target: Path, rows: int) -> int:
    with source.open("rb") as stream, target.open("wb") as out:
        reader = CsvLibraryReader(stream)
        entries = (row for _, row in zip(range(rows), reader.entries(), strict=False))
        return write_vics(entries, out)


def parse_vics(path: Path) -> int:
    with path.open("rb") as stream:
        return sum(1 for row in VicsReader(stream, streaming=True) if isinstance(row, LibraryEntry))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--vics-rows", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tutela-bench-") as folder:
        csv_path, list_path, vics_path = (Path(folder) / n for n in ("lib.csv", "lib.txt", "lib.json"))
        generate_csv(csv_path, args.rows)
        generate_md5list(list_path, args.rows)
        print(f"corpus: {args.rows:,} synthetic CSV rows ({csv_path.stat().st_size / 1e6:.0f} MB), "
              f"{args.rows:,} MD5 lines, {args.vics_rows:,} VICS records; one core")
        floor = timed("floor: csv.reader, no validation", args.rows, lambda: csv_floor(csv_path))
        full = timed("CsvLibraryReader (validated)", args.rows, lambda: parse_csv(csv_path))
        timed("Md5ListReader (validated)", args.rows, lambda: parse_md5list(list_path))
        timed("write_vics (from CSV entries)", args.vics_rows,
              lambda: write_vics_from_csv(csv_path, vics_path, args.vics_rows))
        timed("VicsReader (ijson, streaming)", args.vics_rows, lambda: parse_vics(vics_path))
        print(f"validated CSV / floor: {full / floor:.2f}  (target: >= 100,000 rows/s validated: "
              f"{'met' if full >= 100_000 else 'NOT met'})")


if __name__ == "__main__":
    main()
