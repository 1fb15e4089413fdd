"""The library commands as a custodian runs them: init, banks, import, export, stats, conflicts, lookup, match."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from drawn import encoded, picture
from PIL import ImageOps


@pytest.fixture
def photos(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for seed in range(4):
        (folder / f"photo{seed}.jpg").write_bytes(encoded(picture(640, 480, seed=seed), "JPEG", quality=90))
    return folder


@pytest.fixture
def bank_csv(cli, photos, tmp_path):
    """A CSV library holding two of the four photos: one by MD5, one by PDQ."""
    records = {r["path"].rsplit("/", 1)[1]: r for r in cli("hash", str(photos), "--json").json_lines()}
    path = tmp_path / "bank.csv"
    path.write_text("md5,pdq,category,series\n"
                    f"{records['photo0.jpg']['md5']},,A,s1\n"
                    f",{records['photo1.jpg']['pdq']},B,s2\n")
    return path


def test_init_twice_is_safe(cli):
    first, second = cli("init", "--json"), cli("init", "--json")
    assert first.status == second.status == 0
    assert first.json_lines() == second.json_lines()


def test_import_stats_and_reimport(cli, bank_csv):
    assert cli("library", "add-bank", "national", "--trust", "trusted").status == 0
    result = cli("library", "import", str(bank_csv), "--bank", "national", "--json")
    assert result.status == 0
    assert result.json_lines()[0] | {"file": None} == {
        "bank": "national", "file": None, "rows": 2, "added": 2, "already_present": 0, "invalid": 0,
        "rejected": False}
    again = cli("library", "import", str(bank_csv), "--bank", "national", "--json").json_lines()[0]
    assert (again["added"], again["already_present"]) == (0, 2)
    (stats,) = cli("library", "stats", "--json").json_lines()
    assert stats["entries"] == 2 and stats["hashes"]["pdq"] == 1 and stats["categories"]["b"] == 1


def test_match_grades_known_copies_without_anyone_looking(cli, bank_csv, photos, tmp_path):
    cli("library", "add-bank", "national", "--trust", "trusted")
    cli("library", "import", str(bank_csv), "--bank", "national")
    with_copy = tmp_path / "seized"
    with_copy.mkdir()
    (with_copy / "a.jpg").write_bytes((photos / "photo0.jpg").read_bytes())  # same bytes: MD5
    mirrored = ImageOps.mirror(picture(640, 480, seed=1))
    (with_copy / "b.jpg").write_bytes(encoded(mirrored, "JPEG", quality=80))  # flipped re-encode: PDQ
    (with_copy / "c.jpg").write_bytes((photos / "photo3.jpg").read_bytes())  # not in the library
    result = cli("match", str(with_copy), "--json")
    assert result.status == 0
    a, b, c = result.json_lines()
    assert (a["category"], a["matches"][0]["hash_type"], a["matches"][0]["distance"]) == ("a", "md5", 0)
    assert (b["category"], b["matches"][0]["hash_type"]) == ("b", "pdq")
    assert b["matches"][0]["distance"] <= 31 and b["matches"][0]["orientation"] == "mirror-left-right"
    assert (c["category"], c["matches"]) == (None, [])


def test_lookup_answers_each_line_in_order(cli, bank_csv):
    cli("library", "add-bank", "national", "--trust", "trusted")
    cli("library", "import", str(bank_csv), "--bank", "national")
    md5 = bank_csv.read_text().splitlines()[1].split(",")[0]
    stdin = f"MD5:{md5.upper()}\r\nsha1:{'0' * 40}\npdq:xyz\n".encode()
    result = cli("lookup", "--json", stdin=stdin)
    assert result.status == 1
    hit, miss, bad = result.json_lines()
    assert hit["query"] == f"MD5:{md5.upper()}" and hit["matches"][0]["category"] == "a"
    assert miss["matches"] == []
    assert bad["error"] == "pdq must be 64 hex digits, got 3"


def test_export_then_import_elsewhere_gives_the_same_entries(cli, bank_csv, tmp_path):
    cli("library", "add-bank", "one", "--trust", "trusted")
    cli("library", "add-bank", "two", "--trust", "trusted")
    cli("library", "import", str(bank_csv), "--bank", "one")
    for fmt in ("csv", "vics"):
        out = tmp_path / f"export.{fmt}"
        assert cli("library", "export", str(out), "--bank", "one", "--format", fmt).status == 0
        assert cli("library", "import", str(out), "--bank", "two", "--format", fmt).status == 0
    one, two = cli("library", "stats", "--json").json_lines()
    assert one["entries"] == two["entries"] == 2
    assert one["hashes"] == two["hashes"] and one["categories"] == two["categories"]


def test_conflicting_grades_are_listed_and_resolved_by_precedence(cli, tmp_path):
    cli("library", "add-bank", "low", "--trust", "unverified", "--precedence", "1")
    cli("library", "add-bank", "high", "--trust", "trusted", "--precedence", "5")
    md5 = "0123456789abcdef" * 2
    (tmp_path / "low.csv").write_text(f"md5,category\n{md5},C\n")
    (tmp_path / "high.csv").write_text(f"md5,category\n{md5},A\n")
    cli("library", "import", str(tmp_path / "low.csv"), "--bank", "low")
    cli("library", "import", str(tmp_path / "high.csv"), "--bank", "high")
    (conflict,) = cli("library", "conflicts", "--json").json_lines()
    assert (conflict["resolved"], conflict["resolved_by"]) == ("a", "high")
    (answer,) = cli("lookup", "--json", stdin=f"md5:{md5}\n".encode()).json_lines()
    assert [m["bank"] for m in answer["matches"]] == ["high", "low"]


@pytest.mark.parametrize(("content", "expected"), [
    (b"", "empty file"),
    (b"md5,category\nnot-a-hash,A\n", "line 2"),
])
def test_bad_files_are_one_clear_line_and_nothing_imported(cli, tmp_path, content, expected):
    cli("library", "add-bank", "b", "--trust", "trusted")
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    result = cli("library", "import", str(path), "--bank", "b", "--format", "csv")
    assert result.status in (1, 2)
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert json.loads(cli("library", "stats", "--json").stdout)["entries"] == 0


def test_missing_bank_and_unknown_format_exit_2(cli, bank_csv):
    assert cli("library", "import", str(bank_csv), "--bank", "nope").status == 2
    cli("library", "add-bank", "b", "--trust", "trusted")
    assert cli("library", "import", str(bank_csv), "--bank", "b", "--format", "xml").status == 2


def test_indexes_follow_the_library_and_survive_damage(cli, tmp_path):
    cli("library", "add-bank", "b", "--trust", "trusted")
    pdq = "a5" * 8 + "3c" * 8 + "0f" * 8 + "96" * 8
    query = f"pdq:{pdq}\n".encode()
    assert cli("lookup", "--json", stdin=query).json_lines()[0]["matches"] == []
    (tmp_path / "one.csv").write_text(f"pdq,category\n{pdq},C\n")
    cli("library", "import", str(tmp_path / "one.csv"), "--bank", "b")
    assert cli("lookup", "--json", stdin=query).json_lines()[0]["matches"][0]["category"] == "c"  # stale: rebuilt
    index = tmp_path / "home" / "indexes" / "pdq.idx"
    index.write_bytes(index.read_bytes()[:40])  # a damaged file is rebuilt, not trusted
    assert cli("lookup", "--json", stdin=query).json_lines()[0]["matches"][0]["category"] == "c"
    cli("library", "set-bank", "b", "--disable")
    assert cli("lookup", "--json", stdin=query).json_lines()[0]["matches"] == []


def test_lookup_on_a_current_store_reads_it_without_sqlalchemy(cli, bank_csv, tmp_path):
    cli("library", "add-bank", "national", "--trust", "trusted")
    cli("library", "import", str(bank_csv), "--bank", "national")
    md5, _, _, _ = bank_csv.read_text().splitlines()[1].split(",")
    query = f"md5:{md5}\npdq:{'a5' * 32}\n"
    built = cli("lookup", "--json", stdin=query.encode()).json_lines()  # the first look-up builds the indexes
    probe = ("import sys\nfrom tutela.cli.app import main\nsys.argv = ['tutela', 'lookup', '--json']\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic')))")
    done = subprocess.run([sys.executable, "-c", probe], input=query, capture_output=True, text=True, check=True,
                          env={**os.environ, "TUTELA_HOME": str(tmp_path / "home")})
    *answers, heavy = done.stdout.splitlines()
    assert [json.loads(line) for line in answers] == built
    assert built[0]["matches"][0]["category"] == "a" and heavy == "[]"
