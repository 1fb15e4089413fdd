"""What grading records: examiners' votes on near-duplicate groups, each group's standing, and exposure counts.

``grade_votes`` is the record of who said what (one vote per examiner and group, never changed).
``group_grades`` is what the votes add up to, kept beside them so that queues and reports need not re-count, and
carrying the ``version`` that makes two examiners grading one group at once a conflict rather than a lost update.
``exposure_counts`` counts every thumbnail render, blurred or clear, per examiner and day (the unit's day).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tutela.store.ingest_tables import MediaGroup
from tutela.store.tables import Base, BigId
from tutela.store.unit_tables import UtcDateTime


class GradeVote(Base):
    """One examiner's grade of one near-duplicate group (it applies to every member)."""

    __tablename__ = "grade_votes"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    group_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("media_groups.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    category: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (
        UniqueConstraint("group_id", "user_id", name="uq_grade_votes_group_user"),
        Index("ix_grade_votes_user_id", "user_id"),
    )


class GroupStanding(Base):
    """A group's standing: ungraded, unverified, trusted or disputed, with the version each vote moves on."""

    __tablename__ = "group_grades"
    group_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("media_groups.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(20))
    votes: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    updated: Mapped[datetime] = mapped_column(UtcDateTime())
    exported: Mapped[datetime | None] = mapped_column(UtcDateTime())  # when a trusted grade went to the library

    __table_args__ = (Index("ix_group_grades_state", "state"),)


class ExposureCount(Base):
    """Thumbnails one examiner was shown on one day, blurred and clear."""

    __tablename__ = "exposure_counts"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    blurred: Mapped[int] = mapped_column(Integer, default=0)
    clear: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_exposure_counts_day", "day"),)


# The queue reads an exhibit's groups largest first (size, then id, both descending) and stops after a page:
# this index on ingest's table lets it walk them in that order instead of sorting every group of the exhibit.
Index("ix_media_groups_queue", MediaGroup.exhibit_id, MediaGroup.size, MediaGroup.id)


class GroupLease(Base):
    """A group held for the examiner whose queue page shows it, until ``until``.

    Examiners sharing an exhibit are then shown different groups instead of all racing for the largest one (a
    race would still be safe, see ``GroupStanding.version``, but four of five examiners would lose it). A vote or
    the examiner's next page gives the group back; a lease left behind by someone who walked away runs out.
    """

    __tablename__ = "group_leases"
    group_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("media_groups.id", ondelete="CASCADE"),
                                          primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    until: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (Index("ix_group_leases_user_id", "user_id"),)
