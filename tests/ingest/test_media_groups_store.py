"""Grading aids in the store (migration 0004) on SQLite and PostgreSQL: groups keep their ids when recomputed."""

from __future__ import annotations

import hashlib

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.orm import Session

from tutela.store import media_groups
from tutela.store.ingest import IngestStore
from tutela.store.media_groups import MediaGroupStore, write_aids
from tutela.store.tables import Base
from tutela.store.unit import UnitStore


def _item(ingest, exhibit_id: int, name: str, outcome: str, content: str) -> dict:
    key = hashlib.sha256(name.encode()).digest()
    return {"ingest_id": ingest.id, "exhibit_id": exhibit_id, "locator_key": key,
            "locator": {"evidence": "/seized", "path": name}, "deleted": False, "size": 1, "md5": None,
            "sha1": None, "sha256": hashlib.sha256(content.encode()).digest(), "kind": "still", "mime": "image/png",
            "pdq": None, "quality": None, "outcome": outcome, "reason": None, "bank": None, "category": None,
            "hash_type": None, "distance": None}


def _store(engine):
    unit = UnitStore(engine)
    unit.add("cases", {"ref": "CASE-1"})
    unit.add("exhibits", {"ref": "EX-1", "case": "CASE-1", "type": "phone"})
    ingests = IngestStore(engine)
    exhibit_id = ingests.exhibit_in_case("EX-1", "CASE-1")
    return ingests, exhibit_id, ingests.begin(exhibit_id, "/seized", "0" * 64)


def _by_picture(candidates):
    """Components by SHA-256 alone (the pipeline adds PDQ nearness; the store only keeps what it is given)."""
    parts: dict[bytes, list[int]] = {}
    for candidate in candidates:
        parts.setdefault(candidate.sha256, []).append(candidate.id)
    return list(parts.values())


def test_groups_are_recomputed_without_duplicates_and_keep_their_ids(engine):
    ingests, exhibit_id, ingest = _store(engine)
    ingests.write([_item(ingest, exhibit_id, "a.png", "unknown_still", "one"),
                   _item(ingest, exhibit_id, "b.png", "duplicate", "one"),
                   _item(ingest, exhibit_id, "c.png", "unknown_still", "two"),
                   _item(ingest, exhibit_id, "d.png", "known", "three"),
                   _item(ingest, exhibit_id, "e.png", "duplicate", "three")])  # a copy of known material
    store = MediaGroupStore(engine)
    assert store.regroup(exhibit_id, _by_picture) == 2
    with Session(engine) as session:
        first = media_groups.groups_of_exhibit(session, exhibit_id)
        members = {g.id: [m.locator["path"] for m in media_groups.items_of_group(session, g.id)] for g in first}
    assert sorted(members.values()) == [["a.png", "b.png"], ["c.png"]]
    assert sorted(g.size for g in first) == [1, 2]

    assert store.regroup(exhibit_id, _by_picture) == 2  # again: the same groups, the same ids
    assert store.regroup(exhibit_id, lambda cs: [[c.id for c in cs]]) == 1  # merged: the oldest id stays
    with Session(engine) as session:
        (merged,) = media_groups.groups_of_exhibit(session, exhibit_id)
        assert merged.id == min(g.id for g in first) and merged.size == 3
        assert {m.locator["path"] for m in media_groups.items_of_group(session, merged.id)} == {
            "a.png", "b.png", "c.png"}


def test_thumbnail_tokens_are_read_back(engine):
    ingests, exhibit_id, ingest = _store(engine)
    ingests.write([_item(ingest, exhibit_id, "a.png", "unknown_still", "one")])
    item_id = ingests.items(ingest.id)[0]["id"]
    with engine.begin() as connection:
        write_aids(connection, [{"item_id": item_id, "token": b"gAAAA-token", "width": 10, "height": 8}], [])
    with Session(engine) as session:
        assert media_groups.thumbnail_token(session, item_id) == b"gAAAA-token"
        assert media_groups.thumbnail_token(session, item_id + 1) is None


def test_migrations_make_the_tables_the_code_declares(engine):
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def _voted(engine, group_id: int, names: list[str]) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from tutela.domain.categories import Category
    from tutela.store.grading import cast_vote, group_standing
    from tutela.store.users import User

    at = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    with Session(engine) as session:
        for name in names:
            user = session.execute(insert(User).values(name=name, role="examiner", created=at)
                                   .returning(User.id)).scalar_one()
            cast_vote(session, group_id=group_id, user_id=user, category=Category("c"),
                      seen_version=group_standing(session, group_id)[1], at=at)
        session.commit()


def _votes_on(engine, group_id: int) -> int:
    from sqlalchemy import func, select

    from tutela.store.grading_tables import GradeVote

    with Session(engine) as session:
        return session.execute(select(func.count()).where(GradeVote.group_id == group_id)).scalar_one()


def test_regrouping_keeps_every_graded_group_and_its_votes(engine):
    """A later ingest into the exhibit may merge groups examiners already graded, or leave one empty (its files
    known since): the votes are the record of who saw what, so their group stays (emptied, size 0) instead of the
    regroup failing on them, and a merge keeps the group with the most votes."""
    from sqlalchemy import update

    from tutela.store.ingest_tables import MediaItem

    ingests, exhibit_id, ingest = _store(engine)
    ingests.write([_item(ingest, exhibit_id, "a.png", "unknown_still", "one"),
                   _item(ingest, exhibit_id, "b.png", "unknown_still", "two"),
                   _item(ingest, exhibit_id, "c.png", "unknown_still", "three")])
    store = MediaGroupStore(engine)
    assert store.regroup(exhibit_id, _by_picture) == 3
    with Session(engine) as session:
        one, two, three = (g.id for g in media_groups.groups_of_exhibit(session, exhibit_id))
    _voted(engine, two, ["ann", "bob"])
    _voted(engine, three, ["cat"])

    assert store.regroup(exhibit_id, lambda cs: [[c.id for c in cs]]) == 1  # all three found to be one picture
    with Session(engine) as session:
        groups = {g.id: g for g in media_groups.groups_of_exhibit(session, exhibit_id)}
    assert one not in groups and set(groups) == {two, three}  # the unvoted one goes; the voted one stays, emptied
    assert groups[two].size == 3 and groups[three].size == 0
    assert (_votes_on(engine, two), _votes_on(engine, three)) == (2, 1)

    with engine.begin() as connection:  # every file of the exhibit known since (a rematch)
        connection.execute(update(MediaItem).where(MediaItem.exhibit_id == exhibit_id).values(outcome="known"))
    assert store.regroup(exhibit_id, _by_picture) == 0
    with Session(engine) as session:
        assert {g.id: g.size for g in media_groups.groups_of_exhibit(session, exhibit_id)} == {two: 0, three: 0}
    assert (_votes_on(engine, two), _votes_on(engine, three)) == (2, 1)


def test_other_cases_give_their_unknown_files_only_and_near_candidates_by_pdq_alone(engine):
    """Cross-case lookups: an exhibit's own case is left out, known files too; near-match candidates are only the
    PDQs good enough to match (an id and 32 bytes each), the rest is asked for by SHA-256 or by id."""
    ingests, exhibit_id, _ = _store(engine)
    unit = UnitStore(engine)
    unit.add("cases", {"ref": "CASE-2"})
    unit.add("exhibits", {"ref": "EX-2", "case": "CASE-2", "type": "laptop"})
    unit.add("exhibits", {"ref": "EX-3", "case": "CASE-1", "type": "tablet"})
    other, same_case = ingests.exhibit_in_case("EX-2", "CASE-2"), ingests.exhibit_in_case("EX-3", "CASE-1")
    other_ingest = ingests.begin(other, "/laptop", "1" * 64)
    same_ingest = ingests.begin(same_case, "/tablet", "2" * 64)

    def item(ingest_row, exhibit, name, outcome, content, pdq=None, quality=None):
        return {**_item(ingest_row, exhibit, name, outcome, content), "pdq": pdq, "quality": quality,
                "locator": {"evidence": "/seized", "source": "folder", "path": name}}

    ingests.write([item(other_ingest, other, "good.png", "unknown_still", "a", bytes(range(32)), 90),
                   item(other_ingest, other, "poor.png", "unknown_still", "b", bytes(range(1, 33)), 20),
                   item(other_ingest, other, "known.png", "known", "c", bytes(range(2, 34)), 90),
                   item(same_ingest, same_case, "mine.png", "unknown_still", "d", bytes(range(3, 35)), 90)])
    others = MediaGroupStore(engine).other_cases(exhibit_id)
    ids, pdqs = others.near_candidates()
    by_name = {row["locator"]["path"]: row["id"] for ingest_row in (other_ingest, same_ingest)
               for row in ingests.items(ingest_row.id)}
    assert ids.tolist() == [by_name["good.png"]] and pdqs.tolist() == [list(range(32))]
    sha = {name: hashlib.sha256(name.encode()).digest() for name in "abcd"}
    found = others.same_sha256([sha["a"], sha["b"], sha["c"], sha["d"], sha["a"]])
    assert [(m.id, m.case_ref, m.exhibit_ref, m.path.rsplit("/", 1)[-1]) for m in found] == [
        (by_name["good.png"], "CASE-2", "EX-2", "good.png"), (by_name["poor.png"], "CASE-2", "EX-2", "poor.png")]
    assert [m.id for m in others.by_id([by_name["mine.png"], by_name["poor.png"]])] == [by_name["poor.png"]]
