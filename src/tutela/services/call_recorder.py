"""Match records and audit events of partner calls, written in batches by one thread per worker process.

A call's match ids are made at once and returned to the partner; the rows and the call's ``partner_call``
audit event follow within ``interval`` seconds, many calls in one transaction. On SQLite two worker processes
writing a transaction per call would queue on its single writer lock (and its busy handler sleeps up to 100 ms
at a time); batching keeps the answer path free of writes. Feedback on a match flushes this process's queue
first, and the queue is flushed when the app stops.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tutela.store import partners as store
from tutela.store.audit import append_event

log = logging.getLogger(__name__)


@dataclass
class _Call:
    user_id: int
    partner: str
    what: str
    found: list[Any]
    ids: list[str]
    counts: dict[str, int]
    at: datetime


class CallRecorder:
    def __init__(self, engine: Engine, interval: float = 0.2) -> None:
        self.engine, self.interval = engine, interval
        self._pending: list[_Call] = []
        self._lock = threading.Lock()  # guards the queue
        self._writing = threading.Lock()  # one flush at a time, so calls are written in order
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def record(self, user_id: int, partner: str, what: str, found: list[Any], counts: dict[str, int]) -> list[str]:
        """The match ids of ``found``; their rows and the call's audit event are written shortly."""
        ids = store.new_match_ids(len(found))
        with self._lock:
            self._pending.append(_Call(user_id, partner, what, found, ids, counts, store.utc_now()))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="tutela-call-recorder", daemon=True)
                self._thread.start()
        return ids

    def flush(self) -> None:
        with self._writing:
            with self._lock:
                calls, self._pending = self._pending, []
            if not calls:
                return
            try:
                with Session(self.engine) as session, session.begin():
                    for call in calls:
                        store.record_matches(session, call.user_id, call.found, call.at, call.ids)
                        append_event(session, kind="partner_call", actor=call.partner, subject=f"match:{call.what}",
                                     details={**call.counts, "matches": len(call.found)}, at=call.at)
            except Exception:
                with self._lock:
                    self._pending[:0] = calls  # kept, in order, for the next try
                raise

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.flush()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.flush()
            except Exception:  # the store is away: keep the calls and try again
                log.exception("writing match records failed; kept for the next try")
