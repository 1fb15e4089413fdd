"""Banks of graded hashes and what a match against them says."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from tutela.domain.categories import Category

DEFAULT_PDQ_THRESHOLD = 31
MIN_PDQ_QUALITY = 50  # ThreatExchange's advice: discard PDQs of quality below 50


class Trust(StrEnum):
    """How far a bank's grades are taken: a trusted library grades seized copies without a look."""

    TRUSTED = "trusted"
    UNVERIFIED = "unverified"
    IGNORABLE = "ignorable"  # known-good material (operating system images, stock photos)


@dataclass(frozen=True, slots=True)
class BankInfo:
    id: int
    name: str
    trust: Trust
    source: str = ""
    enabled: bool = True
    precedence: int = 0
    pdq_threshold: int = DEFAULT_PDQ_THRESHOLD


@dataclass(frozen=True, slots=True)
class Match:
    """One bank entry that a query matched; ``distance`` is 0 for a digest match."""

    bank: str
    category: Category
    hash_type: str  # md5, sha1, sha256, pdq
    distance: int
    entry_id: int
    trust: Trust
    precedence: int
    series: str | None = None
    victim_identified: bool | None = None
    orientation: str | None = None  # the query's dihedral turn or "trimmed", for PDQ matches
    extra: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        out = {"bank": self.bank, "category": str(self.category), "hash_type": self.hash_type,
               "distance": self.distance, "entry_id": self.entry_id, "trust": str(self.trust),
               "series": self.series, "victim_identified": self.victim_identified}
        if self.orientation:
            out["orientation"] = self.orientation
        return out


def rank(matches: list[Match]) -> list[Match]:
    """Best first: digest matches, then nearer PDQs, then the bank of higher precedence."""
    exact_first = {"sha256": 0, "sha1": 0, "md5": 0, "pdq": 1}
    return sorted(matches, key=lambda m: (exact_first[m.hash_type], m.distance, -m.precedence, m.bank, m.entry_id))
