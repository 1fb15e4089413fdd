"""`referral import`: a CyberTipline-style report becomes a referral with a band and reasons, linked when known."""

from __future__ import annotations

import json

import pytest

from tutela.domain.triage import RuleSet, triage
from tutela.errors import UsageError
from tutela.services.referral_intake import load_rules


def _tip(report_id: str, email: str, **incident) -> dict:
    return {"report_id": report_id, "received": "2025-03-12T10:00:00Z", "source": "NCMEC CyberTipline",
            "incident": {"type": "sharing", "time": "2025-03-01T12:00:00Z", **incident},
            "reported_persons": [{"emails": [email], "screen_names": ["user-0001"],
                                  "ip_captures": [{"ip": "192.0.2.10", "at": "2025-03-01T12:00:00Z"}]}],
            "files": [{"name": "file-1.jpg", "md5": "0" * 32, "annotations": []}]}


def test_the_shipped_rules_band_and_explain():
    rules = load_rules()
    assert triage(rules, {}) == ("Low", [], 0)
    band, reasons, score = triage(rules, {"escalated": True, "previous_reports": 2, "access_to_children": 1})
    assert (band, score) == ("Very High", 12)
    assert reasons[0] == "the reported person has access to children"
    with pytest.raises(UsageError, match="bands must be among"):
        RuleSet.from_data({"bands": {"Severe": 1}, "factors": []})


def test_import_triages_and_names_what_is_already_known(cli, tmp_path):
    first = tmp_path / "tip1.json"
    first.write_text(json.dumps(_tip("CT-0001", "someone@example.org")))
    made = cli("referral", "import", str(first), "--json").json_lines()[0]
    assert (made["risk_band"], made.get("risk_reasons", []), made["known_from"]) == ("Low", [], [])
    assert cli("case", "create", "CASE-001", "--referral", "CT-0001").status == 0
    second = tmp_path / "tip2.json"
    second.write_text(json.dumps(_tip("CT-0002", "Someone@example.org", escalated=True)))
    again = cli("referral", "import", str(second), "--json").json_lines()[0]
    assert again["risk_band"] == "Medium"
    assert again["risk_reasons"] == ["escalated by the reporter",
                                     "previous behaviour (earlier referrals about the same identifiers)"]
    assert again["known_from"] == [{"referral": "CT-0001", "cases": ["CASE-001"],
                                    "shared": ["email:someone@example.org", "ip:192.0.2.10",
                                               "screen_name:user-0001"]}]
    queue = cli("report", "unit", "--json").json_lines()[0]["referrals"]
    assert [r["referral"] for r in queue] == ["CT-0002", "CT-0001"]  # Medium before Low
    assert cli("referral", "import", str(second)).status == 2  # already imported: one line, status 2


def test_reported_files_known_to_the_library_raise_the_band(cli, tmp_path):
    md5 = "0123456789abcdef" * 2
    (tmp_path / "bank.csv").write_text(f"md5,category\n{md5},A\n")
    cli("library", "add-bank", "national", "--trust", "trusted")
    cli("library", "import", str(tmp_path / "bank.csv"), "--bank", "national")
    plain, known = tmp_path / "plain.json", tmp_path / "known.json"
    plain.write_text(json.dumps(_tip("CT-0100", "one@example.org")))
    tip = _tip("CT-0101", "two@example.org")
    tip["files"].append({"name": "file-2.jpg", "md5": md5.upper(), "annotations": []})
    known.write_text(json.dumps(tip))
    without = cli("referral", "import", str(plain), "--json").json_lines()[0]
    result = cli("referral", "import", str(known), "--json").json_lines()[0]
    assert without["library_matches"] == []
    assert result["library_matches"] == [{"file": 1, "category": "a", "bank": "national", "hash_type": "md5"}]
    assert "category A material among the matched files" in result["risk_reasons"]
    bands = ["Low", "Medium", "High", "Very High"]
    assert bands.index(result["risk_band"]) > bands.index(without["risk_band"])


def test_retriage_follows_what_the_unit_learns_later(cli, tmp_path):
    md5 = "fedcba9876543210" * 2
    tip = _tip("CT-0200", "three@example.org")
    tip["files"].append({"name": "file-2.jpg", "md5": md5, "annotations": []})
    (tmp_path / "tip.json").write_text(json.dumps(tip))
    first = cli("referral", "import", str(tmp_path / "tip.json"), "--json").json_lines()[0]
    assert cli("referral", "retriage", "--json").stdout == ""  # nothing new: nothing changes
    (tmp_path / "bank.csv").write_text(f"md5,category\n{md5},A\n")
    cli("library", "add-bank", "national", "--trust", "trusted")
    cli("library", "import", str(tmp_path / "bank.csv"), "--bank", "national")
    (change,) = cli("referral", "retriage", "--json").json_lines()
    assert (change["ref"], change["was"]) == ("CT-0200", first["risk_band"])
    assert "category A material among the matched files" in change["risk_reasons"]
    assert cli("referral", "retriage", "--json").stdout == ""
