"""Risk triage of a referral: a documented rule set of weighted factors gives a band and its reasons. Pure.

The rule set is data (domain/triage_rules.yaml by default); the facts are what intake read from the referral.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tutela.domain.unit import RISK_BANDS
from tutela.errors import UsageError


@dataclass(frozen=True)
class Factor:
    fact: str
    weight: int
    reason: str
    at_least: float = 1


@dataclass(frozen=True)
class RuleSet:
    bands: tuple[tuple[str, int], ...]  # highest threshold first
    factors: tuple[Factor, ...]

    @classmethod
    def from_data(cls, data: Any, source: str = "rule set") -> RuleSet:
        try:
            bands = sorted(((str(k), int(v)) for k, v in data["bands"].items()), key=lambda b: -b[1])
            factors = tuple(Factor(str(f["fact"]), int(f["weight"]), str(f["reason"]), float(f.get("at_least", 1)))
                            for f in data["factors"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise UsageError(f"{source}: not a triage rule set ({exc})") from None
        unknown = [name for name, _ in bands if name not in RISK_BANDS]
        if unknown or not bands:
            raise UsageError(f"{source}: bands must be among {', '.join(RISK_BANDS)}, not {unknown}")
        return cls(tuple(bands), factors)


def triage(rules: RuleSet, facts: dict[str, Any]) -> tuple[str, list[str], int]:
    """(band, reasons, score): the reasons are the factors that fired, heaviest first."""
    fired = [f for f in rules.factors if float(facts.get(f.fact) or 0) >= f.at_least]
    score = sum(f.weight for f in fired)
    band = next((name for name, threshold in rules.bands if score >= threshold), rules.bands[-1][0])
    reasons = [f.reason for f in sorted(fired, key=lambda f: -f.weight)]
    return band, reasons, score
