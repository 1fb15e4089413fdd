"""``tutela referral import``: a CyberTipline-style report becomes a referral with its risk band and reasons.

It is linked to what the unit already knows: an earlier referral sharing an identifier (e-mail, screen name,
phone, IP) is previous behaviour, and its case is named so the officer can link the two. Its files' hashes are
looked up in the library when it holds any bank: category A material among them is a triage factor.
"""

from __future__ import annotations

from datetime import tzinfo
from pathlib import Path
from typing import Any

from tutela.domain.categories import Category
from tutela.domain.triage import RuleSet, triage
from tutela.errors import UsageError
from tutela.formats.cybertip import parse_tip
from tutela.matching.matcher import LibraryMatcher
from tutela.services.unit_import import read_document
from tutela.services.unit_records import add_record
from tutela.store.unit import UnitStore

DEFAULT_RULES = Path(__file__).resolve().parents[1] / "domain" / "triage_rules.yaml"


def load_rules(path: Path | None = None) -> RuleSet:
    import yaml

    source = path or DEFAULT_RULES
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise UsageError(f"{source}: cannot read the triage rules: {exc}") from None
    return RuleSet.from_data(data, str(source))


def import_referral(store: UnitStore, path: Path, zone: tzinfo, rules: RuleSet, team: str | None = None,
                    matcher: LibraryMatcher | None = None) -> dict:
    report = parse_tip(read_document(path))
    earlier = _known(store, report.identifiers)
    matches = library_matches(matcher, report.file_hashes) if matcher is not None else []
    facts = {**report.facts, "previous_reports": len(earlier),
             "category_a_matches": sum(m["category"] == str(Category.A) for m in matches)}
    band, reasons, score = triage(rules, facts)
    details = {"incident_type": report.incident_type, "incident_time": report.incident_time,
               "identifiers": sorted(report.identifiers), "file_hashes": report.file_hashes, "facts": facts,
               "score": score, "library_matches": matches, "band": band, "reasons": reasons}
    record = add_record(store, "referrals", {"ref": report.report_id, "received": report.received,
                                             "source": report.source, "team": team, "risk_band": band,
                                             "risk_reasons": reasons}, zone)
    store.set_details(report.report_id, details)
    return {**record, "known_from": earlier, "library_matches": matches}


def library_matches(matcher: LibraryMatcher, file_hashes: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The reported files the library knows: for each, the grade that stands and how it was found."""
    from tutela.matching.matcher import resolved_grade

    found = []
    for index, hashes in enumerate(file_hashes):
        queries = [(kind, value) for kind in ("sha256", "sha1", "md5") if (value := hashes.get(kind))]
        matches = [m for result in matcher.match_digests(queries) for m in result.matches]
        grade = resolved_grade(sorted(matches, key=lambda m: -m.precedence))
        if grade is not None:
            found.append({"file": index, "category": str(grade.category), "bank": grade.bank,
                          "hash_type": grade.hash_type})
    return found


def _known(store: UnitStore, identifiers: set[str]) -> list[dict[str, Any]]:
    """Earlier referrals sharing an identifier, with the cases they are in."""
    found = []
    for ref, details, cases in store.referral_details():
        shared = sorted(identifiers & set((details or {}).get("identifiers", [])))
        if shared:
            found.append({"referral": ref, "cases": cases, "shared": shared})
    return found


def retriage(store: UnitStore, rules: RuleSet, matcher: LibraryMatcher | None) -> list[dict[str, Any]]:
    """Recompute every imported referral's band from what the unit knows now: other referrals sharing an
    identifier (either side may have come first: repeat reports about one person count), and the library as it
    is today. Returns the referrals whose band or reasons changed."""
    known = store.referral_details()
    changed = []
    for ref, details, _cases in known:
        identifiers = set(details.get("identifiers", []))
        others = [other for other, theirs, _ in known
                  if other != ref and identifiers & set((theirs or {}).get("identifiers", []))]
        matches = library_matches(matcher, details.get("file_hashes", [])) if matcher is not None else []
        facts = {**details.get("facts", {}), "previous_reports": len(others),
                 "category_a_matches": sum(m["category"] == str(Category.A) for m in matches)}
        band, reasons, score = triage(rules, facts)
        if (band, reasons) != (details.get("band"), details.get("reasons")) or facts != details.get("facts"):
            before = details.get("band")
            store.set_triage(ref, band, reasons, {**details, "facts": facts, "score": score, "band": band,
                                                  "reasons": reasons, "library_matches": matches})
            if before != band or details.get("reasons") != reasons:
                changed.append({"ref": ref, "risk_band": band, "was": before, "risk_reasons": reasons})
    return changed
