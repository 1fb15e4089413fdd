"""Grading aids from hashes: near-duplicate groups within an exhibit, and files already seen in other cases.

Two files show the same picture when their SHA-256 is equal, or their PDQs are within the threshold (original
orientation; both of quality >= 50 and neither a near-blank picture, the rules near matching uses). Groups are
the connected components of that relation (union-find), so a group is graded once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from tutela.domain.banks import DEFAULT_PDQ_THRESHOLD, MIN_PDQ_QUALITY
from tutela.domain.media import HashRecord, digest_bytes


class Hashed(Protocol):
    id: int
    sha256: bytes | None
    pdq: bytes | None
    quality: int | None


def near_duplicate_groups(items: Sequence[Hashed], threshold: int = DEFAULT_PDQ_THRESHOLD) -> list[list[int]]:
    """The items' ids partitioned into groups of the same picture, each group and the list in order of first id."""
    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(a: int, b: int) -> None:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    first_with: dict[bytes, int] = {}
    for i, item in enumerate(items):
        if item.sha256 is not None:
            join(i, first_with.setdefault(item.sha256, i))
    near = _near_usable(items)
    if len(near) > 1:
        from tutela.matching.pdq_index import PdqIndex

        rows = _rows([items[i].pdq for i in near])
        found = PdqIndex.build(rows).query(rows, threshold)
        for q, i in enumerate(near):
            for entry, _distance in found.for_query(q):
                join(i, near[entry])
    members: dict[int, list[int]] = {}
    for i, item in enumerate(items):
        members.setdefault(root(i), []).append(item.id)
    return [sorted(ids) for _, ids in sorted(members.items(), key=lambda kv: min(kv[1]))]


@dataclass(frozen=True, slots=True)
class Probe:
    """A file being ingested, as it is looked up among other cases' files."""

    id: int
    sha256: bytes | None
    pdq: bytes | None
    quality: int | None

    @classmethod
    def of(cls, record: HashRecord) -> Probe:
        return cls(0, digest_bytes(record.sha256), digest_bytes(record.pdq), record.quality)



@dataclass(frozen=True, slots=True)
class SeenBefore:
    """A file of another case that shows the same picture as one being ingested."""

    item_id: int
    case: str
    exhibit: str
    path: str
    hash_type: str  # sha256 or pdq
    distance: int

    def to_json(self) -> dict[str, object]:
        return {"case": self.case, "exhibit": self.exhibit, "path": self.path, "hash_type": self.hash_type,
                "distance": self.distance}


class OtherCases(Protocol):
    """Unknown files of other cases (store/media_groups.py): what ``SeenElsewhere`` looks links up in."""

    def near_candidates(self) -> tuple[np.ndarray, np.ndarray]:
        """Ids and PDQs (n x 32) of the files whose PDQ may be near-matched (quality >= 50)."""

    def same_sha256(self, digests: Sequence[bytes]) -> list:
        """The files with these digests: objects with id, sha256, case_ref, exhibit_ref and path."""

    def by_id(self, ids: Sequence[int]) -> list:
        """The files with these ids, as ``same_sha256`` gives them."""


class SeenElsewhere:
    """Unknown files of other cases, looked up by SHA-256 and by PDQ within the threshold. Only their PDQs are held
    (an index over them); exact copies and the details of a match are asked for a batch at a time."""

    def __init__(self, others: OtherCases, threshold: int = DEFAULT_PDQ_THRESHOLD) -> None:
        from tutela.matching.matcher import blank_like_rows

        self.others, self.threshold = others, threshold
        ids, pdqs = others.near_candidates()
        if len(ids):
            usable = ~np.asarray(blank_like_rows(pdqs), dtype=bool)
            ids, pdqs = ids[usable], pdqs[usable]
        self._ids = ids
        self._index = None
        if len(ids):
            from tutela.matching.pdq_index import PdqIndex

            self._index = PdqIndex.build(np.ascontiguousarray(pdqs))

    def links(self, items: Sequence[Hashed]) -> list[list[SeenBefore]]:
        """For each item, one link per other exhibit with the same picture: an exact copy first, else the nearest
        (ties to the file recorded first)."""
        found: list[dict[tuple[str, str], tuple[int, int, str]]] = [{} for _ in items]  # exhibit -> distance, id, how
        seen = {media.id: media for media in self.others.same_sha256(
            [item.sha256 for item in items if item.sha256 is not None])}
        copies: dict[bytes, list] = {}
        for media in seen.values():  # in id order
            copies.setdefault(media.sha256, []).append(media)
        for n, item in enumerate(items):
            for media in copies.get(item.sha256, ()) if item.sha256 is not None else ():
                found[n].setdefault(_exhibit_key(media), (0, media.id, "sha256"))
        near: list[tuple[int, int, int]] = []  # (item, file id, distance)
        asked = _near_usable(items)
        if asked and self._index is not None:
            matches = self._index.query(_rows([items[n].pdq for n in asked]), self.threshold)
            near = [(n, int(self._ids[entry]), int(distance))
                    for q, n in enumerate(asked) for entry, distance in matches.for_query(q)]
            seen.update((media.id, media) for media in self.others.by_id([i for _, i, _ in near if i not in seen]))
        for n, file_id, distance in near:
            media = seen.get(file_id)
            if media is None:  # no longer unknown since the index was read (rematched): no link
                continue
            best = found[n].get(_exhibit_key(media))
            if best is None or (distance, file_id) < best[:2]:
                found[n][_exhibit_key(media)] = (distance, file_id, "pdq")
        return [[_link(seen[i], hash_type, distance) for distance, i, hash_type in sorted(per.values())]
                for per in found]


def _exhibit_key(media) -> tuple[str, str]:
    return media.case_ref, media.exhibit_ref


def _link(media, hash_type: str, distance: int) -> SeenBefore:
    return SeenBefore(media.id, media.case_ref, media.exhibit_ref, media.path, hash_type, int(distance))


def _near_usable(items: Sequence[Hashed]) -> list[int]:
    """Positions of the items whose PDQ may be near-matched: quality >= 50 and not a near-blank picture."""
    from tutela.matching.matcher import blank_like_rows

    usable = [i for i, item in enumerate(items)
              if item.pdq is not None and item.quality is not None and item.quality >= MIN_PDQ_QUALITY]
    if not usable:
        return []
    blank = blank_like_rows(_rows([items[i].pdq for i in usable]))
    return [i for i, is_blank in zip(usable, blank, strict=True) if not is_blank]


def _rows(pdqs: Sequence[bytes | None]) -> np.ndarray:
    return np.frombuffer(b"".join(pdqs), dtype=np.uint8).reshape(-1, 32)  # type: ignore[arg-type]
