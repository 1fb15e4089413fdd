"""The local engine: a supervised process pool that keeps output in input order.

Each item gets its own deadline; a worker that overruns it, or dies (a decoder crash), is killed and
replaced, and the item is handed to ``on_failure`` so it still ends as one record.
At most ``window`` items are in flight, so memory stays bounded however many paths come in.

Each worker has a pipe of its own and at most two items at a time: the one it runs and the next, so it never
waits for this process between items. It runs them in the order sent, so an item's deadline starts when the result
before it arrives (or when it is sent to an idle worker). An item waiting behind one that failed goes to a worker
again. Everything runs in the calling thread: pebble's pool, used before, passed each item through three threads of
its own and an acknowledgement message, 0.25-0.4 ms of this process's CPU an item, which on two cores the workers
paid for.
"""

from __future__ import annotations

import gc
import importlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

_PER_WORKER = 2  # items sent to a worker at once: the one it runs and the next


class WorkerFailure(Exception):
    """An item's task did not finish: it timed out or its worker process died."""


def run_ordered(
    task: Callable[[Item], Result],
    items: Iterable[Item],
    *,
    workers: int,
    timeout: float | None,
    on_failure: Callable[[Item, WorkerFailure], Result],
    initializer: Callable[[], None] | None = None,
    preload: tuple[str, ...] = (),
) -> Iterator[Result]:
    """Run ``task`` on every item in ``workers`` processes; results come back in the order of ``items``.

    The workers are forked here, in the calling thread, before the results are drawn: the caller may draw them in a
    thread of its own (processing/batches.py) while this one goes on importing, and a fork taken while another
    thread holds an import lock leaves the child that lock held for ever."""
    for module in preload:
        importlib.import_module(module)
    pool = _Pool(task, workers, timeout, initializer)
    return Results(pool, _ordered(pool, items, max(4, workers * 8), on_failure))


class Interrupted(Exception):
    """The caller stopped waiting for the workers (``Results.interrupt``)."""


class Results(Iterator[Result]):
    """``run_ordered``'s results in order. ``interrupt``, from any thread, makes a wait for the workers give up at
    once (the busy ones are killed): a caller stopping (a wrong exhibit, Ctrl-C) does not wait for a file to end,
    up to its timeout. ``close`` stops the workers even if no result was ever drawn."""

    def __init__(self, pool: _Pool, generator: Iterator[Result]) -> None:
        self._pool, self._generator = pool, generator

    def __iter__(self) -> Results[Result]:
        return self

    def __next__(self) -> Result:
        return next(self._generator)

    def close(self) -> None:
        self._generator.close()  # type: ignore[attr-defined]
        self._pool.close()

    def interrupt(self) -> None:
        self._pool.wake()


def _ordered(pool: _Pool, items: Iterable[Item], window: int, on_failure: Callable) -> Iterator[Result]:
    done: dict[int, tuple[Any, Any]] = {}  # sequence number -> (item, result or WorkerFailure)
    source = iter(items)
    sent = given = 0
    try:
        while True:
            while sent - given < window and (item := next(source, _END)) is not _END:
                pool.submit(sent, item)
                sent += 1
            if given == sent:
                return
            while given not in done:
                done.update(pool.collect())
            item, result = done.pop(given)
            given += 1
            yield on_failure(item, result) if isinstance(result, WorkerFailure) else result
    finally:
        pool.close()


_END = object()


class _Worker:
    def __init__(self, process: multiprocessing.process.BaseProcess, connection: Connection) -> None:
        self.process, self.connection = process, connection
        self.queue: deque[tuple[int, Any]] = deque()  # (sequence number, item) sent, in the order sent
        self.started = 0.0  # when the item at the head of the queue started

    def deadline(self, timeout: float | None) -> float | None:
        return self.started + timeout if self.queue and timeout is not None else None


class _Pool:
    # Plain fork: workers inherit what this process has imported. A forkserver was tried first, but a worker still
    # starting when a short run closed the pool failed to unpickle its semaphore and printed a traceback.
    context = multiprocessing.get_context("fork")

    def __init__(self, task: Callable, workers: int, timeout: float | None, initializer: Callable[[], None] | None):
        self.task, self.timeout, self.initializer = task, timeout, initializer
        self.waiting: deque[tuple[int, Any]] = deque()
        self.ended: list[tuple[int, tuple[Any, Any]]] = []  # items that failed before reaching a worker
        self.workers: list[_Worker] = []
        self._wake_read, self._wake_write = os.pipe()  # written by ``wake``: a wait in ``collect`` gives up
        self._wake_lock = threading.Lock()  # ``wake`` never writes to the pipe's numbers once closed (and reused)
        for _ in range(workers):
            self.workers.append(self._start())

    def wake(self) -> None:
        with self._wake_lock:
            if self._wake_write >= 0:
                os.write(self._wake_write, b"!")

    def submit(self, sequence: int, item: Any) -> None:
        self.waiting.append((sequence, item))
        self._dispatch()

    def collect(self) -> list[tuple[int, tuple[Any, Any]]]:
        """Wait for at least one item to end: results and failures, by sequence number."""
        ended, self.ended = self.ended, []
        while not ended:
            busy = [w for w in self.workers if w.queue]
            deadlines = [d for w in busy if (d := w.deadline(self.timeout)) is not None]
            wait_for = None if not deadlines else max(0.0, min(deadlines) - time.monotonic())
            ready = set(wait([w.connection for w in busy] + [w.process.sentinel for w in busy] + [self._wake_read],
                             wait_for))
            if self._wake_read in ready:
                raise Interrupted("stopped by the caller")
            for worker in busy:
                if worker.connection in ready:
                    ended.append(self._receive(worker))
                elif worker.process.sentinel in ready:  # it is ending: reaped at once, for its exit code
                    worker.process.join()
                    ended.append(self._replace(worker, f"worker died (exit code {worker.process.exitcode})"))
                elif (d := worker.deadline(self.timeout)) is not None and time.monotonic() >= d:
                    ended.append(self._replace(worker, f"timed out after {self.timeout:g} s"))
            self._dispatch()
        return ended

    def close(self) -> None:
        """Stop the workers: idle ones exit at end of input; busy ones (the caller stopped early) are killed."""
        for worker in self.workers:
            if worker.queue:
                worker.process.kill()
                continue
            try:
                worker.connection.send(_Stop())
            except OSError:
                worker.process.kill()
        for worker in self.workers:
            worker.process.join(5)
            if worker.process.exitcode is None:
                worker.process.kill()
                worker.process.join()
            worker.connection.close()
        self.workers = []
        with self._wake_lock:
            if self._wake_write >= 0:
                os.close(self._wake_read)
                os.close(self._wake_write)
                self._wake_read = self._wake_write = -1

    def _receive(self, worker: _Worker) -> tuple[int, tuple[Any, Any]]:
        try:
            finished, value = worker.connection.recv()
        except (EOFError, OSError):
            worker.process.join()
            return self._replace(worker, f"worker died (exit code {worker.process.exitcode})")
        sequence, item = worker.queue.popleft()
        worker.started = time.monotonic()
        return sequence, (item, value if finished else WorkerFailure(value))

    def _replace(self, worker: _Worker, reason: str) -> tuple[int, tuple[Any, Any]]:
        """Kill the worker, fail the item it ran, put the items behind it first in line, start a new worker."""
        sequence, item = worker.queue.popleft()
        self.waiting.extendleft(reversed(worker.queue))
        self._restart(worker)
        return sequence, (item, WorkerFailure(reason))

    def _bury(self, worker: _Worker) -> None:
        """A worker found dead while sending to it: the results it sent before dying are taken, the item it was
        running fails, the items queued behind it go again. (Restarting it alone lost that item, and the pool
        waited for it for ever: a crash landing between a result and the next send.)"""
        while worker.queue and worker.connection.poll():
            self.ended.append(self._receive(worker))  # at its end of file, this replaces it
            if worker not in self.workers:
                return
        if worker.queue:
            worker.process.join()
            self.ended.append(self._replace(worker, f"worker died (exit code {worker.process.exitcode})"))
        else:
            self._restart(worker)

    def _restart(self, worker: _Worker) -> None:
        worker.process.kill()
        worker.process.join()
        worker.connection.close()
        self.workers[self.workers.index(worker)] = self._start()

    def _dispatch(self) -> None:
        while self.waiting:
            worker = min(self.workers, key=lambda w: len(w.queue))
            if len(worker.queue) >= _PER_WORKER:
                return
            sequence, item = self.waiting.popleft()
            try:
                worker.connection.send(item)
            except OSError:  # it died since it was last heard from: this item goes to its successor
                self.waiting.appendleft((sequence, item))
                self._bury(worker)
                continue
            except Exception as exc:  # an item that cannot be pickled costs itself only
                self.ended.append((sequence, (item, WorkerFailure(f"{type(exc).__name__}: {exc}"))))
                continue
            if not worker.queue:
                worker.started = time.monotonic()
            worker.queue.append((sequence, item))

    def _start(self) -> _Worker:
        ours, theirs = self.context.Pipe()
        others = [w.connection for w in self.workers] + [ours]
        process = self.context.Process(target=_serve, args=(self.task, theirs, others, self.initializer),
                                       name="tutela-worker")
        process.start()
        theirs.close()
        return _Worker(process, ours)


class _Stop:
    """Sent to an idle worker at the end of the input."""


def _forget_half_imported() -> None:
    """In a worker just forked: forget the modules another thread of the pool's process was importing at the fork.

    They are half made here, and their import locks are held by a thread this process does not have, so importing
    one (a worker replaced while the evidence's lister imported py7zr for its first 7z archive, say) waited for ever,
    then failed its file at the time-out. Such a module and its submodules are forgotten, and imported afresh when
    wanted; what this thread itself was importing (a pool started by a module's own code) is kept. The locks are
    importlib's own (``_module_locks``, ``_blocking_on``): there is no public way to ask this."""
    import _imp
    import _thread
    import importlib._bootstrap as bootstrap

    locks = getattr(bootstrap, "_module_locks", None)
    if not isinstance(locks, dict):
        return
    me = _thread.get_ident()
    _imp.acquire_lock()
    try:
        for name, ref in list(locks.items()):
            lock = ref()
            if lock is None or not _held_by_another(lock, me):
                continue
            del locks[name]
            for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
                del sys.modules[module]
        blocking = getattr(bootstrap, "_blocking_on", None)
        if isinstance(blocking, dict):  # threads that were waiting on an import: gone here
            for thread in [t for t in blocking if t != me]:
                del blocking[thread]
    finally:
        _imp.release_lock()


def _held_by_another(lock: Any, me: int) -> bool:
    inner = getattr(lock, "lock", None)
    if inner is not None and not inner.acquire(False):
        return True  # another thread was inside the lock's own bookkeeping at the fork
    try:
        return bool(getattr(lock, "count", 0)) and getattr(lock, "owner", None) != me
    finally:
        if inner is not None:
            inner.release()


def _serve(task: Callable, connection: Connection, inherited: list[Connection],
           initializer: Callable[[], None] | None) -> None:
    """A worker: run items as they come until told to stop or this process's end of the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the coordinator, which stops the workers
    gc.enable()  # the caller may have forked it with collection off (cli/ingest.py)
    _forget_half_imported()
    for other in inherited:  # the pool's ends of the pipes: closed here, so that a dead pool is seen as EOF
        other.close()
    if initializer is not None:
        initializer()
    while True:
        try:
            item = connection.recv()
        except (EOFError, OSError):  # the pool is gone
            return
        if isinstance(item, _Stop):
            return
        try:
            outcome: tuple[bool, Any] = (True, task(item))
        except Exception as exc:  # a bug in the task must cost one item, not the run
            outcome = (False, f"{type(exc).__name__}: {exc}")
        try:
            try:
                connection.send(outcome)
            except OSError:
                raise
            except Exception as exc:  # a result that cannot be pickled
                connection.send((False, f"{type(exc).__name__}: {exc}"))
        except OSError:  # the pool is gone (killed): nobody waits for the result
            return
