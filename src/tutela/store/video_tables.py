"""Frame signatures of bank videos (issue 8): what the vPDQ rule compares a partner's video against.

A bank video is an ordinary bank entry (its digests, its grade) with one row per hashed frame here, in the
vPDQ convention (frame number, seconds, PDQ as 32 raw bytes, quality).
"""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Integer, LargeBinary, SmallInteger
from sqlalchemy.orm import Mapped, mapped_column

from tutela.store.tables import Base, BigId


class BankEntryFrame(Base):
    __tablename__ = "bank_entry_frames"
    entry_id: Mapped[int] = mapped_column(BigId, ForeignKey("bank_entries.id"), primary_key=True)
    frame: Mapped[int] = mapped_column(Integer, primary_key=True)
    timestamp: Mapped[float] = mapped_column(Float)
    pdq: Mapped[bytes] = mapped_column(LargeBinary(32))
    quality: Mapped[int] = mapped_column(SmallInteger)
