"""The store's tables (SQLAlchemy 2 declarative). Schema changes go through Alembic migrations.

Digests and PDQs are stored as raw bytes (16/20/32/32), half the size of hex, so indexes stay small.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    pass


class StoreMeta(Base):
    """Small key/value facts about the store, e.g. the library generation that indexes are built from."""

    __tablename__ = "store_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Bank(Base):
    __tablename__ = "banks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    source: Mapped[str] = mapped_column(Text, default="")
    trust: Mapped[str] = mapped_column(String(20))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    precedence: Mapped[int] = mapped_column(Integer, default=0)
    pdq_threshold: Mapped[int] = mapped_column(Integer, default=31)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BankEntry(Base):
    __tablename__ = "bank_entries"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"))
    entry_key: Mapped[bytes] = mapped_column(LargeBinary(16))
    md5: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    sha1: Mapped[bytes | None] = mapped_column(LargeBinary(20))
    sha256: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    pdq: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    category: Mapped[str] = mapped_column(String(20))
    series: Mapped[str | None] = mapped_column(Text)
    victim_identified: Mapped[bool | None] = mapped_column(Boolean)
    comments: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict | None] = mapped_column(JSON)

    __table_args__ = (
        # Digests are not indexed here: look-ups go through the matching indexes built from this table,
        # and three random-key B-trees would cut bulk imports to a third of their speed.
        UniqueConstraint("bank_id", "entry_key", name="uq_bank_entries_key"),
    )


class LibraryImport(Base):
    """One `library import` run: what file, how many rows read, added and skipped."""

    __tablename__ = "library_imports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"))
    file_name: Mapped[str] = mapped_column(Text)
    file_sha256: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(20))
    rows_read: Mapped[int] = mapped_column(BigInteger)
    rows_added: Mapped[int] = mapped_column(BigInteger)
    rows_skipped: Mapped[int] = mapped_column(BigInteger)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
