"""The match service's use case: a batch of hashes, video signatures or one upload, matched against the banks
a partner may see. Hash-only answers: bank, category, hash type, distance; never an image, never case data.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field

from tutela.domain.banks import Match, rank
from tutela.domain.media import HashRecord, MediaKind
from tutela.errors import UsageError
from tutela.matching.matcher import PdqQuery
from tutela.matching.video_match import VideoFrames
from tutela.services.match_library import ServedLibrary
from tutela.services.matching import HashQuery, parse_query


@dataclass(frozen=True, slots=True)
class Found:
    """One match as a partner sees it (plus the entry and bank ids the service records, never shown)."""

    bank_id: int
    bank: str
    category: str
    hash_type: str  # md5, sha1, sha256, pdq, vpdq
    distance: int | None
    entry_id: int
    query_percent: float | None = None
    bank_percent: float | None = None


@dataclass
class Answer:
    query: str
    found: list[Found] = field(default_factory=list)
    note: str | None = None


def parse_hashes(texts: Sequence[str], limit: int) -> list[HashQuery]:
    """Every hash checked before any is matched; UsageError names the first bad ones by position."""
    if len(texts) > limit:
        raise UsageError(f"too many hashes: {len(texts)} in one request, at most {limit}")
    parsed, problems = [], []
    for position, text in enumerate(texts):
        try:
            parsed.append(parse_query(text))
        except ValueError as exc:
            problems.append(f"hashes[{position}]: {exc}")
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise UsageError("; ".join(problems[:5]) + more)
    return parsed


def match_hashes(library: ServedLibrary, banks: frozenset[int] | None, queries: Sequence[HashQuery]
                 ) -> list[Answer]:
    """Each query's matches among ``banks`` (None: every enabled bank), best first."""
    matcher = library.matcher
    answers = [Answer(q.text) for q in queries]
    digests = [i for i, q in enumerate(queries) if q.hash_type != "pdq"]
    pdqs = [i for i, q in enumerate(queries) if q.hash_type == "pdq"]
    found = matcher.match_digests([(queries[i].hash_type, queries[i].value) for i in digests])
    found += matcher.match_pdqs([PdqQuery((("original", queries[i].value),)) for i in pdqs])
    bank_ids = {bank.name: bank.id for bank in matcher.banks.values()}
    for i, result in zip(digests + pdqs, found, strict=True):
        answers[i].found = [_found(m, bank_ids[m.bank]) for m in result.matches
                            if banks is None or bank_ids[m.bank] in banks]
        answers[i].note = result.note
    return answers


def match_videos(library: ServedLibrary, banks: frozenset[int] | None, videos: Sequence[VideoFrames]
                 ) -> list[list[Found]]:
    """Each video's matching bank videos (the vPDQ rule both ways) among ``banks``, most similar first."""
    hits = [library.videos.match(video) for video in videos]
    rows = library.matcher.entries(sorted({h.entry_id for per_video in hits for h in per_video}))
    out = []
    for per_video in hits:
        found = []
        for hit in per_video:
            row = rows.get(hit.entry_id)
            bank = library.matcher.banks.get(row.bank_id) if row is not None else None
            if bank is None or not bank.enabled or (banks is not None and bank.id not in banks):
                continue
            found.append(Found(bank.id, bank.name, str(row.category), "vpdq", None, hit.entry_id,
                               round(hit.comparison.query_percent, 1), round(hit.comparison.bank_percent, 1)))
        out.append(found)
    return out


def match_upload(library: ServedLibrary, banks: frozenset[int] | None, data: bytes, *, max_pixels: int,
                 seconds_per_hash: float = 1.0) -> tuple[HashRecord, Answer]:
    """Hash uploaded bytes in memory (as `tutela match` hashes a file) and match them; nothing is written."""
    from tutela.hashing.hasher import HashOptions, fill_from, hash_stream

    options = HashOptions(max_pixels=max_pixels, max_still_bytes=len(data) + 1, match_signals=True,
                          seconds_per_hash=seconds_per_hash)
    record = fill_from(HashRecord(path="upload"), lambda: nullcontext(io.BytesIO(data)),
                       lambda stream, into: hash_stream(stream, into, options))
    answer = Answer("upload", note=record.error)
    digests = [(t, getattr(record, t)) for t in ("sha256", "sha1", "md5") if getattr(record, t)]
    matches: dict[int, Match] = {}
    for result in library.matcher.match_digests(digests):
        matches.update({m.entry_id: m for m in result.matches})
    if record.match_candidates:
        result = library.matcher.match_pdqs([PdqQuery(tuple(record.match_candidates), record.quality)])[0]
        matches.update({m.entry_id: m for m in result.matches if m.entry_id not in matches})
        answer.note = answer.note or result.note
    bank_ids = {bank.name: bank.id for bank in library.matcher.banks.values()}
    answer.found = [_found(m, bank_ids[m.bank]) for m in rank(list(matches.values()))
                    if banks is None or bank_ids[m.bank] in banks]
    if record.kind is MediaKind.VIDEO and record.signatures:
        frames = VideoFrames.from_hex([(s.pdq, s.quality) for s in record.signatures])
        answer.found += match_videos(library, banks, [frames])[0]
    return record, answer


def _found(match: Match, bank_id: int) -> Found:
    return Found(bank_id, match.bank, str(match.category), match.hash_type, match.distance, match.entry_id)
