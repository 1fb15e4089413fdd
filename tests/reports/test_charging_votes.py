"""The charging table once examiners have voted: three-vote grades, single-examiner grades awaiting verification,
a disputed group, beside the library's grades; every cell, from the grading store's item_grades."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from charging_case import built_home, copy_home
from charging_cells import table
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from tutela.domain.categories import Category
from tutela.domain.charging import CELL_KEYS, TOTAL_CELL_KEYS
from tutela.store.grading import cast_vote, group_standing
from tutela.store.ingest_tables import MediaItem
from tutela.store.unit_tables import Exhibit
from tutela.store.users import User

AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

EX1 = table(CELL_KEYS, {
    ("a", "still"): {"images": 2, "unique": 1, "duplicates": 1, "library": 2},
    ("b", "still"): {"images": 2, "unique": 2, "library": 1, "trusted_votes": 1},
    ("c", "video"): {"images": 1, "unique": 1, "library": 1},
})
EX2 = table(CELL_KEYS, {
    ("a", "still"): {"images": 2, "unique": 1, "duplicates": 1, "library": 2},
    ("b", "still"): {"images": 2, "unique": 2, "library": 1, "examiner_unverified": 1},
    ("c", "still"): {"images": 2, "unique": 1, "duplicates": 1, "examiner_unverified": 2},
    ("disputed", "video"): {"images": 1, "unique": 1},
})
TOTAL = table(TOTAL_CELL_KEYS, {
    ("a", "still"): {"images": 4, "unique": 1, "duplicates_on_device": 2, "duplicates_across_devices": 1,
                     "library": 4},
    ("b", "still"): {"images": 4, "unique": 2, "duplicates_across_devices": 2, "library": 2, "trusted_votes": 1,
                     "examiner_unverified": 1},
    ("c", "still"): {"images": 2, "unique": 1, "duplicates_on_device": 1, "examiner_unverified": 2},
    ("c", "video"): {"images": 1, "unique": 1, "library": 1},
    ("disputed", "video"): {"images": 1, "unique": 1},
})


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    with built_home(tmp_path_factory.mktemp("votes")) as made:
        yield made


def _group_of(session, exhibit: str, name: str) -> int:
    query = (select(MediaItem.group_id, MediaItem.locator).join(Exhibit, Exhibit.id == MediaItem.exhibit_id)
             .where(Exhibit.ref == exhibit))
    (group,) = {g for g, locator in session.execute(query) if locator["path"].endswith(name)}
    assert group is not None, f"{exhibit} {name} is in no group"
    return group


def _group_exact_copies(engine) -> None:
    """Groups as ingest makes them for these pictures: none is a near-duplicate of another, so a group is one
    picture and its exact copies (regrouping keeps the ids of groups that survive, so running it again is safe)."""
    from tutela.store.media_groups import MediaGroupStore

    def components(candidates):
        by_sha: dict[bytes, list[int]] = {}
        for candidate in candidates:
            by_sha.setdefault(candidate.sha256, []).append(candidate.id)
        return list(by_sha.values())

    with Session(engine) as session:
        exhibits = session.execute(select(Exhibit.id).where(Exhibit.ref.in_(["EX-1", "EX-2"]))).scalars().all()
    for exhibit in exhibits:
        MediaGroupStore(engine).regroup(exhibit, components)


def _vote(session, group: int, examiners: list[int], categories: list[str]) -> None:
    for user, category in zip(examiners, categories, strict=True):
        _, version = group_standing(session, group)
        cast_vote(session, group_id=group, user_id=user, category=Category(category), seen_version=version, at=AT)


def test_every_cell_with_library_and_examiner_grades(cli, tmp_path, built):
    from tutela.services.store import open_store
    from tutela.settings import load_settings

    copy_home(built[0], tmp_path)
    engine = open_store(load_settings())
    try:
        _group_exact_copies(engine)
        with Session(engine) as session, session.begin():
            examiners = [session.execute(insert(User).values(name=name, role="examiner", created=AT).returning(User.id))
                         .scalar_one() for name in ("ann", "bob", "cat")]
            _vote(session, _group_of(session, "EX-1", "IMG_3.jpg"), examiners, ["b", "b", "b"])
            _vote(session, _group_of(session, "EX-2", "IMG_3.jpg"), examiners[:1], ["b"])
            _vote(session, _group_of(session, "EX-2", "IMG_5.jpg"), examiners[:2], ["c", "c"])
            _vote(session, _group_of(session, "EX-2", "clip2.mp4"), examiners[:2], ["a", "b"])
    finally:
        engine.dispose()
    (report,) = cli("report", "charging", "--case", "CASE-1", "--items", "--json").json_lines()
    ex1, ex2, _ = report["exhibits"]
    assert (ex1["cells"], ex2["cells"], report["total"]["cells"]) == (EX1, EX2, TOTAL)
    assert report["conflicts"] == []
    copy = next(i for i in report["items"] if i["exhibit"] == "EX-2" and i["locator"].endswith("old/IMG_5.jpg"))
    assert (copy["row"], copy["basis"], copy["duplicate"]) == ("c", "examiner_unverified", "duplicate_on_device")
    new = tmp_path / "new.csv"
    (summary,) = cli("export", "verified-hashes", str(new), "--format", "csv", "--json").json_lines()
    # IMG_3: three examiners graded EX-1's copy B and no library knew it; EX-2's copy (one vote) adds nothing
    img3 = next(i for i in report["items"] if i["exhibit"] == "EX-1" and i["locator"].endswith("IMG_3.jpg"))
    assert summary["records"] == 1
    (row,) = csv.DictReader(io.StringIO(new.read_text()))
    assert (row["sha256"], row["category"]) == (img3["sha256"], "b")
