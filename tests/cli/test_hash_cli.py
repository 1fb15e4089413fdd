"""``tutela hash`` as a user runs it: JSON lines, table, stdin, order, exit statuses."""

from __future__ import annotations

import subprocess
import sys

import pytest
from drawn import encoded, picture


@pytest.fixture
def media(tmp_path):
    folder = tmp_path / "media"
    (folder / "sub").mkdir(parents=True)
    for index in range(6):
        (folder / f"p{index}.jpg").write_bytes(encoded(picture(320, 240, seed=index), "JPEG"))
    (folder / "sub" / "a.png").write_bytes(encoded(picture(200, 100, seed=9), "PNG"))
    (folder / "notes.txt").write_text("hello\n")
    return folder


def test_json_lines_one_per_file_in_stable_order(cli, media):
    result = cli("hash", str(media), "--json", "--workers", "2")
    assert result.status == 0, result.stderr
    paths = [r["path"] for r in result.json_lines()]
    expected = sorted(str(p) for p in media.rglob("*") if p.is_file())
    assert sorted(paths) == expected
    assert paths == [str(media / n) for n in ("notes.txt", *(f"p{i}.jpg" for i in range(6)), "sub/a.png")]
    assert cli("hash", str(media), "--json", "--workers", "1").stdout == result.stdout


def test_records_carry_digests_kind_and_pdq(cli, media):
    by_name = {r["path"].rsplit("/", 1)[1]: r for r in cli("hash", str(media), "--json").json_lines()}
    png = by_name["a.png"]
    assert (png["kind"], png["mime"], png["width"], png["height"]) == ("still", "image/png", 200, 100)
    assert len(png["pdq"]) == 64 and png["md5"] == png["md5"].lower()
    text = by_name["notes.txt"]
    assert (text["kind"], text["mime"]) == ("other", "text/plain") and "pdq" not in text
    import hashlib

    assert text["sha256"] == hashlib.sha256(b"hello\n").hexdigest()


@pytest.mark.parametrize("separator", [b"\n", b"\0"], ids=["newline", "nul"])
def test_paths_on_stdin(cli, media, separator):
    names = [media / "p1.jpg", media / "notes.txt"]
    stdin = separator.join(str(p).encode() for p in names) + separator
    result = cli("hash", "-", "--json", stdin=stdin)
    assert [r["path"] for r in result.json_lines()] == [str(p) for p in names]


def test_table_and_summary_without_json(cli, media):
    result = cli("hash", str(media / "p0.jpg"), str(media / "notes.txt"))
    assert result.status == 0
    assert "p0.jpg" in result.stdout and "image/jpeg" in result.stdout
    assert "hashed 2 files: 1 stills, 0 videos, 1 other, 0 with errors" in result.stderr


def test_status_1_when_some_fail_and_the_rest_still_hashed(cli, media, tmp_path):
    missing = tmp_path / "missing.jpg"
    result = cli("hash", str(media / "p0.jpg"), str(missing), "--json")
    assert result.status == 1
    ok, failed = result.json_lines()
    assert "error" not in ok and failed["error"] == "cannot read: no such file or directory"


@pytest.mark.parametrize("args", [(), ("--no-such-option", "x"), ("-", "-"), ("x", "--workers", "0")])
def test_usage_errors_exit_2_with_one_line(cli, args):
    result = cli("hash", *args, stdin=b"")
    assert result.status == 2
    assert "Traceback" not in result.stderr


def test_bad_setting_is_one_line_naming_the_variable(cli, media, monkeypatch):
    monkeypatch.setenv("TUTELA_WORKERS", "many")
    result = cli("hash", str(media))
    assert result.status == 2
    assert result.stderr.startswith("tutela: error: TUTELA_WORKERS:")
    assert len(result.stderr.strip().splitlines()) == 1


def test_help_does_not_import_heavy_libraries():
    code = ("import sys; from tutela.cli import app; "
            "heavy = {'numpy', 'PIL', 'av', 'magic', 'sqlalchemy', 'pdqhash'} & set(sys.modules); "
            "print(sorted(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
