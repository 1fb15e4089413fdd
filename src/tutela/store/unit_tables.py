"""The unit's records (DESIGN.md §5, case side): teams, referrals, cases, operations and what they group.

Every record has a unique human reference (``ref``) the unit already uses (CASE-001, EX-0042...); internal
integer ids only join tables. Times are stored in UTC: see ``UtcDateTime``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import JSON, Column, Date, DateTime, ForeignKey, Integer, String, Table, Text, TypeDecorator
from sqlalchemy.orm import Mapped, mapped_column

from tutela.store.tables import Base

REF = String(64)


class UtcDateTime(TypeDecorator):
    """Aware UTC datetimes in and out, on SQLite (which keeps no offset) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(REF, unique=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))


class Operation(Base):
    """A named, dated operation; both dates inclusive, in the unit's time zone."""

    __tablename__ = "operations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(REF, unique=True)
    name: Mapped[str] = mapped_column(Text)
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)


class Referral(Base):
    __tablename__ = "referrals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(REF, unique=True)
    received: Mapped[datetime] = mapped_column(UtcDateTime())
    source: Mapped[str] = mapped_column(Text, default="")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    risk_band: Mapped[str | None] = mapped_column(String(16))
    risk_reasons: Mapped[list | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(32), default="awaiting_assessment")
    details: Mapped[dict | None] = mapped_column(JSON)


case_referrals = Table(
    "case_referrals", Base.metadata,
    Column("case_id", ForeignKey("cases.id"), primary_key=True),
    Column("referral_id", ForeignKey("referrals.id"), primary_key=True),
)


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(REF, unique=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    opened: Mapped[datetime] = mapped_column(UtcDateTime())
    outcome: Mapped[str | None] = mapped_column(Text)


class Suspect(Base):
    __tablename__ = "suspects"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(REF, unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    age: Mapped[int | None] = mapped_column(Integer)


class Warrant(Base):
    __tablename__ = "warrants"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(REF, unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    operation_id: Mapped[int | None] = mapped_column(ForeignKey("operations.id"))
    applied: Mapped[datetime | None] = mapped_column(UtcDateTime())
    granted: Mapped[datetime | None] = mapped_column(UtcDateTime())
    executed: Mapped[datetime | None] = mapped_column(UtcDateTime())
    outcome: Mapped[str | None] = mapped_column(Text)


class Arrest(Base):
    __tablename__ = "arrests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(REF, unique=True)
    suspect_id: Mapped[int] = mapped_column(ForeignKey("suspects.id"))
    operation_id: Mapped[int | None] = mapped_column(ForeignKey("operations.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class Exhibit(Base):
    __tablename__ = "exhibits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(REF, unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    operation_id: Mapped[int | None] = mapped_column(ForeignKey("operations.id"))
    type: Mapped[str] = mapped_column(String(16))
    seized: Mapped[datetime | None] = mapped_column(UtcDateTime())
    seized_place: Mapped[str | None] = mapped_column(Text)
    bag_number: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32), default="awaiting_examination")


class ContinuityEvent(Base):
    """One movement or examination of an exhibit: who had it, who has it now, why. Append-only."""

    __tablename__ = "continuity_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exhibit_id: Mapped[int] = mapped_column(ForeignKey("exhibits.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    from_who: Mapped[str] = mapped_column(Text, default="")
    to_who: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))


class SafeguardingRecord(Base):
    """A child, known only by a reference, safeguarded on a date in a case."""

    __tablename__ = "safeguarding"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(REF, unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    child_ref: Mapped[str] = mapped_column(REF, index=True)
    operation_id: Mapped[int | None] = mapped_column(ForeignKey("operations.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    age_band: Mapped[str | None] = mapped_column(String(16))
