"""Damaged disk images: each fault reported on the items it touches, everything else still read, counts adding up.

A truncated E01, an E01 with a sector range that cannot be read (its later segments lost), a corrupt partition
table, a partition whose file system cannot be parsed (its raw stream is still hashed as one item).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from test_disk_images import add_up, ingest, photo

from tutela.services.disk_images import e01, fat_volume, partitioned


@pytest.fixture
def unit(cli):
    assert cli("team", "add", "T-B01", "--name", "Borough 1", "--kind", "borough").status == 0
    assert cli("case", "create", "CASE-1", "--team", "T-B01").status == 0
    assert cli("exhibit", "add", "EX-1", "--case", "CASE-1", "--type", "storage").status == 0


def noise(size: int, seed: int) -> bytes:
    return np.random.default_rng(seed).bytes(size)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_truncated_e01_is_one_failed_item_and_does_not_verify(cli, unit, tmp_path):
    image = partitioned(tmp_path / "exhibit.dd", fat_volume(tmp_path / "v.img", {"DCIM/a.jpg": photo(1)}), "mbr")
    [segment] = e01(image, tmp_path / "EX-1")
    segment.write_bytes(segment.read_bytes()[: segment.stat().st_size * 6 // 10])  # the copy stopped early

    result, items, summary = ingest(cli, segment)

    assert result.status == 1
    assert result.stderr.strip().splitlines() == [
        "evidence: the E01's acquisition digests do not verify: unreadable "
        f"({summary['acquisition_verification']['reason']})"]
    assert summary["acquisition_verification"]["result"] == "unreadable"
    [item] = items  # its table of chunks is lost with its end: the image is one item, failed, saying why
    assert item["outcome"] == "failed" and "unreadable sectors" in item["reason"]
    assert (summary["files"], summary["failed"]) == (1, 1) and add_up(summary) == 1


def test_unreadable_sector_range_fails_only_the_files_in_it(cli, unit, tmp_path):
    """The segments from the one holding middle.jpg on are lost: the sectors they held cannot be read."""
    files = {"DCIM/early.jpg": photo(3), "filler1.bin": noise(1_300_000, 1), "DCIM/middle.jpg": photo(4),
             "filler2.bin": noise(1_300_000, 2), "DCIM/late.jpg": photo(5)}
    image = partitioned(tmp_path / "exhibit.dd", fat_volume(tmp_path / "v.img", files), "mbr")
    segments = e01(image, tmp_path / "EX-1", segment_bytes=2**20, compress=False)
    holding = {name: next(s for s in segments if files[name][:4096] in s.read_bytes()) for name in files}
    lost = segments[segments.index(holding["DCIM/middle.jpg"]):]
    assert holding["DCIM/early.jpg"] not in lost and holding["DCIM/late.jpg"] in lost
    for segment in lost:
        segment.unlink()

    result, items, summary = ingest(cli, segments[0])

    assert result.status == 1
    found = {item["locator"]["path"]: item for item in items}
    assert set(found) == {f"/{name}" for name in files}  # the file system itself is still read
    early = found["/DCIM/early.jpg"]
    assert (early["outcome"], early["sha256"]) == ("unknown_still", sha256(files["DCIM/early.jpg"]))
    for name in ("DCIM/middle.jpg", "filler2.bin", "DCIM/late.jpg"):
        assert found[f"/{name}"]["outcome"] == "failed", name
        assert found[f"/{name}"]["reason"].startswith("cannot read: unreadable sectors "), name
    assert summary["acquisition_verification"]["result"] == "unreadable"
    assert summary["files"] == 5 == add_up(summary)


@pytest.fixture
def two_partitions(tmp_path):
    """p1: a volume of noise (no file system); p2: a FAT volume with a picture."""
    unknown = tmp_path / "unknown.img"
    unknown.write_bytes(noise(2**20, 7))
    fat = fat_volume(tmp_path / "fat.img", {"DCIM/a.jpg": photo(6)})
    return partitioned(tmp_path / "exhibit.dd", [unknown, fat], "mbr"), unknown.read_bytes()


def test_unparseable_file_system_is_hashed_as_one_stream(cli, unit, two_partitions):
    image, unknown = two_partitions

    result, items, summary = ingest(cli, image)

    assert result.status == 0, result.stderr
    by_partition = {(item["locator"]["partition"], item["locator"].get("path")): item for item in items}
    assert set(by_partition) == {("mbr:p1", None), ("mbr:p2", "/DCIM/a.jpg")}
    stream = by_partition[("mbr:p1", None)]
    assert (stream["outcome"], stream["size"], stream["sha256"]) == ("not_media", len(unknown), sha256(unknown))
    assert "no file system that can be read" in stream["reason"]
    assert by_partition[("mbr:p2", "/DCIM/a.jpg")]["sha256"] == sha256(photo(6))
    assert summary["files"] == 2 == add_up(summary)


def test_corrupt_partition_table(cli, unit, tmp_path, two_partitions):
    image, _ = two_partitions
    table = bytearray(image.read_bytes())
    table[446 + 8:446 + 12] = (2**31).to_bytes(4, "little")  # p1 now starts far past the end: TSK refuses all
    image.write_bytes(bytes(table))

    result, items, summary = ingest(cli, image)

    assert result.status == 0, result.stderr
    [item] = items  # p2 is still read, from its own entry
    assert item["locator"]["partition"].startswith("range:") and item["locator"]["path"] == "/DCIM/a.jpg"
    assert item["sha256"] == sha256(photo(6)) and "partition table cannot be read" in item["reason"]

    table[446:510] = noise(64, 9)  # nothing left to salvage: the image is one item, hashed whole
    garbled = tmp_path / "garbled.dd"
    garbled.write_bytes(bytes(table))
    assert cli("exhibit", "add", "EX-2", "--case", "CASE-1", "--type", "storage").status == 0
    result = cli("ingest", str(garbled), "--case", "CASE-1", "--exhibit", "EX-2", "--json")
    [item, summary] = result.json_lines()
    assert result.status == 0 and item["sha256"] == sha256(bytes(table))
    assert "partition table cannot be read" in item["reason"] and add_up(summary) == summary["files"] == 1
