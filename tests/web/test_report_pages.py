"""Report pages in the web application: the same template as the PDF, in the viewer's scope, PDFs audited."""

from __future__ import annotations

import re
import subprocess

from sqlalchemy import select
from sqlalchemy.orm import Session

from tutela.store.account_tables import AuditEvent


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_case_reports_in_scope_as_page_and_pdf(web, tmp_path):
    investigator = web.sign_in("investigator")  # T-B01: CASE-001 is theirs, CASE-002 is not
    page = investigator.get("/reports/cases/CASE-001/charging.html")
    assert page.status_code == 200
    text = _text(page.text)
    assert "Charging table: case CASE-001" in text and "no exhibit of this case has been ingested" in text
    assert 'href="/reports/cases/CASE-001/charging.pdf"' in page.text and "/reports/report.css" in page.text
    assert investigator.get("/reports/cases/CASE-002/charging.html").status_code == 404
    case = _text(investigator.get("/reports/cases/CASE-001.html").text)
    assert "Case CASE-001" in case and "children safeguarded" in case
    pdf = investigator.get("/reports/cases/CASE-001/charging.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    (tmp_path / "charging.pdf").write_bytes(pdf.content)
    printed = subprocess.run(["pdftotext", str(tmp_path / "charging.pdf"), "-"], capture_output=True, text=True,
                             check=True).stdout
    assert "Charging table: case CASE-001" in printed
    with Session(web.engine) as session:
        exports = session.execute(select(AuditEvent.actor, AuditEvent.subject)
                                  .where(AuditEvent.kind == "export")).all()
    assert [tuple(e) for e in exports] == [("investigator", "report:charging")]


def test_unit_wide_reports_for_supervisors_only(web):
    supervisor = web.sign_in("supervisor")
    unit = _text(supervisor.get("/reports/unit.html?from=2025-03-01&to=2025-03-31").text)
    assert "Unit report 2025-03-01 to 2025-03-31" in unit and "Operation Lantern" in unit
    assert 'src="data:image/png;base64,' in supervisor.get("/reports/operations/OP-WOA.html").text
    public = _text(supervisor.get("/reports/public.html?from=2025-03-01&to=2025-03-31").text)
    assert "fewer than 5" in public and "CH-0001" not in public
    assert supervisor.get("/reports/public.html?from=2025-03-31&to=2025-03-01").status_code == 422
    assert web.sign_in("investigator").get("/reports/unit.html").status_code == 403
