"""The Dask engine: the ingest task (``hash_unit``) on a Dask distributed cluster, results in the units' order.

Only work units (locators and options) go to the cluster and only hash records come back: each worker opens the
evidence itself by its locator, so the workers must see the evidence at the same path as the coordinator (a
shared or read-only mounted store). Matching and the single store writer stay with the coordinator.
"""

from __future__ import annotations

import socket
from collections import deque
from collections.abc import Iterable, Iterator

from tutela.domain.media import HashRecord
from tutela.errors import UsageError
from tutela.processing.ingest import WorkUnit, digest_after_failure, hash_unit
from tutela.processing.pool import WorkerFailure

CONNECT_SECONDS = 10.0


class DaskEngine:
    """A client of the scheduler at ``address`` (tcp://HOST:PORT); an unreachable one is a UsageError at once."""

    def __init__(self, address: str) -> None:
        from distributed import Client

        self.address = address
        _check_reachable(address)
        try:
            self.client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise UsageError(f"cannot use the Dask scheduler at {address!r}: {_one_line(exc)}") from None

    def close(self) -> None:
        self.client.close()

    def hash_units(self, units: Iterable[WorkUnit]) -> Iterator[HashRecord]:
        threads = sum(self.client.nthreads().values()) or 1
        window = max(8, threads * 8)  # enough queued to keep every worker busy, few enough to bound memory
        pending: deque = deque()
        try:
            for unit in units:
                pending.append((unit, self.client.submit(hash_unit, unit, pure=False)))
                if len(pending) >= window:
                    yield self._collect(*pending.popleft())
            while pending:
                yield self._collect(*pending.popleft())
        finally:
            self.client.cancel([future for _, future in pending])

    def _collect(self, unit: WorkUnit, future) -> HashRecord:
        try:
            return future.result()
        except Exception as exc:  # the task raised, or its worker died (KilledWorker): one item, not the run
            failure = WorkerFailure(f"{type(exc).__name__}: {_one_line(exc)}")
        try:
            return self.client.submit(digest_after_failure, unit, failure, pure=False).result()
        except Exception:
            return HashRecord(path=str(unit.locator), error=f"hashing failed on the cluster: {failure}")


def _check_reachable(address: str) -> None:
    """A wrong or dead address is said in one line at once, not after the client's retries."""
    from distributed.comm import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address, strict=True)
        if scheme != "tcp":
            raise ValueError(f"expected tcp://HOST:PORT, not a {scheme}:// address")
        host, port = parse_host_port(location)
        if not port:
            raise ValueError("no port given (tcp://HOST:PORT)")
        socket.create_connection((host, port), timeout=CONNECT_SECONDS).close()
    except (OSError, ValueError, TypeError) as exc:
        raise UsageError(f"cannot reach the Dask scheduler at {address!r}: {_one_line(exc)}") from None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__
