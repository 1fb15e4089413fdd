"""Unknown media of exhibits matched again after the library changed.

A weekly library update makes some media an ingest left unknown known: those items take the library's grade, lose
their thumbnail (none is kept of known material) and leave their near-duplicate group, whose size and shown member
follow. A group left with no unknown member keeps its row (votes may point at it) with size 0, which no queue shows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, select, update

from tutela.domain.banks import Match
from tutela.store.ingest_tables import MediaGroup, MediaItem, Thumbnail
from tutela.store.media_groups import UNKNOWN


@dataclass(frozen=True, slots=True)
class UnknownItem:
    id: int
    group_id: int | None
    kind: str | None
    md5: bytes | None
    sha1: bytes | None
    sha256: bytes | None
    pdq: bytes | None
    quality: int | None


def unknown_items(connection: Connection, exhibit_id: int, batch: int = 5_000) -> Iterator[list[UnknownItem]]:
    """The exhibit's unknown stills and videos in batches, by id."""
    after = 0
    while True:
        rows = connection.execute(
            select(MediaItem.id, MediaItem.group_id, MediaItem.kind, MediaItem.md5, MediaItem.sha1, MediaItem.sha256,
                   MediaItem.pdq, MediaItem.quality)
            .where(MediaItem.exhibit_id == exhibit_id, MediaItem.outcome.in_(UNKNOWN), MediaItem.id > after)
            .order_by(MediaItem.id).limit(batch)).all()
        if not rows:
            return
        yield [UnknownItem(*row) for row in rows]
        after = rows[-1].id


def now_known(connection: Connection, item: UnknownItem, outcome: str, grade: Match, reason: str) -> None:
    """The item takes the library's grade, loses its thumbnail and leaves its group (see ``reshape_groups``)."""
    connection.execute(update(MediaItem).where(MediaItem.id == item.id).values(
        outcome=outcome, bank=grade.bank, category=grade.category.value, hash_type=grade.hash_type,
        distance=grade.distance, reason=reason, group_id=None))
    connection.execute(delete(Thumbnail).where(Thumbnail.item_id == item.id))


def reshape_groups(connection: Connection, group_ids: Sequence[int]) -> int:
    """Size and shown member of groups that lost members; returns how many were left with none."""
    emptied = 0
    for group_id in sorted(set(group_ids)):
        members = connection.execute(
            select(MediaItem.id, func.count(Thumbnail.item_id)).outerjoin(Thumbnail, Thumbnail.item_id == MediaItem.id)
            .where(MediaItem.group_id == group_id).group_by(MediaItem.id).order_by(MediaItem.id)).all()
        shown = next((item for item, thumbnails in members if thumbnails), members[0][0] if members else None)
        values = {"size": len(members)}
        if shown is not None:
            values["representative_id"] = shown
        else:
            emptied += 1
        connection.execute(update(MediaGroup).where(MediaGroup.id == group_id).values(**values))
    return emptied
