"""The ``tutela hash`` use case: named paths -> one HashRecord each, in order, in a process pool."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator

from tutela.domain.media import HashRecord
from tutela.evidence.folder import PathEntry, walk_paths
from tutela.hashing.hasher import HashOptions, digest_file, display_path, hash_file, init_worker
from tutela.processing.pool import WorkerFailure, run_ordered


def hash_entry(entry: PathEntry, options: HashOptions) -> HashRecord:
    """The pool task: a problem entry becomes its error record, a file is hashed."""
    if entry.problem is not None:
        shown, raw_hex = display_path(entry.path)
        return HashRecord(path=shown, path_hex=raw_hex, error=entry.problem)
    return hash_file(entry.path, options)


def _after_failure(entry: PathEntry, failure: WorkerFailure) -> HashRecord:
    # Decoding hung or crashed; the digests are still worth having, and reading bytes cannot hang.
    record = digest_file(entry.path)
    record.error = f"decode failed: {failure}; digests only"
    return record


def collect_entries(paths: Iterable[str]) -> list[PathEntry]:
    """Walk first, so that progress can show a total and an ETA; entries are small."""
    return list(walk_paths(paths))


def hash_entries(
    entries: Iterable[PathEntry], options: HashOptions, *, workers: int, timeout: float
) -> Iterator[HashRecord]:
    """Hash every entry; records come back in the entries' order, one per entry."""
    return run_ordered(
        functools.partial(hash_entry, options=options),
        entries,
        workers=workers,
        timeout=timeout,
        on_failure=_after_failure,
        initializer=init_worker,
        preload=("tutela.hashing.hasher", "tutela.hashing.stills"),
    )
