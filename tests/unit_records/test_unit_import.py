"""`import unit`: all or nothing with every problem listed; twice changes nothing; export reads back the same."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from unit_scenario import week_of_action

from tutela.formats.unit_schema import unit_schema
from tutela.services.unit_import import UnitImportRejected, import_unit
from tutela.store.unit import UnitStore

LONDON = ZoneInfo("Europe/London")
DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_published_schema_is_the_one_in_use():
    assert json.loads((DOCS / "unit-schema.json").read_text()) == unit_schema()


def test_reimport_is_a_no_op_and_export_reads_back(engine):
    store = UnitStore(engine)
    first = import_unit(store, week_of_action(), LONDON, source="f")
    assert first.added["warrants"] == 8 and not first.already_present
    exported = store.export_document()
    again = import_unit(store, week_of_action(), LONDON, source="f")
    assert again.added == {} and sum(again.already_present.values()) == 48
    assert store.export_document() == exported
    assert import_unit(store, exported, LONDON, source="export").added == {}
    assert exported["exhibits"][0]["continuity"] == [
        {"at": "2025-03-10T07:00:00Z", "from": "", "to": "DC 101", "reason": "seized", "kind": "seizure"}]


def test_a_bad_file_is_rejected_whole_with_every_problem(engine):
    store = UnitStore(engine)
    import_unit(store, {"teams": [{"ref": "T-OLD", "name": "Old", "kind": "borough"}]}, LONDON, source="f")
    before = store.export_document()
    bad = week_of_action()
    bad["operations"][1]["end"] = "2025-03-01"                        # end before start
    bad["warrants"][0]["executed"] = "2025-02-30T06:00"                # no such day
    bad["exhibits"].append({"ref": "EX-09", "case": "CASE-404", "type": "phone"})  # dangling case
    bad["arrests"].append(copy.deepcopy(bad["arrests"][0]))           # duplicate ref
    bad["teams"].append({"ref": "T-OLD", "name": "Renamed", "kind": "borough"})   # held differently
    with pytest.raises(UnitImportRejected) as rejected:
        import_unit(store, bad, LONDON, source="bad.json")
    problems = rejected.value.problems
    assert len(problems) == 5, problems
    text = "\n".join(problems)
    for expected in ("ends 2025-03-01, before it starts 2025-03-03", "bad executed '2025-02-30T06:00'",
                     "case 'CASE-404' does not exist", "arrest 'A-01' appears twice",
                     "team 'T-OLD' already exists with other name"):
        assert expected in text
    assert str(rejected.value).startswith("bad.json: rejected, nothing imported: 5 problems: ")
    assert store.export_document() == before


def test_schema_problems_name_the_record(engine):
    bad = {"teams": [{"ref": "T-1", "name": "One", "kind": "county"}],
           "exhibits": [{"ref": "EX-1", "case": "C", "type": "fridge"}], "suspects": [{"ref": "S", "case": "C",
                                                                                       "age": -4}]}
    with pytest.raises(UnitImportRejected) as rejected:
        import_unit(UnitStore(engine), bad, LONDON, source="f")
    text = "\n".join(rejected.value.problems)
    assert "teams[0] (T-1).kind: 'county' is not one of" in text
    assert "exhibits[0] (EX-1).type: 'fridge' is not one of" in text
    assert "suspects[0] (S).age: -4 is less than the minimum of 10" in text
