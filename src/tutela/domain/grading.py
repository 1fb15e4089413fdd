"""Examiners' votes on near-duplicate groups and the grade they make (DESIGN.md §5, ``GradeSource``).

A group of near-duplicate pictures is graded once, as a whole: each examiner gives it one vote. The rule:

* three concurring votes from three **different** examiners make a **trusted** grade, which goes to the library
  so that copies seized later are graded without anyone looking at them again;
* one or two concurring votes are an **unverified** examiner grade: the group stays in other examiners' queues;
* any disagreement makes the group **disputed**: it leaves the examiners' queues and is shown to a supervisor
  with every vote. Grades are never averaged (a B and a C are not a "B/C", and an A outvoted is still an A
  someone saw).

A group that is trusted or disputed takes no further votes, so no picture is looked at more than it must be.
``ItemGrade`` is how any one seized item stands, whichever way its grade came (library, votes or none).

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tutela.domain.banks import Trust
from tutela.domain.categories import Category
from tutela.errors import ConflictError

TRUSTED_VOTES = 3

# What an examiner may vote; comparison and ungraded are library labels, not grades of a seized picture.
VOTE_CATEGORIES: tuple[Category, ...] = (
    Category.A, Category.B, Category.C, Category.NOT_INDECENT, Category.NON_PHOTOGRAPHIC,
)


class GroupState(StrEnum):
    UNGRADED = "ungraded"
    UNVERIFIED = "unverified"
    TRUSTED = "trusted"
    DISPUTED = "disputed"


class Basis(StrEnum):
    """Where an item's grade comes from (the charging table says it beside each count)."""

    LIBRARY = "library"  # known from a trusted (or ignorable) bank
    TRUSTED_VOTES = "trusted_votes"
    EXAMINER_UNVERIFIED = "examiner_unverified"  # one or two concurring votes
    DISPUTED = "disputed"
    UNGRADED = "ungraded"


@dataclass(frozen=True, slots=True)
class Vote:
    examiner_id: int
    category: Category
    at: datetime | None = None

    def __post_init__(self) -> None:
        if self.category not in VOTE_CATEGORIES:
            raise ValueError(f"{self.category.value!r} is not a grade an examiner can give")


@dataclass(frozen=True, slots=True)
class GroupGrade:
    """What a group's votes add up to. ``category`` is set only while the votes agree."""

    state: GroupState
    category: Category | None
    votes: int

    @property
    def takes_votes(self) -> bool:
        return self.state in (GroupState.UNGRADED, GroupState.UNVERIFIED)

    @property
    def basis(self) -> Basis:
        return _BASIS[self.state]


_BASIS = {GroupState.UNGRADED: Basis.UNGRADED, GroupState.UNVERIFIED: Basis.EXAMINER_UNVERIFIED,
          GroupState.TRUSTED: Basis.TRUSTED_VOTES, GroupState.DISPUTED: Basis.DISPUTED}

UNGRADED = GroupGrade(GroupState.UNGRADED, None, 0)


def group_grade(votes: Iterable[Vote]) -> GroupGrade:
    """The grade a group's votes make. Two votes by one examiner are refused, not counted twice."""
    votes = list(votes)
    examiners = [vote.examiner_id for vote in votes]
    if len(set(examiners)) != len(examiners):
        raise ValueError("an examiner has more than one vote on the group")
    if not votes:
        return UNGRADED
    categories = {vote.category for vote in votes}
    if len(categories) > 1:
        return GroupGrade(GroupState.DISPUTED, None, len(votes))
    (category,) = categories
    state = GroupState.TRUSTED if len(votes) >= TRUSTED_VOTES else GroupState.UNVERIFIED
    return GroupGrade(state, category, len(votes))


def after_vote(grade: GroupGrade, category: Category) -> GroupGrade:
    """What a group stands at once one more examiner votes ``category``; a ConflictError if it takes no vote.

    The same as ``group_grade`` of all the votes: an open group's votes all agree, so its category and count say
    everything about them. (That an examiner votes once is the store's unique key.)
    """
    if category not in VOTE_CATEGORIES:
        raise ValueError(f"{category.value!r} is not a grade an examiner can give")
    if not grade.takes_votes:
        raise ConflictError(f"this group is already {grade.state.value}; it takes no more votes")
    votes = grade.votes + 1
    if grade.category is not None and category != grade.category:
        return GroupGrade(GroupState.DISPUTED, None, votes)
    return GroupGrade(GroupState.TRUSTED if votes >= TRUSTED_VOTES else GroupState.UNVERIFIED, category, votes)


@dataclass(frozen=True, slots=True)
class ItemGrade:
    """How one seized item stands: its category (None when there is no grade to stand on) and why."""

    category: Category | None
    basis: Basis


def item_grade(*, bank_trust: Trust | None, bank_category: Category | None, group: GroupGrade | None) -> ItemGrade:
    """One item's grade: a trusted (or ignorable) library match first, else its group's votes.

    A match in an unverified bank is not a grade to stand on, and such an item is never shown for grading
    (known material is not rendered), so without votes it stays ungraded.
    """
    if bank_category is not None and bank_trust in (Trust.TRUSTED, Trust.IGNORABLE):
        return ItemGrade(bank_category, Basis.LIBRARY)
    if group is None:
        return ItemGrade(None, Basis.UNGRADED)
    return ItemGrade(group.category, group.basis)
