"""Resumable ingest: killed with SIGKILL mid-run and run again, it ends as one uninterrupted run would."""

from __future__ import annotations

import fcntl
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


def _tutela(home, *args: str, stdout=subprocess.PIPE, **env: str) -> subprocess.Popen:
    env = {**os.environ, "TUTELA_HOME": str(home), **env}
    return subprocess.Popen([sys.executable, "-m", "tutela", *args], stdout=stdout, stderr=subprocess.DEVNULL,
                            env=env, text=True, start_new_session=True)


def _read_lines(fd: int, wanted: int) -> int:
    """Read from ``fd`` until ``wanted`` lines have come (or it ends); how many came."""
    seen = 0
    while seen < wanted and (chunk := os.read(fd, 4096)):
        seen += chunk.count(b"\n")
    return seen


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
    # stdout through a one-page pipe we stop reading: once it is full the coordinator blocks printing, so the kill
    # lands mid-run whatever the machine's speed, never after the last batch.
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)
    running = _tutela(home, *args, "--exhibit", "EX-1", stdout=write_end, TUTELA_INGEST_BATCH="10")
    os.close(write_end)
    seen = _read_lines(read_end, 120)
    os.killpg(running.pid, signal.SIGKILL)  # the coordinator and its workers, at once
    running.wait()
    os.close(read_end)
    recorded, repeated = _rows(home)
    assert repeated == 0 and 120 <= seen <= recorded < 200  # every file printed was recorded; not all were

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
