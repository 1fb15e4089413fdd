"""The evidence listed and hashed from the first moment, before the store is open.

Opening the store (SQLAlchemy and the tables, the exhibit's checks, what an earlier run recorded) takes a third of
a second, as long as a worker takes on forty photos. So ``HeadStart`` forks the workers first, lists the evidence
in a thread of its own and hands each unit to the engine as it is listed; the coordinator opens the store
meanwhile. Once the store says which units an earlier run recorded, those are no longer sent, and those already
sent are dropped when they come back: a resumed ingest hashes again at most what the workers got through while the
store opened, and records nothing twice. Nothing is recorded from here: the caller classifies and writes what
``batches`` gives.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from collections import deque
from collections.abc import Iterator

from tutela.domain.media import HashRecord
from tutela.evidence.archives import ArchiveLimits
from tutela.evidence.reader import EvidenceReader
from tutela.hashing.hasher import HashOptions
from tutela.processing.batches import TimedBatches
from tutela.processing.ingest import Engine, IngestRequest, WorkUnit

Hashed = tuple[WorkUnit, HashRecord]
BATCH_SECONDS = 0.5  # a batch is closed this long after its first file at most: a killed run loses no more work


class HeadStart:
    """``source``'s units hashed in ``engine`` in listing order, given back in batches of (unit, record)."""

    def __init__(self, source: str, options: HashOptions, limits: ArchiveLimits, engine: Engine, *, size: int,
                 seconds: float = BATCH_SECONDS) -> None:
        self.source, self.options, self.limits, self.engine = source, options, limits, engine
        self.units: list[WorkUnit] = []  # as listed so far: all of them once ``listed`` is set
        self.listed = threading.Event()
        self._grew = threading.Condition()
        self._failure: BaseException | None = None
        self._recorded: frozenset[bytes] | None = None  # locator keys an earlier run recorded, once known
        self._sent: deque[WorkUnit] = deque()  # handed to the engine, not yet given back
        self._stop = threading.Event()
        # What the workers need to open this evidence is imported here, then the engine (a local pool forks its
        # workers in this thread), then the threads.
        for module in EvidenceReader(limits).sources.for_evidence(source).preload:
            importlib.import_module(module)
        results = engine.hash_units(_Feed(self))
        try:
            self._batches = TimedBatches(results, size=size, seconds=seconds)
            self._lister = threading.Thread(target=self._list, name="evidence-listing", daemon=True)
            self._lister.start()
        except BaseException:  # Ctrl-C, or no thread to be had: nothing started is left running
            self._abandon(results)
            raise

    @classmethod
    def of(cls, request: IngestRequest, engine: Engine, media_key: str | None, *, size: int) -> HeadStart:
        """``request`` checked (a missing media key or evidence is said before anything starts), then begun."""
        return cls(request.evidence_path(media_key), request.options, request.limits, engine, size=size)

    def leave_out(self, recorded: set[bytes] | frozenset[bytes]) -> list[WorkUnit]:
        """Once the evidence is listed: the units not in ``recorded`` (locator keys), the only ones given back."""
        self._recorded = frozenset(recorded)
        self.listed.wait()
        if self._failure is not None:
            raise self._failure
        return [unit for unit in self.units if unit.locator.key() not in self._recorded]

    def batches(self) -> Iterator[list[Hashed]]:
        """The units left (after ``leave_out``) with their records, in listing order, a non-empty batch at a time."""
        assert self._recorded is not None, "leave_out first: what is recorded is known only from the store"
        for records in self._batches:
            hashed = [(self._sent.popleft(), record) for record in records]
            kept = [(unit, record) for unit, record in hashed if unit.locator.key() not in self._recorded]
            if kept:
                yield kept

    def close(self) -> None:
        """Stop listing and hashing (busy workers are killed); safe to call more than once."""
        self._halt()
        self._batches.close()
        self._lister.join()

    def _abandon(self, results) -> None:
        """What ``__init__`` started, stopped. The drawing thread, once started, runs the results' generator: it is
        told to stop (the feed ends, the pool closes in that thread) and joined, never closed from here (closing a
        generator another thread runs raised, and the run then waited for ever on its workers)."""
        self._halt()
        batches = getattr(self, "_batches", None)
        if batches is not None:
            batches.close()
            return
        # No drawing thread: the workers are stopped here. (ValueError: one was started after all, and runs the
        # generator; it was told to stop above.)
        with contextlib.suppress(ValueError):
            getattr(results, "close", lambda: None)()

    def _halt(self) -> None:
        """The lister stops at its next file, and the feed, waiting for one, ends."""
        self._stop.set()
        with self._grew:
            self._grew.notify_all()

    def __enter__(self) -> HeadStart:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _list(self) -> None:
        options, limits = self.options, self.limits
        try:
            for item in EvidenceReader(limits).items(self.source):
                if self._stop.is_set():
                    return
                with self._grew:
                    self.units.append(WorkUnit(item.locator, options, limits, item.problem, item.note))
                    self._grew.notify_all()
        except BaseException as exc:  # said by leave_out, in the coordinator's thread
            self._failure = exc
        finally:
            with self._grew:
                self.listed.set()
                self._grew.notify_all()

    def _next_listed(self, index: int) -> WorkUnit | None:
        """The ``index``-th unit, waiting for the lister; None past the end (or once stopped)."""
        with self._grew:
            while index >= len(self.units) and not self.listed.is_set() and not self._stop.is_set():
                self._grew.wait()
            if self._stop.is_set() or self._failure is not None or index >= len(self.units):
                return None
            return self.units[index]


class _Feed:
    """What the engine draws: the units as they are listed, less those found recorded. Sized for an engine that
    sizes its tasks by the exhibit (Dask's chunks), which then waits for the listing to end, as before there was a
    head start; the local pool does not ask."""

    def __init__(self, head: HeadStart) -> None:
        self.head = head

    def __len__(self) -> int:
        self.head.listed.wait()
        return len(self.head.units)

    def __iter__(self) -> Iterator[WorkUnit]:
        head, index = self.head, 0
        while (unit := head._next_listed(index)) is not None:
            index += 1
            recorded = head._recorded
            if recorded is not None and unit.locator.key() in recorded:
                continue
            head._sent.append(unit)
            yield unit
