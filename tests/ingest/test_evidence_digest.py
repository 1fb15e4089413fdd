"""The evidence's SHA-256 of a folder: a manifest of every entry, its files digested side by side, in walk order."""

from __future__ import annotations

import hashlib
import os
import time

from tutela.evidence import integrity
from tutela.evidence.folder import walk_paths
from tutela.evidence.integrity import evidence_sha256


def _manifest_by_hand(folder, entries: list[tuple[str, bytes | str]]) -> str:
    """What evidence/integrity.py documents: each entry's relative path, NUL, then its SHA-256 or what it is."""
    manifest = hashlib.sha256()
    for name, content in entries:
        said = hashlib.sha256(content).hexdigest() if isinstance(content, bytes) else content
        manifest.update(name.encode() + b"\0" + said.encode() + b"\n")
    return manifest.hexdigest()


def test_folder_digest_is_the_manifest_in_walk_order(tmp_path, monkeypatch):
    monkeypatch.setattr(integrity, "DIGESTS_AHEAD", 3)  # more files than digests in flight: the order must hold
    folder = tmp_path / "seized"
    (folder / "b").mkdir(parents=True)
    contents = {f"b/{n:02d}.bin": os.urandom(1000 * n + 1) for n in range(12)}
    contents["a.jpg"] = os.urandom(3_000_000)  # larger than one read: digested in several
    for name, data in contents.items():
        (folder / name).write_bytes(data)
    os.symlink("a.jpg", folder / "c-link")
    os.mkfifo(folder / "d-fifo")
    expected = [("a.jpg", contents["a.jpg"]), *[(f"b/{n:02d}.bin", contents[f"b/{n:02d}.bin"]) for n in range(12)],
                ("c-link", "symbolic link, not followed"), ("d-fifo", "not a regular file: a FIFO")]
    wanted = _manifest_by_hand(folder, expected)
    assert evidence_sha256(str(folder)) == evidence_sha256(str(folder), threads=4) == wanted


def test_one_byte_changed_anywhere_changes_it(tmp_path):
    folder = tmp_path / "seized"
    folder.mkdir()
    for n in range(20):
        (folder / f"{n:02d}.bin").write_bytes(bytes(5000))
    before = evidence_sha256(str(folder))
    with open(folder / "13.bin", "r+b") as stream:
        stream.seek(4999)
        stream.write(b"\1")
    assert evidence_sha256(str(folder)) != before


def test_a_digest_stopped_midway_does_not_read_the_files_queued(tmp_path, monkeypatch):
    """Ctrl-C during the digest after an ingest: the files queued behind those being read are dropped, not read."""
    read: list[str] = []

    def slow(path, buffer=None, stop=None, progress=None):
        read.append(path)
        time.sleep(0.05)
        return "0" * 64

    monkeypatch.setattr(integrity, "_file_sha256", slow)
    folder = tmp_path / "seized"
    folder.mkdir()
    for n in range(40):
        (folder / f"{n:02d}.bin").write_bytes(b"x")
    digests = integrity._digested(walk_paths([str(folder)]), 2)
    next(digests)
    digests.close()  # what KeyboardInterrupt does to the generator
    assert len(read) < 10


def test_every_byte_read_is_told_for_the_progress_display(tmp_path):
    from tutela.evidence.ewf import verify_e01
    from tutela.services.disk_images import e01, fat_volume

    folder = tmp_path / "seized"
    (folder / "b").mkdir(parents=True)
    sizes = [0, 1, 5000, 3_000_000]
    for n, size in enumerate(sizes):
        (folder / "b" / f"{n}.bin").write_bytes(b"x" * size)
    for threads in (1, 2):
        told: list[int] = []
        evidence_sha256(str(folder), threads=threads, read=told.append)
        assert sum(told) == sum(sizes)
    raw = fat_volume(tmp_path / "card.img", {"a.bin": b"y" * 100_000})
    told = []
    assert evidence_sha256(str(raw), read=told.append) and sum(told) == raw.stat().st_size
    segments = [str(path) for path in e01(raw, tmp_path / "EX-1", compress=False)]
    told = []
    check = verify_e01(segments, read=told.append)
    assert check.result == "verified" and sum(told) == check.media_size
