"""What a match-service worker does for each partner call: check the key, apply the rate limit, match against
the banks shared with the partner, give every match an id, and audit the call (counts only, never the hashes).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tutela.errors import UsageError
from tutela.matching.video_match import VideoFrames
from tutela.services.call_recorder import CallRecorder
from tutela.services.match_library import LibraryWatcher
from tutela.services.match_service import Answer, Found, match_hashes, match_upload, match_videos, parse_hashes
from tutela.settings import Settings
from tutela.store import partners as store
from tutela.store.audit import append_event
from tutela.store.partners import KeyRefused, Partner

__all__ = ["BankNotShared", "KeyRefused", "Partner", "PartnerCalls", "RateLimiter", "TooMany"]


class BankNotShared(Exception):
    """The partner named a bank that is not shared with it (or does not exist: the answer is the same)."""


class TooMany(UsageError):
    """More hashes or frames in one request than TUTELA_MATCH_MAX_HASHES allows."""


class RateLimiter:
    """A token bucket per partner in this process: ``rate`` calls a second, bursts of up to one second's worth."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.clock = rate, clock
        self._buckets: dict[int, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def admit(self, partner_id: int) -> float | None:
        """None when the call may go ahead (a token is taken), else the seconds to wait."""
        now = self.clock()
        capacity = max(1.0, self.rate)
        with self._lock:
            tokens, then = self._buckets.get(partner_id, (capacity, now))
            tokens = min(capacity, tokens + (now - then) * self.rate)
            if tokens >= 1.0:
                self._buckets[partner_id] = (tokens - 1.0, now)
                return None
            self._buckets[partner_id] = (tokens, now)
            return (1.0 - tokens) / self.rate


@dataclass(frozen=True)
class VideoQuery:
    frames: list[tuple[str, int]]  # (PDQ hex, quality)


class PartnerCalls:
    """One per worker process; safe to call from many request threads at once."""

    def __init__(self, settings: Settings, engine: Engine, watcher: Callable[[], LibraryWatcher], *,
                 workers: int = 1) -> None:
        self.settings, self.engine = settings, engine
        self._make_watcher, self._watcher = watcher, None
        self._watcher_lock = threading.Lock()
        # Each worker process keeps its own buckets; together they allow the configured rate.
        self.limiter = RateLimiter(settings.match_rate_limit / max(1, workers))
        self.recorder = CallRecorder(engine)

    @property
    def watcher(self) -> LibraryWatcher:
        """The library and its watcher, loaded on first use (the full web application may never need them)."""
        if self._watcher is None:
            with self._watcher_lock:
                if self._watcher is None:
                    watcher = self._make_watcher()
                    watcher.start()
                    self._watcher = watcher
        return self._watcher

    def health(self) -> dict[str, Any]:
        """Index size and age; before the first call of a lazily loaded library, only that it is not loaded."""
        if self._watcher is None:
            return {"status": "ok", "loaded": False}
        return {"status": "ok", "loaded": True, **self._watcher.health()}

    def close(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
        self.recorder.close()

    def partner(self, key: str) -> Partner:
        with Session(self.engine) as session:
            return store.authenticate(session, key)

    def admit(self, partner: Partner) -> float | None:
        return self.limiter.admit(partner.id)

    def shared_banks(self, partner: Partner) -> list[dict[str, Any]]:
        banks = self.watcher.current.matcher.banks
        return [{"bank": banks[i].name, "pdq_threshold": banks[i].pdq_threshold, "enabled": banks[i].enabled}
                for i in sorted(partner.banks, key=lambda i: banks[i].name if i in banks else "") if i in banks]

    def lookup(self, partner: Partner, hashes: Sequence[str], videos: Sequence[VideoQuery],
               banks: Sequence[str] | None = None) -> dict[str, Any]:
        limit = self.settings.match_max_hashes
        frames = sum(len(v.frames) for v in videos)
        if len(hashes) + frames > limit:
            raise TooMany(f"too many hashes: {len(hashes)} hashes and {frames} video frames in one request, "
                          f"at most {limit} in all")
        queries = parse_hashes(hashes, limit)
        parsed_videos = [_video(i, v) for i, v in enumerate(videos)]
        library = self.watcher.current  # one library for the whole call, even if a newer one arrives meanwhile
        scope = self._scope(partner, banks, library)
        answers = match_hashes(library, scope, queries)
        video_found = match_videos(library, scope, parsed_videos)
        found = [f for a in answers for f in a.found] + [f for v in video_found for f in v]
        ids = iter(self._record(partner, "lookup", found, hashes=len(queries), videos=len(videos), frames=frames))
        return {"results": [_answer_json(a, ids) for a in answers],
                "videos": [{"video": i, "matches": [_match_json(f, next(ids)) for f in v]}
                           for i, v in enumerate(video_found)],
                "hashes": len(queries),
                "matched": sum(1 for a in answers if a.found) + sum(1 for v in video_found if v)}

    def upload(self, partner: Partner, data: bytes) -> dict[str, Any]:
        library = self.watcher.current
        record, answer = match_upload(library, partner.banks, data, max_pixels=self.settings.max_pixels)
        ids = iter(self._record(partner, "media", answer.found, hashes=1, videos=int(record.kind == "video"),
                                frames=len(record.signatures or [])))
        out = _answer_json(answer, ids)
        out.update({"kind": str(record.kind) if record.kind else None, "size": record.size})
        return out

    def feedback(self, partner: Partner, match_id: str, action: str, note: str | None) -> dict[str, Any]:
        self.recorder.flush()  # this worker's own recent matches are in the store before they are looked up
        now = store.utc_now()
        with Session(self.engine) as session, session.begin():
            new = store.report_takedown(session, partner.id, match_id, action, note, now)
            if new:
                append_event(session, kind="takedown_feedback", actor=partner.name, subject=f"match:{match_id}",
                             details={"action": action})
        return {"match_id": match_id, "action": action, "recorded": new}

    def _scope(self, partner: Partner, banks: Sequence[str] | None, library) -> frozenset[int]:
        if banks is None:
            return partner.banks
        by_name = {bank.name: bank.id for bank in library.matcher.banks.values()}
        chosen = set()
        for name in banks:
            if by_name.get(name) not in partner.banks:
                raise BankNotShared(f"bank {name!r} is not shared with you")
            chosen.add(by_name[name])
        return frozenset(chosen)

    def _record(self, partner: Partner, what: str, found: list[Found], **counts: int) -> list[str]:
        return self.recorder.record(partner.id, partner.name, what, found, counts)


def _video(position: int, video: VideoQuery) -> VideoFrames:
    try:
        return VideoFrames.from_hex(video.frames)
    except ValueError as exc:
        raise UsageError(f"videos[{position}]: {exc}") from None


def _match_json(found: Found, match_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {"match_id": match_id, "bank": found.bank, "category": found.category,
                           "hash_type": found.hash_type}
    if found.hash_type == "vpdq":
        out.update(query_percent=found.query_percent, bank_percent=found.bank_percent)
    else:
        out["distance"] = found.distance
    return out


def _answer_json(answer: Answer, ids) -> dict[str, Any]:
    out: dict[str, Any] = {"query": answer.query, "matches": [_match_json(f, next(ids)) for f in answer.found]}
    if answer.note:
        out["note"] = answer.note
    return out
