"""The demo's unit: a library of benign stand-ins for known material, seized copies, and a week of action.

Grades in the demo library are labels drawn at random for drawn pictures; references are synthetic.
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageOps

from tutela.domain.categories import Category
from tutela.domain.media import HashRecord
from tutela.formats.entries import LibraryEntry


def library_entries(records: list[HashRecord], seed: int = 1) -> list[LibraryEntry]:
    """Every other drawn still becomes 'known material' with a grade picked at random."""
    rng = random.Random(seed)
    stills = [r for r in records if r.kind == "still" and r.pdq and r.error is None]
    return [LibraryEntry(md5=r.md5, sha1=r.sha1, sha256=r.sha256, pdq=r.pdq,
                         category=rng.choice([Category.A, Category.B, Category.C]), series=f"demo-{i}")
            for i, r in enumerate(stills[::2])]


def write_seized_folder(media: Path, known: list[Path], unknown: list[Path], folder: Path) -> None:
    """What an exhibit might hold: a byte copy, a mirrored re-save and a padded re-save of known pictures,
    and pictures the library does not know."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "IMG_0001.jpg").write_bytes(known[0].read_bytes())
    with Image.open(known[1 % len(known)]) as picture:
        ImageOps.mirror(picture.convert("RGB")).save(folder / "IMG_0002.jpg", "JPEG", quality=80)
    with Image.open(known[2 % len(known)]) as picture:
        rgb = picture.convert("RGB")
        ImageOps.expand(rgb, border=(rgb.width // 10, rgb.height // 10), fill=(0, 0, 0)).save(
            folder / "IMG_0003.jpg", "JPEG", quality=85)
    for index, path in enumerate(unknown, start=4):
        (folder / f"IMG_{index:04d}{path.suffix}").write_bytes(path.read_bytes())


def write_seized_disk(folder: Path, work: Path) -> Path:
    """The seized folder's pictures as a laptop's disk would hold them: a FAT volume in an MBR-partitioned raw
    image, the first picture deleted (its directory entry and clusters left, as after a real delete) and the
    third inside DCIM/backup.zip. Built with mkfs.fat, mtools and sfdisk: no root needed."""
    import io
    import zipfile

    from tutela.services.disk_images import fat_volume, partitioned

    pictures = sorted(folder.iterdir())
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as backup:
        backup.writestr(f"old/{pictures[2].name}", pictures[2].read_bytes())
    files = {f"DCIM/{p.name}": p.read_bytes() for p in [pictures[1], *pictures[3:]]}
    files |= {"DCIM/backup.zip": archive.getvalue(), "notes.txt": b"shopping list\n"}
    work.mkdir(parents=True, exist_ok=True)
    volume = fat_volume(work / "volume.img", files, {f"DCIM/{pictures[0].name}": pictures[0].read_bytes()})
    image = partitioned(work / "laptop.dd", volume, "mbr")
    volume.unlink()
    return image


def week_of_action() -> dict:
    """A small unit: two teams, one operation with the traps a supervisor knows (a warrant never executed,
    a child safeguarded twice, a record of another operation)."""
    op, other = "OP-DEMO", "OP-OTHER"
    return {
        "format": "tutela-unit/1",
        "teams": [{"ref": "T-CEN", "name": "Central", "kind": "central"},
                  {"ref": "T-B01", "name": "Borough 1", "kind": "borough"}],
        "operations": [{"ref": op, "name": "Operation Demo", "start": "2026-03-09", "end": "2026-03-15"},
                       {"ref": other, "name": "Operation Other", "start": "2026-02-02", "end": "2026-02-08"}],
        "referrals": [{"ref": "R-1", "received": "2026-03-02T10:00:00", "source": "NCA", "team": "T-B01"},
                      {"ref": "R-2", "received": "2026-03-03T11:00:00", "source": "NCA", "team": "T-CEN"}],
        "cases": [{"ref": "CASE-1", "team": "T-B01", "referrals": ["R-1"]},
                  {"ref": "CASE-2", "team": "T-CEN", "referrals": ["R-2"]}],
        "suspects": [{"ref": "S-1", "case": "CASE-1", "age": 24}, {"ref": "S-2", "case": "CASE-2", "age": 51}],
        "warrants": [{"ref": "W-1", "case": "CASE-1", "operation": op, "executed": "2026-03-09T06:00"},
                     {"ref": "W-2", "case": "CASE-2", "operation": op, "executed": "2026-03-10T06:00"},
                     {"ref": "W-3", "case": "CASE-2", "operation": op, "applied": "2026-03-01T09:00"},
                     {"ref": "W-4", "case": "CASE-1", "operation": other, "executed": "2026-02-03T06:00"}],
        "arrests": [{"ref": "A-1", "suspect": "S-1", "operation": op, "at": "2026-03-09T06:30"},
                    {"ref": "A-2", "suspect": "S-2", "operation": op, "at": "2026-03-10T06:30"}],
        "exhibits": [
            {"ref": "EX-1", "case": "CASE-1", "operation": op, "type": "phone", "seized": "2026-03-09T07:00"},
            {"ref": "EX-2", "case": "CASE-1", "operation": op, "type": "laptop", "seized": "2026-03-09T07:05"},
            {"ref": "EX-3", "case": "CASE-2", "operation": op, "type": "tablet", "seized": "2026-03-10T07:00"}],
        "safeguarding": [
            {"ref": "SG-1", "case": "CASE-1", "child": "CH-1", "operation": op, "at": "2026-03-09T09:00"},
            {"ref": "SG-2", "case": "CASE-1", "child": "CH-1", "operation": op, "at": "2026-03-11T09:00"},
            {"ref": "SG-3", "case": "CASE-2", "child": "CH-2", "operation": op, "at": "2026-03-10T09:00"}],
    }
