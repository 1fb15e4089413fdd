"""Resumable ingest: killed with SIGKILL mid-run and run again, it ends as one uninterrupted run would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
from drawn import encoded, picture
from sqlalchemy import create_engine, func, select

from tutela.store.ingest_tables import MediaItem

TIMING = ("elapsed_seconds", "rate", "processed", "resumed", "already_finished", "exhibit", "case")


@pytest.fixture
def folder(tmp_path):
    seized = tmp_path / "seized"
    seized.mkdir()
    for seed in range(200):
        data = encoded(picture(640, 480, seed=seed % 190), "JPEG", quality=85)  # 10 duplicates
        (seized / f"IMG_{seed:04d}.jpg").write_bytes(data)
    return seized


def _tutela(home, *args: str) -> subprocess.Popen:
    env = {**os.environ, "TUTELA_HOME": str(home)}
    return subprocess.Popen([sys.executable, "-m", "tutela", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, text=True, start_new_session=True)


def _rows(home) -> tuple[int, int]:
    """Media items recorded, and how many (exhibit, locator) pairs are recorded more than once."""
    engine = create_engine(f"sqlite:///{home / 'tutela.sqlite3'}")
    twice = (select(MediaItem.exhibit_id).group_by(MediaItem.exhibit_id, MediaItem.locator_key)
             .having(func.count() > 1).subquery())
    with engine.connect() as connection:
        rows = connection.execute(select(func.count()).select_from(MediaItem)).scalar()
        repeated = connection.execute(select(func.count()).select_from(twice)).scalar()
    engine.dispose()
    return rows, repeated


@pytest.mark.slow
def test_killed_ingest_resumes_to_the_same_counts(cli, folder, tmp_path):
    home = tmp_path / "home"  # the cli fixture's TUTELA_HOME
    cli("team", "add", "T-1", "--name", "Team", "--kind", "central")
    cli("case", "create", "CASE-1", "--team", "T-1")
    for exhibit in ("EX-1", "EX-2"):
        cli("exhibit", "add", exhibit, "--case", "CASE-1", "--type", "storage")

    args = ("ingest", str(folder), "--case", "CASE-1", "--json", "--workers", "2")
    running = _tutela(home, *args, "--exhibit", "EX-1")
    for seen, _line in enumerate(running.stdout, start=1):
        if seen == 120:
            break
    os.killpg(running.pid, signal.SIGKILL)  # the coordinator and its workers, at once
    running.wait()
    running.stdout.close()
    running.stderr.close()
    recorded, repeated = _rows(home)
    assert repeated == 0 and 0 < recorded < 200  # some batches made it, not all

    resumed = cli(*args, "--exhibit", "EX-1")
    assert resumed.status == 0, resumed.stderr
    *items, summary = resumed.json_lines()
    assert summary["resumed"] and summary["processed"] == len(items) == 200 - recorded

    whole = _tutela(home, *args, "--exhibit", "EX-2")
    out, _ = whole.communicate(timeout=300)
    uninterrupted = json.loads(out.splitlines()[-1])
    assert uninterrupted["files"] == 200 and uninterrupted["duplicates"] == 10
    assert {k: v for k, v in summary.items() if k not in TIMING} == {
        k: v for k, v in uninterrupted.items() if k not in TIMING}
    assert _rows(home) == (400, 0)
