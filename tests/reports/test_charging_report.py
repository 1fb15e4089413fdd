"""`tutela report charging` on a case ingested for real: every cell, the items behind them, and bad input."""

from __future__ import annotations

import csv
import io
import json
import subprocess

import pytest
from charging_case import built_home, copy_home
from charging_cells import table

from tutela.domain.charging import CELL_KEYS, KINDS, ROWS, TOTAL_CELL_KEYS

EX1 = table(CELL_KEYS, {
    ("a", "still"): {"images": 2, "unique": 1, "duplicates": 1, "library": 2},
    ("b", "still"): {"images": 1, "unique": 1, "library": 1},
    ("c", "video"): {"images": 1, "unique": 1, "library": 1},
    ("ungraded", "still"): {"images": 1, "unique": 1},
})
EX2 = table(CELL_KEYS, {
    ("a", "still"): {"images": 2, "unique": 1, "duplicates": 1, "library": 2},
    ("b", "still"): {"images": 1, "unique": 1, "library": 1},
    ("ungraded", "still"): {"images": 3, "unique": 2, "duplicates": 1},
    ("ungraded", "video"): {"images": 1, "unique": 1},
})
TOTAL = table(TOTAL_CELL_KEYS, {
    ("a", "still"): {"images": 4, "unique": 1, "duplicates_on_device": 2, "duplicates_across_devices": 1,
                     "library": 4},
    ("b", "still"): {"images": 2, "unique": 1, "duplicates_across_devices": 1, "library": 2},
    ("c", "video"): {"images": 1, "unique": 1, "library": 1},
    ("ungraded", "still"): {"images": 4, "unique": 2, "duplicates_on_device": 1, "duplicates_across_devices": 1},
    ("ungraded", "video"): {"images": 1, "unique": 1},
})


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    with built_home(tmp_path_factory.mktemp("charging")) as made:
        yield made


@pytest.fixture
def case(cli, tmp_path, built):
    home, evidence = built
    copy_home(home, tmp_path)
    return evidence


def test_every_cell_from_the_library_grades(cli, case):
    result = cli("report", "charging", "--case", "CASE-1", "--json")
    assert result.status == 0, result.stderr
    (report,) = result.json_lines()
    ex1, ex2, ex3 = report["exhibits"]
    assert (ex1["exhibit"], ex1["items"], ex1["cells"], ex1["not_counted"]) == (
        "EX-1", 6, EX1, {"not_media": 1, "failed": 0, "ignorable": 0})
    assert (ex2["exhibit"], ex2["items"], ex2["cells"], ex2["not_counted"]) == (
        "EX-2", 8, EX2, {"not_media": 0, "failed": 0, "ignorable": 1})
    assert report["total"] == {"cells": TOTAL, "items": 14,
                               "not_counted": {"not_media": 1, "failed": 0, "ignorable": 1}}
    assert report["total_covers"] == ["EX-1", "EX-2"] and report["conflicts"] == []
    assert (ex3["exhibit"], ex3["ingested"], ex3["items"], ex3["cells"], ex3["not_counted"]) == (
        "EX-3", False, None, None, None)
    assert ex3["note"] == "never ingested: no figures until it is"
    assert report["computed_from"]["filters"] == {"case": "CASE-1", "exhibits": "all"}


def test_items_trace_every_number_to_a_locator(cli, case):
    (report,) = cli("report", "charging", "--case", "CASE-1", "--items", "--json").json_lines()
    items = report["items"]
    assert len(items) == report["total"]["items"] == 14
    by_name = {(i["exhibit"], i["locator"].rsplit("/", 1)[1]): i for i in items}
    copy = by_name[("EX-1", "copy-of-0.jpg")]
    assert (copy["row"], copy["basis"], copy["duplicate"], copy["outcome"]) == (
        "a", "library", "duplicate_on_device", "duplicate")
    assert copy["locator"] == f"{case['EX-1']}/copy-of-0.jpg"
    assert by_name[("EX-2", "IMG_1.jpg")]["duplicate"] == "duplicate_across_devices"
    assert by_name[("EX-2", "IMG_2.jpg")]["reason"] == "ignorable"
    assert by_name[("EX-1", "notes.txt")]["row"] == "not_counted"
    for (row, kind), expected in (((r, k), TOTAL[r][k]) for r in ROWS for k in KINDS):
        behind = [i for i in items if i["row"] == row and i["kind"] == kind]
        assert len(behind) == expected["images"]
    listed = cli("report", "charging", "--case", "CASE-1", "--items", "--csv").stdout
    rows = list(csv.DictReader(io.StringIO(listed)))
    assert len(rows) == 14 and {r["locator"] for r in rows} == {i["locator"] for i in items}


def test_csv_has_every_cell_and_says_which_exhibit_was_never_ingested(cli, case):
    rows = list(csv.DictReader(io.StringIO(cli("report", "charging", "--case", "CASE-1", "--csv").stdout)))
    cells = {(r["exhibit"], r["category"], r["kind"]): r for r in rows}
    assert cells[("total", "a", "still")]["duplicates_across_devices"] == "1"
    assert cells[("EX-1", "a", "still")]["duplicates_across_devices"] == ""  # not a zero: no such count per device
    assert cells[("EX-3", "never_ingested", "")]["images"] == ""
    assert len(rows) == 3 * 2 * len(ROWS) + 3 * 3 + 1


def test_one_exhibit_and_the_table_on_the_terminal(cli, case):
    (report,) = cli("report", "charging", "--case", "CASE-1", "--exhibit", "EX-2", "--json").json_lines()
    assert [e["exhibit"] for e in report["exhibits"]] == ["EX-2"]
    assert report["total"]["cells"]["a"]["still"]["unique"] == 1  # EX-2 alone holds its first copy
    shown = cli("report", "charging", "--case", "CASE-1").stdout
    assert "prohibited" in shown and "EX-3 (tablet): never ingested" in shown and "computed from" in shown


def test_same_store_same_report_but_the_time(cli, case):
    first, second = (cli("report", "charging", "--case", "CASE-1", "--items", "--json").json_lines()[0]
                     for _ in range(2))
    for report in (first, second):
        report["computed_from"].pop("generated")
    assert first == second


def test_bad_input(cli, tmp_path):
    assert cli("case", "create", "CASE-9").status == 0
    (empty,) = cli("report", "charging", "--case", "CASE-9", "--json").json_lines()
    assert empty["exhibits"] == [] and empty["total"] is None
    assert empty["notes"] == ["case CASE-9 has no exhibits: there is nothing to count"]
    assert cli("exhibit", "add", "EX-9", "--case", "CASE-9", "--type", "phone").status == 0
    (waiting,) = cli("report", "charging", "--case", "CASE-9", "--json").json_lines()
    assert waiting["total"] is None and waiting["exhibits"][0]["cells"] is None
    assert waiting["notes"] == ["no exhibit of this case has been ingested: there is nothing to count yet"]
    missing = cli("report", "charging", "--case", "CASE-404")
    assert missing.status == 2 and missing.stderr.strip() == "tutela: error: no case 'CASE-404'"
    other = cli("report", "charging", "--case", "CASE-9", "--exhibit", "EX-1")
    assert other.status == 2 and other.stderr.strip() == "tutela: error: case 'CASE-9' has no exhibit 'EX-1'"


def test_charging_and_case_documents_hold_the_figures(cli, case, tmp_path):
    pdf, html = tmp_path / "charging.pdf", tmp_path / "case.html"
    assert cli("report", "charging", "--case", "CASE-1", "--pdf", str(pdf), "--json").status == 0
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True,
                                   text=True).stdout.split())
    assert "Charging table: case CASE-1" in text and "EX-3 (tablet): never ingested" in text
    # the total's row for category A: 4 still (1 unique), 0 moving, 4 from the library, no votes
    assert "total over EX-1, EX-2: 14 items" in text and "A 4 1 0 0 4 0 0" in text
    (report,) = cli("report", "case", "CASE-1", "--html", str(html), "--json").json_lines()
    assert report["charging"] == {"charged_images": 7, "charged_unique": 3, "awaiting_verification": 0,
                                  "disputed": 0, "ungraded": 5, "category_a": 4, "category_b": 2,
                                  "category_c": 1, "category_non_photographic": 0}
    assert [e["exhibit"] for e in report["exhibits"]] == ["EX-1", "EX-2", "EX-3"]
    page = html.read_text()
    assert "<h1>Case CASE-1</h1>" in page and report["computed_from"]["input_sha256"] in page


def test_graded_media_export_as_vics_with_locators_imports_back(cli, case, tmp_path):
    out = tmp_path / "case.json"
    (summary,) = cli("export", "case-media", str(out), "--case", "CASE-1", "--json").json_lines()
    assert (summary["records"], summary["items"]) == (3, 7)  # A, B and the clip C; 7 graded copies
    document = json.loads(out.read_text())
    assert document["@odata.context"].endswith("DataModels/2.0.xml/Default/$metadata#Media")
    by_grade = {record["@tutela.category"]: record for record in document["value"]}
    assert set(by_grade) == {"a", "b", "c"}
    assert by_grade["a"]["Comments"].count("EX-1: ") == 2 and by_grade["a"]["Comments"].count("EX-2: ") == 2
    assert f"EX-1: {case['EX-1']}/copy-of-0.jpg" in by_grade["a"]["Comments"]
    assert by_grade["a"]["Tags"] == "grade: library"
    assert cli("library", "add-bank", "returned", "--trust", "unverified").status == 0
    assert cli("library", "import", str(out), "--bank", "returned").status == 0
    (stats,) = [s for s in cli("library", "stats", "--json").json_lines() if s["bank"] == "returned"]
    assert stats["entries"] == 3
    (none,) = cli("export", "verified-hashes", str(tmp_path / "new.json"), "--json").json_lines()
    assert none["records"] == 0 and none["cases"] == ["CASE-1"]  # nothing verified by three examiners yet
