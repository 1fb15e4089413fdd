"""`tutela rematch`: media an ingest left unknown, matched again after the library changed."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from test_grading_aids import _folder, _groups, _ingest, photo, unit  # noqa: F401 (unit is a fixture)

from tutela.store import grading
from tutela.store.ingest_tables import MediaItem, Thumbnail
from tutela.store.unit_tables import ContinuityEvent


def _store(tmp_path):
    return create_engine(f"sqlite:///{tmp_path / 'home' / 'tutela.sqlite3'}")


def _by_name(tmp_path) -> dict[str, tuple[str, str | None, int | None, bool]]:
    """file name -> (outcome, category, group id, has a thumbnail)"""
    engine = _store(tmp_path)
    with Session(engine) as session:
        rows = session.execute(select(MediaItem.locator, MediaItem.outcome, MediaItem.category, MediaItem.group_id,
                                      Thumbnail.item_id).outerjoin(Thumbnail, Thumbnail.item_id == MediaItem.id))
        found = {row.locator["path"].rsplit("/", 1)[-1]: (row.outcome, row.category, row.group_id,
                                                         row.item_id is not None) for row in rows}
    engine.dispose()
    return found


@pytest.mark.usefixtures("unit")
def test_media_the_library_now_knows_take_its_grade_lose_their_thumbnail_and_leave_the_queue(cli, tmp_path):
    seized = _folder(tmp_path, "seized", {"IMG_3.jpg": photo(3), "IMG_3_small.jpg": photo(3, 0.8),
                                          "IMG_4.jpg": photo(4), "IMG_5.jpg": photo(5)})
    items, _ = _ingest(cli, seized, "CASE-1", "EX-1")
    assert {item["outcome"] for item in items.values()} == {"unknown_still"}
    # The week's library update: IMG_4 byte for byte (B), IMG_3's picture by PDQ (C), IMG_5 only in an unverified
    # bank from elsewhere (its grade is not one to stand on: it stays for examiners).
    (tmp_path / "update.csv").write_text(f"sha256,pdq,category\n{items['IMG_4.jpg']['sha256']},,B\n"
                                         f",{items['IMG_3.jpg']['pdq']},C\n")
    (tmp_path / "foreign.csv").write_text(f"sha256,category\n{items['IMG_5.jpg']['sha256']},A\n")
    assert cli("library", "import", str(tmp_path / "update.csv"), "--bank", "national").status == 0
    assert cli("library", "add-bank", "foreign", "--trust", "unverified").status == 0
    assert cli("library", "import", str(tmp_path / "foreign.csv"), "--bank", "foreign").status == 0

    done = cli("rematch", "--case", "CASE-1", "--json")
    assert done.status == 0, done.stderr
    (summary,) = done.json_lines()
    assert {k: summary[k] for k in ("exhibit", "unknown_before", "now_known", "known", "ignorable",
                                    "groups_emptied")} == {
        "exhibit": "EX-1", "unknown_before": 4, "now_known": 3, "known": {"b": 1, "c": 2}, "ignorable": 0,
        "groups_emptied": 2}
    after = _by_name(tmp_path)
    assert {name: (*row[:2], row[3]) for name, row in after.items()} == {
        "IMG_3.jpg": ("known", "c", False), "IMG_3_small.jpg": ("known", "c", False),
        "IMG_4.jpg": ("known", "b", False), "IMG_5.jpg": ("unknown_still", None, True)}
    assert [g for g, members in _groups(tmp_path).items() if members] == [after["IMG_5.jpg"][2]]
    engine = _store(tmp_path)
    with Session(engine) as session:
        queue = grading.queue(session, exhibit_id=1, user_id=1)
        log = session.execute(select(ContinuityEvent.reason).order_by(ContinuityEvent.id)).scalars().all()
    engine.dispose()
    assert [(card.group_id, card.size) for card in queue] == [(after["IMG_5.jpg"][2], 1)]
    assert log[-1].startswith("re-matched against library generation") and "3 of 4 unknown items" in log[-1]

    again = cli("rematch", "--exhibit", "EX-1", "--json").json_lines()
    assert (again[0]["unknown_before"], again[0]["now_known"]) == (1, 0)  # nothing changes twice


@pytest.mark.usefixtures("unit")
def test_rematch_names_what_does_not_exist_in_one_line(cli):
    refused = cli("rematch", "--case", "CASE-9")
    assert refused.status == 2 and refused.stderr.count("\n") == 1 and "CASE-9" in refused.stderr


@pytest.mark.usefixtures("unit")
def test_a_match_only_in_an_unverified_bank_is_left_for_examiners_at_ingest(cli, tmp_path):
    (tmp_path / "foreign.csv").write_text(
        "sha256,category\n" + cli("hash", "--json", str(_folder(tmp_path, "probe", {"IMG_5.jpg": photo(5)})))
        .json_lines()[0]["sha256"] + ",A\n")
    assert cli("library", "add-bank", "foreign", "--trust", "unverified").status == 0
    assert cli("library", "import", str(tmp_path / "foreign.csv"), "--bank", "foreign").status == 0
    items, summary = _ingest(cli, _folder(tmp_path, "seized", {"IMG_5.jpg": photo(5), "IMG_0.jpg": photo(0)}),
                             "CASE-1", "EX-1")
    five = items["IMG_5.jpg"]
    assert (five["outcome"], five["thumbnail"], five["category"]) == ("unknown_still", True, None)
    assert five["reason"] == "in unverified bank foreign: to be graded"
    assert items["IMG_0.jpg"]["outcome"] == "known"  # the trusted bank's grade still stands
    assert (summary["unknown_stills"], summary["groups"]) == (1, 1)
