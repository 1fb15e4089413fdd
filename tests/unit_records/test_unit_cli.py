"""The unit's verbs, import/export and reports through the real entry point; bad input is one line, status 2."""

from __future__ import annotations

import json

import pytest
from stores import postgres_database
from unit_scenario import OPERATION_FIGURES, REFERRAL_FIGURES, week_of_action

from tutela.store.database import open_engine
from tutela.store.migrate import upgrade


def _seed(cli):
    for args in (["team", "add", "T-B01", "--name", "Borough 1", "--kind", "borough"],
                 ["team", "add", "T-B02", "--name", "Borough 2", "--kind", "borough"],
                 ["operation", "add", "OP-1", "--name", "Lantern", "--start", "2025-03-10", "--end", "2025-03-16"],
                 ["referral", "add", "R-1", "--received", "2025-03-09T10:00", "--team", "T-B01"],
                 ["case", "create", "CASE-001", "--team", "T-B01", "--referral", "R-1"],
                 ["case", "create", "CASE-002", "--team", "T-B02"],
                 ["suspect", "add", "S-1", "--case", "CASE-001", "--age", "34"],
                 ["exhibit", "add", "EX-1", "--case", "CASE-001", "--type", "phone", "--operation", "OP-1",
                  "--seized", "2025-03-10T07:00", "--seized-by", "DC 101", "--bag", "BAG-1"]):
        result = cli(*args, "--json")
        assert result.status == 0, (args, result.stderr)


def test_verbs_record_and_report(cli):
    _seed(cli)
    assert cli("warrant", "add", "W-1", "--case", "CASE-001", "--operation", "OP-1", "--applied",
               "2025-03-01").status == 0
    assert cli("warrant", "update", "W-1", "--executed", "2025-03-10T06:00").status == 0
    assert cli("arrest", "add", "A-1", "--suspect", "S-1", "--at", "2025-03-10T06:30",
               "--operation", "OP-1").status == 0
    for ref, at in (("SG-1", "2025-03-10T09:00"), ("SG-2", "2025-03-11T09:00")):
        assert cli("safeguarding", "add", ref, "--case", "CASE-001", "--child", "CH-0001", "--at", at,
                   "--operation", "OP-1").status == 0
    moved = cli("exhibit", "move", "EX-1", "--to", "Digital media lab", "--reason", "examination",
                "--kind", "examination", "--json").json_lines()[0]
    assert moved["status"] == "in_examination"
    assert [(e["from"], e["to"]) for e in moved["continuity"]] == [("", "DC 101"), ("DC 101", "Digital media lab")]
    figures = cli("report", "operation", "Lantern", "--json").json_lines()[0]
    assert (figures["warrants_executed"], figures["arrests"], figures["children_safeguarded"],
            figures["exhibits_seized"], figures["suspect_age_min"]) == (1, 1, 1, 1, 34)
    table = cli("report", "operation", "OP-1")
    assert table.status == 0 and "warrants executed" in table.stdout
    unit = cli("report", "unit", "--json").json_lines()[0]
    assert (unit["open_cases"], unit["exhibits_awaiting_examination"], unit["referrals_awaiting_assessment"]) == (
        2, 0, 1)


BAD = [
    (["team", "add", "T-9", "--name", "N", "--kind", "county"], "unknown team kind 'county'"),
    (["operation", "add", "OP-9", "--name", "N", "--start", "2025-03-10", "--end", "2025-03-01"], "before it starts"),
    (["operation", "add", "OP-9", "--name", "N", "--start", "10/03/2025", "--end", "2025-03-01"], "bad start"),
    (["case", "create", "CASE-009", "--team", "T-NONE"], "no team 'T-NONE'"),
    (["case", "create", "CASE-009", "--referral", "R-NONE"], "no referral 'R-NONE'"),
    (["case", "create", "CASE-001"], "case 'CASE-001' already exists"),
    (["suspect", "add", "S-9", "--case", "CASE-001", "--age", "-3"], "bad suspect age -3"),
    (["suspect", "add", "S-9", "--case", "CASE-001", "--age", "150"], "bad suspect age 150"),
    (["suspect", "add", "S-9", "--case", "CASE-002", "--team", "T-B01"], "belongs to team T-B02, not T-B01"),
    (["suspect", "add", "S-1", "--case", "CASE-002"], "suspect 'S-1' is in case 'CASE-001' of team T-B01"),
    (["exhibit", "add", "EX-9", "--case", "CASE-001", "--type", "fridge"], "unknown exhibit type 'fridge'"),
    (["exhibit", "add", "EX-9", "--case", "CASE-001", "--type", "phone", "--seized", "yesterday"], "bad seized"),
    (["exhibit", "move", "EX-404", "--to", "Lab", "--reason", "r"], "no exhibit 'EX-404'"),
    (["warrant", "add", "W-9", "--case", "CASE-001", "--applied", "2025-03-05", "--executed", "2025-03-04"],
     "executed 2025-03-04T00:00:00Z is before applied"),
    (["arrest", "add", "A-9", "--suspect", "S-404", "--at", "2025-03-10"], "no suspect 'S-404'"),
    (["safeguarding", "add", "SG-9", "--case", "CASE-001", "--child", "CH-1", "--at", "2025-03-10",
      "--age-band", "99"], "unknown age band '99'"),
    (["report", "operation", "Nothing"], "no operation with ref or name 'Nothing'"),
    (["report", "referrals", "--from", "2025-03-10", "--to", "2025-03-01"], "before it starts"),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[" ".join(a[:2]) + f" {i}" for i, (a, _m) in enumerate(BAD)])
def test_bad_input_is_one_line_status_2_and_nothing_written(cli, tmp_path, args, message):
    _seed(cli)
    before = tmp_path / "before.json"
    assert cli("export", "unit", str(before)).status == 0
    result = cli(*args)
    assert result.status == 2, result
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr, result.stderr
    after = tmp_path / "after.json"
    cli("export", "unit", str(after))
    assert json.loads(before.read_text()) == json.loads(after.read_text())


def _figures(result) -> dict:
    """A report's figures, without what it was computed from (tests/reports checks that)."""
    (report,) = result.json_lines()
    assert set(report.pop("computed_from")) == {"store", "generated", "tutela", "filters", "input_sha256"}
    return report


def test_import_export_and_reports_as_json_csv_and_chart(cli, tmp_path):
    source = tmp_path / "unit.json"
    source.write_text(json.dumps(week_of_action()))
    first = cli("import", "unit", str(source), "--json").json_lines()[0]
    assert first["rejected"] is False and first["added"]["exhibits"] == 8
    assert cli("import", "unit", str(source), "--json").json_lines()[0]["added"] == {}
    assert _figures(cli("report", "operation", "OP-WOA", "--json")) == OPERATION_FIGURES
    referrals = cli("report", "referrals", "--from", "2025-03-10", "--to", "2025-03-23", "--json")
    assert _figures(referrals) == REFERRAL_FIGURES
    csv = cli("report", "referrals", "--from", "2025-03-10", "--to", "2025-03-23", "--csv").stdout
    assert csv == "week_start,iso_week,count\n2025-03-10,2025-W11,3\n2025-03-17,2025-W12,2\n"
    for name in ("weeks.png", "weeks.svg"):
        chart = tmp_path / name
        drawn = cli("report", "referrals", "--from", "2025-03-10", "--to", "2025-03-23", "--chart", str(chart))
        assert drawn.status == 0
        assert chart.stat().st_size > 1000
    assert cli("report", "operation", "OP-WOA", "--chart", str(tmp_path / "op.svg")).status == 0
    exported = tmp_path / "export.json"
    assert cli("export", "unit", str(exported)).status == 0
    assert cli("import", "unit", str(exported), "--json").json_lines()[0]["added"] == {}


def test_a_rejected_import_lists_problems_and_exits_2(cli, tmp_path):
    bad = week_of_action()
    bad["exhibits"][0]["type"] = "fridge"
    bad["suspects"][0]["age"] = 5
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(bad))
    result = cli("import", "unit", str(source))
    assert result.status == 2
    assert "exhibits[0] (EX-01).type" in result.stderr and "suspects[0] (S-01).age" in result.stderr
    assert "tutela: error: " in result.stderr and "rejected, nothing imported: 2 problems" in result.stderr
    assert cli("report", "unit", "--json").json_lines()[0]["open_cases"] == 0
    (tmp_path / "junk.json").write_text("{not json")
    junk = cli("import", "unit", str(tmp_path / "junk.json"))
    assert junk.status == 2 and "not JSON" in junk.stderr


@pytest.mark.postgres
def test_the_week_of_action_on_postgresql_through_the_cli(cli, tmp_path, monkeypatch):
    with postgres_database() as url:
        monkeypatch.setenv("TUTELA_DATABASE_URL", url)
        engine = open_engine(url)
        upgrade(engine)  # what `tutela init` does; here the engine is closed before the database is dropped
        engine.dispose()
        source = tmp_path / "unit.json"
        source.write_text(json.dumps(week_of_action()))
        assert cli("import", "unit", str(source)).status == 0
        assert _figures(cli("report", "operation", "Operation Lantern", "--json")) == OPERATION_FIGURES
        referrals = cli("report", "referrals", "--from", "2025-03-10", "--to", "2025-03-23", "--json")
        assert _figures(referrals) == REFERRAL_FIGURES
        assert cli("import", "unit", str(source), "--json").json_lines()[0]["added"] == {}
