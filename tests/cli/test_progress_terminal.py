"""With stderr on a terminal the progress bar is drawn there, and stdout stays pure JSON lines."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys

from drawn import encoded, picture


def test_progress_on_a_terminal_never_mixes_into_json_output(tmp_path):
    for seed in range(5):
        (tmp_path / f"p{seed}.png").write_bytes(encoded(picture(200, 150, seed=seed), "PNG"))
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-c", "from tutela.cli.app import main; main()", "hash", str(tmp_path),
                             "--json", "--workers", "1"], stdout=subprocess.PIPE, stderr=follower,
                            env={**os.environ, "COLUMNS": "120", "TERM": "xterm"})
    os.close(follower)
    stdout, _ = proc.communicate(timeout=60)
    terminal = b""
    try:
        while chunk := os.read(leader, 65536):
            terminal += chunk
    except OSError:
        pass  # the terminal closes once the process is gone
    os.close(leader)
    assert proc.returncode == 0
    records = [json.loads(line) for line in stdout.decode().splitlines()]
    assert len(records) == 5
    assert b"5/5" in terminal and b"hashing" in terminal


def test_no_terminal_no_progress_bar_and_rich_not_imported():
    probe = ("import sys\nfrom tutela.cli.output import progress_over\n"
             "with progress_over(iter([1, 2]), total=2, description='x') as tracked:\n    print(list(tracked))\n"
             "print('rich.console' in sys.modules)\n")
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "[1, 2]\nFalse\n", "")
    forced = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60,
                            env={**env, "FORCE_COLOR": "1", "COLUMNS": "120"})
    assert forced.returncode == 0 and forced.stdout.startswith("[1, 2]\n") and "2/2" in forced.stderr


def test_what_else_is_under_way_is_shown_while_no_item_comes():
    """An ingest's digest of a large image reads for minutes before the first file is recorded: the bar says so,
    refreshed while no item comes (the status is asked again at each refresh)."""
    probe = ("import itertools, time\nfrom tutela.cli.output import progress_over\n"
             "reads = itertools.count(1)\n"
             "def slow():\n    yield 1\n    time.sleep(0.8)\n    yield 2\n"
             "with progress_over(slow(), total=2, description='x', status=lambda: f'read {next(reads)} times')"
             " as tracked:\n    print(list(tracked))\n")
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    forced = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60,
                            env={**env, "FORCE_COLOR": "1", "COLUMNS": "160"})
    assert forced.returncode == 0 and forced.stdout == "[1, 2]\n"
    assert len(set(re.findall(r"read \d+ times", forced.stderr))) >= 3


def test_a_long_status_stays_on_the_bar_s_line():
    probe = ("from tutela.cli.output import progress_over\n"
             "with progress_over(iter([1]), total=1, description='ingesting', status=lambda: 'evidence SHA-256 after: "
             "12.30 GB read') as tracked:\n    print(list(tracked))\n")
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    forced = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60,
                            env={**env, "FORCE_COLOR": "1", "COLUMNS": "80"})
    shown = [line for line in re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", forced.stderr).replace("\r", "\n").split("\n")
             if line.strip()]
    assert forced.returncode == 0 and shown  # each render one line: the bar, its count and the status, unwrapped
    assert all(re.search(r"ingesting .* [01]/1 .*evidence SHA-256", line) for line in shown)
