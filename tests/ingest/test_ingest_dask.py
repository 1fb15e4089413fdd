"""`tutela ingest --scheduler`: the same task on a real Dask cluster (LocalCluster, 2 worker processes) gives what
the local pool gives on the same evidence; a scheduler that is not there is one line and status 2."""

from __future__ import annotations

import socket

import pytest
from drawn import encoded, picture
from ingest_archives import zeros_zip, zip_of

TIMING = ("elapsed_seconds", "rate", "exhibit")


@pytest.fixture(scope="module")
def scheduler():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", scheduler_port=0,
                      dashboard_address="127.0.0.1:0", worker_dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def photo(seed: int) -> bytes:
    return encoded(picture(640, 480, seed=seed), "JPEG", quality=90)


@pytest.fixture
def seized(cli, tmp_path):
    assert cli("team", "add", "T-1", "--name", "Team", "--kind", "central").status == 0
    assert cli("case", "create", "CASE-1", "--team", "T-1").status == 0
    for exhibit in ("EX-1", "EX-2"):
        assert cli("exhibit", "add", exhibit, "--case", "CASE-1", "--type", "phone").status == 0
    folder = tmp_path / "seized"
    (folder / "DCIM").mkdir(parents=True)
    for seed in range(12):
        (folder / "DCIM" / f"IMG_{seed}.jpg").write_bytes(photo(seed))
    (folder / "DCIM" / "copy.jpg").write_bytes(photo(3))
    (folder / "notes.txt").write_text("shopping list\n")
    (folder / "backup.zip").write_bytes(zip_of({"old/IMG_20.jpg": photo(20)}))
    (folder / "bomb.zip").write_bytes(zeros_zip())
    return folder


def _run(cli, *args: str):
    result = cli("ingest", *args, "--case", "CASE-1", "--json")
    *items, summary = result.json_lines()
    return result.status, items, {k: v for k, v in summary.items() if k not in TIMING}


def test_a_dask_cluster_gives_what_the_local_pool_gives(cli, seized, scheduler):
    status, local, local_summary = _run(cli, str(seized), "--exhibit", "EX-1", "--workers", "2")
    dask_status, on_cluster, cluster_summary = _run(cli, str(seized), "--exhibit", "EX-2", "--scheduler", scheduler)
    assert status == dask_status == 1  # the bomb failed, on both
    assert on_cluster == local
    assert cluster_summary == local_summary and cluster_summary["files"] == 18


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:{free}", "http://127.0.0.1:{free}", "tcp://127.0.0.1"])
def test_a_scheduler_that_is_not_there_is_one_line_and_status_2(cli, seized, address):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    result = cli("ingest", str(seized), "--case", "CASE-1", "--exhibit", "EX-1",
                 "--scheduler", address.format(free=free))
    assert result.status == 2 and result.stdout == "" and result.stderr.count("\n") == 1
    assert result.stderr.startswith("tutela: error: cannot reach the Dask scheduler at ")
