"""The ``tutela ingest`` use case: an exhibit's evidence -> one recorded outcome per file, resumably.

The evidence's digest is taken before and after; the exhibit's continuity log records the ingest. Files already
recorded for the exhibit (by locator) are skipped, so a run killed at any moment and run again ends with the
same records as one uninterrupted run, and running a finished ingest again changes nothing.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tutela.errors import UsageError
from tutela.matching.matcher import LibraryMatcher
from tutela.processing.grouping import Probe, SeenElsewhere, near_duplicate_groups
from tutela.processing.head_start import HeadStart
from tutela.processing.ingest import (  # noqa: F401  (THUMBNAIL_SIZE, NO_MEDIA_KEY: said here for callers)
    NO_MEDIA_KEY,
    OUTCOMES,
    THUMBNAIL_SIZE,
    Engine,
    IngestRequest,
    ItemOutcome,
    WorkUnit,
    classify,
)
from tutela.store.ingest import IngestRow, IngestStore
from tutela.store.media_groups import MediaGroupStore
from tutela.store.unit import UnitStore

BATCH = 500  # media items per write transaction (TUTELA_INGEST_BATCH), or fewer when slow (head_start.py)
UNKNOWN = ("unknown_still", "unknown_video")


@dataclass
class IngestRun:
    """One run of an ingest: the work left to do (``units``) and what it found (``outcomes()``)."""

    request: IngestRequest
    ingest: IngestRow | None  # None until the evidence's digest is taken, for a new ingest
    units: list[WorkUnit]
    first_seen: dict[bytes, str]
    already_finished: bool
    resumed: bool
    started: float = field(default_factory=time.perf_counter)
    processed: int = 0
    acquisition: dict[str, Any] | None = None  # an E01's stored acquisition digests verified (evidence/ewf.py)
    verifying: Future | None = None  # the evidence's digest being taken: (IngestRow, acquisition)
    exhibit_id: int | None = None
    hashing: HeadStart | None = None  # the units being hashed since before the store was open
    stopping: threading.Event = field(default_factory=threading.Event)  # set: the digest beside the hashing stops
    reading: str = ""  # what of the evidence is being read in full now (its digest, an E01's check), if anything
    read_bytes: int = 0  # ... and how much of it so far
    _read_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def abandon(self) -> None:
        """The run ends unfinished (Ctrl-C, an error): the evidence's digest stops at its next read, and records
        nothing (no ingest begun, no continuity), instead of reading the evidence to its end."""
        self.stopping.set()

    def status(self) -> str:
        """For a progress display: the digest or check under way and how far it has read. Nothing is recorded until
        the first ones end, which on a large image is long after the first files are hashed."""
        with self._read_lock:
            reading, read = self.reading, self.read_bytes
        return f"{reading}: {read / 1e9:.2f} GB read" if reading else ""

    @contextmanager
    def reading_in_full(self, what: str) -> Iterator[Callable[[int], None]]:
        """While the evidence is read in full for ``what`` (its digest, an E01's check; "" shows nothing): the
        callback a reader tells its bytes to, for ``status``."""
        self._begin_reading(what)
        try:
            yield self._count_read
        finally:
            self._begin_reading("")

    def _begin_reading(self, what: str) -> None:
        with self._read_lock:
            self.reading, self.read_bytes = what, 0

    def _count_read(self, count: int) -> None:  # from the reading threads
        with self._read_lock:
            self.read_bytes += count


class IngestService:
    def __init__(self, ingests: IngestStore, unit: UnitStore, matcher: Callable[[], LibraryMatcher],
                 engine: Engine, batch: int = BATCH, media_key: str | None = None) -> None:
        self.ingests, self.unit, self.matcher, self.engine = ingests, unit, matcher, engine
        self.groups = MediaGroupStore(ingests.engine)
        self.batch = batch
        self.media_key = media_key
        self._fernet = None

    def start(self, request: IngestRequest, hashing: HeadStart | None = None) -> IngestRun:
        """Check the exhibit, begin taking the evidence's digest (and verifying an E01's), and list what is left to
        record. An ingest finished earlier is only checked unchanged, by ``finish``.

        ``hashing``, begun before the store was open (``HeadStart.of``), is taken up, or begun here; either way this
        run closes it (``batches``), or it is closed here if the run cannot go on."""
        if hashing is None:
            hashing = HeadStart.of(request, self.engine, self.media_key, size=self.batch)
        try:
            return self._start(request, hashing)
        except BaseException:
            hashing.close()
            raise

    def _start(self, request: IngestRequest, hashing: HeadStart) -> IngestRun:
        source = hashing.source
        exhibit_id = self.ingests.exhibit_in_case(request.exhibit, request.case)
        ingest = self.ingests.find(exhibit_id, source)
        if ingest is not None and ingest.finished is not None:  # its evidence is checked unchanged by ``finish``
            hashing.close()
            return IngestRun(request, ingest, [], {}, already_finished=True, resumed=False)
        recorded, first_seen = self.ingests.recorded(exhibit_id)
        units = hashing.leave_out(recorded)
        # The evidence's digest (and an E01's acquisition check) reads every byte of it: it runs beside the hashing
        # instead of before it, and nothing is recorded until it is done and the evidence found unchanged.
        run = IngestRun(request, ingest, units, first_seen, already_finished=False, resumed=ingest is not None,
                        exhibit_id=exhibit_id, hashing=hashing)
        try:
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="evidence-digest")
            run.verifying = pool.submit(self._verify, request, exhibit_id, source, ingest, run)
            pool.shutdown(wait=False)
            return run
        except BaseException:  # Ctrl-C before the caller holds the run: the digest is stopped here
            run.abandon()
            raise

    def _verify(self, request: IngestRequest, exhibit_id: int, source: str, ingest: IngestRow | None,
                run: IngestRun) -> tuple[IngestRow, dict[str, Any] | None]:
        """Digest the evidence, refuse it if it changed since an earlier run, begin (or resume) the ingest."""
        from tutela.evidence.disk import is_e01
        from tutela.evidence.integrity import DigestStopped, acquisition_check, evidence_sha256

        with run.reading_in_full("evidence SHA-256") as read:
            before = evidence_sha256(source, stop=run.stopping, read=read)
        if ingest is not None:
            _refuse_changed(ingest, before, request.exhibit)
        with run.reading_in_full("E01 acquisition check" if is_e01(source) else "") as read:
            check = acquisition_check(source, run.stopping, read)
        resumed = ingest is not None
        # Both reads are done before anything is written: a run stopped during either (or just after) has begun
        # no ingest and logged nothing, rather than one that a later run would take up as its own start.
        if run.stopping.is_set():
            raise DigestStopped("the run was stopped")
        if ingest is None:
            ingest = self.ingests.begin(exhibit_id, source, before)
        checked = f"; {check.sentence()}" if check else ""
        self.unit.add_continuity(request.exhibit, to=request.examiner, kind="examination", status="in_examination",
                                 reason=f"ingest {'resumed' if resumed else 'started'}: {source} "
                                        f"(evidence SHA-256 {before}{checked})")
        return ingest, check.to_json() if check else None

    def _verified(self, run: IngestRun) -> IngestRow:
        """The ingest, once the evidence's digest is taken and checked (at once after the first call)."""
        if run.verifying is not None:
            run.ingest, run.acquisition = run.verifying.result()
            run.verifying = None
        return run.ingest

    def outcomes(self, run: IngestRun) -> Iterator[ItemOutcome]:
        """Every unit's outcome, in order, each given only once the store holds it."""
        for batch in self.batches(run):
            yield from batch

    def batches(self, run: IngestRun) -> Iterator[list[ItemOutcome]]:
        """Hash, match and record the units left, in order, a batch per transaction; a batch is given out only
        once it is committed, so what a caller has seen is what a killed run keeps. One writer: this one."""
        if run.hashing is None:
            return
        try:
            with run.hashing as hashing:
                if not run.units:
                    return
                from tutela.services.matching import match_records

                matcher = self.matcher()  # loads while the first files are being hashed
                seen = SeenElsewhere(self.groups.other_cases(run.exhibit_id))
                for hashed in hashing.batches():
                    matched = match_records(matcher, [record for _, record in hashed], batch=len(hashed))
                    done = [classify(unit, record, result, run.first_seen)
                            for (unit, _), (record, result) in zip(hashed, matched, strict=True)]
                    self._record(run, done, seen)
                    run.processed += len(done)
                    yield done
        except BaseException:  # an error, Ctrl-C, or the caller stopped drawing (GeneratorExit): the run is over
            run.abandon()
            raise

    def _record(self, run: IngestRun, done: list[ItemOutcome], seen: SeenElsewhere) -> None:
        """The batch's media items, with the thumbnails of its unknown stills and its cross-case links, in one
        transaction. Thumbnails of anything else are dropped unstored (the worker cannot know what is known)."""
        unknown = [outcome for outcome in done if outcome.outcome in UNKNOWN]
        for outcome, links in zip(unknown, seen.links([Probe.of(o.record) for o in unknown]), strict=True):
            outcome.seen_before = links
        thumbnails = {}
        for outcome in done:
            thumbnail, outcome.record.thumbnail = outcome.record.thumbnail, None
            if thumbnail is not None and outcome.outcome == "unknown_still" and self.media_key is not None:
                thumbnails[outcome.locator.key()] = (self._sealed(thumbnail.jpeg), thumbnail.width, thumbnail.height)
                outcome.thumbnail = True
        ingest = self._verified(run)
        self.ingests.write([outcome.row(ingest.exhibit_id, ingest.id) for outcome in done], thumbnails,
                           {o.locator.key(): o.seen_before for o in unknown if o.seen_before})

    def _sealed(self, jpeg: bytes) -> bytes:
        from cryptography.fernet import Fernet

        if self._fernet is None:
            self._fernet = Fernet(self.media_key)
        return self._fernet.encrypt(jpeg)

    def finish(self, run: IngestRun) -> dict[str, Any]:
        """Take the digest again, close the ingest, log it, and give the summary."""
        if run.already_finished:  # nothing to do if the evidence is as it was; refused if it changed
            ingest = run.ingest
            _refuse_changed(ingest, _sha256_now(run, "evidence SHA-256"), run.request.exhibit)
            return self._summary(run, ingest.counts or self.ingests.counts(ingest.id), ingest.evidence_sha256_after)
        ingest = self._verified(run)
        # A thread per core reads the evidence again: nothing else runs now. (Regrouping beside it, in a thread,
        # slowed both by contending for the interpreter: 118 ms for both, against 73 one after the other.)
        after = _sha256_now(run, "evidence SHA-256 after")
        groups = self.groups.regroup(ingest.exhibit_id, near_duplicate_groups)
        counts = {**self.ingests.counts(ingest.id), "groups": groups, **self.groups.aids_of_ingest(ingest.id)}
        if run.acquisition is not None:
            counts["acquisition_verification"] = run.acquisition  # kept with the ingest's record
        self.ingests.finish(ingest.id, after, counts)
        state = "unchanged" if after == ingest.evidence_sha256_before else "CHANGED"
        self.unit.add_continuity(run.request.exhibit, to=run.request.examiner, kind="examination",
                                 reason=f"ingest finished: {ingest.source_path}, {counts['files']} files, "
                                        f"evidence SHA-256 {after} ({state})")
        return self._summary(run, counts, after)

    def _summary(self, run: IngestRun, counts: dict[str, Any], after: str | None) -> dict[str, Any]:
        elapsed = time.perf_counter() - run.started
        plural = {"unknown_still": "unknown_stills", "unknown_video": "unknown_videos", "duplicate": "duplicates"}
        out: dict[str, Any] = {"case": run.request.case, "exhibit": run.request.exhibit,
                               "source": run.ingest.source_path, "files": counts["files"],
                               "known": dict(sorted(counts["known"].items()))}
        for outcome in OUTCOMES[1:]:
            out[plural.get(outcome, outcome)] = counts.get(outcome, 0)
        out.update(groups=counts.get("groups", 0), thumbnails=counts.get("thumbnails", 0),
                   cross_case_links=counts.get("cross_case_links", 0), cross_case=counts.get("cross_case", []),
                   deleted_recovered=counts["deleted_recovered"],
                   evidence_sha256_before=run.ingest.evidence_sha256_before, evidence_sha256_after=after,
                   acquisition_verification=counts.get("acquisition_verification", run.acquisition),
                   processed=run.processed, resumed=run.resumed, already_finished=run.already_finished,
                   elapsed_seconds=round(elapsed, 3), rate=round(run.processed / elapsed, 2) if elapsed > 0 else 0.0)
        return out


def _sha256_now(run: IngestRun, what: str) -> str:
    """The evidence's SHA-256, read with a thread per core (nothing else runs then), shown as ``what``."""
    from tutela.evidence.integrity import evidence_sha256

    with run.reading_in_full(what) as read:
        return evidence_sha256(run.ingest.source_path, threads=os.cpu_count() or 1, read=read)


def _refuse_changed(ingest: IngestRow, now: str, exhibit: str) -> None:
    if ingest.evidence_sha256_before != now:
        raise UsageError(f"the evidence at {ingest.source_path!r} changed since exhibit {exhibit!r} was ingested "
                         f"from it (SHA-256 {ingest.evidence_sha256_before}, now {now}): not ingested again")
