"""Adding a video to a bank: hashed here in the vPDQ convention, or read from a vPDQ hash file."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from tutela.domain.categories import Category
from tutela.domain.media import FrameSignature
from tutela.errors import UsageError
from tutela.hashing.hasher import HashOptions, hash_file
from tutela.store.bank_videos import add_bank_video


def read_vpdq_file(path: Path) -> list[FrameSignature]:
    """vpdq's hash files: one ``frame,quality,pdq_hex,seconds`` line per frame; UsageError names a bad line."""
    frames = []
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            frame, quality, pdq, seconds = (part.strip() for part in line.split(","))
            bytes.fromhex(pdq)
            if len(pdq) != 64 or not 0 <= int(quality) <= 100:
                raise ValueError
            frames.append(FrameSignature(int(frame), float(seconds), pdq.lower(), int(quality)))
        except ValueError:
            raise UsageError(f"{path}: line {number}: expected frame,quality,pdq (64 hex),seconds") from None
    return frames


def add_video(engine: Engine, bank: str, path: Path, category: Category, *, series: str | None,
              max_pixels: int) -> dict:
    """A video file is hashed (digests and frame signatures); a .txt file is read as vpdq hashes."""
    digests: dict[str, str | None] = {"md5": None, "sha1": None, "sha256": None}
    if path.suffix.lower() == ".txt":
        frames = read_vpdq_file(path)
    else:
        record = hash_file(str(path), HashOptions(max_pixels=max_pixels))
        if record.error or not record.signatures:
            raise UsageError(f"{path}: not a video that can be hashed ({record.error or record.kind})")
        frames, digests = record.signatures, {"md5": record.md5, "sha1": record.sha1, "sha256": record.sha256}
    entry_id, added = add_bank_video(engine, bank, category=category, frames=frames, series=series, **digests)
    return {"bank": bank, "entry_id": entry_id, "frames": len(frames), "added": added}
