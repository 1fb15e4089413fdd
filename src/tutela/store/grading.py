"""The grading repository: votes on near-duplicate groups, their standing, item grades and exposure counts.

Every function works inside the caller's session (or connection) and transaction; the caller commits. A vote
moves its group's ``version`` on: a vote cast on a version someone else has already moved is a ConflictError,
never a lost update. The new standing is written with a compare-and-set on the version (``UPDATE .. WHERE
version = seen``, or an insert that does nothing if the row appeared), so two voters at once cannot both win.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, and_, exists, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from tutela.domain.banks import Trust
from tutela.domain.categories import Category
from tutela.domain.grading import (
    UNGRADED,
    Basis,
    GroupGrade,
    GroupState,
    ItemGrade,
    after_vote,
    item_grade,
)
from tutela.errors import ConflictError
from tutela.store.account_tables import User
from tutela.store.grading_tables import ExposureCount, GradeVote, GroupLease, GroupStanding
from tutela.store.ingest_tables import MediaGroup, MediaItem
from tutela.store.media_groups import UNKNOWN
from tutela.store.tables import Bank
from tutela.store.unit_tables import Exhibit

__all__ = [
    "Basis", "CastVote", "DisputedGroup", "ExposureDay", "ItemGrade", "QueueCard", "cast_vote", "count_view",
    "disputed_groups", "exposure_by_day", "group_standing", "group_states", "hold", "item_grades", "mark_exported",
    "member_hashes", "queue", "trusted_unexported", "waiting_counts",
]

Exhibits = Iterable[int] | Select  # exhibit ids, or a scope's SELECT of them
GRADABLE_OUTCOMES = UNKNOWN  # only unknown media are ever shown


@dataclass(frozen=True, slots=True)
class CastVote:
    grade: GroupGrade
    version: int
    became_trusted: bool


@dataclass(frozen=True, slots=True)
class QueueCard:
    """One near-duplicate group waiting for this examiner: the one picture shown stands for ``size`` files."""

    group_id: int
    representative_id: int
    size: int
    version: int
    votes: int


@dataclass(frozen=True, slots=True)
class DisputedGroup:
    group_id: int
    exhibit_id: int
    exhibit_ref: str
    representative_id: int
    size: int
    votes: tuple[tuple[str, Category], ...]  # (examiner name, category), first vote first


@dataclass(frozen=True, slots=True)
class ExposureDay:
    day: date
    user: str
    blurred: int
    clear: int


# groups and votes ---------------------------------------------------------------------------------------------
def group_standing(session, group_id: int) -> tuple[GroupGrade, int]:
    """A group's grade and the version a vote on it must name (0: no vote yet)."""
    row = session.execute(select(GroupStanding.state, GroupStanding.category, GroupStanding.votes,
                                 GroupStanding.version).where(GroupStanding.group_id == group_id)).first()
    if row is None:
        return UNGRADED, 0
    return _grade(row.state, row.category, row.votes), row.version


def cast_vote(session, *, group_id: int, user_id: int, category: Category, seen_version: int,
              at: datetime) -> CastVote:
    """Record one examiner's grade of a group seen at ``seen_version``; ConflictError if it moved since.

    The new standing is written only where the version is still the one read, so of two examiners voting at
    once one writes and the other finds the version moved (no lock is held while deciding).
    """
    grade, version = group_standing(session, group_id)
    if version != seen_version:
        raise ConflictError("another examiner graded this group while you were looking at it")
    after = after_vote(grade, category)
    values = {"state": after.state.value, "category": after.category.value if after.category else None,
              "votes": after.votes, "version": version + 1, "updated": at}
    if not _write_standing(session, group_id, version, values):
        raise ConflictError("another examiner graded this group while you were looking at it")
    try:
        session.execute(insert(GradeVote).values(group_id=group_id, user_id=user_id, category=category.value, at=at))
    except IntegrityError:
        raise ConflictError("you have already graded this group") from None
    session.execute(GroupLease.__table__.delete().where(GroupLease.group_id == group_id,
                                                        GroupLease.user_id == user_id))  # others may take it now
    return CastVote(after, version + 1, after.state is GroupState.TRUSTED)


def _write_standing(session, group_id: int, version: int, values: dict) -> bool:
    """Write the group's new standing if its version is still ``version``. RETURNING says whether it was written:
    psycopg reports no rowcount for INSERT .. ON CONFLICT."""
    table = GroupStanding.__table__
    if version == 0:
        dialect_insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
        statement = dialect_insert(table).values(group_id=group_id, **values).on_conflict_do_nothing()
    else:
        statement = update(table).where(table.c.group_id == group_id, table.c.version == version).values(**values)
    return session.execute(statement.returning(table.c.group_id)).first() is not None


CLOSED_STATES = (GroupState.TRUSTED.value, GroupState.DISPUTED.value)


def _waiting_for(user_id: int):
    """Groups that still take votes and that this examiner has not graded (a condition on MediaGroup).

    Two anti-joins rather than a filter on the joined standing: the planner then walks an exhibit's groups in
    queue order (ix_media_groups_queue) and stops after a page, instead of sorting every group of the exhibit.
    """
    standing = aliased(GroupStanding)  # the queue also joins the standing itself, for its version
    mine = exists().where(GradeVote.group_id == MediaGroup.id, GradeVote.user_id == user_id)
    closed = exists().where(standing.group_id == MediaGroup.id, standing.state.in_(CLOSED_STATES))
    return and_(~mine, ~closed)


def queue(session, *, exhibit_id: int, user_id: int, limit: int = 20, after: Sequence[int] = (),
          now: datetime | None = None) -> list[QueueCard]:
    """Groups of the exhibit this examiner has not graded and that still take votes, largest (then newest) first.

    ``after`` names groups to leave out this time (the ones the examiner skipped). Given ``now``, groups held for
    another examiner (``hold``) go after the free ones, so examiners sharing an exhibit start on different groups;
    they are not left out, since every group needs three examiners and a small exhibit may have no free one.
    """
    held = _held_by_others(session, exhibit_id, user_id, now) if now is not None else set()
    query = (select(MediaGroup.id, MediaGroup.representative_id, MediaGroup.size,
                    func.coalesce(GroupStanding.version, 0), func.coalesce(GroupStanding.votes, 0))
             .outerjoin(GroupStanding, GroupStanding.group_id == MediaGroup.id)
             .where(MediaGroup.exhibit_id == exhibit_id, MediaGroup.size > 0, _waiting_for(user_id))
             .order_by(MediaGroup.size.desc(), MediaGroup.id.desc())
             .limit(limit + len(held)))  # enough to fill a page with free groups if there are any
    if after:
        query = query.where(MediaGroup.id.not_in(list(after)))
    cards = [QueueCard(*row) for row in session.execute(query)]
    return sorted(cards, key=lambda card: card.group_id in held)[:limit]  # sorted() keeps the order otherwise


def _held_by_others(session, exhibit_id: int, user_id: int, now: datetime) -> set[int]:
    # A small set (a page per examiner at work), found through the leases rather than the exhibit's groups.
    query = (select(GroupLease.group_id).join(MediaGroup, MediaGroup.id == GroupLease.group_id)
             .where(MediaGroup.exhibit_id == exhibit_id, GroupLease.user_id != user_id, GroupLease.until > now))
    return set(session.execute(query).scalars())


HOLDS_LOCK = 7_700_001  # the first key of PostgreSQL advisory locks on an exhibit's holds (the second: its id)


def hold(session, *, user_id: int, exhibit_id: int, group_ids: Sequence[int], until: datetime,
         now: datetime) -> set[int]:
    """Hold ``group_ids`` (of ``exhibit_id``) for this examiner until ``until``, giving back what they held
    before; returns the ones now held for them. A group another examiner holds stays theirs until their hold
    runs out.

    Examiners asking for pages of one exhibit at once take and give back each other's rows in whatever order
    their pages come; on PostgreSQL they would deadlock, so they take turns on the exhibit (a transaction-long
    advisory lock: a hold is a few milliseconds). SQLite has one writer at a time anyway.
    """
    table = GroupLease.__table__
    postgres = session.bind.dialect.name == "postgresql"
    if postgres:
        session.execute(select(func.pg_advisory_xact_lock(HOLDS_LOCK, exhibit_id)))
    session.execute(table.delete().where(table.c.user_id == user_id))
    if not group_ids:
        return set()
    statement = (pg_insert if postgres else sqlite_insert)(table).values(
        [{"group_id": g, "user_id": user_id, "until": until} for g in sorted(group_ids)])
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.group_id], set_={"user_id": statement.excluded.user_id,
                                                 "until": statement.excluded.until},
        where=table.c.until <= now)
    return set(session.execute(statement.returning(table.c.group_id)).scalars())


def waiting_counts(session, *, user_id: int, exhibit_ids: Exhibits) -> dict[int, int]:
    """How many groups of each exhibit wait for this examiner (exhibits with none are left out).

    All the exhibits' groups less those closed or graded by this examiner: both small sets found by index, where
    an anti-join would visit every group of every exhibit in scope.
    """
    in_scope = MediaGroup.exhibit_id.in_(_ids(exhibit_ids)) & (MediaGroup.size > 0)  # 0: all known since
    totals = dict(session.execute(select(MediaGroup.exhibit_id, func.count()).where(in_scope)
                                  .group_by(MediaGroup.exhibit_id)).all())
    done = (select(GradeVote.group_id).where(GradeVote.user_id == user_id)
            .union(select(GroupStanding.group_id).where(GroupStanding.state.in_(CLOSED_STATES))))
    left_out = dict(session.execute(select(MediaGroup.exhibit_id, func.count())
                                    .where(in_scope, MediaGroup.id.in_(done)).group_by(MediaGroup.exhibit_id)).all())
    waiting = {exhibit: total - left_out.get(exhibit, 0) for exhibit, total in totals.items()}
    return {exhibit: count for exhibit, count in waiting.items() if count}


def group_states(session, exhibit_id: int) -> dict[str, int]:
    """How many of the exhibit's groups are in each state (ungraded, unverified, trusted, disputed)."""
    shown = (MediaGroup.exhibit_id == exhibit_id) & (MediaGroup.size > 0)  # size 0: every member known since
    total = session.execute(select(func.count()).where(shown)).scalar_one()
    voted = dict(session.execute(select(GroupStanding.state, func.count())
                                 .join(MediaGroup, MediaGroup.id == GroupStanding.group_id)
                                 .where(shown).group_by(GroupStanding.state)).all())
    # A standing row is made with a group's first vote: the groups without one are the ungraded.
    voted[GroupState.UNGRADED.value] = total - sum(voted.values()) + voted.get(GroupState.UNGRADED.value, 0)
    return {state.value: voted.get(state.value, 0) for state in GroupState}


def _ids(exhibit_ids: Exhibits):
    """A scope's SELECT of exhibit ids goes into the query as a subquery; anything else as a list."""
    return exhibit_ids if isinstance(exhibit_ids, Select) else list(exhibit_ids)


def disputed_groups(session, exhibit_ids: Exhibits | None = None) -> list[DisputedGroup]:
    """Every disputed group (of the given exhibits) with who voted what, for a supervisor."""
    query = (select(MediaGroup.id, MediaGroup.exhibit_id, Exhibit.ref, MediaGroup.representative_id, MediaGroup.size)
             .join(GroupStanding, GroupStanding.group_id == MediaGroup.id)
             .join(Exhibit, Exhibit.id == MediaGroup.exhibit_id)
             .where(GroupStanding.state == GroupState.DISPUTED.value).order_by(GroupStanding.updated.desc()))
    if exhibit_ids is not None:
        query = query.where(MediaGroup.exhibit_id.in_(_ids(exhibit_ids)))
    groups = session.execute(query).all()
    votes: dict[int, list[tuple[str, Category]]] = {}
    if groups:
        for group_id, name, category in session.execute(
                select(GradeVote.group_id, User.name, GradeVote.category).join(User, User.id == GradeVote.user_id)
                .where(GradeVote.group_id.in_([g.id for g in groups])).order_by(GradeVote.at, GradeVote.id)):
            votes.setdefault(group_id, []).append((name, Category(category)))
    return [DisputedGroup(g.id, g.exhibit_id, g.ref, g.representative_id, g.size, tuple(votes.get(g.id, ())))
            for g in groups]


def trusted_unexported(session) -> list[int]:
    query = select(GroupStanding.group_id).where(GroupStanding.state == GroupState.TRUSTED.value,
                                                 GroupStanding.exported.is_(None)).order_by(GroupStanding.group_id)
    return list(session.execute(query).scalars())


def mark_exported(session, group_id: int, at: datetime) -> None:
    session.execute(update(GroupStanding).where(GroupStanding.group_id == group_id).values(exported=at))


def member_hashes(session, group_id: int) -> list[tuple[bytes | None, bytes | None, bytes | None, bytes | None]]:
    """(md5, sha1, sha256, pdq) of every member of a group, for the library."""
    query = (select(MediaItem.md5, MediaItem.sha1, MediaItem.sha256, MediaItem.pdq)
             .where(MediaItem.group_id == group_id).order_by(MediaItem.id))
    return [tuple(row) for row in session.execute(query)]


# item grades --------------------------------------------------------------------------------------------------
def item_grades(session, exhibit_ids: Exhibits) -> dict[int, ItemGrade]:
    """Every media item of the exhibits with its grade and what the grade stands on (see domain/grading.py)."""
    trust = {name: Trust(value) for name, value in session.execute(select(Bank.name, Bank.trust))}
    query = (select(MediaItem.id, MediaItem.bank, MediaItem.category, GroupStanding.state,
                    GroupStanding.category.label("group_category"), GroupStanding.votes)
             .outerjoin(GroupStanding, GroupStanding.group_id == MediaItem.group_id)
             .where(MediaItem.exhibit_id.in_(_ids(exhibit_ids))))
    out: dict[int, ItemGrade] = {}
    for row in session.execute(query):
        group = None if row.state is None else _grade(row.state, row.group_category, row.votes)
        out[row.id] = item_grade(bank_trust=trust.get(row.bank) if row.bank else None,
                                 bank_category=Category(row.category) if row.bank and row.category else None,
                                 group=group)
    return out


def _grade(state: str, category: str | None, votes: int) -> GroupGrade:
    return GroupGrade(GroupState(state), Category(category) if category else None, votes)


# exposure -----------------------------------------------------------------------------------------------------
def count_view(session, *, user_id: int, day: date, clear: bool) -> None:
    """One more thumbnail shown to the examiner on ``day`` (the unit's day), blurred or clear."""
    column = "clear" if clear else "blurred"
    dialect_insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    statement = dialect_insert(ExposureCount.__table__).values(user_id=user_id, day=day, blurred=int(not clear),
                                                     clear=int(clear))
    statement = statement.on_conflict_do_update(
        index_elements=[ExposureCount.user_id, ExposureCount.day],
        set_={column: getattr(ExposureCount, column) + 1})
    session.execute(statement)


def exposure_by_day(session, start: date, end: date) -> list[ExposureDay]:
    """Thumbnails shown per examiner per day between ``start`` and ``end`` (both included), by day then name."""
    query = (select(ExposureCount.day, User.name, ExposureCount.blurred, ExposureCount.clear)
             .join(User, User.id == ExposureCount.user_id)
             .where(and_(ExposureCount.day >= start, ExposureCount.day <= end))
             .order_by(ExposureCount.day, User.name))
    return [ExposureDay(*row) for row in session.execute(query)]
