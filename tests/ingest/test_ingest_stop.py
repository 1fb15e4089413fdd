"""Ctrl-C while the evidence's digest is being taken: the run ends at once and records nothing of an ingest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from tutela.evidence import integrity
from tutela.evidence.ewf import verify_e01
from tutela.evidence.integrity import DigestStopped, evidence_sha256
from tutela.services.disk_images import e01, fat_volume

IMAGE_SIZE = 12 * 2**30  # sparse: no disk used, yet its digest reads 12 GB (seconds, at any machine's speed)


def _read_by(pid: int) -> int:
    """Bytes the process's own threads have read (its workers are other processes); 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/io") as io:
            return int(next(line for line in io if line.startswith("rchar:")).split()[1])
    except FileNotFoundError:
        return 0


def test_a_digest_whose_stop_is_set_reads_no_further(tmp_path):
    image = tmp_path / "disk.img"
    with open(image, "wb") as stream:
        stream.truncate(64 * 2**20)
    stop = threading.Event()
    stop.set()
    with pytest.raises(DigestStopped):
        evidence_sha256(str(image), stop=stop)
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "a.bin").write_bytes(b"x" * 5000)
    with pytest.raises(DigestStopped):
        evidence_sha256(str(tmp_path / "folder"), stop=stop)
    assert evidence_sha256(str(tmp_path / "folder")) == evidence_sha256(str(tmp_path / "folder"), threads=2)


def test_a_digest_read_by_threads_stops_too(tmp_path, monkeypatch):
    folder = tmp_path / "folder"
    folder.mkdir()
    for n in range(300):
        (folder / f"{n:03d}.bin").write_bytes(b"x" * 100)
    read: list[str] = []
    real = integrity._file_sha256
    stop = threading.Event()

    def counted(path, buffer=None, halt=None, progress=None):
        read.append(path)
        if len(read) == 5:
            stop.set()
        return real(path, buffer, halt, progress)

    monkeypatch.setattr(integrity, "_file_sha256", counted)
    with pytest.raises(DigestStopped):
        evidence_sha256(str(folder), threads=2, stop=stop)
    assert len(read) < 5 + integrity.DIGESTS_AHEAD + 2  # what was queued when it stopped, never the rest


def test_an_e01_acquisition_check_whose_stop_is_set_reads_no_further(tmp_path):
    raw = fat_volume(tmp_path / "card.img", {"a.bin": b"x" * 100_000})
    segments = e01(raw, tmp_path / "EX-1", compress=False)
    assert verify_e01([str(path) for path in segments]).result == "verified"
    stop = threading.Event()
    stop.set()
    with pytest.raises(DigestStopped):
        verify_e01([str(path) for path in segments], stop)


@pytest.mark.skipif(not os.path.exists("/proc/self/io"), reason="reads are counted from /proc/PID/io (Linux)")
def test_ctrl_c_during_the_digest_stops_it_and_begins_no_ingest(cli, tmp_path):
    """Before, the digest beside the hashing read the whole image first (34 s for 12 GB), then began the ingest
    and logged it on the exhibit, after the examiner had stopped the run."""
    assert cli("team", "add", "T-1", "--name", "Team", "--kind", "central").status == 0
    assert cli("case", "create", "CASE-1", "--team", "T-1").status == 0
    assert cli("exhibit", "add", "EX-1", "--case", "CASE-1", "--type", "storage").status == 0
    image = tmp_path / "disk.img"
    with open(image, "wb") as stream:
        stream.truncate(IMAGE_SIZE)
    env = {**os.environ, "TUTELA_HOME": str(tmp_path / "home")}
    run = subprocess.Popen([sys.executable, "-m", "tutela", "ingest", str(image), "--case", "CASE-1", "--exhibit",
                            "EX-1", "--json"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                           start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while _read_by(run.pid) < 256 * 2**20:  # the digest is under way
            assert run.poll() is None and time.monotonic() < deadline, "the digest never began"
            time.sleep(0.05)
        run.send_signal(signal.SIGINT)
        stopped = time.monotonic()
        _, stderr = run.communicate(timeout=120)
        waited = time.monotonic() - stopped
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)  # its workers too: they were hashing the 12 GB
    assert run.returncode == 130
    assert waited < 30  # generous: the rest of the digest took 34 s here, and the run waited for it
    assert "Traceback" not in stderr.decode()
    assert stderr.decode().splitlines()[-2:] == [
        "tutela: stopped: what was recorded is kept; run the same command again to finish the ingest",
        "tutela: interrupted"]
    exhibit = cli("exhibit", "status", "EX-1", "in_examination", "--json").json_lines()[0]
    assert not [event for event in exhibit["continuity"] if event["reason"].startswith("ingest")]


def test_the_run_says_what_it_reads_and_how_far():
    from tutela.processing.ingest import IngestRequest
    from tutela.services.ingest import IngestRun

    run = IngestRun(IngestRequest("/e", "C", "X", "me"), None, [], {}, already_finished=False, resumed=False)
    assert run.status() == ""
    run._begin_reading("E01 acquisition check")
    run._count_read(1_500_000_000)
    run._count_read(730_000_000)
    assert run.status() == "E01 acquisition check: 2.23 GB read"
    run._begin_reading("")
    assert run.status() == ""
