"""The head start: the evidence hashed before the store is open, and what an earlier run recorded left out."""

from __future__ import annotations

import threading
import time

import pytest
from drawn import encoded, picture

from tutela.evidence.archives import ArchiveLimits
from tutela.hashing.hasher import HashOptions
from tutela.processing.head_start import HeadStart
from tutela.processing.ingest import LocalEngine


@pytest.fixture
def folder(tmp_path):
    seized = tmp_path / "seized"
    seized.mkdir()
    for seed in range(24):
        (seized / f"IMG_{seed:02d}.png").write_bytes(encoded(picture(96, 64, seed=seed), "PNG"))
    return seized


def _head_start(folder, engine=None, size=5) -> HeadStart:
    return HeadStart(str(folder), HashOptions(), ArchiveLimits(), engine or LocalEngine(workers=2, timeout=60),
                     size=size, seconds=0.2)


def _keys(head: HeadStart) -> list[str]:
    head.listed.wait()
    return [unit.locator.key() for unit in head.units]


def test_units_recorded_before_are_dropped_even_when_already_hashed(folder):
    with _head_start(folder) as head:
        keys = _keys(head)
        time.sleep(1.0)  # the first units are hashed (or being hashed) before the store says they are recorded
        recorded = set(keys[:10]) | {keys[15]}
        left = head.leave_out(recorded)
        given = [pair for batch in head.batches() for pair in batch]
    assert [unit.locator.key() for unit in left] == [k for k in keys if k not in recorded]
    assert [unit.locator.key() for unit, _ in given] == [k for k in keys if k not in recorded]
    assert all(record.path == str(unit.locator) and record.sha256 for unit, record in given)  # each with its own


def test_nothing_recorded_gives_every_unit_once_in_listing_order(folder):
    with _head_start(folder, size=4) as head:
        head.leave_out(set())
        batches = list(head.batches())
    names = [str(unit.locator) for batch in batches for unit, _ in batch]
    assert names == [str(folder / f"IMG_{seed:02d}.png") for seed in range(24)]
    assert all(0 < len(batch) <= 4 for batch in batches)


def test_closing_before_the_store_answers_stops_the_workers(folder):
    head = _head_start(folder, LocalEngine(workers=2, timeout=60))
    started = time.monotonic()
    head.close()  # the exhibit was not found, say
    head.close()
    assert time.monotonic() - started < 10
    assert not [t for t in threading.enumerate() if t.name in ("evidence-listing", "batch-producer")]


def test_closing_does_not_wait_for_a_busy_worker_to_end_its_file(folder, monkeypatch):
    from tutela.processing import ingest

    def stuck(unit):  # a file that takes its worker the whole timeout
        time.sleep(60)

    monkeypatch.setattr(ingest, "hash_unit", stuck)  # the pool forks: its workers run this
    head = _head_start(folder, LocalEngine(workers=1, timeout=120))
    time.sleep(0.5)
    started = time.monotonic()
    head.close()
    assert time.monotonic() - started < 5
    assert not [t for t in threading.enumerate() if t.name in ("evidence-listing", "batch-producer")]


def test_a_listing_that_fails_is_said_where_the_units_are_asked_for(folder, monkeypatch):
    from tutela.evidence import reader

    def broken(self, evidence):
        yield from ()
        raise OSError("the disk went away")

    monkeypatch.setattr(reader.EvidenceReader, "items", broken)
    with _head_start(folder) as head, pytest.raises(OSError, match="the disk went away"):
        head.leave_out(set())


def test_an_engine_sizing_by_the_exhibit_gets_the_whole_count(folder):
    class Counting:
        """Stands for Dask's engine, which sizes its chunks by the number of units."""

        def __init__(self) -> None:
            self.seen: list[int] = []

        def hash_units(self, units):  # a generator, as engines are: the units are drawn in the batches' thread
            from tutela.processing.ingest import hash_unit

            self.seen.append(len(units))
            for unit in units:
                yield hash_unit(unit)

        def close(self) -> None: ...

    engine = Counting()
    with _head_start(folder, engine) as head:
        head.leave_out(set())
        assert sum(len(batch) for batch in head.batches()) == 24
    assert engine.seen == [24]


def test_what_workers_need_to_open_a_disk_image_is_imported_before_they_fork(tmp_path):
    """Else each worker imports dfVFS again at its first file (0.13 s each); the folder source needs nothing."""
    import gzip
    import subprocess
    import sys
    from pathlib import Path

    image = tmp_path / "exfat.img"
    fixture = Path(__file__).parent / "fixtures" / "exfat-volume.img.gz"
    image.write_bytes(gzip.decompress(fixture.read_bytes()))
    probe = f"""
import sys
from tutela.evidence.archives import ArchiveLimits
from tutela.hashing.hasher import HashOptions
from tutela.processing.head_start import HeadStart

class Engine:
    def hash_units(self, units):
        print(sorted(m for m in ("dfvfs.resolver.resolver", "tutela.evidence.dfvfs_layers") if m in sys.modules))
        return iter(())

    def close(self):
        pass

HeadStart({str(image)!r}, HashOptions(), ArchiveLimits(), Engine(), size=5).close()
"""
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert shown.stdout.strip() == "['dfvfs.resolver.resolver', 'tutela.evidence.dfvfs_layers']", shown.stderr


_INTERRUPTED_WHILE_STARTING = """
import multiprocessing, sys, threading, time, types
from tutela.evidence.archives import ArchiveLimits
from tutela.hashing.hasher import HashOptions
from tutela.processing import head_start
from tutela.processing.ingest import LocalEngine

class Interrupted(threading.Thread):
    def start(self):
        raise KeyboardInterrupt  # Ctrl-C as the lister was to start, the workers and the drawing thread running

head_start.threading = types.SimpleNamespace(Event=threading.Event, Condition=threading.Condition, Thread=Interrupted)
try:
    head_start.HeadStart(sys.argv[1], HashOptions(), ArchiveLimits(), LocalEngine(2, 30.0), size=10)
except KeyboardInterrupt:
    print("interrupted; workers left:", len(multiprocessing.active_children()))
"""


def test_ctrl_c_while_starting_stops_the_workers_and_the_drawing_thread(folder):
    """Before, the drawing thread waited for ever for a lister that never started, and the run with it."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _INTERRUPTED_WHILE_STARTING, str(folder)], capture_output=True,
                          text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "interrupted; workers left: 0\n", "")
