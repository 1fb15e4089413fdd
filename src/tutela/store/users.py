"""Accounts and their web sessions (repository). Each function works inside the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from tutela.errors import NotFoundError, UsageError
from tutela.store.account_tables import User, WebSession
from tutela.store.unit_tables import Team


@dataclass(frozen=True)
class Account:
    """A user as the rest of Tutela sees it (never the password hash, except to the sign-in check)."""

    id: int
    name: str
    role: str
    team_id: int | None
    team: str | None  # the team's ref
    team_kind: str | None
    locked: bool
    failed_attempts: int
    locked_until: datetime | None
    created: datetime
    password_hash: str | None = None

    def public(self) -> dict:
        """The account in documented JSON form (docs/cli.md, `tutela user list --json`)."""
        return {"name": self.name, "role": self.role, "team": self.team, "locked": self.locked,
                "failed_attempts": self.failed_attempts,
                "locked_until": self.locked_until.isoformat() if self.locked_until else None,
                "created": self.created.isoformat(), "password": self.password_hash is not None}


def _accounts_query():
    users, teams = User.__table__, Team.__table__
    return select(users, teams.c.ref.label("team"), teams.c.kind.label("team_kind")).join(
        teams, teams.c.id == users.c.team_id, isouter=True)


def _account(row) -> Account:
    return Account(id=row.id, name=row.name, role=row.role, team_id=row.team_id, team=row.team,
                   team_kind=row.team_kind, locked=row.locked, failed_attempts=row.failed_attempts,
                   locked_until=row.locked_until, created=row.created, password_hash=row.password_hash)


def find_account(session: Session, name: str) -> Account | None:
    row = session.execute(_accounts_query().where(User.__table__.c.name == name)).one_or_none()
    return None if row is None else _account(row)


def get_account(session: Session, name: str) -> Account:
    found = find_account(session, name)
    if found is None:
        raise NotFoundError(f"no user {name!r}")
    return found


def list_accounts(session: Session) -> list[Account]:
    return [_account(row) for row in session.execute(_accounts_query().order_by(User.__table__.c.name))]


def team_id(session: Session, ref: str) -> int:
    found = session.execute(select(Team.__table__.c.id).where(Team.__table__.c.ref == ref)).scalar()
    if found is None:
        raise NotFoundError(f"no team {ref!r}")
    return found


def insert_account(session: Session, *, name: str, role: str, team_id: int | None, password_hash: str | None,
                   created: datetime) -> None:
    users = User.__table__
    if session.execute(select(users.c.id).where(users.c.name == name)).scalar() is not None:
        raise UsageError(f"user {name!r} already exists (accounts are never deleted; lock or unlock it)")
    session.execute(insert(users).values(name=name, role=role, team_id=team_id, password_hash=password_hash,
                                         locked=False, failed_attempts=0, created=created))


def set_account(session: Session, name: str, **values) -> None:
    """Change plain columns of one account (locked, failed_attempts, locked_until, password_hash)."""
    users = User.__table__
    session.execute(update(users).where(users.c.name == name).values(**values))


# web sessions ---------------------------------------------------------------------------------------------
def insert_session(session: Session, *, token_hash: bytes, user_id: int, created: datetime,
                   expires: datetime) -> None:
    session.execute(insert(WebSession.__table__).values(token_hash=token_hash, user_id=user_id, created=created,
                                                        expires=expires))


def session_account(session: Session, token_hash: bytes, now: datetime) -> Account | None:
    """The account of a live session (not ended, not expired, account not locked), else None."""
    sessions, users = WebSession.__table__, User.__table__
    row = session.execute(_accounts_query().join(sessions, sessions.c.user_id == users.c.id).where(
        sessions.c.token_hash == token_hash, sessions.c.ended.is_(None), sessions.c.expires > now,
        users.c.locked.is_(False))).one_or_none()
    return None if row is None else _account(row)


def end_sessions(session: Session, now: datetime, *, token_hash: bytes | None = None,
                 user_id: int | None = None) -> None:
    """End one session (sign-out) or every live session of a user (locked account)."""
    sessions = WebSession.__table__
    query = update(sessions).where(sessions.c.ended.is_(None))
    query = query.where(sessions.c.token_hash == token_hash) if token_hash else query.where(
        sessions.c.user_id == user_id)
    session.execute(query.values(ended=now))


def session_ended(session: Session, token_hash: bytes) -> bool:
    sessions = WebSession.__table__
    return session.execute(select(sessions.c.ended).where(sessions.c.token_hash == token_hash)).scalar() is not None
