"""Accounts: adding, locking and signing in, each change audited in the same transaction.

Passwords are hashed with argon2id (argon2-cffi's defaults: RFC 9106's low-memory profile). An unknown name
costs the same argon2 verification as a wrong password, so timing does not tell which names exist. After
``MAX_FAILURES`` wrong passwords in a row an account is locked out for ``LOCKOUT``; the lock-out is audited.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from sqlalchemy.orm import Session

from tutela.domain.roles import Role, check_password, check_team_for_role, check_user_name, parse_role
from tutela.store import users
from tutela.store.audit import append_event
from tutela.store.users import Account

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
# Each argon2 hash or check takes 64 MiB for its moment: a burst of sign-ins must not take a gigabyte (20
# concurrent sign-ins measured 1 GB peak RSS before this), so at most this many run at once; the rest wait.
CONCURRENT_HASHES = 4
_hashing = threading.BoundedSemaphore(CONCURRENT_HASHES)


class SignInRefused(Exception):
    """Why a sign-in failed, for the audit; the person signing in is told only that it failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@lru_cache(maxsize=1)
def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    check_password(password)
    with _hashing:
        return _hasher().hash(password)


def _now() -> datetime:
    return datetime.now(UTC)


def add_user(session: Session, *, name: str, role: str, team_ref: str | None, password: str | None,
             actor: str | None) -> Account:
    """A new account (password None only for an API-only partner); audited as a user_change."""
    check_user_name(name)
    parsed = parse_role(role)
    check_team_for_role(parsed, team_ref)
    if password is None and parsed != Role.PARTNER:
        raise ValueError("only partner accounts may have no password")
    password_hash = None if password is None else hash_password(password)
    team_id = users.team_id(session, team_ref) if team_ref else None
    users.insert_account(session, name=name, role=parsed.value, team_id=team_id, password_hash=password_hash,
                         created=_now())
    append_event(session, kind="user_change", actor=actor, subject=f"user:{name}",
                 details={"change": "added", "role": parsed.value, "team": team_ref})
    return users.get_account(session, name)


def set_locked(session: Session, name: str, locked: bool, *, actor: str | None) -> Account:
    """Lock (every session ends) or unlock (failed attempts forgotten) an account; audited."""
    account = users.get_account(session, name)
    now = _now()
    users.set_account(session, name, locked=locked, failed_attempts=0, locked_until=None)
    if locked:
        users.end_sessions(session, now, user_id=account.id)
    append_event(session, kind="user_change", actor=actor, subject=f"user:{name}",
                 details={"change": "locked" if locked else "unlocked"})
    return users.get_account(session, name)


def authenticate(session: Session, name: str, password: str, *, client: str, now: datetime | None = None) -> Account:
    """The account if the password is right and the account may sign in; SignInRefused otherwise (audited)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    now = now or _now()
    account = users.find_account(session, name)
    try:
        stored = account.password_hash if account and account.password_hash else _dummy_hash()
        with _hashing:
            _hasher().verify(stored, password)
        right = account is not None and account.password_hash is not None
    except (VerificationError, InvalidHashError):
        right = False
    if account is None:
        return _refuse(session, name, client, "no such account")
    if account.locked:
        return _refuse(session, name, client, "account locked")
    if account.locked_until and account.locked_until > now:
        return _refuse(session, name, client, "account locked out after repeated failures")
    if not right:
        return _failed(session, account, client, now)
    users.set_account(session, name, failed_attempts=0, locked_until=None)
    append_event(session, kind="sign_in", actor=name, subject=f"user:{name}", details={"client": client}, at=now)
    return account


def _refuse(session: Session, name: str, client: str, reason: str):
    append_event(session, kind="sign_in_failed", actor=None, subject=f"user:{name[:64]}",
                 details={"client": client, "reason": reason})
    raise SignInRefused(reason)


def _failed(session: Session, account: Account, client: str, now: datetime):
    failures = account.failed_attempts + 1
    if failures >= MAX_FAILURES:
        users.set_account(session, account.name, failed_attempts=0, locked_until=now + LOCKOUT)
        append_event(session, kind="lockout", actor=None, subject=f"user:{account.name}",
                     details={"client": client, "failures": failures, "minutes": LOCKOUT.seconds // 60})
    else:
        users.set_account(session, account.name, failed_attempts=failures)
    return _refuse(session, account.name, client, "wrong password")


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def start_session(session: Session, account: Account, lifetime: timedelta) -> str:
    """A new random session token for the cookie; only its SHA-256 is stored."""
    token = secrets.token_urlsafe(32)
    now = _now()
    users.insert_session(session, token_hash=token_hash(token), user_id=account.id, created=now,
                         expires=now + lifetime)
    return token


def end_session(session: Session, token: str, actor: str) -> None:
    users.end_sessions(session, _now(), token_hash=token_hash(token))
    append_event(session, kind="sign_out", actor=actor, subject=f"user:{actor}")


def session_account(session: Session, token: str) -> Account | None:
    return users.session_account(session, token_hash(token), _now())


def session_ended(session: Session, token: str) -> bool:
    """True if the token names a session that was ended (signed out or the account locked)."""
    return users.session_ended(session, token_hash(token))
