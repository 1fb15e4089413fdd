"""What ingest prepares for grading: encrypted thumbnails of unknown stills only, near-duplicate groups graded
once, and the same picture found in another case."""

from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet
from drawn import encoded, picture
from PIL import Image
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from tutela.store import media_groups

KEY_ENV = "TUTELA_MEDIA_KEY"


def photo(seed: int, scale: float = 1.0) -> bytes:
    image = picture(640, 480, seed=seed)
    if scale != 1.0:
        image = image.resize((int(640 * scale), int(480 * scale)), Image.Resampling.LANCZOS)
    return encoded(image, "JPEG", quality=90 if scale == 1.0 else 75)


@pytest.fixture
def unit(cli, tmp_path):
    """Two cases; photo0 graded A (MD5), photo2 known-good (ignorable)."""
    assert cli("team", "add", "T-1", "--name", "Team", "--kind", "central").status == 0
    for case, exhibit in (("CASE-1", "EX-1"), ("CASE-2", "EX-2")):
        assert cli("case", "create", case, "--team", "T-1").status == 0
        assert cli("exhibit", "add", exhibit, "--case", case, "--type", "phone").status == 0
    library = tmp_path / "library"
    library.mkdir()
    for seed in (0, 2):
        (library / f"photo{seed}.jpg").write_bytes(photo(seed))
    md5 = {r["path"].rsplit("/", 1)[1]: r["md5"] for r in cli("hash", str(library), "--json").json_lines()}
    (tmp_path / "national.csv").write_text(f"md5,category\n{md5['photo0.jpg']},A\n")
    (tmp_path / "clean.csv").write_text(f"md5,category\n{md5['photo2.jpg']},NOT_INDECENT\n")
    for bank, trust in (("national", "trusted"), ("clean", "ignorable")):
        assert cli("library", "add-bank", bank, "--trust", trust).status == 0
        assert cli("library", "import", str(tmp_path / f"{bank}.csv"), "--bank", bank).status == 0


def _folder(tmp_path, name: str, files: dict[str, bytes]):
    folder = tmp_path / name
    folder.mkdir()
    for file_name, data in files.items():
        (folder / file_name).write_bytes(data)
    return folder


def _ingest(cli, folder, case: str, exhibit: str, *extra: str):
    result = cli("ingest", str(folder), "--case", case, "--exhibit", exhibit, "--json", "--workers", "2", *extra)
    assert result.status == 0, result.stderr
    *items, summary = result.json_lines()
    return {item["path"].rsplit("/", 1)[1]: item for item in items}, summary


def _name(member) -> str:
    return member.locator["path"].rsplit("/", 1)[-1]


def _groups(tmp_path, exhibit_id: int = 1) -> dict[int, set[str]]:
    engine = create_engine(f"sqlite:///{tmp_path / 'home' / 'tutela.sqlite3'}")
    with Session(engine) as session:
        found = {group.id: {_name(m) for m in media_groups.items_of_group(session, group.id)}
                 for group in media_groups.groups_of_exhibit(session, exhibit_id)}
    engine.dispose()
    return found


def _thumbnail(tmp_path, name: str) -> bytes | None:
    engine = create_engine(f"sqlite:///{tmp_path / 'home' / 'tutela.sqlite3'}")
    with Session(engine) as session:
        (member,) = [m for g in media_groups.groups_of_exhibit(session, 1)
                     for m in media_groups.items_of_group(session, g.id) if _name(m) == name]
        token = media_groups.thumbnail_token(session, member.id)
    engine.dispose()
    return token


def test_unknown_stills_alone_get_encrypted_thumbnails_and_groups(cli, unit, tmp_path, monkeypatch):
    import os

    seized = _folder(tmp_path, "seized", {
        "IMG_0.jpg": photo(0), "IMG_2.jpg": photo(2), "IMG_3.jpg": photo(3), "IMG_3_small.jpg": photo(3, 0.8),
        "copy-of-3.jpg": photo(3), "IMG_4.jpg": photo(4), "notes.txt": b"shopping list\n"})
    items, summary = _ingest(cli, seized, "CASE-1", "EX-1")
    assert {name: (item["outcome"], item["thumbnail"]) for name, item in items.items()} == {
        "IMG_0.jpg": ("known", False), "IMG_2.jpg": ("ignorable", False), "IMG_3.jpg": ("unknown_still", True),
        "IMG_3_small.jpg": ("unknown_still", True), "copy-of-3.jpg": ("duplicate", False),
        "IMG_4.jpg": ("unknown_still", True), "notes.txt": ("not_media", False)}
    assert (summary["thumbnails"], summary["groups"], summary["cross_case_links"]) == (3, 2, 0)
    assert sorted(map(sorted, _groups(tmp_path).values())) == [
        ["IMG_3.jpg", "IMG_3_small.jpg", "copy-of-3.jpg"], ["IMG_4.jpg"]]

    token = _thumbnail(tmp_path, "IMG_3.jpg")
    assert b"\xff\xd8" not in token  # stored as ciphertext, never the clear JPEG
    shown = Image.open(io.BytesIO(Fernet(os.environ[KEY_ENV]).decrypt(token)))
    assert shown.format == "JPEG" and max(shown.size) == 256


def test_groups_are_recomputed_when_more_evidence_of_the_exhibit_comes(cli, unit, tmp_path):
    _ingest(cli, _folder(tmp_path, "card", {"IMG_3.jpg": photo(3), "IMG_4.jpg": photo(4)}), "CASE-1", "EX-1")
    before = _groups(tmp_path)
    _ingest(cli, _folder(tmp_path, "phone", {"IMG_4_small.jpg": photo(4, 0.8), "IMG_5.jpg": photo(5)}),
            "CASE-1", "EX-1")
    after = _groups(tmp_path)
    assert len(after) == 3 and set(before) < set(after)  # the groups that were there keep their ids
    assert {frozenset(members) for members in after.values()} == {
        frozenset({"IMG_3.jpg"}), frozenset({"IMG_4.jpg", "IMG_4_small.jpg"}), frozenset({"IMG_5.jpg"})}


def test_the_same_picture_in_another_case_is_linked(cli, unit, tmp_path):
    _ingest(cli, _folder(tmp_path, "first", {"IMG_3.jpg": photo(3), "IMG_4.jpg": photo(4)}), "CASE-1", "EX-1")
    items, summary = _ingest(cli, _folder(tmp_path, "second", {
        "same.jpg": photo(3), "smaller.jpg": photo(4, 0.8), "other.jpg": photo(6)}), "CASE-2", "EX-2")
    first = tmp_path / "first"
    assert items["same.jpg"]["cross_case"] == [{"case": "CASE-1", "exhibit": "EX-1", "path": str(first / "IMG_3.jpg"),
                                                "hash_type": "sha256", "distance": 0}]
    (near,) = items["smaller.jpg"]["cross_case"]
    assert (near["path"], near["hash_type"]) == (str(first / "IMG_4.jpg"), "pdq") and 0 < near["distance"] <= 31
    assert items["other.jpg"]["cross_case"] == []
    assert summary["cross_case_links"] == 2
    assert summary["cross_case"] == [{"case": "CASE-1", "exhibit": "EX-1", "files": 2}]


def test_without_a_media_key_ingest_refuses_unless_told_no_thumbnails(cli, unit, tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV)
    seized = _folder(tmp_path, "seized", {"IMG_3.jpg": photo(3)})
    refused = cli("ingest", str(seized), "--case", "CASE-1", "--exhibit", "EX-1")
    assert refused.status == 2 and refused.stderr.count("\n") == 1
    assert "TUTELA_MEDIA_KEY is not set" in refused.stderr and "--no-thumbnails" in refused.stderr
    items, summary = _ingest(cli, seized, "CASE-1", "EX-1", "--no-thumbnails")
    assert items["IMG_3.jpg"]["thumbnail"] is False and summary["thumbnails"] == 0 and summary["groups"] == 1


def test_keygen_prints_a_key_and_a_bad_key_is_refused(cli, unit, tmp_path, monkeypatch):
    key = cli("keygen").stdout.strip()
    monkeypatch.setenv(KEY_ENV, key)
    _ingest(cli, _folder(tmp_path, "seized", {"IMG_3.jpg": photo(3)}), "CASE-1", "EX-1")
    monkeypatch.setenv(KEY_ENV, key[:-4])
    bad = cli("ingest", str(tmp_path / "seized"), "--case", "CASE-1", "--exhibit", "EX-1")
    assert bad.status == 2 and bad.stderr.strip() == (
        "tutela: error: TUTELA_MEDIA_KEY: Value error, not a Fernet key (32 bytes in URL-safe base64: "
        "make one with `tutela keygen`)")
