"""Small disk images built without root, for the demo, the tests and the disk benchmark.

A FAT volume is made with mkfs.fat and filled with mtools (mdel leaves a deleted file's directory entry and
its clusters in place, as on a real card); it is placed in an MBR- or GPT-partitioned raw image laid out by
sfdisk; an E01 is acquired from a raw image with ewfacquirestream. scripts/setup installs these tools.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from tutela.errors import ConfigurationError

MIB = 2**20
FIRST_SECTOR = 2048  # partitions start at 1 MiB, as partitioning tools align them
_TYPES = {"mbr": "type=0e", "gpt": "type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7"}  # FAT (LBA); basic data


def fat_volume(path: Path, files: Mapping[str, bytes], deleted: Mapping[str, bytes] | None = None,
               *, label: str = "EVIDENCE") -> Path:
    """A FAT volume holding ``files`` ("DCIM/IMG_1.jpg": bytes); ``deleted`` are written, then deleted."""
    deleted = deleted or {}
    payload = sum(len(data) + 4096 for data in [*files.values(), *deleted.values()])
    size_kib = max(2048, (payload * 5 // 4 + 2 * MIB) // 1024)  # room for the FAT, folders and slack
    path.unlink(missing_ok=True)
    _run("mkfs.fat", "-C", "-n", label, "-i", "20261130", str(path), str(size_kib))
    with tempfile.TemporaryDirectory(prefix="tutela-fat-") as staging:
        for name, data in [*files.items(), *deleted.items()]:
            _mcopy(path, Path(staging), name, data)
        for name in deleted:
            _run("mdel", "-i", str(path), f"::{name}")
    return path


def partitioned(path: Path, volumes: Path | list[Path], table: str = "mbr") -> Path:
    """A raw disk image with a partition (MBR or GPT) for each volume, the first starting at 1 MiB."""
    volumes = [volumes] if isinstance(volumes, Path) else volumes
    starts, lines, start = [], [], FIRST_SECTOR
    for volume in volumes:
        sectors = -(-volume.stat().st_size // 512)
        starts.append(start)
        lines.append(f"start={start}, size={sectors}, {_TYPES[table]}")
        start += -(-sectors // FIRST_SECTOR) * FIRST_SECTOR  # next one aligned to 1 MiB
    path.unlink(missing_ok=True)
    with open(path, "wb") as disk:
        disk.truncate(start * 512 + MIB)  # and room for GPT's backup table at the end
    script = f"label: {'gpt' if table == 'gpt' else 'dos'}\n" + "\n".join(lines) + "\n"
    _run("sfdisk", "-q", str(path), stdin=script.encode())
    with open(path, "r+b") as disk:
        for volume, first in zip(volumes, starts, strict=True):
            disk.seek(first * 512)
            with open(volume, "rb") as source:
                shutil.copyfileobj(source, disk, MIB)
    return path


def e01(raw: Path, target: Path, *, segment_bytes: int | None = None, compress: bool = True) -> list[Path]:
    """An E01 acquired from ``raw`` (MD5 and SHA-1 stored), in segments of ``segment_bytes`` when given."""
    for old in target.parent.glob(f"{target.name}.E??"):
        old.unlink()
    args = ["ewfacquirestream", "-q", "-t", str(target), "-d", "sha1", "-c", "fast" if compress else "none",
            "-C", "DEMO-CASE", "-E", "DEMO-EXHIBIT", "-e", "tutela", "-D", "benign test image"]
    if segment_bytes is not None:
        args += ["-S", str(segment_bytes)]
    with open(raw, "rb") as source:
        _run(*args, stdin_file=source)
    return sorted(target.parent.glob(f"{target.name}.E??"))


def _mcopy(volume: Path, staging: Path, name: str, data: bytes) -> None:
    parts = PurePosixPath(name).parts
    for depth in range(1, len(parts)):
        folder = "/".join(parts[:depth])
        listed = subprocess.run(["mdir", "-b", "-i", str(volume), f"::{folder}"], env=_env(),
                                capture_output=True, check=False)
        if listed.returncode != 0:
            _run("mmd", "-i", str(volume), f"::{folder}")
    local = staging / f"{len(os.listdir(staging))}.bin"
    local.write_bytes(data)
    _run("mcopy", "-i", str(volume), str(local), f"::{name}")


def _env() -> dict[str, str]:
    return {**os.environ, "MTOOLS_SKIP_CHECK": "1", "MTOOLS_NO_VFAT": "0", "LC_ALL": "C"}


def _run(*args: str, stdin: bytes | None = None, stdin_file=None) -> None:
    if shutil.which(args[0]) is None:
        raise ConfigurationError(f"{args[0]} not found: run scripts/setup (it installs the disk image tools)")
    done = subprocess.run(list(args), input=stdin, stdin=stdin_file, env=_env(), capture_output=True, check=False)
    if done.returncode != 0:
        why = (done.stderr or done.stdout).decode(errors="replace").strip().splitlines()
        raise ConfigurationError(f"{args[0]} failed: {why[-1] if why else f'status {done.returncode}'}")
