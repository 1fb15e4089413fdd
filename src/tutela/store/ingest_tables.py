"""What ingest records: one row per ingest of an exhibit's evidence, one per file it held (media items), and the
grading aids made from them: near-duplicate groups, encrypted thumbnails and cross-case links (migration 0004).

A media item is unique per exhibit and locator, so an ingest run again (after a crash, or twice) can never
record a file twice. Digests and PDQs are raw bytes, as in the library tables.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tutela.store.tables import Base, BigId
from tutela.store.unit_tables import UtcDateTime


class Ingest(Base):
    """One exhibit's evidence (a folder or a file) going through the pipeline; resumed until finished."""

    __tablename__ = "ingests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exhibit_id: Mapped[int] = mapped_column(ForeignKey("exhibits.id"))
    source_path: Mapped[str] = mapped_column(Text)
    evidence_sha256_before: Mapped[str] = mapped_column(String(64))
    evidence_sha256_after: Mapped[str | None] = mapped_column(String(64))
    started: Mapped[datetime] = mapped_column(UtcDateTime())
    finished: Mapped[datetime | None] = mapped_column(UtcDateTime())
    counts: Mapped[dict | None] = mapped_column(JSON)

    __table_args__ = (UniqueConstraint("exhibit_id", "source_path", name="uq_ingests_exhibit_source"),)


class MediaItem(Base):
    """One file an ingest found, with where it came from, its digests and its one outcome."""

    __tablename__ = "media_items"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ingest_id: Mapped[int] = mapped_column(ForeignKey("ingests.id"), index=True)
    exhibit_id: Mapped[int] = mapped_column(ForeignKey("exhibits.id"))
    locator_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    locator: Mapped[dict] = mapped_column(JSON)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    size: Mapped[int | None] = mapped_column(BigInteger)
    md5: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    sha1: Mapped[bytes | None] = mapped_column(LargeBinary(20))
    sha256: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    kind: Mapped[str | None] = mapped_column(String(8))
    mime: Mapped[str | None] = mapped_column(String(255))
    pdq: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    quality: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    bank: Mapped[str | None] = mapped_column(String(100))
    category: Mapped[str | None] = mapped_column(String(20))
    hash_type: Mapped[str | None] = mapped_column(String(8))
    distance: Mapped[int | None] = mapped_column(Integer)
    group_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("media_groups.id"), index=True)

    __table_args__ = (
        UniqueConstraint("exhibit_id", "locator_key", name="uq_media_items_locator"),
        Index("ix_media_items_exhibit_sha256", "exhibit_id", "sha256"),
        Index("ix_media_items_sha256", "sha256"),  # the same file in another case (cross-case links)
    )


class MediaGroup(Base):
    """An exhibit's unknown media that show the same picture (same SHA-256, or PDQ within the threshold): graded
    once for all its members. ``representative_id`` is one member shown for the group; it is not a foreign key
    (members point at their group, and a key both ways would make the two tables a cycle)."""

    __tablename__ = "media_groups"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    exhibit_id: Mapped[int] = mapped_column(ForeignKey("exhibits.id"), index=True)
    representative_id: Mapped[int] = mapped_column(BigInteger)
    size: Mapped[int] = mapped_column(Integer)  # members, exact copies included
    kind: Mapped[str] = mapped_column(String(8))  # still or video


class Thumbnail(Base):
    """A small JPEG (<= 256 px) of an unknown still, as a Fernet token under TUTELA_MEDIA_KEY; never of known or
    ignorable material."""

    __tablename__ = "thumbnails"
    item_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("media_items.id"), primary_key=True)
    token: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)


class CrossCaseLink(Base):
    """An unknown file already seen in another case: the same SHA-256 (distance 0) or a PDQ within the threshold.
    ``item_id`` is the later file, ``other_item_id`` the one recorded before in the other case."""

    __tablename__ = "cross_case_links"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("media_items.id"), index=True)
    other_item_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("media_items.id"), index=True)
    hash_type: Mapped[str] = mapped_column(String(8))
    distance: Mapped[int] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("item_id", "other_item_id", name="uq_cross_case_links_pair"),)
