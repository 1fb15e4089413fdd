"""Evidence sources: folders and archives inside them, listed with locators; hostile archives contained."""

from __future__ import annotations

import io
import os
import tarfile

import pytest
from drawn import encoded, picture
from ingest_archives import tar_of, zeros_zip, zip_of

from tutela.domain.locator import Locator
from tutela.evidence.archives import ArchiveLimits, ArchiveRegistry, ZipFormat
from tutela.evidence.reader import EvidenceReader
from tutela.evidence.sources import FolderSource, SourceRegistry


def jpeg(seed: int) -> bytes:
    return encoded(picture(160, 120, seed=seed), "JPEG")


def listing(reader: EvidenceReader, evidence) -> dict[str, tuple[str | None, str | None]]:
    """Each item's locator text, relative to the evidence, with its problem and note."""
    root = str(evidence)
    return {str(item.locator).replace(root, "~"): (item.problem, item.note) for item in reader.items(root)}


@pytest.fixture
def seized(tmp_path):
    folder = tmp_path / "seized"
    (folder / "dcim").mkdir(parents=True)
    (folder / "dcim" / "a.jpg").write_bytes(jpeg(1))
    inner = zip_of({"in/b.jpg": jpeg(2), "c.png": encoded(picture(50, 40, seed=3), "PNG")})
    (folder / "backup.tar.gz").write_bytes(tar_of({"inner.zip": inner, "notes.txt": b"hello\n"}))
    (folder / "old.tar.bz2").write_bytes(tar_of({"d.jpg": jpeg(4)}, "w:bz2"))
    (folder / "old.tar.xz").write_bytes(tar_of({"e.jpg": jpeg(5)}, "w:xz"))
    return folder


def test_folder_and_nested_archives_listed_with_locators(seized):
    reader = EvidenceReader()
    assert listing(reader, seized) == {
        "~/backup.tar.gz": (None, None),
        "~/backup.tar.gz » inner.zip": (None, None),
        "~/backup.tar.gz » inner.zip » in/b.jpg": (None, None),
        "~/backup.tar.gz » inner.zip » c.png": (None, None),
        "~/backup.tar.gz » notes.txt": (None, None),
        "~/dcim/a.jpg": (None, None),
        "~/old.tar.bz2": (None, None), "~/old.tar.bz2 » d.jpg": (None, None),
        "~/old.tar.xz": (None, None), "~/old.tar.xz » e.jpg": (None, None),
    }
    items = {str(i.locator).rsplit(" » ", 1)[-1]: i.locator for i in reader.items(str(seized))}
    b = items["in/b.jpg"]
    assert b.to_json() == {"evidence": str(seized), "source": "folder", "path": "backup.tar.gz", "members": [
        {"archive": "tar", "name": "inner.zip", "index": 0}, {"archive": "zip", "name": "in/b.jpg", "index": 0}]}
    assert Locator.from_json(b.to_json()) == b and b.key() == Locator.from_json(b.to_json()).key()
    with reader.open(b) as stream:  # a worker opens it from the locator alone
        assert stream.read() == jpeg(2)


def test_a_single_file_is_evidence_too(tmp_path):
    path = tmp_path / "phone.zip"
    path.write_bytes(zip_of({"x.jpg": jpeg(1)}))
    items = list(EvidenceReader().items(str(path)))
    assert [i.locator.to_json() for i in items] == [
        {"evidence": str(path), "source": "file"},
        {"evidence": str(path), "source": "file", "members": [{"archive": "zip", "name": "x.jpg", "index": 0}]}]


def test_7z_members_are_read(tmp_path):
    import py7zr  # a dependency of tutela: its absence must fail, not skip
    path = tmp_path / "a.7z"
    with py7zr.SevenZipFile(path, "w") as archive:
        archive.writestr(jpeg(1), "one.jpg")
        archive.writestr(b"text", "two.txt")
    reader = EvidenceReader()
    items = list(reader.items(str(path)))
    assert [i.locator.members[-1].name for i in items[1:]] == ["one.jpg", "two.txt"]
    with reader.open(items[1].locator) as stream:
        assert stream.read() == jpeg(1)


def test_zip_slip_names_are_only_names(tmp_path):
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "slip.zip").write_bytes(zip_of({"../../escaped.jpg": jpeg(1), "/etc/absolute.jpg": jpeg(2)}))
    before = sorted(p for p in tmp_path.rglob("*"))
    reader = EvidenceReader()
    items = list(reader.items(str(evidence)))
    assert [i.locator.members[-1].name for i in items[1:]] == ["../../escaped.jpg", "/etc/absolute.jpg"]
    for item in items[1:]:
        with reader.open(item.locator) as stream:
            assert stream.read()[:2] == b"\xff\xd8"
    assert sorted(p for p in tmp_path.rglob("*")) == before  # nothing written anywhere


def test_zip_bomb_is_one_item_with_a_problem(tmp_path):
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "bomb.zip").write_bytes(zeros_zip())
    (evidence / "fine.jpg").write_bytes(jpeg(1))
    found = listing(EvidenceReader(), evidence)
    assert found["~/bomb.zip » zeros.bin"][0].startswith("archive bomb:")
    assert found["~/fine.jpg"] == (None, None)


def test_nested_archive_bomb_and_depth_limit(tmp_path):
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    level = zeros_zip()
    for depth in range(2):
        level = zip_of({f"level{depth}.zip": level, f"ok{depth}.txt": b"fine"})
    (evidence / "nested.zip").write_bytes(level)
    found = listing(EvidenceReader(), evidence)
    assert found["~/nested.zip » level1.zip » level0.zip » zeros.bin"][0].startswith("archive bomb:")
    assert found["~/nested.zip » level1.zip » ok0.txt"] == (None, None)
    shallow = listing(EvidenceReader(ArchiveLimits(max_depth=1)), evidence)
    assert shallow["~/nested.zip » level1.zip"] == (None, "archive nested deeper than 1: members not read")
    assert len(shallow) == 3


def test_real_bytes_beyond_the_member_limit_are_refused(tmp_path):
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "a.zip").write_bytes(zip_of({"big.bin": os.urandom(3 << 20)}))
    reader = EvidenceReader(ArchiveLimits(max_member_bytes=1 << 20))
    (_archive, member) = list(reader.items(str(evidence)))
    assert member.problem.startswith("archive bomb: member declares")
    from tutela.errors import TooLargeError

    with pytest.raises(TooLargeError), reader.open(member.locator):
        pass


def test_symlink_loop_and_links_in_archives_reported_not_followed(tmp_path):
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "loop").symlink_to(evidence / "loop")
    (evidence / "up").symlink_to(tmp_path)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        link = tarfile.TarInfo("passwd")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        archive.addfile(link)
    (evidence / "links.tar").write_bytes(buffer.getvalue())
    found = listing(EvidenceReader(), evidence)
    assert found == {"~/links.tar": (None, None),
                     "~/links.tar » passwd": ("symbolic link in archive, not followed", None),
                     "~/loop": ("symbolic link, not followed", None), "~/up": ("symbolic link, not followed", None)}


def test_corrupt_archive_is_noted_and_still_an_item(tmp_path):
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "broken.zip").write_bytes(zip_of({"x.jpg": jpeg(1)})[:-30])
    ((_, (problem, note)),) = listing(EvidenceReader(), evidence).items()
    assert problem is None and note.startswith("archive members not read: cannot read zip")


def test_registries_refuse_a_second_name():
    sources, archives = SourceRegistry(), ArchiveRegistry()
    sources.register(FolderSource())
    archives.register(ZipFormat())
    with pytest.raises(ValueError, match="already registered"):
        sources.register(FolderSource())
    with pytest.raises(ValueError, match="already registered"):
        archives.register(ZipFormat())
