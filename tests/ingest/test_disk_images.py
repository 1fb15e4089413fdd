"""Disk images through `tutela ingest`: partition tables found, files and deleted files with their locator chains.

Images are built by the test (tutela.services.disk_images: mkfs.fat + mtools, sfdisk; mke2fs -d for ext; mkntfs and
ntfscp for NTFS; xorriso for ISO 9660) from drawn pictures, a few MB each; the exFAT volume is a kept fixture
(fixtures/make_exfat_volume.py says why).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest
from drawn import encoded, picture
from ingest_archives import zip_of

from tutela.services.disk_images import e01, fat_volume, partitioned

FIXTURES = Path(__file__).resolve().parent / "fixtures"
OLD = 1_000_000_000  # access and modification times the ingest must leave alone


def photo(seed: int) -> bytes:
    return encoded(picture(320, 240, seed=seed), "JPEG", quality=90)


FILES = {"DCIM/IMG_0.jpg": photo(0), "DCIM/IMG_1.jpg": photo(1), "notes.txt": b"shopping list\n",
         "backup.zip": zip_of({"old/IMG_9.jpg": photo(9)})}
DELETED = {"gone.jpg": photo(2)}
DELETED_PATH = "/_one.jpg"  # FAT marks a deleted entry by overwriting its first character; TSK shows "_"


@pytest.fixture
def unit(cli, tmp_path):
    """A case with an exhibit, and a library where IMG_0.jpg is known (category A, by MD5)."""
    assert cli("team", "add", "T-B01", "--name", "Borough 1", "--kind", "borough").status == 0
    assert cli("case", "create", "CASE-1", "--team", "T-B01").status == 0
    assert cli("exhibit", "add", "EX-1", "--case", "CASE-1", "--type", "storage").status == 0
    national = tmp_path / "national.csv"
    national.write_text(f"md5,category\n{hashlib.md5(FILES['DCIM/IMG_0.jpg']).hexdigest()},A\n")
    assert cli("library", "add-bank", "national", "--trust", "trusted").status == 0
    assert cli("library", "import", str(national), "--bank", "national").status == 0


def ext_volume(path, files: dict[str, bytes], deleted: dict[str, bytes], staging) -> None:
    for name, data in {**files, **deleted}.items():
        (staging / name).parent.mkdir(parents=True, exist_ok=True)
        (staging / name).write_bytes(data)
    subprocess.run(["mke2fs", "-q", "-t", "ext4", "-d", str(staging), "-F", str(path), "4M"], check=True)
    for name in deleted:  # debugfs unlinks the name and frees the inode; its extents stay, as after `rm`
        subprocess.run(["debugfs", "-w", "-R", f"rm /{name}", str(path)], check=True, capture_output=True)


def continuity(cli) -> list[str]:
    exhibit = cli("exhibit", "status", "EX-1", "in_examination", "--json").json_lines()[0]
    return [event["reason"] for event in exhibit["continuity"]]


def ingest(cli, image, *extra: str):
    result = cli("ingest", str(image), "--case", "CASE-1", "--exhibit", "EX-1", "--json", *extra)
    *items, summary = result.json_lines()
    return result, items, summary


def add_up(summary: dict) -> int:
    return sum(summary["known"].values()) + sum(
        summary[k] for k in ("unknown_stills", "unknown_videos", "ignorable", "duplicates", "not_media", "failed"))


def test_fat_in_mbr_image_every_file_with_its_chain(cli, unit, tmp_path):
    volume = fat_volume(tmp_path / "volume.img", FILES, DELETED)
    image = partitioned(tmp_path / "exhibit.dd", volume, "mbr")
    raw = image.read_bytes()
    os.utime(image, (OLD, OLD))

    result, items, summary = ingest(cli, image, "--workers", "2")  # workers reopen each file by its locator

    assert result.status == 0, result.stderr
    assert {k: summary[k] for k in ("files", "known", "unknown_stills", "not_media", "failed",
                                    "deleted_recovered")} == {
        "files": 6, "known": {"a": 1}, "unknown_stills": 3, "not_media": 2, "failed": 0, "deleted_recovered": 1}
    assert summary["files"] == len(items) == add_up(summary)
    by_path = {(item["locator"]["path"], len(item["locator"].get("members", ()))): item for item in items}
    expected = {f"/{name}": data for name, data in FILES.items()} | {DELETED_PATH: DELETED["gone.jpg"]}
    for path, data in expected.items():
        item = by_path[(path, 0)]
        locator = item["locator"]
        assert locator == {"evidence": str(image), "source": "disk", "partition": "mbr:p1", "path": path,
                           "inode": locator["inode"], **({"deleted": True} if path == DELETED_PATH else {})}
        assert isinstance(locator["inode"], int)
        assert (item["md5"], item["sha256"], item["size"]) == (
            hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest(), len(data))
    assert by_path[("/DCIM/IMG_0.jpg", 0)]["outcome"] == "known"
    assert by_path[(DELETED_PATH, 0)]["outcome"] == "unknown_still"
    assert by_path[(DELETED_PATH, 0)]["path"] == f"{image} » mbr:p1 » {DELETED_PATH} (deleted)"
    member = by_path[("/backup.zip", 1)]
    assert member["locator"]["members"] == [{"archive": "zip", "name": "old/IMG_9.jpg", "index": 0}]
    assert member["locator"]["partition"] == "mbr:p1" and member["sha256"] == hashlib.sha256(photo(9)).hexdigest()
    assert member["path"] == f"{image} » mbr:p1 » /backup.zip » old/IMG_9.jpg"

    assert summary["evidence_sha256_before"] == summary["evidence_sha256_after"] == hashlib.sha256(raw).hexdigest()
    after = os.stat(image)
    assert (after.st_atime, after.st_mtime) == (OLD, OLD)  # read without touching even its access time


def ntfs_volume(path, files: dict[str, bytes], staging) -> None:
    """An NTFS volume made and filled without mounting it (mkntfs, ntfscp); names at its root."""
    with open(path, "wb") as volume:
        volume.truncate(8 * 2**20)
    subprocess.run(["mkntfs", "-q", "-F", "-f", "-L", "EVIDENCE", str(path)], check=True, capture_output=True)
    staging.mkdir()
    for name, data in files.items():
        (staging / name).write_bytes(data)
        subprocess.run(["ntfscp", str(path), str(staging / name), name], check=True, capture_output=True)


def iso_image(path, files: dict[str, bytes], staging) -> Path:
    """An ISO 9660 image (a CD or DVD's), with Rock Ridge and Joliet names, as xorriso writes one."""
    for name, data in files.items():
        (staging / name).parent.mkdir(parents=True, exist_ok=True)
        (staging / name).write_bytes(data)
    subprocess.run(["xorriso", "-as", "mkisofs", "-quiet", "-r", "-J", "-V", "EVIDENCE", "-o", str(path),
                    str(staging)], check=True, capture_output=True)
    return path


@pytest.mark.parametrize("layout", ["gpt+ext", "bare fat", "mbr+ntfs", "iso9660"])
def test_other_layouts(cli, unit, tmp_path, layout):
    files = {"IMG_1.jpg": photo(1), "notes.txt": b"shopping list\n"}
    deleted = {}
    if layout == "gpt+ext":
        ext_volume(tmp_path / "volume.img", files, DELETED, tmp_path / "staging")
        image, partition = partitioned(tmp_path / "exhibit.img", tmp_path / "volume.img", "gpt"), "gpt:p1"
        deleted = {"/gone.jpg": DELETED["gone.jpg"]}  # ext keeps a deleted name whole
    elif layout == "bare fat":
        image, partition = fat_volume(tmp_path / "card.img", files, DELETED), None
        deleted = {DELETED_PATH: DELETED["gone.jpg"]}
    elif layout == "mbr+ntfs":
        ntfs_volume(tmp_path / "volume.img", files, tmp_path / "staging")
        image, partition = partitioned(tmp_path / "exhibit.img", tmp_path / "volume.img", "mbr"), "mbr:p1"
    else:
        image, partition = iso_image(tmp_path / "disc.iso", files, tmp_path / "staging"), None

    result, items, summary = ingest(cli, image)

    assert result.status == 0, result.stderr
    found = {item["locator"]["path"]: item for item in items}
    expected = {f"/{name}": data for name, data in files.items()} | deleted
    assert set(expected) <= set(found)
    assert all(path.startswith("/$") and found[path]["outcome"] in ("not_media", "duplicate")  # NTFS's $MFT...
               for path in set(found) - set(expected))
    for path, data in expected.items():
        assert found[path]["locator"].get("partition") == partition
        assert found[path]["locator"].get("deleted", False) == (path in deleted)
        assert found[path]["sha256"] == hashlib.sha256(data).hexdigest()
    assert found["/IMG_1.jpg"]["outcome"] == "unknown_still"
    assert (summary["files"], summary["deleted_recovered"]) == (len(found), len(deleted))
    assert summary["files"] == add_up(summary)



@pytest.mark.parametrize("layout", ["bare", "mbr"])
def test_exfat_volume_files_and_deleted_file_with_their_digests(cli, unit, tmp_path, layout):
    """exFAT (memory cards, USB sticks): a volume made once by fixtures/make_exfat_volume.py (filling one needs a
    mount), with the digests of what was written into it and of the picture deleted from it."""
    volume = tmp_path / "card.img"
    volume.write_bytes(gzip.decompress((FIXTURES / "exfat-volume.img.gz").read_bytes()))
    expected = json.loads((FIXTURES / "exfat-volume.json").read_text())
    image = volume if layout == "bare" else partitioned(tmp_path / "exhibit.img", volume, "mbr")

    result, items, summary = ingest(cli, image)

    assert result.status == 0, result.stderr
    found = {item["locator"]["path"]: item for item in items}
    assert set(expected) <= set(found)
    assert {path: found[path]["outcome"] for path in set(found) - set(expected)} == {
        "/$ALLOC_BITMAP": "not_media", "/$UPCASE_TABLE": "not_media"}  # exFAT's own metadata files
    for path, wanted in expected.items():
        assert found[path]["sha256"] == wanted["sha256"]
        assert found[path]["locator"].get("deleted", False) == wanted["deleted"]
        assert found[path]["locator"].get("partition") == (None if layout == "bare" else "mbr:p1")
    assert [found[p]["outcome"] for p in ("/DCIM/IMG_1.jpg", "/DCIM/IMG_2.png", "/gone.jpg", "/notes.txt")] == [
        "unknown_still", "unknown_still", "unknown_still", "not_media"]
    assert (summary["files"], summary["deleted_recovered"]) == (len(found), 1) and summary["files"] == add_up(summary)

def test_split_e01_read_like_the_raw_image_and_its_acquisition_digests_verified(cli, unit, tmp_path):
    image = partitioned(tmp_path / "exhibit.dd", fat_volume(tmp_path / "volume.img", FILES, DELETED), "mbr")
    raw = image.read_bytes()
    segments = e01(image, tmp_path / "EX-1", segment_bytes=2**20, compress=False)
    assert [s.suffix for s in segments[:3]] == [".E01", ".E02", ".E03"]
    stored = b"".join(s.read_bytes() for s in segments)
    for segment in segments:
        os.utime(segment, (OLD, OLD))

    result, items, summary = ingest(cli, segments[0], "--workers", "2")

    assert result.status == 0, result.stderr
    assert (summary["files"], summary["deleted_recovered"], summary["failed"]) == (6, 1, 0)
    expected = {f"/{name}": data for name, data in FILES.items()} | {DELETED_PATH: DELETED["gone.jpg"]}
    found = {item["locator"]["path"]: item for item in items if "members" not in item["locator"]}
    assert {path: item["sha256"] for path, item in found.items()} == {
        path: hashlib.sha256(data).hexdigest() for path, data in expected.items()}
    assert all(item["locator"]["source"] == "e01" and item["locator"]["evidence"] == str(segments[0])
               and item["locator"]["partition"] == "mbr:p1" for item in items)
    md5, sha1 = hashlib.md5(raw).hexdigest(), hashlib.sha1(raw).hexdigest()
    assert summary["acquisition_verification"] == {
        "format": "e01", "result": "verified", "stored": {"md5": md5, "sha1": sha1},
        "computed": {"md5": md5, "sha1": sha1}, "media_size": len(raw), "reason": None}
    assert summary["evidence_sha256_before"] == summary["evidence_sha256_after"] == hashlib.sha256(stored).hexdigest()
    assert all(os.stat(s).st_atime == OLD for s in segments)
    assert f"E01 acquisition MD5 {md5}, SHA1 {sha1}: verified" in continuity(cli)[0]


def test_e01_on_a_dask_cluster_gives_what_the_local_pool_gives(cli, unit, tmp_path):
    """Dask workers (two processes, two threads each) reopen every file from its locator alone."""
    from distributed import LocalCluster

    image = partitioned(tmp_path / "exhibit.dd", fat_volume(tmp_path / "volume.img", FILES, DELETED), "mbr")
    segments = e01(image, tmp_path / "EX-1", segment_bytes=2**20, compress=False)
    assert cli("exhibit", "add", "EX-2", "--case", "CASE-1", "--type", "storage").status == 0
    _, local, local_summary = ingest(cli, segments[0], "--workers", "2")
    with LocalCluster(n_workers=2, threads_per_worker=2, processes=True, host="127.0.0.1", scheduler_port=0,
                      dashboard_address="127.0.0.1:0", worker_dashboard_address=None) as cluster:
        result = cli("ingest", str(segments[0]), "--case", "CASE-1", "--exhibit", "EX-2", "--json",
                     "--scheduler", cluster.scheduler_address)
    *on_cluster, cluster_summary = result.json_lines()
    assert result.status == 0, result.stderr
    assert on_cluster == local and len(local) == 6
    timing = ("elapsed_seconds", "rate", "exhibit")
    assert {k: v for k, v in cluster_summary.items() if k not in timing} == {
        k: v for k, v in local_summary.items() if k not in timing}


def test_each_full_read_of_an_e01_is_told_to_the_progress_display(cli, unit, tmp_path, monkeypatch):
    """Its SHA-256, its acquisition check, its SHA-256 after the files: what the bar shows while nothing else moves."""
    from tutela.services.ingest import IngestRun, IngestService

    told: list[str] = []
    count, finish = IngestRun._count_read, IngestService.finish

    def counted(run, size):
        count(run, size)
        told.append(run.status().split(":")[0])

    def finished(service, run):
        summary = finish(service, run)
        told.append(f"after: {run.status()!r}")
        return summary

    monkeypatch.setattr(IngestRun, "_count_read", counted)
    monkeypatch.setattr(IngestService, "finish", finished)
    segments = e01(fat_volume(tmp_path / "card.img", {"IMG_1.jpg": photo(1)}), tmp_path / "EX-1", compress=False)
    result, _, summary = ingest(cli, segments[0])
    assert result.status == 0, result.stderr
    assert summary["acquisition_verification"]["result"] == "verified"
    assert list(dict.fromkeys(told)) == ["evidence SHA-256", "E01 acquisition check", "evidence SHA-256 after",
                                         "after: ''"]
