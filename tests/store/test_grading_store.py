"""Votes, queues, item grades and exposure in the store, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from grading_data import NOW, make_exhibit
from sqlalchemy.orm import Session

from tutela.domain.categories import Category
from tutela.domain.grading import Basis, GroupState, ItemGrade
from tutela.errors import ConflictError
from tutela.store import grading

A, B, C = Category.A, Category.B, Category.C


@pytest.fixture
def data(engine):
    with Session(engine) as session, session.begin():
        return make_exhibit(session)


def vote(engine, group, user, category, version=None):
    with Session(engine) as session, session.begin():
        if version is None:
            version = grading.group_standing(session, group)[1]
        return grading.cast_vote(session, group_id=group, user_id=user, category=category, seen_version=version,
                                 at=NOW)


def test_three_concurring_examiners_make_a_trusted_grade_for_every_member(engine, data):
    group = data.groups[0]
    u = data.users
    assert vote(engine, group, u["ann"], B).grade.state is GroupState.UNVERIFIED
    assert vote(engine, group, u["bob"], B).became_trusted is False
    third = vote(engine, group, u["cat"], B)
    assert (third.grade.state, third.grade.category, third.became_trusted) == (GroupState.TRUSTED, B, True)
    with Session(engine) as session:
        grades = grading.item_grades(session, [data.exhibit_id])
        assert grading.trusted_unexported(session) == [group]
    assert {grades[i] for i in data.members[group]} == {ItemGrade(B, Basis.TRUSTED_VOTES)}
    assert grades[data.known_item] == ItemGrade(A, Basis.LIBRARY)
    assert grades[data.members[data.groups[1]][0]] == ItemGrade(None, Basis.UNGRADED)


def test_disagreement_is_disputed_and_shown_to_a_supervisor_with_every_vote(engine, data):
    group = data.groups[1]
    vote(engine, group, data.users["ann"], B)
    vote(engine, group, data.users["bob"], C)
    with pytest.raises(ConflictError, match="already disputed"):
        vote(engine, group, data.users["cat"], B)
    with Session(engine) as session:
        (disputed,) = grading.disputed_groups(session, [data.exhibit_id])
        grades = grading.item_grades(session, [data.exhibit_id])
    assert (disputed.group_id, disputed.votes) == (group, (("ann", B), ("bob", C)))
    assert {grades[i] for i in data.members[group]} == {ItemGrade(None, Basis.DISPUTED)}
    with Session(engine) as session:
        assert grading.disputed_groups(session, [data.exhibit_id + 1]) == []


def test_the_queue_is_largest_first_and_never_shows_a_group_the_examiner_graded(engine, data):
    def queue(user, **kw):
        with Session(engine) as session:
            return [card.group_id for card in grading.queue(session, exhibit_id=data.exhibit_id,
                                                            user_id=data.users[user], **kw)]

    assert queue("ann") == data.groups  # sizes 3, 2, 1
    with Session(engine) as session:
        sizes = [card.size for card in grading.queue(session, exhibit_id=data.exhibit_id, user_id=data.users["ann"])]
    assert sizes == [3, 2, 1]
    vote(engine, data.groups[0], data.users["ann"], A)
    assert queue("ann") == data.groups[1:]
    assert queue("bob") == data.groups
    assert queue("bob", after=[data.groups[0]]) == data.groups[1:]  # skipped this time round
    vote(engine, data.groups[2], data.users["bob"], A)
    vote(engine, data.groups[2], data.users["cat"], C)  # disputed: out of every examiner's queue
    assert queue("dan") == data.groups[:2]
    with Session(engine) as session:
        waiting = {name: grading.waiting_counts(session, user_id=data.users[name], exhibit_ids=[data.exhibit_id])
                   for name in ("ann", "bob", "dan")}
    assert waiting == {"ann": {data.exhibit_id: 1}, "bob": {data.exhibit_id: 2}, "dan": {data.exhibit_id: 2}}


def test_a_vote_on_a_version_someone_moved_is_a_conflict_not_a_lost_update(engine, data):
    group = data.groups[0]
    vote(engine, group, data.users["ann"], A, version=0)
    with pytest.raises(ConflictError, match="another examiner graded this group"):
        vote(engine, group, data.users["bob"], A, version=0)  # bob's card was drawn before ann's vote
    assert vote(engine, group, data.users["bob"], A, version=1).grade.votes == 2
    with pytest.raises(ConflictError, match="already graded"):
        vote(engine, group, data.users["ann"], A, version=2)  # the same examiner twice (another tab)
    with Session(engine) as session:
        grade, version = grading.group_standing(session, group)
    assert (grade.votes, grade.state, version) == (2, GroupState.UNVERIFIED, 2)  # refused votes left no trace


@pytest.mark.parametrize("seen_version", [0, 1])
def test_two_examiners_voting_at_the_same_moment_one_wins_one_sees_a_conflict(engine, data, seen_version):
    group = data.groups[0]
    if seen_version:
        vote(engine, group, data.users["dan"], A, version=0)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def examiner(name: str) -> None:
        with Session(engine) as session:
            try:
                with session.begin():
                    barrier.wait()
                    grading.cast_vote(session, group_id=group, user_id=data.users[name], category=A,
                                      seen_version=seen_version, at=NOW)
                outcomes[name] = "recorded"
            except ConflictError as error:
                outcomes[name] = error

    threads = [threading.Thread(target=examiner, args=(name,)) for name in ("ann", "bob")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(type(o).__name__ for o in outcomes.values()) == ["ConflictError", "str"]
    with Session(engine) as session:
        grade, version = grading.group_standing(session, group)
    assert (grade.votes, version) == (seen_version + 1, seen_version + 1)


def test_exposure_is_counted_per_examiner_per_day(engine, data):
    day = date(2026, 11, 30)
    with Session(engine) as session, session.begin():
        for _ in range(3):
            grading.count_view(session, user_id=data.users["ann"], day=day, clear=False)
        grading.count_view(session, user_id=data.users["ann"], day=day, clear=True)
        grading.count_view(session, user_id=data.users["bob"], day=day + timedelta(days=1), clear=False)
        grading.count_view(session, user_id=data.users["cat"], day=day + timedelta(days=5), clear=True)
    with Session(engine) as session:
        rows = grading.exposure_by_day(session, day, day + timedelta(days=1))
    assert [(r.day, r.user, r.blurred, r.clear) for r in rows] == [
        (day, "ann", 3, 1), (day + timedelta(days=1), "bob", 1, 0)]


def test_member_hashes_are_every_members_digests(engine, data):
    group = data.groups[0]
    with Session(engine) as session:
        hashes = grading.member_hashes(session, group)
    assert len(hashes) == 3
    assert all(len(md5) == 16 and len(sha1) == 20 and len(sha256) == 32 and len(pdq) == 32
               for md5, sha1, sha256, pdq in hashes)


def test_groups_held_for_one_examiner_come_last_for_the_others_until_the_hold_runs_out(engine, data):
    ann, bob, cat = data.users["ann"], data.users["bob"], data.users["cat"]
    later = NOW + timedelta(minutes=15)

    def queue(user, now=NOW):
        with Session(engine) as session:
            return [card.group_id for card in grading.queue(session, exhibit_id=data.exhibit_id, user_id=user,
                                                            now=now)]

    def hold(user, groups, now=NOW):
        with Session(engine) as session, session.begin():
            grading.hold(session, user_id=user, exhibit_id=data.exhibit_id, group_ids=groups,
                         until=now + timedelta(minutes=15), now=now)

    first, second, third = data.groups  # sizes 3, 2, 1
    hold(ann, [first])
    assert queue(bob) == [second, third, first]  # bob starts where ann is not; ann's group is still there
    assert queue(ann) == [first, second, third]  # her own hold does not move it for her
    hold(bob, [first, second])  # bob's page showed ann's group too: it stays ann's
    assert queue(cat) == [third, first, second]
    hold(bob, [third])  # bob's next page gives back what he held before
    assert queue(cat) == [second, first, third]
    assert queue(cat, now=later) == [first, second, third]  # holds run out
    vote(engine, first, ann, A)  # a vote gives the group back at once
    assert queue(cat) == [first, second, third]
    hold(cat, [second], now=later)
    hold(bob, [second], now=later)  # cat's hold is live: bob does not take it over
    assert queue(ann, now=later) == [third, second]


def test_a_hold_says_which_groups_it_got(engine, data):
    first, second, third = data.groups
    with Session(engine) as session, session.begin():
        assert grading.hold(session, user_id=data.users["ann"], exhibit_id=data.exhibit_id, group_ids=[first, second],
                            until=NOW + timedelta(minutes=15), now=NOW) == {first, second}
    with Session(engine) as session, session.begin():
        assert grading.hold(session, user_id=data.users["bob"], exhibit_id=data.exhibit_id,
                            group_ids=[first, second, third],
                            until=NOW + timedelta(minutes=15), now=NOW) == {third}
        assert grading.hold(session, user_id=data.users["bob"], exhibit_id=data.exhibit_id, group_ids=[],
                            until=NOW, now=NOW) == set()


def test_examiners_holding_pages_of_one_exhibit_at_once_never_deadlock(engine):
    import random

    with Session(engine) as session, session.begin():
        data = make_exhibit(session, sizes=(1, 2, 3) * 10, examiners=tuple(f"examiner{n}" for n in range(6)))
    errors: list[str] = []

    def pages(user: int) -> None:
        order = random.Random(user)
        for _ in range(12):
            try:
                with Session(engine) as session:
                    now = datetime.now(UTC)
                    ids = [c.group_id for c in grading.queue(session, exhibit_id=data.exhibit_id, user_id=user,
                                                              limit=20, now=now)]
                    order.shuffle(ids)  # pages come in any order; the store must not care
                    grading.hold(session, user_id=user, exhibit_id=data.exhibit_id, group_ids=ids,
                                 until=now + timedelta(minutes=15), now=now)
                    session.commit()
            except Exception as error:  # any failure is the finding
                errors.append(f"{type(error).__name__}: {error}".splitlines()[0])

    threads = [threading.Thread(target=pages, args=(user,)) for user in data.users.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
