"""The matching rules, pure: digests first, then PDQ near matches within each bank's threshold.

A PDQ query is a set of candidates (the picture in its 8 dihedral orientations, and again inside uniform
borders); the nearest candidate decides an entry's distance. Stills whose PDQ quality is below 50 are not near
matched, and neither are blank-like hashes (few bits set), so two near-blank pictures never match.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Protocol

import numpy as np

from tutela.domain.banks import MIN_PDQ_QUALITY, BankInfo, Match, Trust, rank
from tutela.domain.categories import Category

# A PDQ is the sign of 256 DCT coefficients against their median, so a real picture sets about half its
# bits; a hash with very few (or very many) bits set comes from a flat, near-blank picture.
MIN_BITS_SET, MAX_BITS_SET = 48, 208


class NearIndex(Protocol):
    def search(self, queries: np.ndarray, threshold: int) -> list[list[tuple[int, int]]]:
        """For each 32-byte query row, every (entry id, distance) within ``threshold``."""


class ExactIndex(Protocol):
    def lookup(self, hash_type: str, digest: bytes) -> list[int]: ...


@dataclass(frozen=True, slots=True)
class PdqQuery:
    candidates: tuple[tuple[str, str], ...]  # (orientation label, PDQ hex)
    quality: int | None = None


@dataclass
class MatchResult:
    matches: list[Match] = field(default_factory=list)
    note: str | None = None


BLANK_DISTANCE = 16  # this near one of the hashes of a flat picture counts as blank


@cache
def flat_picture_hashes() -> tuple[int, ...]:
    """PDQs of perfectly flat pictures, one per grey level. They are not all zero: float rounding in the
    DCT leaves a fixed pattern per level, the same at any size, so a hash-only query cannot rely on bit counts.
    Read from a table (flat_pdqs.py) that ``hash_flat_pictures`` reproduces."""
    from tutela.matching.flat_pdqs import FLAT_PICTURE_PDQS

    return tuple(int(value, 16) for value in FLAT_PICTURE_PDQS)


def hash_flat_pictures() -> set[int]:
    """The flat pictures' PDQs computed with pdqhash: what the table in flat_pdqs.py holds."""
    from tutela.hashing.pdq import pdq_from_luma

    return {int(pdq_from_luma(np.full((64, 64), level, dtype=np.uint8))[0], 16) for level in range(256)}


def blank_like(pdq_hex: str) -> bool:
    """True for the hash of a flat, near-blank picture: few bits set, or near a flat picture's hash."""
    return bool(blank_like_rows(np.frombuffer(bytes.fromhex(pdq_hex), dtype=np.uint8).reshape(1, 32))[0])


@cache
def _flat_picture_words() -> np.ndarray:
    return np.stack([np.frombuffer(f.to_bytes(32, "big"), dtype=np.uint8) for f in flat_picture_hashes()]).view(
        np.uint64)


_BLANK_CHUNK = 4096  # rows compared with the flat pictures at a time: 4096 x 256 x 4 words is 32 MB
# From this many rows the near-flat check indexes the rows (MIH, in C) and looks the flat pictures up in it,
# instead of comparing every row with every flat picture: 256 rows 0.13 ms against 0.79, 5000 rows 1.4 ms against
# 16.6, 200,000 rows 38 ms against 714 (an ingest's cross-case lookup reads that many of other cases' files).
_BLANK_BY_INDEX = 64


def blank_like_rows(rows: np.ndarray) -> np.ndarray:
    """``blank_like`` for many (N, 32) uint8 hashes at once (a batch of look-ups checks them all in one go).

    In chunks: a match server refreshing 50,000 new entries at once made a 400 MB temporary in one piece."""
    rows = np.ascontiguousarray(rows, dtype=np.uint8)
    words = rows.view(np.uint64)
    bits = np.bitwise_count(words).sum(axis=1)
    if words.shape[0] >= _BLANK_BY_INDEX:
        return (bits < MIN_BITS_SET) | (bits > MAX_BITS_SET) | _near_flat_by_index(rows)
    flats = _flat_picture_words()[None, :, :]
    near_flat = np.zeros(words.shape[0], dtype=bool)
    for start in range(0, words.shape[0], _BLANK_CHUNK):
        distances = np.bitwise_count(words[start:start + _BLANK_CHUNK, None, :] ^ flats).sum(axis=2)
        near_flat[start:start + _BLANK_CHUNK] = (distances <= BLANK_DISTANCE).any(axis=1)
    return (bits < MIN_BITS_SET) | (bits > MAX_BITS_SET) | near_flat


def _near_flat_by_index(rows: np.ndarray) -> np.ndarray:
    """Rows within BLANK_DISTANCE of a flat picture's hash: the flat pictures looked up in an index of the rows."""
    from tutela.matching.pdq_index import PdqIndex

    found = PdqIndex.build(rows).query(_flat_picture_words().view(np.uint8), BLANK_DISTANCE).entry_ids
    near_flat = np.zeros(rows.shape[0], dtype=bool)
    near_flat[found] = True
    return near_flat


def near_match_refusal(query: PdqQuery, blank: bool | None = None) -> str | None:
    """Why a PDQ query must not be near matched, or None (``blank`` when already worked out for a batch)."""
    if query.quality is not None and query.quality < MIN_PDQ_QUALITY:
        return f"not near-matched: PDQ quality {query.quality} is below {MIN_PDQ_QUALITY}"
    if blank if blank is not None else blank_like(query.candidates[0][1]):
        return "not near-matched: the picture is nearly blank"
    return None


class LibraryMatcher:
    """Answers digest and PDQ queries against the enabled banks."""

    def __init__(self, banks: Sequence[BankInfo], exact: ExactIndex, near: NearIndex,
                 entries: Callable[[list[int]], Mapping[int, Any]]) -> None:
        self.banks = {bank.id: bank for bank in banks}
        self.exact, self.near, self.entries = exact, near, entries
        enabled = [bank.pdq_threshold for bank in banks if bank.enabled]
        self.max_threshold = max(enabled, default=-1)

    def match_digests(self, queries: Sequence[tuple[str, str]]) -> list[MatchResult]:
        """Each (hash type, hex digest) -> its matches."""
        found = [(hash_type, self.exact.lookup(hash_type, bytes.fromhex(value))) for hash_type, value in queries]
        rows = self.entries(sorted({i for _, ids in found for i in ids}))
        results = []
        for hash_type, ids in found:
            matches = [self._match(rows[i], hash_type, 0) for i in ids if i in rows]
            results.append(MatchResult(rank([m for m in matches if m is not None])))
        return results

    def match_pdqs(self, queries: Sequence[PdqQuery]) -> list[MatchResult]:
        """Each PDQ query -> the entries within their bank's threshold of its nearest candidate."""
        if not queries:
            return []
        originals = np.stack([np.frombuffer(bytes.fromhex(q.candidates[0][1]), dtype=np.uint8) for q in queries])
        blanks = blank_like_rows(originals)
        results = [MatchResult(note=near_match_refusal(q, bool(b))) for q, b in zip(queries, blanks, strict=True)]
        live = [i for i, r in enumerate(results) if r.note is None]
        if not live or self.max_threshold < 0:
            return results
        rows_of_candidates, owners = [], []
        for i in live:
            for label, pdq in queries[i].candidates:
                rows_of_candidates.append(np.frombuffer(bytes.fromhex(pdq), dtype=np.uint8))
                owners.append((i, label))
        hits = self.near.search(np.stack(rows_of_candidates), self.max_threshold)
        best: dict[int, dict[int, tuple[int, str]]] = {i: {} for i in live}
        for (i, label), found in zip(owners, hits, strict=True):
            for entry_id, distance in found:
                if distance < best[i].get(entry_id, (999, ""))[0]:
                    best[i][entry_id] = (distance, label)
        rows = self.entries(sorted({e for per_query in best.values() for e in per_query}))
        for i in live:
            matches = []
            for entry_id, (distance, label) in best[i].items():
                row = rows.get(entry_id)
                match = self._match(row, "pdq", distance, label) if row is not None else None
                if match is not None and distance <= self.banks[row.bank_id].pdq_threshold:
                    matches.append(match)
            results[i].matches = rank(matches)
        return results

    def _match(self, row: Any, hash_type: str, distance: int, orientation: str | None = None) -> Match | None:
        bank = self.banks.get(row.bank_id)
        if bank is None or not bank.enabled:
            return None
        return Match(bank=bank.name, category=Category(row.category), hash_type=hash_type, distance=distance,
                     entry_id=row.id, trust=Trust(bank.trust), precedence=bank.precedence, series=row.series,
                     victim_identified=row.victim_identified,
                     orientation=None if orientation in (None, "original") else orientation)


def standing_grade(matches: Sequence[Match]) -> Match | None:
    """The grade a file takes from the library: ``resolved_grade`` of the trusted and ignorable banks' matches. An
    unverified bank's grade is not one to stand on (domain/grading.py): a file it alone knows stays to be graded."""
    return resolved_grade([m for m in matches if m.trust is not Trust.UNVERIFIED])


def resolved_grade(matches: Sequence[Match]) -> Match | None:
    """The match whose grade stands: the best-ranked non-ignorable match's rank, highest precedence first."""
    if not matches:
        return None
    best = matches[0]
    tied = [m for m in matches if (m.hash_type == "pdq") == (best.hash_type == "pdq") and m.distance == best.distance]
    return max(tied, key=lambda m: m.precedence)
