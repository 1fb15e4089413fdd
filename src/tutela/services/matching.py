"""Matching use cases: the library matcher built from the store, hash look-ups, and hash-and-match of files."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tutela.domain.media import HashRecord
from tutela.errors import UsageError
from tutela.matching.matcher import LibraryMatcher, MatchResult, PdqQuery
from tutela.settings import Settings

if TYPE_CHECKING:
    from tutela.store.library import LibraryStore

QUERY_TYPES = {"md5": 32, "sha1": 40, "sha256": 64, "pdq": 64}


@dataclass(frozen=True, slots=True)
class HashQuery:
    text: str
    hash_type: str
    value: str


def parse_query(line: str) -> HashQuery:
    """``md5:HEX``, ``sha1:HEX``, ``sha256:HEX`` or ``pdq:HEX`` (any case) -> a query; ValueError says why not."""
    text = line.strip().lstrip("\ufeff")
    kind, sep, value = text.partition(":")
    kind, value = kind.strip().lower(), value.strip().lower()
    if not sep or kind not in QUERY_TYPES:
        raise ValueError("expected md5:HEX, sha1:HEX, sha256:HEX or pdq:HEX")
    if len(value) != QUERY_TYPES[kind]:
        raise ValueError(f"{kind} must be {QUERY_TYPES[kind]} hex digits, got {len(value)}")
    try:
        bytes.fromhex(value)
    except ValueError:
        raise ValueError(f"{kind} is not hexadecimal") from None
    return HashQuery(text, kind, value)


def load_matcher(settings: Settings, store: LibraryStore) -> LibraryMatcher:
    """The matcher over the current library, its indexes rebuilt from the store when missing or stale."""
    from tutela.matching.indexes import open_or_build

    exact, near = open_or_build(settings.index_folder, store)
    return LibraryMatcher(store.banks(), exact, near, store.entries_by_id)


def load_lookup_matcher(settings: Settings) -> LibraryMatcher:
    """``load_matcher`` for a look-up: from an embedded store with current indexes it reads the banks and matched
    entries through sqlite3 (see store/library_read.py); any other case takes the full path, which may upgrade
    the store and rebuild the indexes."""
    from tutela.matching.indexes import open_current
    from tutela.store.library_read import SqliteLibraryReader

    reader = SqliteLibraryReader.open(settings.database_url, settings.home)
    if reader is not None:
        indexes = open_current(settings.index_folder, reader.generation())
        if indexes is not None:
            return LibraryMatcher(reader.banks(), *indexes, reader.entries_by_id)
        reader.close()
    from tutela.services.store import open_store
    from tutela.store.library import LibraryStore

    return load_matcher(settings, LibraryStore(open_store(settings)))


def lookup(matcher: LibraryMatcher, queries: list[HashQuery]) -> list[MatchResult]:
    results: list[MatchResult | None] = [None] * len(queries)
    digests = [(i, q) for i, q in enumerate(queries) if q.hash_type != "pdq"]
    pdqs = [(i, q) for i, q in enumerate(queries) if q.hash_type == "pdq"]
    for (i, _), result in zip(digests, matcher.match_digests([(q.hash_type, q.value) for _, q in digests]),
                              strict=True):
        results[i] = result
    for (i, _), result in zip(pdqs, matcher.match_pdqs([PdqQuery((("original", q.value),)) for _, q in pdqs]),
                              strict=True):
        results[i] = result
    return results  # type: ignore[return-value]


def match_records(matcher: LibraryMatcher, records: Iterable[HashRecord], batch: int = 256
                  ) -> Iterator[tuple[HashRecord, MatchResult]]:
    """Each hashed file with its matches: digests first, then its still's PDQ candidates."""
    pending: list[HashRecord] = []
    for record in records:
        pending.append(record)
        if len(pending) >= batch:
            yield from _match_batch(matcher, pending)
            pending = []
    if pending:
        yield from _match_batch(matcher, pending)


def _match_batch(matcher: LibraryMatcher, records: list[HashRecord]) -> Iterator[tuple[HashRecord, MatchResult]]:
    results = [MatchResult() for _ in records]
    for hash_type in ("sha256", "sha1", "md5"):
        asked = [(i, getattr(r, hash_type)) for i, r in enumerate(records) if getattr(r, hash_type)]
        for (i, _), found in zip(asked, matcher.match_digests([(hash_type, v) for _, v in asked]), strict=True):
            seen = {m.entry_id for m in results[i].matches}
            results[i].matches += [m for m in found.matches if m.entry_id not in seen]
    near = [(i, r) for i, r in enumerate(records) if r.match_candidates]
    queries = [PdqQuery(tuple(r.match_candidates), r.quality) for _, r in near]
    for (i, _), found in zip(near, matcher.match_pdqs(queries), strict=True):
        seen = {m.entry_id for m in results[i].matches}
        results[i].matches += [m for m in found.matches if m.entry_id not in seen]
        results[i].note = found.note
    from tutela.domain.banks import rank

    for record, result in zip(records, results, strict=True):
        result.matches = rank(result.matches)
        if record.kind == "video" and result.note is None:
            result.note = "video frames are not near-matched by `tutela match` (digests only)"
        yield record, result


def check_queries_given(count: int) -> None:
    if count == 0:
        raise UsageError("no hashes on stdin: give one md5:HEX, sha1:HEX, sha256:HEX or pdq:HEX a line")
