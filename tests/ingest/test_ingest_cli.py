"""`tutela ingest` as an examiner runs it: outcomes against a small library, counts, integrity, re-runs."""

from __future__ import annotations

import os
import shutil

import pytest
from drawn import encoded, picture
from ingest_archives import zeros_zip, zip_of

OLD = 1_000_000_000  # 2001: access and change times the ingest must leave alone


def photo(seed: int) -> bytes:
    return encoded(picture(640, 480, seed=seed), "JPEG", quality=90)


@pytest.fixture
def unit(cli):
    assert cli("team", "add", "T-B01", "--name", "Borough 1", "--kind", "borough").status == 0
    for case in ("CASE-1", "CASE-2"):
        assert cli("case", "create", case, "--team", "T-B01").status == 0
    assert cli("exhibit", "add", "EX-1", "--case", "CASE-1", "--type", "laptop").status == 0
    assert cli("exhibit", "add", "EX-2", "--case", "CASE-2", "--type", "phone").status == 0


@pytest.fixture
def library(cli, tmp_path):
    """photo0 graded A by MD5 and photo1 graded B by PDQ (trusted); photo2 known-good (ignorable)."""
    library = tmp_path / "library"
    library.mkdir()
    for seed in range(3):
        (library / f"photo{seed}.jpg").write_bytes(photo(seed))
    hashed = {r["path"].rsplit("/", 1)[1]: r for r in cli("hash", str(library), "--json").json_lines()}
    national, clean = tmp_path / "national.csv", tmp_path / "clean.csv"
    national.write_text(f"md5,pdq,category\n{hashed['photo0.jpg']['md5']},,A\n,{hashed['photo1.jpg']['pdq']},B\n")
    clean.write_text(f"md5,category\n{hashed['photo2.jpg']['md5']},NOT_INDECENT\n")
    for bank, trust, path in (("national", "trusted", national), ("clean", "ignorable", clean)):
        assert cli("library", "add-bank", bank, "--trust", trust).status == 0
        assert cli("library", "import", str(path), "--bank", bank).status == 0


@pytest.fixture
def seized(tmp_path):
    folder = tmp_path / "seized"
    (folder / "DCIM").mkdir(parents=True)
    for seed in range(5):
        (folder / "DCIM" / f"IMG_{seed}.jpg").write_bytes(photo(seed))
    (folder / "DCIM" / "copy-of-4.jpg").write_bytes(photo(4))
    (folder / "notes.txt").write_text("shopping list\n")
    (folder / "backup.zip").write_bytes(zip_of({"old/IMG_9.jpg": photo(9), "../../slip.jpg": photo(0)}))
    (folder / "bomb.zip").write_bytes(zeros_zip())
    (folder / "loop").symlink_to(folder / "loop")
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink():
            os.utime(path, (OLD, OLD))
    return folder


def _name(locator: dict) -> str:
    return locator["members"][-1]["name"] if "members" in locator else locator["path"].rsplit("/", 1)[-1]


def _by_name(lines):
    return {_name(line["locator"]): line for line in lines if "outcome" in line}


def test_every_file_one_outcome_and_counts_add_up(cli, unit, library, seized):
    result = cli("ingest", str(seized), "--case", "CASE-1", "--exhibit", "EX-1", "--json", "--workers", "2")
    assert result.status == 1, result.stderr  # the symlink loop and the bomb failed, and say why
    *items, summary = result.json_lines()
    found = {name: (item["outcome"], item["category"], item["bank"]) for name, item in _by_name(items).items()}
    assert found == {
        "backup.zip": ("not_media", None, None),
        "old/IMG_9.jpg": ("unknown_still", None, None),
        "../../slip.jpg": ("duplicate", "a", "national"),  # DCIM/IMG_0.jpg came first
        "bomb.zip": ("not_media", None, None),
        "zeros.bin": ("failed", None, None),
        "IMG_0.jpg": ("known", "a", "national"),
        "IMG_1.jpg": ("known", "b", "national"),
        "IMG_2.jpg": ("ignorable", "not_indecent", "clean"),
        "IMG_3.jpg": ("unknown_still", None, None),
        "IMG_4.jpg": ("unknown_still", None, None),
        "copy-of-4.jpg": ("duplicate", None, None),
        "loop": ("failed", None, None),
        "notes.txt": ("not_media", None, None),
    }
    by_name = _by_name(items)
    assert by_name["loop"]["reason"] == "symbolic link, not followed"
    assert by_name["zeros.bin"]["reason"].startswith("archive bomb:")
    assert by_name["IMG_1.jpg"]["hash_type"] == "pdq" and by_name["IMG_1.jpg"]["distance"] <= 31
    assert by_name["notes.txt"]["reason"] == "text/plain"
    assert by_name["copy-of-4.jpg"]["reason"] == f"same SHA-256 as {seized}/DCIM/IMG_4.jpg"
    assert by_name["../../slip.jpg"]["locator"]["members"] == [{"archive": "zip", "name": "../../slip.jpg",
                                                                "index": 1}]
    assert {k: summary[k] for k in ("files", "known", "unknown_stills", "unknown_videos", "ignorable", "duplicates",
                                    "not_media", "failed", "deleted_recovered")} == {
        "files": 13, "known": {"a": 1, "b": 1}, "unknown_stills": 3, "unknown_videos": 0, "ignorable": 1,
        "duplicates": 2, "not_media": 3, "failed": 2, "deleted_recovered": 0}
    assert summary["files"] == len(items) == sum(summary["known"].values()) + sum(
        summary[k] for k in ("unknown_stills", "unknown_videos", "ignorable", "duplicates", "not_media", "failed"))
    assert not (seized.parent / "slip.jpg").exists() and not (seized.parent.parent / "slip.jpg").exists()


def test_evidence_unchanged_and_continuity_logged(cli, unit, seized):
    paths = list(seized.rglob("*"))  # listing first: the test's own walk must not be what touches the times
    before = {p: os.lstat(p) for p in paths}
    summary = cli("ingest", str(seized), "--case", "CASE-1", "--exhibit", "EX-1", "--json").json_lines()[-1]
    assert summary["evidence_sha256_before"] == summary["evidence_sha256_after"]
    for path, stat in before.items():
        now = os.lstat(path)
        assert (now.st_mtime_ns, now.st_atime_ns, now.st_size) == (stat.st_mtime_ns, stat.st_atime_ns, stat.st_size)
    exhibit = cli("exhibit", "status", "EX-1", "in_examination", "--json").json_lines()[0]
    reasons = [event["reason"] for event in exhibit["continuity"]]
    assert reasons[0].startswith(f"ingest started: {seized} (evidence SHA-256 {summary['evidence_sha256_before']})")
    assert reasons[1].startswith(f"ingest finished: {seized}, 13 files, evidence SHA-256")
    assert reasons[1].endswith("(unchanged)") and len(reasons) == 2


def test_running_a_finished_ingest_again_changes_nothing(cli, unit, seized):
    first = cli("ingest", str(seized), "--case", "CASE-1", "--exhibit", "EX-1", "--json").json_lines()[-1]
    again = cli("ingest", str(seized), "--case", "CASE-1", "--exhibit", "EX-1", "--json")
    (summary,) = again.json_lines()
    assert summary["already_finished"] and summary["processed"] == 0
    timing = ("elapsed_seconds", "rate", "processed", "already_finished")
    assert {k: v for k, v in summary.items() if k not in timing} == {k: v for k, v in first.items() if k not in timing}
    exhibit = cli("exhibit", "status", "EX-1", "in_examination", "--json").json_lines()[0]
    assert len(exhibit["continuity"]) == 2


def test_changed_evidence_is_refused(cli, unit, seized):
    cli("ingest", str(seized), "--case", "CASE-1", "--exhibit", "EX-1", "--json")
    (seized / "new.jpg").write_bytes(photo(7))
    result = cli("ingest", str(seized), "--case", "CASE-1", "--exhibit", "EX-1", "--json")
    assert result.status == 2 and "changed since exhibit 'EX-1' was ingested" in result.stderr


@pytest.mark.parametrize(("case", "exhibit", "message"), [
    ("CASE-2", "EX-1", "exhibit 'EX-1' belongs to case 'CASE-1', not 'CASE-2'"),
    ("CASE-1", "EX-9", "no exhibit 'EX-9'"),
])
def test_exhibit_must_exist_in_the_case(cli, unit, seized, case, exhibit, message):
    result = cli("ingest", str(seized), "--case", case, "--exhibit", exhibit)
    assert result.status == 2 and result.stderr.strip() == f"tutela: error: {message}"


def test_table_without_json(cli, unit, tmp_path):
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(photo(3))
    shutil.copy(folder / "a.jpg", folder / "b.jpg")
    result = cli("ingest", str(folder), "--case", "CASE-1", "--exhibit", "EX-1")
    assert result.status == 0
    assert "unknown_still" in result.stdout and "unknown stills" in result.stdout and "duplicates" in result.stdout
