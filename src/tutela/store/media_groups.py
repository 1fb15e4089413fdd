"""Grading aids in the store: an exhibit's near-duplicate groups, thumbnails, and cross-case links.

Readers (the grading queue, the web pages) take a SQLAlchemy ``Session`` or ``Connection``: the functions only
select. The ingest writes through ``MediaGroupStore``: groups are recomputed for the whole exhibit in one
transaction, keeping the ids of groups that survive (votes point at them), so a resumed or repeated ingest never
leaves a duplicate group behind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session, aliased

from tutela.domain.banks import MIN_PDQ_QUALITY
from tutela.store.grading_tables import GroupStanding
from tutela.store.ingest_tables import CrossCaseLink, MediaGroup, MediaItem, Thumbnail
from tutela.store.unit_tables import Case, Exhibit

UNKNOWN = ("unknown_still", "unknown_video")


@dataclass(frozen=True, slots=True)
class GroupRow:
    id: int
    exhibit_id: int
    representative_id: int
    size: int
    kind: str


@dataclass(frozen=True, slots=True)
class GroupMember:
    id: int
    exhibit_id: int
    locator: dict
    outcome: str
    kind: str | None
    sha256: str | None
    pdq: str | None
    quality: int | None
    deleted: bool
    has_thumbnail: bool


@dataclass(frozen=True, slots=True)
class GroupCandidate:
    """What grouping needs of one unknown file (or an exact copy of one) of the exhibit."""

    id: int
    sha256: bytes | None
    pdq: bytes | None
    quality: int | None
    kind: str | None
    outcome: str
    group_id: int | None


@dataclass(frozen=True, slots=True)
class SeenMedia:
    """An unknown file of some case, as cross-case links are looked up against."""

    id: int
    sha256: bytes | None
    pdq: bytes | None
    quality: int | None
    case_ref: str
    exhibit_ref: str
    path: str  # the locator, printed


Reader = Session | Connection


def groups_of_exhibit(session: Reader, exhibit_id: int) -> list[GroupRow]:
    table = MediaGroup.__table__
    rows = session.execute(select(table).where(table.c.exhibit_id == exhibit_id).order_by(table.c.id))
    return [GroupRow(**row._mapping) for row in rows]


def items_of_group(session: Reader, group_id: int) -> list[GroupMember]:
    items, thumbs = MediaItem.__table__, Thumbnail.__table__
    query = (select(items.c.id, items.c.exhibit_id, items.c.locator, items.c.outcome, items.c.kind, items.c.sha256,
                    items.c.pdq, items.c.quality, items.c.deleted, thumbs.c.item_id.is_not(None))
             .outerjoin(thumbs, thumbs.c.item_id == items.c.id)
             .where(items.c.group_id == group_id).order_by(items.c.id))
    return [GroupMember(row[0], row[1], row[2], row[3], row[4], _hex(row[5]), _hex(row[6]), row[7], bool(row[8]),
                        bool(row[9])) for row in session.execute(query)]


def thumbnail_token(session: Reader, item_id: int) -> bytes | None:
    """The Fernet token of the item's thumbnail (decrypt with ``Fernet(Settings.media_key)``), if it has one."""
    table = Thumbnail.__table__
    token = session.execute(select(table.c.token).where(table.c.item_id == item_id)).scalar()
    return None if token is None else bytes(token)


def _hex(value: bytes | None) -> str | None:
    return None if value is None else bytes(value).hex()


class MediaGroupStore:
    """What ingest writes besides media items: thumbnails and links with each batch, groups at the end."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def other_cases(self, exhibit_id: int) -> OtherCases:
        """Unknown files recorded for exhibits of every case but this exhibit's, to look cross-case links up in."""
        return OtherCases(self.engine, exhibit_id)

    def regroup(self, exhibit_id: int, components_of: Callable[[list[GroupCandidate]], list[list[int]]]) -> int:
        """Recompute the exhibit's groups in one transaction: ``components_of`` partitions the candidates' ids.
        A group that keeps members keeps its id (when groups merge, the one with the most votes, then the oldest).
        An emptied group goes, unless examiners voted on it: their votes are the record of who graded what, so it
        stays with size 0 (out of every queue, as a rematch leaves it). The count of groups with members.
        A handful of statements whatever the number of groups (executemany), not a few per group."""
        groups, items, standing = MediaGroup.__table__, MediaItem.__table__, GroupStanding.__table__
        with self.engine.begin() as connection:
            candidates = self._candidates(connection, exhibit_id)
            by_id = {c.id: c for c in candidates}
            representative = dict(connection.execute(
                select(groups.c.id, groups.c.representative_id).where(groups.c.exhibit_id == exhibit_id)).all())
            votes = dict(connection.execute(select(standing.c.group_id, standing.c.votes).join(
                groups, groups.c.id == standing.c.group_id).where(groups.c.exhibit_id == exhibit_id)).all())
            plans = [_plan([by_id[i] for i in ids], representative, votes) for ids in components_of(candidates)]
            new = [plan for plan in plans if plan.group_id is None]
            kept = [plan for plan in plans if plan.group_id is not None]
            if new:
                made = connection.execute(insert(groups).returning(groups.c.id, sort_by_parameter_order=True),
                                          [{"exhibit_id": exhibit_id, **plan.values} for plan in new]).scalars()
                for plan, group_id in zip(new, made, strict=True):
                    plan.group_id = group_id
            if kept:
                connection.execute(update(groups).where(groups.c.id == bindparam("b_id")).values(
                    size=bindparam("b_size"), kind=bindparam("b_kind"), representative_id=bindparam("b_rep")),
                    [{"b_id": p.group_id, "b_size": p.values["size"], "b_kind": p.values["kind"],
                      "b_rep": p.values["representative_id"]} for p in kept])
            moved = [{"b_item": m.id, "b_group": plan.group_id} for plan in plans for m in plan.members
                     if m.group_id != plan.group_id]
            if moved:
                connection.execute(update(items).where(items.c.id == bindparam("b_item")).values(
                    group_id=bindparam("b_group")), moved)
            stale = set(representative) - {plan.group_id for plan in plans}
            emptied, unvoted = stale & votes.keys(), stale - votes.keys()
            if unvoted:
                connection.execute(delete(groups).where(groups.c.id.in_(unvoted)))
            if emptied:
                connection.execute(update(groups).where(groups.c.id.in_(emptied)).values(size=0))
            return len(plans)

    def _candidates(self, connection: Connection, exhibit_id: int) -> list[GroupCandidate]:
        """The exhibit's unknown files and the duplicates that are exact copies of one of them."""
        items = MediaItem.__table__
        original = aliased(MediaItem.__table__)
        copy_of_unknown = (select(original.c.id).where(original.c.exhibit_id == exhibit_id,
                                                       original.c.sha256 == items.c.sha256,
                                                       original.c.outcome.in_(UNKNOWN)).exists())
        query = (select(items.c.id, items.c.sha256, items.c.pdq, items.c.quality, items.c.kind, items.c.outcome,
                        items.c.group_id)
                 .where(items.c.exhibit_id == exhibit_id,
                        or_(items.c.outcome.in_(UNKNOWN), (items.c.outcome == "duplicate") & copy_of_unknown))
                 .order_by(items.c.id))
        return [GroupCandidate(row[0], _bytes(row[1]), _bytes(row[2]), *row[3:])
                for row in connection.execute(query)]

    def aids_of_ingest(self, ingest_id: int) -> dict[str, Any]:
        """Thumbnails stored, and the files linked to other cases, by other case and exhibit, for the summary."""
        items, thumbs, links = MediaItem.__table__, Thumbnail.__table__, CrossCaseLink.__table__
        other = aliased(MediaItem.__table__)
        exhibits, cases = Exhibit.__table__, Case.__table__
        linked = (select(cases.c.ref, exhibits.c.ref, func.count(func.distinct(links.c.item_id)))
                  .select_from(links).join(items, items.c.id == links.c.item_id)
                  .join(other, other.c.id == links.c.other_item_id).join(exhibits, exhibits.c.id == other.c.exhibit_id)
                  .join(cases, cases.c.id == exhibits.c.case_id).where(items.c.ingest_id == ingest_id)
                  .group_by(cases.c.ref, exhibits.c.ref).order_by(cases.c.ref, exhibits.c.ref))
        with self.engine.connect() as connection:
            thumbnails = connection.execute(select(func.count()).select_from(thumbs).join(
                items, items.c.id == thumbs.c.item_id).where(items.c.ingest_id == ingest_id)).scalar_one()
            files = connection.execute(select(func.count(func.distinct(links.c.item_id))).select_from(links).join(
                items, items.c.id == links.c.item_id).where(items.c.ingest_id == ingest_id)).scalar_one()
            by_exhibit = [{"case": case, "exhibit": exhibit, "files": count}
                          for case, exhibit, count in connection.execute(linked)]
        return {"thumbnails": thumbnails, "cross_case_links": files, "cross_case": by_exhibit}


@dataclass(eq=False, slots=True)
class _GroupPlan:
    members: list[GroupCandidate]
    group_id: int | None  # None: a new group
    values: dict[str, Any]


def _plan(members: list[GroupCandidate], representative: dict[int, int], votes: dict[int, int]) -> _GroupPlan:
    """What one component's group becomes: of the existing groups among its members', the one examiners voted on
    most, then the oldest; or a new one. It keeps its representative while that is still a member."""
    originals = [m for m in members if m.outcome in UNKNOWN] or members
    existing = sorted({m.group_id for m in members if m.group_id in representative},
                      key=lambda group: (-votes.get(group, 0), group))
    group_id = existing[0] if existing else None
    shown = representative.get(group_id) if group_id is not None else None
    if shown not in {m.id for m in members}:
        shown = originals[0].id
    kind = "video" if all(m.kind == "video" for m in originals) else "still"
    return _GroupPlan(members, group_id, {"size": len(members), "kind": kind, "representative_id": shown})


class OtherCases:
    """The unknown files of every case but one exhibit's, as an ingest looks them up for cross-case links. Only the
    PDQs that may be near-matched are read at once (an id and 32 bytes each); exact copies and the details of what
    matched are asked for a batch at a time, through indexes. (Reading every such file whole, locator and all, at
    each ingest grew with the whole store: 40 ms at 12,000 files, gigabytes at a unit's millions.)"""

    CHUNK = 500  # values in one IN (...)

    def __init__(self, engine: Engine, exhibit_id: int) -> None:
        self.engine, self.exhibit_id = engine, exhibit_id

    def near_candidates(self) -> tuple[np.ndarray, np.ndarray]:
        """Ids (int64) and PDQs (n x 32 bytes) of the files whose PDQ is good enough to near-match, by id."""
        items, exhibits = MediaItem.__table__, Exhibit.__table__
        query = (select(items.c.id, items.c.pdq).join(exhibits, exhibits.c.id == items.c.exhibit_id)
                 .where(*self._others(), items.c.pdq.is_not(None), items.c.quality >= MIN_PDQ_QUALITY)
                 .order_by(items.c.id))
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        return ids, np.frombuffer(b"".join(bytes(row[1]) for row in rows), dtype=np.uint8).reshape(-1, 32)

    def same_sha256(self, digests: Sequence[bytes]) -> list[SeenMedia]:
        """The files with any of these SHA-256 digests, by id."""
        items = MediaItem.__table__
        return self._chunked(sorted(set(digests)), items.c.sha256)

    def by_id(self, ids: Sequence[int]) -> list[SeenMedia]:
        return self._chunked(sorted(set(ids)), MediaItem.__table__.c.id)

    def _others(self) -> tuple:
        items, exhibits = MediaItem.__table__, Exhibit.__table__
        own_case = select(exhibits.c.case_id).where(exhibits.c.id == self.exhibit_id).scalar_subquery()
        return items.c.outcome.in_(UNKNOWN), exhibits.c.case_id != own_case

    def _chunked(self, values: list, column) -> list[SeenMedia]:
        items, exhibits, cases = MediaItem.__table__, Exhibit.__table__, Case.__table__
        found: list[SeenMedia] = []
        with self.engine.connect() as connection:
            for start in range(0, len(values), self.CHUNK):
                query = (select(items.c.id, items.c.sha256, items.c.pdq, items.c.quality, cases.c.ref, exhibits.c.ref,
                                items.c.locator)
                         .join(exhibits, exhibits.c.id == items.c.exhibit_id)
                         .join(cases, cases.c.id == exhibits.c.case_id)
                         .where(*self._others(), column.in_(values[start:start + self.CHUNK])))
                found += [SeenMedia(row[0], _bytes(row[1]), _bytes(row[2]), row[3], row[4], row[5], _printed(row[6]))
                          for row in connection.execute(query)]
        return sorted(found, key=lambda media: media.id)


def _printed(locator: dict) -> str:
    from tutela.domain.locator import Locator

    return str(Locator.from_json(locator))


def _bytes(value: Any) -> bytes | None:
    return None if value is None else bytes(value)


def write_aids(connection: Connection, thumbnails: Sequence[dict[str, Any]], links: Sequence[dict[str, Any]]) -> None:
    """Thumbnails (item_id, token, width, height) and links (item_id, other_item_id, hash_type, distance) of a batch,
    inside the caller's transaction (the one that writes the batch's media items)."""
    if thumbnails:
        connection.execute(insert(Thumbnail.__table__), list(thumbnails))
    if links:
        connection.execute(insert(CrossCaseLink.__table__), list(links))
