"""The partner commands, and the match service as deployed: `tutela serve --match-only --workers 2` under a
real uvicorn on a free loopback port, called by `tutela remote lookup` while the library grows."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from match_entries import flipped, random_pdqs


def _csv(path: Path, pdqs: list[str], category: str = "a") -> Path:
    path.write_text("pdq,category\n" + "".join(f"{p},{category}\n" for p in pdqs))
    return path


def _library_with_partner(cli, tmp_path) -> tuple[str, list[str]]:
    pdqs = random_pdqs(50, 41)
    assert cli("library", "add-bank", "national", "--trust", "trusted").status == 0
    assert cli("library", "add-bank", "hidden", "--trust", "trusted").status == 0
    assert cli("library", "import", str(_csv(tmp_path / "n.csv", pdqs)), "--bank", "national",
               "--format", "csv").status == 0
    assert cli("partner", "add", "platform-a").status == 0
    assert cli("partner", "share", "platform-a", "national").status == 0
    made = cli("partner", "key", "platform-a", "--label", "upload scanner", "--json").json_lines()[0]
    assert made["key"].startswith(made["prefix"] + "_")
    return made["key"], pdqs


def test_partner_commands_keep_keys_hashed_and_show_them_once(cli, tmp_path):
    key, _ = _library_with_partner(cli, tmp_path)
    (listed,) = cli("partner", "list", "--json").json_lines()
    assert listed["partner"] == "platform-a" and listed["banks"] == ["national"]
    assert [k["label"] for k in listed["keys"]] == ["upload scanner"] and listed["keys"][0]["revoked"] is None
    stored = (tmp_path / "home" / "tutela.sqlite3").read_bytes()
    assert key not in cli("partner", "list").stdout and key[17:].encode() not in stored
    assert cli("partner", "revoke", key[:16], "--json").json_lines() == [
        {"partner": "platform-a", "prefix": key[:16], "revoked": True}]
    assert cli("partner", "list", "--json").json_lines()[0]["keys"][0]["revoked"] is not None


def test_partner_commands_refuse_bad_names_with_one_line(cli, tmp_path):
    _library_with_partner(cli, tmp_path)
    for args, message in [(("partner", "key", "nobody"), "no partner 'nobody'"),
                          (("partner", "share", "platform-a", "no-bank"), "no bank named 'no-bank'"),
                          (("partner", "revoke", "tpk_000000000000"), "no partner key 'tpk_000000000000'"),
                          (("partner", "add", "platform-a"), "already exists"),
                          (("library", "review", "--close", "999"), "no false-positive report 999")]:
        result = cli(*args)
        assert result.status == 2 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_the_review_queue_is_empty_until_a_partner_reports_a_false_positive(cli, tmp_path):
    _library_with_partner(cli, tmp_path)
    assert cli("library", "review", "--json").stdout == ""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def _wait_healthy(url: str, server: subprocess.Popen, seconds: float = 120) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, "the match service exited"
        try:
            return httpx.get(url + "/api/v1/match/health", timeout=2).json()
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("the match service did not come up")


def test_two_uvicorn_workers_answer_and_pick_up_new_entries(cli, tmp_path, monkeypatch):
    key, pdqs = _library_with_partner(cli, tmp_path)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "TUTELA_HOME": str(tmp_path / "home"), "TUTELA_MATCH_RELOAD_SECONDS": "0.2"}
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "tutela", "serve", "--match-only", "--workers", "2",
                               "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        health = _wait_healthy(url, server)
        assert health["pdq_entries"] == 50
        assert len(_children(server.pid)) >= 2  # the workers (uvicorn may add a resource tracker)

        monkeypatch.setenv("TUTELA_PARTNER_KEY", key)
        stdin = f"pdq:{flipped(pdqs[0], 5)}\nmd5:zz\npdq:{random_pdqs(1, 3)[0]}\n".encode()
        result = cli("remote", "lookup", "--url", url, "--json", stdin=stdin)
        assert result.status == 1  # one malformed line, reported, the others answered
        first, bad, unrelated = result.json_lines()
        assert [(m["bank"], m["category"], m["distance"]) for m in first["matches"]] == [("national", "a", 5)]
        assert "md5 must be 32 hex digits" in bad["error"] and unrelated["matches"] == []

        fresh = random_pdqs(5, 42)
        assert cli("library", "import", str(_csv(tmp_path / "more.csv", fresh, "b")), "--bank", "national",
                   "--format", "csv").status == 0
        stdin = f"pdq:{fresh[2]}\n".encode()
        deadline, in_a_row = time.monotonic() + 60, 0
        while time.monotonic() < deadline and in_a_row < 6:  # several calls in a row: both workers must know
            matches = cli("remote", "lookup", "--url", url, "--json", stdin=stdin).json_lines()[0]["matches"]
            in_a_row = in_a_row + 1 if matches else 0
        assert in_a_row == 6

        monkeypatch.setenv("TUTELA_PARTNER_KEY", key[:17] + "x" * 40)
        refused = cli("remote", "lookup", "--url", url, stdin=stdin)
        assert refused.status == 1 and "match service (401): unknown API key" in refused.stderr
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_bank_videos_are_added_from_a_video_or_a_vpdq_hash_file(cli, vectors, tmp_path):
    assert cli("library", "add-bank", "videos", "--trust", "trusted").status == 0
    sample = vectors / "vpdq" / "doorknob-hd-no-bar"
    from_file = cli("library", "add-video", str(sample.with_suffix(".txt")), "--bank", "videos",
                    "--category", "B", "--json").json_lines()
    assert [(r["frames"], r["added"]) for r in from_file] == [(120, True)]
    again = cli("library", "add-video", str(sample.with_suffix(".txt")), "--bank", "videos", "--category", "b",
                "--json").json_lines()
    assert again[0]["added"] is False and again[0]["entry_id"] == from_file[0]["entry_id"]
    hashed = cli("library", "add-video", str(sample.with_suffix(".mp4")), "--bank", "videos", "--category", "a",
                 "--json").json_lines()
    assert hashed[0]["frames"] == 4 and hashed[0]["added"]  # one frame a second of a 4-second video
    bad = tmp_path / "bad.txt"
    bad.write_text("0,100,abc,0.0\n")
    result = cli("library", "add-video", str(bad), "--bank", "videos", "--category", "a")
    assert result.status == 2 and "line 1: expected frame,quality,pdq" in result.stderr
