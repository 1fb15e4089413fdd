"""Hostile input is contained: one record per path, a one-line reason, digests when bytes were read."""

from __future__ import annotations

import importlib
import json
import multiprocessing
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hostile import write_hostile_folder

from tutela.hashing.hasher import HashOptions, hash_file
from tutela.hashing.stills import register_decoders
from tutela.processing.pool import run_ordered

TUTELA = [sys.executable, "-c", "from tutela.cli.app import main; main()"]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    register_decoders()
    return write_hostile_folder(tmp_path_factory.mktemp("hostile"))


def _one(path: Path):
    return hash_file(os.fsdecode(path), HashOptions())


def test_empty_file_is_hashed_as_other(hostile):
    record = _one(hostile["empty"])
    assert (record.kind, record.size, record.error) == ("other", 0, None)
    assert record.sha256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.mark.parametrize("case", ["truncated", "header_only"])
def test_undecodable_still_keeps_its_digests(hostile, case):
    record = _one(hostile[case])
    assert record.kind == "still" and record.pdq is None
    assert record.error.startswith("cannot decode image") and "\n" not in record.error
    assert len(record.md5) == 32 and len(record.sha1) == 40 and len(record.sha256) == 64


def test_random_bytes_with_an_image_name_are_not_an_image(hostile):
    record = _one(hostile["random_bytes"])
    assert (record.kind, record.mime, record.error) == ("other", "application/octet-stream", None)


def test_decompression_bomb_is_refused_without_decoding(hostile):
    started = time.monotonic()
    record = _one(hostile["bomb"])
    assert record.error.startswith("image too large")
    assert record.sha256 and record.kind == "still"
    assert time.monotonic() - started < 5


def test_one_pixel_image_is_hashed(hostile):
    record = _one(hostile["one_pixel"])
    assert (record.width, record.height, record.error) == (1, 1, None)
    assert len(record.pdq) == 64


def test_content_decides_not_the_name(hostile):
    record = _one(hostile["image_named_txt"])
    assert (record.kind, record.mime, record.width) == ("still", "image/jpeg", 800)


def test_name_that_is_not_utf8_is_kept_in_hex(hostile):
    record = _one(hostile["bad_utf8_name"])
    assert record.error is None
    assert record.path.endswith("caf\\xe9-\\xff.jpg")
    assert bytes.fromhex(record.path_hex) == os.fsencode(hostile["bad_utf8_name"])


def test_corrupt_video_gives_an_error_with_digests(hostile):
    record = _one(hostile["corrupt_video"])
    assert record.kind == "video" and record.sha256
    assert record.error and "\n" not in record.error


def test_symlink_loop_named_directly_is_one_error(hostile):
    assert _one(hostile["symlink_loop"]).error == "cannot read: symbolic link loop"


@pytest.mark.parametrize("case", ["fifo", "socket"])
def test_special_files_named_directly_do_not_block(hostile, case):
    record = _one(hostile[case])
    assert record.error.startswith("not a regular file") or record.error.startswith("cannot read")
    assert record.md5 is None


def test_device_named_directly_is_refused():
    assert hash_file("/dev/null").error == "not a regular file: a character device"


def test_unreadable_file_is_one_error(tmp_path):
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(b"\xff\xd8\xff\xe0 not really")
    secret.chmod(0)
    tmp_path.chmod(0o755)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child drops root (which reads anything) and tries as an ordinary user
        try:
            os.close(read)
            if os.getuid() == 0:
                os.setgid(65534)
                os.setuid(65534)
            os.write(write, json.dumps(hash_file(str(secret)).to_json()).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        record = json.loads(pipe.read())
    os.waitpid(pid, 0)
    assert record["error"] == "cannot read: permission denied"


def test_pool_kills_an_item_that_overruns_its_deadline_and_goes_on():
    started = time.monotonic()
    results = list(run_ordered(time.sleep, [0.01, 30, 0.01], workers=1, timeout=1.0,
                               on_failure=lambda item, failure: f"failed: {failure}"))
    assert results == [None, "failed: timed out after 1 s", None]
    assert time.monotonic() - started < 20


def _crashing(item):
    if item == "crash":
        os.kill(os.getpid(), signal.SIGKILL)  # dies as a decoder crash would (SIGSEGV also wakes faulthandler)
    if item == "bug":
        raise ValueError("a bug")
    if isinstance(item, float):
        time.sleep(item)
    return item


def test_pool_contains_a_crash_to_its_item_and_keeps_the_order():
    items = [1, 0.2, "crash", 2, "bug", 3, lambda: 0, *range(4, 40)]  # the lambda cannot be sent to a worker
    results = list(run_ordered(_crashing, items, workers=2, timeout=30,
                               on_failure=lambda item, failure: f"failed: {failure}"))
    assert results[:7] == [1, 0.2, "failed: worker died (exit code -9)", 2, "failed: ValueError: a bug", 3,
                           results[6]]
    assert results[6].startswith("failed: ") and "pickle" in results[6]
    assert results[7:] == list(range(4, 40))
    assert multiprocessing.active_children() == []


def _dying_soon(item):
    if item == "die soon":  # returns, then dies while the coordinator is busy elsewhere (a late decoder crash)
        threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGKILL)).start()
    return item


def _drain_slowly(results, into):
    for result in results:
        into.append(result)
        if result == "die soon":
            time.sleep(0.5)  # the caller is busy (a batch being written) while the worker dies


def test_pool_loses_nothing_when_a_worker_dies_between_its_results_and_the_next_item():
    """Found hanging: the worker died after sending its last results; sending it the next item failed, and the
    pool started a new worker but forgot what the dead one still held, then waited for it for ever."""
    got: list = []
    drain = threading.Thread(target=_drain_slowly, daemon=True, args=(
        run_ordered(_dying_soon, ["die soon", "b", "c", "d", "e", "f", "g"], workers=1, timeout=30,
                    on_failure=lambda item, failure: f"failed: {failure}"), got))
    drain.start()
    drain.join(20)
    assert not drain.is_alive(), f"the pool hung after {got}"
    assert got == ["die soon", "b", "c", "d", "e", "f", "g"]  # its results were sent before it died: all kept


def test_pool_stopped_early_stops_its_busy_workers():
    started = time.monotonic()
    results = run_ordered(_crashing, [0.01, 30.0, 30.0, 30.0], workers=2, timeout=60,
                          on_failure=lambda item, failure: failure)
    assert next(results) == 0.01
    results.close()
    assert multiprocessing.active_children() == []
    assert time.monotonic() - started < 10


def test_whole_hostile_folder_one_record_each_bounded_memory(hostile):
    folder = hostile["empty"].parent
    proc = subprocess.run([*TUTELA, "hash", str(folder), "--json", "--workers", "2"],
                          capture_output=True, timeout=120)
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert proc.returncode == 1, proc.stderr  # some items failed
    assert proc.stderr.count(b"Traceback") == 0
    names = sorted(os.fsencode(os.path.basename(r["path"])) if "path_hex" not in r
                   else os.path.basename(bytes.fromhex(r["path_hex"])) for r in records)
    assert names == sorted(os.listdir(os.fsencode(folder)))
    by_name = {os.path.basename(r["path"]): r for r in records}
    assert by_name["loop"]["error"] == "symbolic link, not followed"
    assert by_name["pipe"]["error"] == "not a regular file: a FIFO"
    assert by_name["socket"]["error"] == "not a regular file: a socket"
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert peak_kib < 1024 * 1024, f"peak RSS {peak_kib} KiB"


def _collects(_item) -> bool:
    import gc

    return gc.isenabled()


def test_workers_collect_garbage_when_the_caller_forked_them_with_collection_off():
    """`tutela ingest` turns collection off while it imports (cli/ingest.py): its workers must not inherit that."""
    import gc

    gc.disable()
    try:
        results = run_ordered(_collects, [1, 2], workers=1, timeout=30, on_failure=lambda item, failure: None)
    finally:
        gc.enable()
    assert list(results) == [True, True]


def _imported_value(name: str) -> int:
    """``name``'s VALUE, reached as code reaches it: ``import package.module``, then ``package.module.VALUE``."""
    import importlib

    importlib.import_module(name)
    module = sys.modules[name.split(".")[0]]
    for part in name.split(".")[1:]:
        module = getattr(module, part)
    return module.VALUE


@pytest.mark.parametrize("layout", ["module", "package"])
def test_a_worker_forked_while_another_thread_imports_can_still_import_that_module(tmp_path, monkeypatch, layout):
    """A worker replaced while the coordinator's lister was importing (py7zr, for a first 7z archive) inherited that
    import half done, its lock held by a thread the worker does not have: its own import waited for ever. A package
    blocked after one of its submodules was made is forgotten with that submodule."""
    go = tmp_path / "go"
    wait = f"import os, time\nwhile not os.path.exists({str(go)!r}):\n    time.sleep(0.01)\n"
    if layout == "module":
        (tmp_path / "slow_import_probe.py").write_text(wait + "VALUE = 42\n")
        wanted, top = "slow_import_probe", "slow_import_probe"
    else:
        (tmp_path / "slow_probe_package").mkdir()
        (tmp_path / "slow_probe_package" / "first.py").write_text("VALUE = 42\n")
        (tmp_path / "slow_probe_package" / "__init__.py").write_text("from . import first\n" + wait)
        wanted, top = "slow_probe_package.first", "slow_probe_package"
    monkeypatch.syspath_prepend(str(tmp_path))
    importer = threading.Thread(target=importlib.import_module, args=(top,))
    importer.start()
    try:
        deadline = time.monotonic() + 30
        while wanted not in sys.modules:  # the import is under way, and blocked
            assert importer.is_alive() and time.monotonic() < deadline, "the import never began"
            time.sleep(0.01)
        results = run_ordered(_imported_value, [wanted], workers=1, timeout=20.0,
                              on_failure=lambda item, failure: str(failure))
        go.touch()  # the worker forked above may now import it afresh, as the thread finishes its own
        assert list(results) == [42]
    finally:
        go.touch()
        importer.join()
        for name in [m for m in sys.modules if m == top or m.startswith(top + ".")]:
            del sys.modules[name]
