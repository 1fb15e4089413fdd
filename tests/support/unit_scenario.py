"""A week of action as a unit document, with the traps a supervisor knows to avoid (synthetic references only).

Operation Lantern (OP-WOA) runs Monday 10 to Sunday 16 March 2025, Europe/London (GMT then). What counts:

- warrants executed: W-01, W-02, W-03 (23:30 on the last day) = 3. Not: W-04 (granted, never executed),
  W-05 (applied only), W-06 (executed 00:30 the day after), W-07 (Operation Harbour), W-08 (no operation).
- arrests: A-01..A-04 = 4 (suspects aged 18, 45, 60, 29). Not: A-05 (Harbour; suspect aged 70).
- children safeguarded: CH-0001 (twice), CH-0002, CH-0003 = 3 children, 4 records. Not: SG-05 (Harbour),
  SG-06 (23:00 the day before the operation).
- exhibits seized: EX-01..EX-05 = 5 (phone 2, laptop 1, tablet 1, storage 1). Not: EX-06 (seized the day
  after), EX-07 (Harbour), EX-08 (no operation).
- referrals 10 to 23 March: R-02, R-03, R-04 in the week of 10 March, R-05, R-06 in the week of 17 March = 5.
  Not: R-01 (23:59 on 9 March), R-07 (00:00 on 24 March).
"""

from __future__ import annotations

OPERATION_FIGURES = {
    "operation": "OP-WOA", "name": "Operation Lantern", "start": "2025-03-10", "end": "2025-03-16",
    "warrants_executed": 3, "arrests": 4, "children_safeguarded": 3, "exhibits_seized": 5, "suspects": 4,
    "suspect_age_min": 18, "suspect_age_max": 60, "safeguarding_records": 4,
    "by_exhibit_type": {"phone": 2, "tablet": 1, "laptop": 1, "desktop": 0, "storage": 1, "other": 0},
    "by_team": {
        "T-B01": {"warrants_executed": 1, "arrests": 2, "children_safeguarded": 1, "exhibits_seized": 2},
        "T-B02": {"warrants_executed": 1, "arrests": 1, "children_safeguarded": 1, "exhibits_seized": 2},
        "T-CEN": {"warrants_executed": 1, "arrests": 1, "children_safeguarded": 1, "exhibits_seized": 1},
    },
}

REFERRAL_FIGURES = {
    "from": "2025-03-10", "to": "2025-03-23", "total": 5, "weekly_average": 2.5,
    "weeks": [{"week_start": "2025-03-10", "iso_week": "2025-W11", "count": 3},
              {"week_start": "2025-03-17", "iso_week": "2025-W12", "count": 2}],
    "by_team": {"T-B01": 2, "T-B02": 1, "T-CEN": 2},
    "by_risk_band": {"Very High": 1, "High": 1, "Medium": 0, "Low": 1, "unassessed": 2},
}


def week_of_action() -> dict:
    woa, other = "OP-WOA", "OP-HARBOUR"
    return {
        "format": "tutela-unit/1",
        "teams": [{"ref": "T-CEN", "name": "Central", "kind": "central"},
                  {"ref": "T-B01", "name": "Borough 1", "kind": "borough"},
                  {"ref": "T-B02", "name": "Borough 2", "kind": "borough"}],
        "operations": [{"ref": woa, "name": "Operation Lantern", "start": "2025-03-10", "end": "2025-03-16"},
                       {"ref": other, "name": "Operation Harbour", "start": "2025-03-03", "end": "2025-03-09"}],
        "referrals": [
            {"ref": "R-01", "received": "2025-03-09T23:59:00", "source": "NCA", "team": "T-B01"},
            {"ref": "R-02", "received": "2025-03-10T00:00:00", "source": "NCA", "team": "T-B01",
             "risk_band": "High", "status": "assessed"},
            {"ref": "R-03", "received": "2025-03-12T14:00:00Z", "source": "NCA", "team": "T-B02",
             "risk_band": "Low", "status": "assessed"},
            {"ref": "R-04", "received": "2025-03-16T23:59:59", "source": "NCA", "team": "T-CEN",
             "risk_band": "Very High", "risk_reasons": ["escalation"]},
            {"ref": "R-05", "received": "2025-03-17T00:01:00", "source": "NCA", "team": "T-CEN"},
            {"ref": "R-06", "received": "2025-03-23T23:59:00", "source": "NCA", "team": "T-B01"},
            {"ref": "R-07", "received": "2025-03-24T00:00:00", "source": "NCA", "team": "T-B02"},
        ],
        "cases": [{"ref": "CASE-001", "team": "T-B01", "referrals": ["R-01", "R-02"]},
                  {"ref": "CASE-002", "team": "T-B02", "referrals": ["R-03"]},
                  {"ref": "CASE-003", "team": "T-CEN"},
                  {"ref": "CASE-004", "team": "T-B01"}],
        "suspects": [{"ref": "S-01", "case": "CASE-001", "age": 18}, {"ref": "S-02", "case": "CASE-001", "age": 45},
                     {"ref": "S-03", "case": "CASE-002", "age": 60}, {"ref": "S-04", "case": "CASE-003", "age": 29},
                     {"ref": "S-05", "case": "CASE-004", "age": 70}],
        "warrants": [
            {"ref": "W-01", "case": "CASE-001", "operation": woa, "applied": "2025-03-03T10:00",
             "granted": "2025-03-04T10:00", "executed": "2025-03-10T06:00"},
            {"ref": "W-02", "case": "CASE-002", "operation": woa, "executed": "2025-03-11T06:00"},
            {"ref": "W-03", "case": "CASE-003", "operation": woa, "executed": "2025-03-16T23:30"},
            {"ref": "W-04", "case": "CASE-001", "operation": woa, "applied": "2025-03-03T10:00",
             "granted": "2025-03-04T10:00"},
            {"ref": "W-05", "case": "CASE-002", "operation": woa, "applied": "2025-03-05T10:00"},
            {"ref": "W-06", "case": "CASE-003", "operation": woa, "executed": "2025-03-17T00:30"},
            {"ref": "W-07", "case": "CASE-004", "operation": other, "executed": "2025-03-12T06:00"},
            {"ref": "W-08", "case": "CASE-001", "executed": "2025-03-12T06:00"},
        ],
        "arrests": [{"ref": "A-01", "suspect": "S-01", "operation": woa, "at": "2025-03-10T06:30"},
                    {"ref": "A-02", "suspect": "S-02", "operation": woa, "at": "2025-03-10T06:40"},
                    {"ref": "A-03", "suspect": "S-03", "operation": woa, "at": "2025-03-11T06:30"},
                    {"ref": "A-04", "suspect": "S-04", "operation": woa, "at": "2025-03-12T07:00"},
                    {"ref": "A-05", "suspect": "S-05", "operation": other, "at": "2025-03-05T07:00"}],
        "exhibits": [
            {"ref": "EX-01", "case": "CASE-001", "operation": woa, "type": "phone", "seized": "2025-03-10T07:00",
             "seized_place": "address 1", "bag_number": "BAG-0001",
             "continuity": [{"at": "2025-03-10T07:00", "to": "DC 101", "reason": "seized", "kind": "seizure"}]},
            {"ref": "EX-02", "case": "CASE-001", "operation": woa, "type": "laptop", "seized": "2025-03-10T07:10"},
            {"ref": "EX-03", "case": "CASE-002", "operation": woa, "type": "tablet", "seized": "2025-03-11T07:00"},
            {"ref": "EX-04", "case": "CASE-002", "operation": woa, "type": "phone", "seized": "2025-03-11T07:05"},
            {"ref": "EX-05", "case": "CASE-003", "operation": woa, "type": "storage", "seized": "2025-03-12T08:00",
             "status": "examined"},
            {"ref": "EX-06", "case": "CASE-003", "operation": woa, "type": "desktop", "seized": "2025-03-17T08:00"},
            {"ref": "EX-07", "case": "CASE-004", "operation": other, "type": "phone", "seized": "2025-03-05T08:00"},
            {"ref": "EX-08", "case": "CASE-001", "type": "other", "seized": "2025-03-12T08:00"},
        ],
        "safeguarding": [
            {"ref": "SG-01", "case": "CASE-001", "child": "CH-0001", "operation": woa, "at": "2025-03-10T09:00",
             "age_band": "6-10"},
            {"ref": "SG-02", "case": "CASE-001", "child": "CH-0001", "operation": woa, "at": "2025-03-12T09:00",
             "age_band": "6-10"},
            {"ref": "SG-03", "case": "CASE-002", "child": "CH-0002", "operation": woa, "at": "2025-03-11T09:00"},
            {"ref": "SG-04", "case": "CASE-003", "child": "CH-0003", "operation": woa, "at": "2025-03-12T09:00"},
            {"ref": "SG-05", "case": "CASE-004", "child": "CH-0004", "operation": other, "at": "2025-03-05T09:00"},
            {"ref": "SG-06", "case": "CASE-001", "child": "CH-0005", "operation": woa, "at": "2025-03-09T23:00"},
        ],
    }
