"""Report documents: the PDF holds the figures (pdftotext), renders (pdftoppm), and is the same bytes from the same
store but for the generation time; the public figures hide small counts; empty periods say so."""

from __future__ import annotations

import difflib
import json
import subprocess
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from unit_scenario import week_of_action

from tutela.domain.disclosure import HIDDEN, suppressed_column
from tutela.reports.documents import render_html, render_pdf
from tutela.reports.report_documents import public_document, unit_document
from tutela.services.reports import public_figures, unit_overview
from tutela.store.unit_queries import UnitQueries

LONDON = ZoneInfo("Europe/London")
MARCH = (date(2025, 3, 1), date(2025, 3, 31))


def at(hour: int):
    return lambda: datetime(2025, 4, 1, hour, 0, tzinfo=UTC)


def pdf_text(data: bytes, tmp_path, *, layout: bool = False) -> str:
    """The PDF's text (pdftotext); without the layout, words in reading order with single spaces."""
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", *(["-layout"] if layout else []), str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    return text if layout else " ".join(text.split())


@pytest.fixture
def queries(cli, tmp_path):
    source = tmp_path / "unit.json"
    source.write_text(json.dumps(week_of_action()))
    assert cli("import", "unit", str(source)).status == 0
    from tutela.services.store import open_store
    from tutela.settings import load_settings

    engine = open_store(load_settings())
    yield UnitQueries(engine)
    engine.dispose()


def test_unit_pdf_has_its_figures_and_charts_and_is_reproducible(queries, tmp_path):
    report = unit_overview(queries, LONDON, *MARCH, clock=at(9))
    first, again = (render_pdf(unit_document(unit_overview(queries, LONDON, *MARCH, clock=at(9)))) for _ in "12")
    assert first == again  # same store, same time: same bytes
    later = render_pdf(unit_document(unit_overview(queries, LONDON, *MARCH, clock=at(10))))
    text, later_text = pdf_text(first, tmp_path, layout=True), pdf_text(later, tmp_path, layout=True)
    changed = [line[0] + " ".join(line[1:].split())
               for line in difflib.unified_diff(text.splitlines(), later_text.splitlines(), lineterm="", n=0)
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed == ["-generated 2025-04-01T09:00:00Z", "+generated 2025-04-01T10:00:00Z"]
    text = pdf_text(first, tmp_path)
    assert "Unit report 2025-03-01 to 2025-03-31" in text and "Operation Lantern" in text
    assert "exhibits awaiting examination: 7" in text and "referrals awaiting assessment: 5" in text
    assert report["computed_from"]["input_sha256"] in text
    assert [op["warrants_executed"] for op in report["operations"]] == [0, 3]  # W-07 fell outside Harbour
    (tmp_path / "unit.pdf").write_bytes(first)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(tmp_path / "unit.pdf"), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == int(subprocess.run(["pdfinfo", str(tmp_path / "unit.pdf")], capture_output=True, text=True,
                                            check=True).stdout.split("Pages:")[1].split()[0]) >= 2
    from PIL import Image

    with Image.open(pages[0]) as page:  # the charts are drawn: far more than text on white
        colours = page.convert("RGB").getcolors(maxcolors=1 << 16)
        assert colours is None or len(colours) > 50


def test_public_figures_hide_small_counts_and_name_no_one(queries, tmp_path):
    report = public_figures(queries, *MARCH, LONDON, clock=at(9))
    published = {k: report[k]["shown"] for k in ("referrals_received", "warrants_executed", "arrests",
                                                 "children_safeguarded", "exhibits_seized")}
    # 7 referrals; warrants 0 + 3; arrests 1 + 4; children 1 + 3 distinct; exhibits 1 + 5
    assert published == {"referrals_received": "7", "warrants_executed": HIDDEN, "arrests": "5",
                         "children_safeguarded": HIDDEN, "exhibits_seized": "6"}
    by_operation = {op["name"]: {k: op[k]["shown"] for k in ("warrants_executed", "arrests", "exhibits_seized")}
                    for op in report["by_operation"]}
    # Lantern's 5 exhibits are withheld too: beside Harbour's hidden 1 and the total 6 they would give it away
    assert by_operation == {"Operation Harbour": {"warrants_executed": "0", "arrests": HIDDEN,
                                                  "exhibits_seized": HIDDEN},
                            "Operation Lantern": {"warrants_executed": HIDDEN, "arrests": HIDDEN,
                                                  "exhibits_seized": HIDDEN}}
    everything = json.dumps({k: v for k, v in report.items() if k != "computed_from"})
    for reference in ("CH-", "CASE-", "EX-", "S-0", "T-B", "R-0"):
        assert reference not in everything
    text = pdf_text(render_pdf(public_document(report)), tmp_path)
    assert "Public figures 2025-03-01 to 2025-03-31" in text and "fewer than 5" in text
    assert "OFFICIAL — for publication" in text


@pytest.mark.parametrize(("counts", "hidden"), [
    ([0, 0, 12], [False, False, False]),
    ([3, 12, 40], [True, True, False]),  # 3 alone could be worked out from the total: 12 goes too
    ([3, 2, 40], [True, True, False]),
    ([4, 0], [True, False]),  # nothing else to withhold: the total is then hidden by its own rule or not at all
    ([5, 1, 1, 9], [False, True, True, False]),
])
def test_suppression_rule(counts, hidden):
    assert suppressed_column(counts) == hidden


def test_a_period_without_records_says_so(queries, tmp_path):
    empty = (date(2024, 1, 1), date(2024, 1, 31))
    report = public_figures(queries, *empty, LONDON, clock=at(9))
    assert report["note"] == "no referrals and no operations from 2024-01-01 to 2024-01-31: nothing to publish"
    assert report["referrals_received"] == {"value": None, "shown": "no records"} and report["operations"] is None
    unit = unit_overview(queries, LONDON, *empty, clock=at(9))
    assert unit["operations"] == [] and unit["weekly_referrals"]["total"] == 0
    html = render_html(unit_document(unit))
    assert "no referrals received from 2024-01-01 to 2024-01-31" in html
    assert "no operation from 2024-01-01 to 2024-01-31" in html


def test_unit_report_shows_examiner_exposure_per_day(queries):
    from sqlalchemy import insert
    from sqlalchemy.orm import Session

    from tutela.services.reports import store_extras
    from tutela.store.grading import count_view
    from tutela.store.users import User

    engine = queries.engine
    with Session(engine) as session, session.begin():
        ann, bob = (session.execute(insert(User).values(name=name, role="examiner", created=at(9)())
                                    .returning(User.id)).scalar_one() for name in ("ann", "bob"))
        for user, day, clear in ((ann, 10, False), (ann, 10, False), (ann, 10, True), (bob, 11, False),
                                 (ann, 12, False), (bob, 20, True)):  # the 20th of April is outside March
            count_view(session, user_id=user, day=date(2025, 3, day) if day < 20 else date(2025, 4, day),
                       clear=clear)
    report = unit_overview(queries, LONDON, *MARCH, extras=store_extras(engine, LONDON), clock=at(9))
    assert report["exposure"] == [
        {"day": "2025-03-10", "examiner": "ann", "blurred": 2, "clear": 1},
        {"day": "2025-03-11", "examiner": "bob", "blurred": 1, "clear": 0},
        {"day": "2025-03-12", "examiner": "ann", "blurred": 1, "clear": 0}]
    html = render_html(unit_document(report))
    assert "thumbnails shown to examiners per day (blurred and clear)" in html


def test_unit_report_shows_matches_and_takedowns_per_partner_per_week(queries, tmp_path):
    from types import SimpleNamespace

    from sqlalchemy import insert
    from sqlalchemy.orm import Session

    from tutela.services.reports import store_extras
    from tutela.store.partners import record_matches, report_takedown
    from tutela.store.tables import Bank
    from tutela.store.users import User

    engine = queries.engine
    found = SimpleNamespace(bank_id=0, entry_id=1, category="a", hash_type="pdq", distance=4)
    with Session(engine) as session, session.begin():
        found.bank_id = session.execute(insert(Bank).values(
            name="national", trust="trusted", created_at=at(9)()).returning(Bank.id)).scalar_one()
        partner = session.execute(insert(User).values(name="platform-1", role="partner", created=at(9)())
                                  .returning(User.id)).scalar_one()

        def when(day: int, month: int = 3) -> datetime:
            return datetime(2025, month, day, 12, 0, tzinfo=UTC)

        first = record_matches(session, partner, [found, found], when(10))
        later = record_matches(session, partner, [found], when(18))
        record_matches(session, partner, [found], when(2, 4))  # after the period
        report_takedown(session, partner, first[0], "removed", None, when(11))
        report_takedown(session, partner, later[0], "false_positive", None, when(18))
    report = unit_overview(queries, LONDON, *MARCH, extras=store_extras(engine, LONDON), clock=at(9))
    assert report["takedowns"] == [
        {"partner": "platform-1", "week": "2025-W11", "matches": 2, "removed": 1, "reported": 0, "false_positive": 0},
        {"partner": "platform-1", "week": "2025-W12", "matches": 1, "removed": 0, "reported": 0, "false_positive": 1}]
    text = pdf_text(render_pdf(unit_document(report)), tmp_path)
    assert "platform partners: matches and takedowns per week" in text and "platform-1 2025-W11 2 1 0 0" in text
