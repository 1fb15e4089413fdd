"""``tutela referral import``: a CyberTipline-style report becomes a referral with its risk band and reasons.

It is linked to what the unit already knows: an earlier referral sharing an identifier (e-mail, screen name,
phone, IP) is previous behaviour, and its case is named so the officer can link the two.
"""

from __future__ import annotations

from datetime import tzinfo
from pathlib import Path
from typing import Any

from tutela.domain.triage import RuleSet, triage
from tutela.errors import UsageError
from tutela.formats.cybertip import parse_tip
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


def import_referral(store: UnitStore, path: Path, zone: tzinfo, rules: RuleSet, team: str | None = None) -> dict:
    report = parse_tip(read_document(path))
    earlier = _known(store, report.identifiers)
    facts = {**report.facts, "previous_reports": len(earlier)}
    band, reasons, score = triage(rules, facts)
    details = {"incident_type": report.incident_type, "incident_time": report.incident_time,
               "identifiers": sorted(report.identifiers), "file_hashes": report.file_hashes, "facts": facts,
               "score": score}
    record = add_record(store, "referrals", {"ref": report.report_id, "received": report.received,
                                             "source": report.source, "team": team, "risk_band": band,
                                             "risk_reasons": reasons}, zone)
    store.set_details(report.report_id, details)
    return {**record, "known_from": earlier}


def _known(store: UnitStore, identifiers: set[str]) -> list[dict[str, Any]]:
    """Earlier referrals sharing an identifier, with the cases they are in."""
    found = []
    for ref, details, cases in store.referral_details():
        shared = sorted(identifiers & set((details or {}).get("identifiers", [])))
        if shared:
            found.append({"referral": ref, "cases": cases, "shared": shared})
    return found
