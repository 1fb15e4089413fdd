"""The pages, as each team sees them: the week of action of unit_scenario behind the web application."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session
from unit_scenario import OPERATION_FIGURES

from tutela.store.account_tables import AuditEvent
from tutela.store.ingest import IngestStore
from tutela.store.unit_tables import Exhibit


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _denied(engine) -> list[str]:
    with Session(engine) as session:
        return list(session.scalars(select(AuditEvent.subject).where(AuditEvent.kind == "access_denied")))


def test_referrals_queue_by_band_with_reasons_in_the_users_scope(web):
    everyone = _text(web.sign_in("supervisor").get("/referrals").text)
    assert everyone.index("Very High (1)") < everyone.index("R-04") < everyone.index("escalation")
    assert everyone.index("R-04") < everyone.index("Unassessed") < everyone.index("R-01")
    assert all(ref in everyone for ref in ("R-01", "R-05", "R-06", "R-07"))
    borough = _text(web.sign_in("investigator").get("/referrals").text)
    assert "R-01" in borough and "R-06" in borough
    assert not any(ref in borough for ref in ("R-04", "R-05", "R-07"))


def test_cases_list_only_the_teams_own_cases(web):
    borough = web.sign_in("investigator").get("/cases").text
    assert re.findall(r">(CASE-\d+)</a>", borough) == ["CASE-004", "CASE-001"] or \
        sorted(re.findall(r">(CASE-\d+)</a>", borough)) == ["CASE-001", "CASE-004"]
    central = web.sign_in("referral_officer").get("/cases").text
    assert sorted(re.findall(r">(CASE-\d+)</a>", central)) == ["CASE-001", "CASE-002", "CASE-003", "CASE-004"]
    assert web.sign_in("supervisor").get("/cases?status=nonsense").status_code == 422


def test_a_case_page_holds_its_exhibits_warrants_arrests_safeguarding_and_continuity(web):
    page = web.sign_in("investigator").get("/cases/CASE-001")
    assert page.status_code == 200
    text = _text(page.text)
    for expected in ("R-01", "R-02", "S-01, aged 18", "W-01", "W-04", "W-08", "A-01", "A-02", "SG-01", "CH-0001",
                     "EX-01", "EX-02", "EX-08", "BAG-0001", "DC 101", "seizure", "2025-03-10 07:00"):
        assert expected in text, expected
    assert "W-02" not in text and "EX-03" not in text


def test_another_teams_case_is_answered_as_if_it_did_not_exist_and_the_attempt_is_audited(web):
    client = web.sign_in("other_investigator")
    theirs = client.get("/cases/CASE-001")
    missing = client.get("/cases/CASE-999")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.text == missing.text
    assert client.get("/exhibits/EX-01").status_code == 404
    assert client.get("/cases/CASE-002").status_code == 200
    assert _denied(web.engine) == ["case:CASE-001", "exhibit:EX-01"]


def test_partners_see_no_case_data(web):
    client = web.sign_in("partner")
    for path in ("/referrals", "/cases", "/cases/CASE-001", "/exhibits/EX-01", "/operations", "/operations/OP-WOA"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "CASE-001" not in response.text and "Lantern" not in response.text


def test_path_tricks_and_oversized_ids_are_refused(web):
    client = web.sign_in("investigator")
    for path in ("/cases/..%2F..%2Fetc%2Fpasswd", "/cases/CASE-001%2F..%2FCASE-002", "/exhibits/%2E%2E",
                 "/cases/CASE-001%00", "/cases/%E2%80%AECASE-001"):
        assert client.get(path).status_code == 404, path
    assert client.get("/operations/OP-WOA%00").status_code == 404
    with Session(web.engine) as session:
        malformed = list(session.scalars(select(AuditEvent.subject).where(AuditEvent.kind == "bad_request")))
    assert malformed == ["case:'CASE-001\\x00'", "case:'\\u202eCASE-001'", "operation:'OP-WOA\\x00'"]
    assert client.get("/cases/" + "C" * 65).status_code == 422
    assert client.get("/cases?page=0").status_code == 422
    assert client.get("/operations?from=2025-13-45").status_code == 422


def test_operation_figures_are_the_reports_figures_narrowed_to_the_team(web):
    everyone = _text(web.sign_in("supervisor").get("/operations/OP-WOA").text)
    for label, key in (("Warrants executed", "warrants_executed"), ("Arrests", "arrests"),
                       ("Children safeguarded", "children_safeguarded"), ("Exhibits seized", "exhibits_seized")):
        assert f"{label} {OPERATION_FIGURES[key]} " in everyone, label
    assert "aged 18 to 60" in everyone
    borough = _text(web.sign_in("investigator").get("/operations/OP-WOA").text)
    own = OPERATION_FIGURES["by_team"]["T-B01"]
    assert f"Warrants executed {own['warrants_executed']} " in borough
    assert f"Arrests {own['arrests']} " in borough and f"Exhibits seized {own['exhibits_seized']} " in borough
    assert "T-B02" not in borough and "T-CEN" not in borough
    assert web.sign_in("supervisor").get("/operations/OP-NONE").status_code == 404


def test_operations_page_has_the_weekly_referral_chart_and_its_figures(web):
    client = web.sign_in("supervisor")
    page = client.get("/operations?from=2025-03-10&to=2025-03-23")
    text = _text(page.text)
    assert "Operation Lantern" in text and "Operation Harbour" in text
    assert "5 referrals from 2025-03-10 to 2025-03-23, 2.5 a week" in text
    assert "2025-W11 2025-03-10 3" in text and "2025-W12 2025-03-17 2" in text
    chart = client.get("/charts/referrals-weekly.png?from=2025-03-10&to=2025-03-23")
    assert chart.status_code == 200 and chart.headers["content-type"] == "image/png"
    assert chart.content.startswith(b"\x89PNG\r\n\x1a\n")
    borough = _text(web.sign_in("other_investigator").get("/operations?from=2025-03-10&to=2025-03-23").text)
    assert "1 referrals from 2025-03-10" in borough


def test_an_exhibits_ingest_summary_counts_by_category(web):
    with Session(web.engine) as session:
        exhibit_id = session.scalar(select(Exhibit.id).where(Exhibit.ref == "EX-01"))
    store = IngestStore(web.engine)
    ingest = store.begin(exhibit_id, "/evidence/EX-01.img", "ab" * 32)
    outcomes = [("known", "a")] * 3 + [("known", "c")] * 2 + [("unknown_still", None)] * 4 + [("failed", None)]
    store.write([{"ingest_id": ingest.id, "exhibit_id": exhibit_id, "locator_key": n.to_bytes(32, "big"),
                  "locator": {"path": f"f{n}"}, "deleted": False, "outcome": outcome, "category": category}
                 for n, (outcome, category) in enumerate(outcomes)])
    text = _text(web.sign_in("examiner").get("/exhibits/EX-01").text)
    assert "a b c not indecent non photographic comparison ungraded 3 0 2 0 0 0 0" in text
    assert "files 10" in text and "unknown still 4" in text and "failed 1" in text
    assert "not finished" in text and "DC 101" in text


def test_the_json_api_answers_as_the_pages_do(web):
    client = web.sign_in("investigator")
    assert sorted(c["ref"] for c in client.get("/api/v1/cases").json()["cases"]) == ["CASE-001", "CASE-004"]
    case = client.get("/api/v1/cases/CASE-001").json()
    assert case["team"] == "T-B01" and [e["ref"] for e in case["exhibits"]] == ["EX-01", "EX-02", "EX-08"]
    assert case["exhibits"][0]["continuity"][0]["to"] == "DC 101"
    assert client.get("/api/v1/cases/CASE-002").json() == {"detail": "not found"}
    assert client.get("/api/v1/exhibits/EX-01").json()["known"]["a"] == 0
    queue = client.get("/api/v1/referrals").json()["bands"]
    bands = {b["band"]: [r["referral"] for r in b["referrals"]] for b in queue}
    assert bands["unassessed"] == ["R-01", "R-06"]
    figures = client.get("/api/v1/operations/OP-WOA").json()
    assert figures["arrests"] == 2 and list(figures["by_team"]) == ["T-B01"]
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/cases", "/api/v1/cases/{ref}", "/api/v1/exhibits/{ref}"} <= set(paths)
