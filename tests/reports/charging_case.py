"""A case with two exhibits ingested for real (benign drawn pictures and a drawn clip) and a third never ingested.

Library: IMG_0 graded A, IMG_1 graded B, clip 1 graded C (by MD5, trusted bank "national");
IMG_2 known-good (ignorable bank "clean").

EX-1 (phone):  IMG_0 (A), copy-of-0 (A, duplicate on the device), IMG_1 (B), IMG_3 (unknown), clip1.mp4 (C),
               notes.txt (not a picture)
EX-2 (laptop): IMG_0 (A, across devices), old/IMG_0 (A, duplicate on the device), IMG_1 (B, across devices),
               IMG_2 (ignorable), IMG_5 (unknown), IMG_5 copy (unknown, duplicate on the device),
               clip2.mp4 (unknown video), IMG_3 (unknown, across devices)
EX-3 (tablet): never ingested.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import shutil
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from drawn import encoded, picture

from tutela.cli.app import main


def photo(seed: int) -> bytes:
    return encoded(picture(320, 240, seed=seed), "JPEG", quality=90)


def clip(path: Path, seed: int) -> Path:
    """Two seconds of panning noise (benign), h264."""
    rng = np.random.default_rng(seed)
    texture = np.repeat(np.repeat(rng.integers(0, 256, (16, 40), dtype=np.uint8), 8, 0), 8, 1)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(5))
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        for index in range(10):
            grey = texture[:120, 4 * index:4 * index + 160]
            rgb = np.stack([grey, np.roll(grey, 7, axis=1), 255 - grey], axis=-1)
            out.mux(stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")))
        out.mux(stream.encode())
    return path


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def build_case(run, folder: Path) -> dict[str, Path]:
    """Records, library and both ingests through ``run(*args) -> exit status``; returns the evidence folders."""
    for args in (("team", "add", "T-B01", "--name", "Borough 1", "--kind", "borough"),
                 ("case", "create", "CASE-1", "--team", "T-B01"),
                 ("exhibit", "add", "EX-1", "--case", "CASE-1", "--type", "phone"),
                 ("exhibit", "add", "EX-2", "--case", "CASE-1", "--type", "laptop"),
                 ("exhibit", "add", "EX-3", "--case", "CASE-1", "--type", "tablet")):
        assert run(*args) == 0
    ex1, ex2 = folder / "EX-1", folder / "EX-2"
    for path in (ex1, ex2 / "old"):
        path.mkdir(parents=True)
    for seed in (0, 1, 3):
        (ex1 / f"IMG_{seed}.jpg").write_bytes(photo(seed))
    shutil.copy(ex1 / "IMG_0.jpg", ex1 / "copy-of-0.jpg")
    clip(ex1 / "clip1.mp4", 1)
    (ex1 / "notes.txt").write_text("shopping list\n")
    for seed in (0, 1, 2, 3, 5):
        (ex2 / f"IMG_{seed}.jpg").write_bytes(photo(seed))
    shutil.copy(ex2 / "IMG_0.jpg", ex2 / "old" / "IMG_0.jpg")
    shutil.copy(ex2 / "IMG_5.jpg", ex2 / "old" / "IMG_5.jpg")
    clip(ex2 / "clip2.mp4", 2)
    national, clean = folder / "national.csv", folder / "clean.csv"
    national.write_text(f"md5,category\n{_md5(ex1 / 'IMG_0.jpg')},A\n{_md5(ex1 / 'IMG_1.jpg')},B\n"
                        f"{_md5(ex1 / 'clip1.mp4')},C\n")
    clean.write_text(f"md5,category\n{_md5(ex2 / 'IMG_2.jpg')},NOT_INDECENT\n")
    for bank, trust, path in (("national", "trusted", national), ("clean", "ignorable", clean)):
        assert run("library", "add-bank", bank, "--trust", trust) == 0
        assert run("library", "import", str(path), "--bank", bank) == 0
    for exhibit, evidence in (("EX-1", ex1), ("EX-2", ex2)):
        assert run("ingest", str(evidence), "--case", "CASE-1", "--exhibit", exhibit, "--workers", "1") == 0
    return {"EX-1": ex1, "EX-2": ex2}


def run_main(*args: str) -> int:
    """The CLI in-process, for fixtures wider than one test (the ``cli`` fixture is per test)."""
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            main(list(args))
        except SystemExit as exit_info:
            return exit_info.code if isinstance(exit_info.code, int) else 0
    return 0


@contextlib.contextmanager
def built_home(folder: Path) -> Iterator[tuple[Path, dict[str, Path]]]:
    """A TUTELA_HOME holding the case, made once; tests copy it (copy_home) so each has its own store."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TUTELA_HOME", str(folder / "home"))
        # Thumbnails of unknown pictures are stored encrypted: ingest needs a media key (a fixed one here).
        patch.setenv("TUTELA_MEDIA_KEY", base64.urlsafe_b64encode(b"k" * 32).decode())
        evidence = build_case(run_main, folder)
    yield folder / "home", evidence


def copy_home(home: Path, tmp_path: Path) -> None:
    shutil.copytree(home, tmp_path / "home")
