"""Accounts and the audit chain (issue 7): users, their web sessions, and the append-only audit events.

Users are locked, never deleted, so that every audit event keeps naming a real account. Audit events are
chained: each carries the digest of the one before (see tutela.store.audit); ``audit_head`` is the single row
that says where the chain ends, locked by every append so that two writers can never fork the chain.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tutela.store.tables import Base, BigId
from tutela.store.unit_tables import UtcDateTime

DIGEST = String(64)  # SHA-256, hex


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    password_hash: Mapped[str | None] = mapped_column(Text)  # None: an API-only partner account
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())  # lock-out after repeated failures
    created: Mapped[datetime] = mapped_column(UtcDateTime())


class WebSession(Base):
    """A signed-in browser. The cookie carries a random token; only its SHA-256 is kept, so a copy of the
    store cannot be used to sign in. Signing out ends the row, so a replayed cookie is refused."""

    __tablename__ = "web_sessions"
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created: Mapped[datetime] = mapped_column(UtcDateTime())
    expires: Mapped[datetime] = mapped_column(UtcDateTime())
    ended: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AuditEvent(Base):
    """One audited event; ids run 1, 2, 3... with no gaps, each row's digest covering the previous digest."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str | None] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict | None] = mapped_column(JSON)
    prev_digest: Mapped[str] = mapped_column(DIGEST)
    digest: Mapped[str] = mapped_column(DIGEST)


class AuditHead(Base):
    """The end of the chain (one row, id 1): the last event's id and digest. Appends lock this row."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(BigId)
    last_digest: Mapped[str] = mapped_column(DIGEST)
