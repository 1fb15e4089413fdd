"""DaskEngine sends units in chunks and keeps one record per unit, in order, when a chunk's task dies.

The client is a stand-in that runs each task in-process and plays a worker killed by one poisoned file (what Dask
reports as KilledWorker); the real cluster is tested in test_ingest_dask.py.
"""

from __future__ import annotations

import pytest

from tutela.domain.locator import Locator
from tutela.evidence.archives import ArchiveLimits
from tutela.hashing.hasher import HashOptions
from tutela.processing import dask_engine
from tutela.processing.dask_engine import DaskEngine
from tutela.processing.ingest import WorkUnit


class KilledWorker(Exception):
    pass


class Done:
    def __init__(self, task, args) -> None:
        self.task, self.args = task, args

    def result(self):
        return self.task(*self.args)


class Client:
    """Runs tasks where it is; any task holding the poisoned file dies as its worker would."""

    def __init__(self, poisoned: str | None) -> None:
        self.poisoned, self.tasks = poisoned, []

    def nthreads(self) -> dict[str, int]:
        return {"tcp://worker-1": 1, "tcp://worker-2": 1}

    def submit(self, task, *args, pure: bool):
        units = args[0] if isinstance(args[0], list) else [args[0]]
        self.tasks.append((task.__name__, len(units)))
        if task.__name__ != "digest_after_failure" and any(u.locator.path == self.poisoned for u in units):
            return Done(_die, ())
        return Done(task, args)

    def cancel(self, futures) -> None:
        pass


def _die():
    raise KilledWorker("Attempted to run task on 4 different workers, all of which died")


def _engine(client: Client) -> DaskEngine:
    engine = DaskEngine.__new__(DaskEngine)  # no scheduler: the stand-in client instead
    engine.address, engine.client = "tcp://stand-in:8786", client
    return engine


@pytest.fixture
def units(tmp_path):
    for n in range(19):
        (tmp_path / f"note-{n:02}.txt").write_text(f"note {n}\n")
    return [WorkUnit(Locator(str(tmp_path), "folder", path=f"note-{n:02}.txt"), HashOptions(), ArchiveLimits())
            for n in range(19)]


def test_units_go_in_chunks_and_come_back_in_order(units, monkeypatch):
    monkeypatch.setattr(dask_engine, "CHUNKS_A_WORKER", 1)  # 19 units, 2 workers: chunks of 9
    client = Client(poisoned=None)
    records = list(_engine(client).hash_units(units))
    assert [r.path for r in records] == [str(u.locator) for u in units]
    assert all(r.error is None and r.sha256 for r in records)
    assert client.tasks == [("hash_units_in_turn", 9)] * 2 + [("hash_units_in_turn", 1)]


def test_chunks_are_large_for_a_large_exhibit_and_small_for_a_small_one():
    assert dask_engine.chunk_size(330, 2) == dask_engine.CHUNK  # 16: the most a task carries
    assert dask_engine.chunk_size(40, 2) == 5  # every worker still gets 4 chunks
    assert dask_engine.chunk_size(40, 16) == 1 and dask_engine.chunk_size(0, 2) == 1


def test_a_chunk_whose_worker_dies_is_run_again_a_unit_at_a_time(units):
    client = Client(poisoned="note-10.txt")
    records = list(_engine(client).hash_units(units))
    assert [r.path for r in records] == [str(u.locator) for u in units]
    failed = {r.path: r.error for r in records if r.error is not None}
    assert list(failed) == [str(units[10].locator)]
    assert failed[str(units[10].locator)].startswith("decode failed: KilledWorker: Attempted to run task")
    assert records[10].sha256 is not None  # digests only, as in the local pool
    size = dask_engine.chunk_size(len(units), 2)  # 19 units on 2 workers: chunks of 2
    assert size == 2 and client.tasks.count(("hash_unit", 1)) == size  # its chunk again, a unit a task
