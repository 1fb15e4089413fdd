"""Platform partners of the match service (issue 8): their API keys, the banks shared with them, the matches
they were given and what they did about them.

A partner is a ``users`` row with role ``partner`` (tutela.store.account_tables). A key is kept only as the
SHA-256 of the whole key, found by its visible prefix; a match record is what a partner was told (bank, grade,
hash type, distance, when) under an unguessable id that its takedown feedback names. Never the hash it sent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tutela.store.tables import Base
from tutela.store.unit_tables import UtcDateTime


class PartnerKey(Base):
    __tablename__ = "partner_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(24), unique=True)
    key_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    label: Mapped[str | None] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked: Mapped[datetime | None] = mapped_column(UtcDateTime())


class BankShare(Base):
    __tablename__ = "bank_shares"
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    created: Mapped[datetime] = mapped_column(UtcDateTime())


class MatchRecord(Base):
    __tablename__ = "match_records"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"))
    entry_id: Mapped[int] = mapped_column(BigInteger)
    category: Mapped[str] = mapped_column(String(20))
    hash_type: Mapped[str] = mapped_column(String(8))
    distance: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (Index("ix_match_records_user_at", "user_id", "at"),)


class TakedownReport(Base):
    """What a partner did with a match; a false positive waits in the library custodian's queue until reviewed."""

    __tablename__ = "takedown_reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    match_id: Mapped[str] = mapped_column(ForeignKey("match_records.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    reviewed: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    review_note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("match_id", "action", name="uq_takedown_reports_match_action"),
                      Index("ix_takedown_reports_at", "at"))
