"""The vPDQ rule for videos, and an index of bank videos that finds the candidates worth comparing.

The rule is vpdq's ``matchTwoHashBrute`` (ThreatExchange ``vpdq/cpp/vpdq/cpp/hashing/matchTwoHash.cpp``):
frames of quality below 50 are dropped on both sides; a frame matches when some frame of the other video is
fewer than 31 bits away; ``query_percent`` is the share of the query's frames that match the bank video and
``bank_percent`` the share of the bank video's frames that match the query. A video matches a bank video when
both shares reach their thresholds (80 % each by default, python-threatexchange's confident-match figure).
Unlike python-threatexchange's brute matcher, frames are not de-duplicated first: the C++ reference does not.

Candidates come from one PDQ index over every bank video's frames: a bank video none of whose frames is near
a query frame cannot reach a non-zero share, so no video that could match is ever skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

VPDQ_QUALITY = 50
VPDQ_DISTANCE = 31  # frames match when fewer than this many bits differ
VPDQ_PERCENT = 80.0
_CHUNK = 1024  # query frames compared at once against one bank video (bounds the pairwise matrix)


@dataclass(frozen=True, slots=True)
class VideoRule:
    """Thresholds of the vPDQ rule; every one is configurable (TUTELA_VPDQ_*)."""

    distance: int = VPDQ_DISTANCE
    quality: int = VPDQ_QUALITY
    query_percent: float = VPDQ_PERCENT
    bank_percent: float = VPDQ_PERCENT


@dataclass(frozen=True, slots=True)
class VideoFrames:
    """A video's frame signatures as rows: (N, 32) uint8 PDQs and their (N,) qualities."""

    rows: np.ndarray
    quality: np.ndarray

    @classmethod
    def from_hex(cls, frames: Sequence[tuple[str, int]]) -> VideoFrames:
        """From (PDQ hex, quality) pairs; ValueError names the first bad one."""
        rows = np.zeros((len(frames), 32), dtype=np.uint8)
        quality = np.zeros(len(frames), dtype=np.int16)
        for position, (pdq, frame_quality) in enumerate(frames):
            if len(pdq) != 64:
                raise ValueError(f"frame #{position}: PDQ must be 64 hex digits, got {len(pdq)}")
            try:
                rows[position] = np.frombuffer(bytes.fromhex(pdq), dtype=np.uint8)
            except ValueError:
                raise ValueError(f"frame #{position}: PDQ is not hexadecimal") from None
            if not 0 <= frame_quality <= 100:
                raise ValueError(f"frame #{position}: quality must be 0-100, got {frame_quality}")
            quality[position] = frame_quality
        return cls(rows, quality)

    def usable(self, rule: VideoRule) -> np.ndarray:
        """The rows whose quality the rule compares."""
        return self.rows[self.quality >= rule.quality]


@dataclass(frozen=True, slots=True)
class VideoComparison:
    query_percent: float
    bank_percent: float
    matched: bool


def compare_videos(query: VideoFrames, bank: VideoFrames, rule: VideoRule = VideoRule()) -> VideoComparison:
    """Both shares of matching frames, and whether they pass the rule (vpdq's matchTwoHashBrute)."""
    return compare_usable(query.usable(rule), bank.usable(rule), rule)


def compare_usable(query: np.ndarray, bank: np.ndarray, rule: VideoRule) -> VideoComparison:
    """``compare_videos`` on rows already filtered by quality."""
    if query.shape[0] == 0 or bank.shape[0] == 0:
        return VideoComparison(0.0, 0.0, False)
    query_hit = np.zeros(query.shape[0], dtype=bool)
    bank_hit = np.zeros(bank.shape[0], dtype=bool)
    bank_words = np.ascontiguousarray(bank).view(np.uint64)
    for start in range(0, query.shape[0], _CHUNK):
        words = np.ascontiguousarray(query[start:start + _CHUNK]).view(np.uint64)
        near = np.bitwise_count(words[:, None, :] ^ bank_words[None, :, :]).sum(axis=2) < rule.distance
        query_hit[start:start + _CHUNK] = near.any(axis=1)
        bank_hit |= near.any(axis=0)
    query_percent = 100.0 * int(query_hit.sum()) / query.shape[0]
    bank_percent = 100.0 * int(bank_hit.sum()) / bank.shape[0]
    matched = query_percent >= rule.query_percent and bank_percent >= rule.bank_percent
    return VideoComparison(query_percent, bank_percent, matched)


@dataclass(frozen=True, slots=True)
class VideoMatch:
    entry_id: int
    comparison: VideoComparison


class VideoIndex:
    """Every bank video's usable frames in one PDQ index; ``match`` applies the rule to the candidates."""

    def __init__(self, videos: dict[int, VideoFrames], rule: VideoRule = VideoRule()) -> None:
        from tutela.matching.pdq_index import PdqIndex

        self.rule = rule
        self._entry_ids = np.fromiter(videos, dtype=np.int64, count=len(videos))
        usable = [videos[int(entry)].usable(rule) for entry in self._entry_ids]
        self._frames = usable
        owners = np.repeat(np.arange(len(usable), dtype=np.int64), [u.shape[0] for u in usable])
        rows = np.concatenate(usable) if usable else np.zeros((0, 32), np.uint8)
        self._index = PdqIndex.build(rows, owners, threads=1) if rows.shape[0] else None

    def __len__(self) -> int:
        return int(self._entry_ids.shape[0])

    @property
    def frames(self) -> int:
        return sum(f.shape[0] for f in self._frames)

    def match(self, query: VideoFrames) -> list[VideoMatch]:
        """Bank videos the query matches under the rule, most similar first."""
        usable = query.usable(self.rule)
        if self._index is None or usable.shape[0] == 0 or self.rule.distance <= 0:
            return []
        hits = self._index.query(usable, self.rule.distance - 1)
        out = []
        for owner in np.unique(hits.entry_ids):
            comparison = compare_usable(usable, self._frames[int(owner)], self.rule)
            if comparison.matched:
                out.append(VideoMatch(int(self._entry_ids[int(owner)]), comparison))
        return sorted(out, key=lambda m: (-min(m.comparison.query_percent, m.comparison.bank_percent), m.entry_id))
