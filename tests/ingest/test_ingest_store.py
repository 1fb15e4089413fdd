"""The ingest service on the store itself: SQLite and the real PostgreSQL server."""

from __future__ import annotations

import pytest
from drawn import encoded, picture

from tutela.processing.ingest import LocalEngine
from tutela.services.ingest import IngestRequest, IngestService
from tutela.services.matching import load_matcher
from tutela.settings import Settings
from tutela.store.ingest import IngestStore
from tutela.store.library import LibraryStore
from tutela.store.unit import UnitStore


@pytest.fixture
def service(engine, tmp_path):
    unit = UnitStore(engine)
    unit.add("cases", {"ref": "CASE-1"})
    unit.add("exhibits", {"ref": "EX-1", "case": "CASE-1", "type": "phone"})
    settings = Settings(home=tmp_path / "home")
    return IngestService(IngestStore(engine), unit, lambda: load_matcher(settings, LibraryStore(engine)),
                         LocalEngine(workers=1, timeout=60))


def test_ingest_records_once_and_again_changes_nothing(service, tmp_path):
    folder = tmp_path / "seized"
    folder.mkdir()
    for seed in range(3):
        (folder / f"{seed}.png").write_bytes(encoded(picture(200, 150, seed=seed), "PNG"))
    (folder / "copy.png").write_bytes((folder / "0.png").read_bytes())
    request = IngestRequest(str(folder), "CASE-1", "EX-1", examiner="examiner 1")
    run = service.start(request)
    outcomes = [o.outcome for o in service.outcomes(run)]
    summary = service.finish(run)
    assert outcomes == ["unknown_still", "unknown_still", "unknown_still", "duplicate"]
    assert (summary["files"], summary["unknown_stills"], summary["duplicates"]) == (4, 3, 1)
    again = service.start(request)
    assert again.already_finished and again.units == []
    assert service.finish(again)["files"] == 4
    assert len(service.ingests.items(run.ingest.id)) == 4
    events = service.unit.record("exhibits", "EX-1")["continuity"]
    assert [e["to"] for e in events] == ["examiner 1", "examiner 1"]
