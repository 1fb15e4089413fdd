"""The library a match server answers from, kept current while it answers.

A ``ServedLibrary`` is immutable: the big PDQ and digest indexes mapped read-only from TUTELA_HOME/indexes
(so every worker process shares one copy in the page cache), plus what was added to the store since they
were built, held in memory. A watcher thread polls the store's library generation; when it moves, the
entries above the watermark are read and a new ``ServedLibrary`` is made beside the old one and swapped in
with one assignment. Requests already running finish on the old one: nothing pauses, nothing is dropped,
and nothing is rebuilt from scratch.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from sqlalchemy import Engine

from tutela.matching.digest_index import DIGEST_LENGTHS
from tutela.matching.matcher import LibraryMatcher, blank_like_rows
from tutela.matching.video_match import VideoFrames, VideoIndex, VideoRule
from tutela.settings import Settings
from tutela.store import match_feed
from tutela.store.library import LibraryStore

log = logging.getLogger(__name__)


class LayeredDigests:
    """The mapped digest index plus digests added since it was built (an ``ExactIndex``)."""

    def __init__(self, main: Any, added: dict[str, dict[bytes, tuple[int, ...]]] | None = None) -> None:
        self.main = main
        self.added = added or {name: {} for name in DIGEST_LENGTHS}

    def lookup(self, hash_type: str, digest: bytes) -> list[int]:
        found = self.main.lookup(hash_type, digest)
        extra = self.added[hash_type].get(digest)
        return found + [i for i in extra if i not in found] if extra else found

    def plus(self, rows: list[tuple[int, bytes | None, bytes | None, bytes | None]]) -> LayeredDigests:
        added = {name: dict(table) for name, table in self.added.items()}
        for entry_id, *digests in rows:
            for name, digest in zip(DIGEST_LENGTHS, digests, strict=True):
                if digest:
                    key = bytes(digest)
                    added[name][key] = (*added[name].get(key, ()), entry_id)
        return LayeredDigests(self.main, added)

    def __len__(self) -> int:
        return sum(len(t) for t in self.main.tables.values()) + sum(len(t) for t in self.added.values())


@dataclass(frozen=True)
class ServedLibrary:
    matcher: LibraryMatcher
    digests: LayeredDigests
    near: Any  # PdqIndex (or any index with ``search`` and ``with_added``)
    videos: VideoIndex
    video_frames: dict[int, VideoFrames]
    generation: int
    watermark: int  # the highest entry id held
    index_built: float  # when the mapped index file was written (epoch seconds)
    added: int = 0  # entries held in memory beside the mapped indexes
    made: float = field(default_factory=time.time)

    def figures(self) -> dict[str, Any]:
        return {"pdq_entries": len(self.near), "digest_entries": len(self.digests), "videos": len(self.videos),
                "video_frames": self.videos.frames, "generation": self.generation, "in_memory": self.added}


def rule_from(settings: Settings) -> VideoRule:
    return VideoRule(settings.vpdq_distance, settings.vpdq_quality, settings.vpdq_query_percent,
                     settings.vpdq_bank_percent)


def load_library(settings: Settings, engine: Engine, near: Any = None) -> ServedLibrary:
    """Open (or build, when missing or stale) the indexes and read the bank videos; ``near`` replaces the PDQ
    index (bench/match_service.py puts faiss behind the same service)."""
    from tutela.matching.indexes import PDQ_FILE, open_or_build

    store = LibraryStore(engine)
    generation = store.generation()
    watermark = match_feed.highest_entry_id(engine)  # read before the indexes: anything later is above it
    with _build_lock(settings.index_folder):  # workers starting together build a stale index once, not each
        exact, pdq_index = open_or_build(settings.index_folder, store)
    frames = {entry: VideoFrames(rows, quality) for entry, rows, quality in match_feed.video_frames(engine)}
    digests = LayeredDigests(exact)
    near = near if near is not None else pdq_index
    rule = rule_from(settings)
    built = os.stat(settings.index_folder / PDQ_FILE).st_mtime
    return ServedLibrary(LibraryMatcher(store.banks(), digests, near, store.entries_by_id), digests, near,
                         VideoIndex(frames, rule), frames, generation, watermark, built)


@contextmanager
def _build_lock(folder):
    import fcntl

    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".build.lock", "wb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def refreshed(library: ServedLibrary, engine: Engine, rule: VideoRule) -> ServedLibrary | None:
    """The library with what the store gained since ``library`` was made, or None when nothing changed."""
    store = LibraryStore(engine)
    generation = store.generation()
    if generation == library.generation:
        return None
    added = match_feed.entries_after(engine, library.watermark)
    digests, near, frames, videos = library.digests, library.near, library.video_frames, library.videos
    if len(added):
        digests = digests.plus(added.digests)
        keep = ~blank_like_rows(added.pdq_rows) if added.pdq_ids.size else np.zeros(0, dtype=bool)
        if keep.any():
            near = near.with_added(added.pdq_rows[keep], added.pdq_ids[keep])
        new_videos = {e: VideoFrames(r, q) for e, r, q in match_feed.video_frames(engine, after=library.watermark)}
        if new_videos:
            frames = {**frames, **new_videos}
            videos = VideoIndex(frames, rule)
    matcher = LibraryMatcher(store.banks(), digests, near, store.entries_by_id)
    return replace(library, matcher=matcher, digests=digests, near=near, videos=videos, video_frames=frames,
                   generation=generation, watermark=added.watermark, added=library.added + len(added),
                   made=time.time())


class LibraryWatcher:
    """Holds the current ``ServedLibrary`` and replaces it when the store changes (a daemon thread)."""

    def __init__(self, load: Callable[[], ServedLibrary], refresh: Callable[[ServedLibrary], ServedLibrary | None],
                 interval: float) -> None:
        self.current = load()
        self.checked = time.time()
        self._refresh, self._interval = refresh, interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poll(self) -> bool:
        """Look once; True when a new library was swapped in."""
        newer = self._refresh(self.current)
        if newer is not None:
            self.current = newer  # one assignment: requests hold whichever library they started with
        self.checked = time.time()
        return newer is not None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="tutela-library-watcher", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.poll()
            except Exception:  # a store hiccup must not kill the watcher: the next poll tries again
                log.exception("match library refresh failed; answering from the library as it was")

    def health(self) -> dict[str, Any]:
        library, now = self.current, time.time()
        return {**library.figures(), "index_built_seconds_ago": round(now - library.index_built, 1),
                "checked_seconds_ago": round(now - self.checked, 1),
                "changed_seconds_ago": round(now - library.made, 1)}
