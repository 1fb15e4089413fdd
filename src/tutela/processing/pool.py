"""The local engine: a supervised process pool that keeps output in input order.

Each item gets its own deadline; a worker that overruns it, or dies (a decoder crash), is killed and
replaced by the pool (pebble), and the item is handed to ``on_failure`` so it still ends as one record.
At most ``window`` items are in flight, so memory stays bounded however many paths come in.
"""

from __future__ import annotations

import importlib
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


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
    """Run ``task`` on every item in ``workers`` processes; results come back in the order of ``items``."""
    from pebble import ProcessExpired, ProcessPool

    # Plain fork (pebble's own default): workers inherit what this process has imported. A forkserver was tried
    # first, but a worker still starting when a short run closed the pool failed to unpickle its semaphore and
    # printed a traceback (seen 1 run in 15 on three files).
    context = multiprocessing.get_context("fork")
    for module in preload:
        importlib.import_module(module)
    window = max(4, workers * 8)
    with ProcessPool(max_workers=workers, initializer=initializer, context=context) as pool:
        pending: deque = deque()
        try:
            for item in items:
                pending.append((item, pool.schedule(task, args=(item,), timeout=timeout)))
                if len(pending) >= window:
                    yield _collect(*pending.popleft(), on_failure, ProcessExpired, timeout)
            while pending:
                yield _collect(*pending.popleft(), on_failure, ProcessExpired, timeout)
        finally:
            for _, future in pending:
                future.cancel()


def _collect(item, future, on_failure, expired_type, timeout):
    try:
        return future.result()
    except FutureTimeout:
        return on_failure(item, WorkerFailure(f"timed out after {timeout:g} s"))
    except expired_type as exc:
        return on_failure(item, WorkerFailure(f"worker died (exit code {exc.exitcode})"))
    except Exception as exc:  # a bug in the task must cost one item, not the run
        return on_failure(item, WorkerFailure(f"{type(exc).__name__}: {exc}"))
