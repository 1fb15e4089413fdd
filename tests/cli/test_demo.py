"""`tutela demo` runs the main job end to end and shows what a unit would see."""

from __future__ import annotations


def test_demo_hashes_matches_and_counts(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")
    result = cli("demo", "--keep", str(tmp_path / "demo"))
    assert result.status == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert "moving-shapes.mp4" in out and "video/mp4" in out
    assert "4 of 5 files known from the library, 1 left to grade" in out
    assert "mirror-left-right" in out and "trimmed-original" in out
    for figure in ("warrants executed │ 2", "arrests │ 2", "children safeguarded │ 2", "exhibits seized │ 3"):
        assert figure in out
    assert "mbr:p1 » /DCIM/_MG_0001.jpg (deleted) │ known" in out  # FAT keeps a deleted name but its first letter
    assert "mbr:p1 » /DCIM/backup.zip » old/IMG_0003.jpg │ known" in out
    assert "mbr:p1 » /DCIM/IMG_0004.png │ unknown_still" in out
    assert "7 files: 4 known" in out and "0 failed; 1 deleted file recovered; evidence SHA-256 unchanged" in out
    assert (tmp_path / "demo" / "disk" / "laptop.dd").exists()
    assert (tmp_path / "demo" / "home" / "tutela.sqlite3").exists()
