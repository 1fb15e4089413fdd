"""Results grouped into batches closed by size or by time, whichever comes first.

The ingest writer commits one batch per transaction and only then reports its items, so a run killed at any
moment loses at most one batch. Closing a batch by time needs a clock that ticks while no result arrives
(a slow file, a worker being replaced): the results are drawn in a thread of their own and handed over
through a bounded queue, and the batch is closed when its first item has waited ``seconds``.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_ITEM, _END, _ERROR = range(3)


class TimedBatches:
    """``items`` in order, as non-empty lists of at most ``size``, each closed ``seconds`` after its first item.

    Drawing starts at once (work runs while the caller gets ready); use it in a ``with`` block so that the
    thread drawing the items is stopped and joined however the caller leaves.
    """

    def __init__(self, items: Iterable[T], *, size: int, seconds: float) -> None:
        self.size, self.seconds = size, seconds
        self._items = items
        self._handover: queue.Queue = queue.Queue(maxsize=max(2 * size, 64))
        self._stop = threading.Event()
        self._producer = threading.Thread(target=_produce, args=(items, self._handover, self._stop),
                                          name="batch-producer", daemon=True)
        self._producer.start()

    def __enter__(self) -> TimedBatches:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        interrupt = getattr(self._items, "interrupt", None)  # a pool's results: its wait gives up at once
        if interrupt is not None:
            interrupt()
        self._producer.join()

    def __iter__(self) -> Iterator[list]:
        batch: list = []
        deadline = 0.0
        while True:
            try:
                kind, value = self._handover.get(
                    timeout=max(0.0, deadline - time.monotonic()) if batch else None)
            except queue.Empty:  # the batch's time is up
                yield batch
                batch = []
                continue
            if kind == _END:
                break
            if kind == _ERROR:
                raise value
            if not batch:
                deadline = time.monotonic() + self.seconds
            batch.append(value)
            if len(batch) >= self.size:
                yield batch
                batch = []
        if batch:
            yield batch


def _produce(items: Iterable[T], handover: queue.Queue, stop: threading.Event) -> None:
    """Draw ``items`` (in this thread: a generator is closed where it runs) until they end or ``stop`` is set."""
    iterator = iter(items)
    try:
        for item in iterator:
            if not _offer(handover, (_ITEM, item), stop):
                break
        else:
            _offer(handover, (_END, None), stop)
    except BaseException as exc:  # the consumer re-raises it where it can be handled
        _offer(handover, (_ERROR, exc), stop)
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


def _offer(handover: queue.Queue, message: tuple, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            handover.put(message, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False
