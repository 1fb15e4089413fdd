"""The ingest pipeline: work units -> hash (in an engine) -> match -> one outcome per file.

A work unit is plain data carrying a locator: the task opens the evidence itself, so the same task runs in
the local process pool or on a Dask worker that sees the evidence, and nothing but locators and records cross
process boundaries. ``classify`` gives every file exactly one outcome.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from tutela.domain.banks import Match, Trust
from tutela.domain.locator import Locator
from tutela.domain.media import HashRecord, MediaKind, digest_bytes
from tutela.errors import ConfigurationError, UsageError
from tutela.evidence.archives import ArchiveLimits
from tutela.hashing.hasher import HashOptions, digest_stream, fill_from, hash_stream, init_worker
from tutela.matching.matcher import MatchResult, standing_grade
from tutela.processing.grouping import SeenBefore
from tutela.processing.pool import WorkerFailure, run_ordered

OUTCOMES = ("known", "unknown_still", "unknown_video", "ignorable", "duplicate", "not_media", "failed")
THUMBNAIL_SIZE = 256  # px, the longest side of a grading thumbnail
NO_MEDIA_KEY = ("TUTELA_MEDIA_KEY is not set: thumbnails of unknown stills are stored encrypted with it "
                "(make one with `tutela keygen`), or ingest with --no-thumbnails")


@dataclass(frozen=True, slots=True)
class IngestRequest:
    source: str
    case: str
    exhibit: str
    examiner: str
    options: HashOptions = field(default_factory=lambda: HashOptions(match_signals=True))  # thumbnail=256 for them
    limits: ArchiveLimits = field(default_factory=ArchiveLimits)

    def evidence_path(self, media_key: str | None) -> str:
        """The evidence's absolute path, once the request is found one that can run: said before anything starts."""
        if self.options.thumbnail and media_key is None:
            raise ConfigurationError(NO_MEDIA_KEY)
        source = os.path.abspath(self.source)
        if not os.path.exists(source):
            raise UsageError(f"no evidence at {self.source!r}")
        return source


@dataclass(frozen=True, slots=True)
class WorkUnit:
    locator: Locator
    options: HashOptions
    limits: ArchiveLimits
    problem: str | None = None  # the source could not read it: it fails without being opened
    note: str | None = None


@dataclass(slots=True)
class ItemOutcome:
    locator: Locator
    outcome: str
    record: HashRecord
    reason: str | None = None
    match: Match | None = None
    seen_before: list[SeenBefore] = field(default_factory=list)  # the same picture in other cases
    thumbnail: bool = False  # an encrypted thumbnail was stored

    def to_json(self) -> dict[str, Any]:
        r = self.record
        out: dict[str, Any] = {"path": str(self.locator), "locator": self.locator.to_json(),
                               "outcome": self.outcome, "reason": self.reason, "size": r.size, "md5": r.md5,
                               "sha1": r.sha1, "sha256": r.sha256, "kind": str(r.kind) if r.kind else None,
                               "mime": r.mime, "pdq": r.pdq, "quality": r.quality}
        match = self.match
        out.update(category=str(match.category) if match else None, bank=match.bank if match else None,
                   hash_type=match.hash_type if match else None, distance=match.distance if match else None,
                   thumbnail=self.thumbnail, cross_case=[seen.to_json() for seen in self.seen_before])
        return out

    def row(self, exhibit_id: int, ingest_id: int) -> dict[str, Any]:
        r, m = self.record, self.match
        return {"ingest_id": ingest_id, "exhibit_id": exhibit_id, "locator_key": self.locator.key(),
                "locator": self.locator.to_json(), "deleted": self.locator.deleted, "size": r.size,
                "md5": digest_bytes(r.md5), "sha1": digest_bytes(r.sha1), "sha256": digest_bytes(r.sha256),
                "kind": str(r.kind) if r.kind else None, "mime": r.mime, "pdq": digest_bytes(r.pdq),
                "quality": r.quality,
                "outcome": self.outcome, "reason": self.reason, "bank": m.bank if m else None,
                "category": str(m.category) if m else None, "hash_type": m.hash_type if m else None,
                "distance": m.distance if m else None}



# the task -----------------------------------------------------------------------------------------------
def hash_unit(unit: WorkUnit) -> HashRecord:
    """Open the file a locator names and hash it as `tutela hash` does; failures become the record's error."""
    _worker_ready()
    return _with_unit(unit, functools.partial(hash_stream, options=unit.options))


def hash_units_in_turn(units: list[WorkUnit]) -> list[HashRecord]:
    """``hash_unit`` of each unit, in order: one task for several files where a task costs more than a file's
    hashing would bear (a Dask task's scheduling and transfers)."""
    return [hash_unit(unit) for unit in units]


@functools.cache
def _worker_ready() -> None:
    """Once per process, wherever the task runs (a pool worker has it done by its initializer already)."""
    init_worker()


def digest_after_failure(unit: WorkUnit, failure: WorkerFailure) -> HashRecord:
    """Digests only, for a unit whose hashing timed out or killed its worker: the file still ends as one record."""
    record = _with_unit(unit, digest_stream)
    record.error = record.error or f"decode failed: {failure}; digests only"
    return record


def _with_unit(unit: WorkUnit, fill) -> HashRecord:
    from tutela.evidence.reader import EvidenceReader

    record = HashRecord(path=str(unit.locator))
    if unit.problem is not None:
        record.error = unit.problem
        return record
    return fill_from(record, lambda: EvidenceReader(unit.limits).open(unit.locator), fill)


# the engines --------------------------------------------------------------------------------------------
class Engine(Protocol):
    def hash_units(self, units: Iterable[WorkUnit]) -> Iterator[HashRecord]:
        """``hash_unit`` of every unit, in the order of the units. ``units`` may still be growing (processing/
        head_start.py): they are drawn, and any ``len`` taken, only as the results are."""

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class LocalEngine:
    """The supervised local process pool (processing/pool.py): results in the order of the units."""

    workers: int
    timeout: float

    def close(self) -> None:
        """Nothing to release: the pool lives as long as one ``hash_units``."""

    def hash_units(self, units: Iterable[WorkUnit]) -> Iterator[HashRecord]:
        return run_ordered(hash_unit, units, workers=self.workers, timeout=self.timeout,
                           on_failure=digest_after_failure,
                           initializer=_worker_ready,
                           preload=("tutela.hashing.hasher", "tutela.hashing.stills", "tutela.evidence.reader"))


# one outcome per file -----------------------------------------------------------------------------------
def classify(unit: WorkUnit, record: HashRecord, result: MatchResult, first_seen: dict[bytes, str]) -> ItemOutcome:
    """The file's one outcome. ``first_seen`` (SHA-256 -> first file with it in the exhibit) is updated.

    Only a trusted or ignorable bank's match makes a file known: an unverified bank's grade is not one to stand
    on (domain/grading.py), so such a file stays unknown, is grouped and graded, and its reason names the bank.
    """
    grade = standing_grade(result.matches)
    hearsay = _unverified_note(result.matches) if grade is None else None
    outcome = ItemOutcome(unit.locator, "failed", record, match=grade)
    if unit.problem is not None or record.sha256 is None:
        outcome.reason = record.error or "not read"
        return outcome
    digest = bytes.fromhex(record.sha256)
    if digest in first_seen:
        outcome.outcome, outcome.reason = "duplicate", f"same SHA-256 as {first_seen[digest]}"
        return outcome
    first_seen[digest] = str(unit.locator)
    if grade is not None:
        outcome.outcome = "ignorable" if grade.trust is Trust.IGNORABLE else "known"
        outcome.reason = _joined(record.error, unit.note)
    elif record.error is not None:
        outcome.reason = record.error
    elif record.kind is MediaKind.STILL:
        outcome.outcome, outcome.reason = "unknown_still", _joined(hearsay, unit.note)
    elif record.kind is MediaKind.VIDEO:
        outcome.outcome, outcome.reason = "unknown_video", _joined(hearsay, unit.note)
    else:
        outcome.outcome, outcome.reason = "not_media", _joined(record.mime, unit.note)
    return outcome


def _unverified_note(matches: list[Match]) -> str | None:
    banks = sorted({m.bank for m in matches if m.trust is Trust.UNVERIFIED})
    return f"in unverified bank {', '.join(banks)}: to be graded" if banks else None


def _joined(*parts: str | None) -> str | None:
    return "; ".join(p for p in parts if p) or None
