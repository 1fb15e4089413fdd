"""The grading rule: three concurring votes from three examiners make a trusted grade; disagreement is disputed."""

from __future__ import annotations

import random

import pytest

from tutela.domain.banks import Trust
from tutela.domain.categories import Category
from tutela.domain.grading import (
    Basis,
    GroupGrade,
    GroupState,
    ItemGrade,
    Vote,
    after_vote,
    group_grade,
    item_grade,
)
from tutela.errors import ConflictError

A, B, C = Category.A, Category.B, Category.C


def votes(*categories: Category) -> list[Vote]:
    return [Vote(examiner_id=n + 1, category=c) for n, c in enumerate(categories)]


@pytest.mark.parametrize(("given", "expected"), [
    ((), GroupGrade(GroupState.UNGRADED, None, 0)),
    ((B,), GroupGrade(GroupState.UNVERIFIED, B, 1)),
    ((B, B), GroupGrade(GroupState.UNVERIFIED, B, 2)),
    ((B, B, B), GroupGrade(GroupState.TRUSTED, B, 3)),
    ((Category.NOT_INDECENT,) * 3, GroupGrade(GroupState.TRUSTED, Category.NOT_INDECENT, 3)),
    ((A, B), GroupGrade(GroupState.DISPUTED, None, 2)),
    ((B, B, C), GroupGrade(GroupState.DISPUTED, None, 3)),
    ((A, C, C), GroupGrade(GroupState.DISPUTED, None, 3)),
])
def test_votes_make_a_grade_and_disagreement_is_never_averaged(given, expected):
    assert group_grade(votes(*given)) == expected


def test_three_votes_by_one_examiner_are_not_three_examiners():
    same_examiner = [Vote(examiner_id=7, category=A) for _ in range(3)]
    with pytest.raises(ValueError, match="more than one vote"):
        group_grade(same_examiner)


def test_a_closed_group_takes_no_vote():
    assert after_vote(group_grade(votes(B, B)), B).state is GroupState.TRUSTED
    with pytest.raises(ConflictError, match="already trusted"):
        after_vote(group_grade(votes(B, B, B)), B)
    with pytest.raises(ConflictError, match="already disputed"):
        after_vote(group_grade(votes(A, B)), A)


def test_one_vote_at_a_time_comes_to_the_same_grade_as_all_the_votes_at_once():
    rng = random.Random(3)
    for _ in range(500):
        given = [rng.choice((A, B, C)) for _ in range(rng.randint(1, 4))]
        grade = group_grade([])
        for n in range(len(given)):
            if not grade.takes_votes:
                break
            grade = after_vote(grade, given[n])
            assert grade == group_grade(votes(*given[:n + 1]))


@pytest.mark.parametrize("label", [Category.COMPARISON, Category.UNGRADED])
def test_library_labels_are_not_votes(label):
    with pytest.raises(ValueError, match="not a grade an examiner can give"):
        Vote(examiner_id=1, category=label)


@pytest.mark.parametrize(("trust", "category", "group", "expected"), [
    (Trust.TRUSTED, A, None, ItemGrade(A, Basis.LIBRARY)),
    (Trust.IGNORABLE, Category.NOT_INDECENT, None, ItemGrade(Category.NOT_INDECENT, Basis.LIBRARY)),
    (Trust.UNVERIFIED, A, None, ItemGrade(None, Basis.UNGRADED)),
    (None, None, None, ItemGrade(None, Basis.UNGRADED)),
    (None, None, group_grade(votes(C, C, C)), ItemGrade(C, Basis.TRUSTED_VOTES)),
    (None, None, group_grade(votes(C)), ItemGrade(C, Basis.EXAMINER_UNVERIFIED)),
    (None, None, group_grade(votes(C, A)), ItemGrade(None, Basis.DISPUTED)),
    (Trust.TRUSTED, B, group_grade(votes(C, C, C)), ItemGrade(B, Basis.LIBRARY)),
])
def test_an_item_stands_on_the_library_first_then_its_groups_votes(trust, category, group, expected):
    assert item_grade(bank_trust=trust, bank_category=category, group=group) == expected


def test_basis_values_are_the_contracted_strings():
    assert [b.value for b in Basis] == ["library", "trusted_votes", "examiner_unverified", "disputed", "ungraded"]
