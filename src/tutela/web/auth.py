"""Who is signed in, what they may do, and the CSRF token of their session.

The session cookie holds a random token signed with TUTELA_SECRET_KEY (itsdangerous, with its age): a forged
or altered cookie fails the signature, and the token must also name a live row in ``web_sessions``, so a
cookie replayed after signing out, after the account was locked, or after it expired is refused. The cookie
is HttpOnly and SameSite=Strict (and Secure over HTTPS).

CSRF: every state-changing request that carries a session cookie must carry the session's CSRF token (form
field ``csrf_token`` or header ``X-CSRF-Token``): HMAC-SHA256 of the session token under the secret key.
``csrf_guard`` runs before every route of the app, so a router added later is covered without doing anything.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from tutela.domain.roles import Role, sees_all_teams
from tutela.store.audit import append_event

SESSION_COOKIE = "tutela_session"
LOGIN_COOKIE = "tutela_login"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOGIN_PATH = "/login"  # checks its own token, bound to the sign-in form's cookie (no session yet)


class NotSignedIn(Exception):
    """No valid session: pages redirect to /login, the API answers 401."""


@dataclass(frozen=True)
class SignedInUser:
    id: int
    name: str
    role: Role
    team_id: int | None
    sees_all_teams: bool
    team: str | None = None  # the team's ref, for display
    csrf_token: str = ""


class Keys:
    """What the secret key signs: session cookies, the sign-in form's cookie, CSRF tokens."""

    def __init__(self, secret: str, session_seconds: int) -> None:
        self._secret = secret.encode()
        self.session_seconds = session_seconds
        self.sessions = URLSafeTimedSerializer(secret, salt="tutela.session")
        self.login = URLSafeTimedSerializer(secret, salt="tutela.login")

    def csrf(self, purpose: str, value: str) -> str:
        return hmac.new(self._secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()

    def csrf_matches(self, purpose: str, value: str, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(self.csrf(purpose, value), given)


def keys(request: Request) -> Keys:
    return request.app.state.keys


def db_session(request: Request) -> Iterator[Session]:
    """One SQLAlchemy session per request; handlers commit what they write."""
    with Session(request.app.state.engine) as session:
        yield session


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def session_token(request: Request, db: Session) -> str | None:
    """The token of a correctly signed, unexpired cookie; a forged cookie is audited as an attempt."""
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        return keys(request).sessions.loads(raw, max_age=keys(request).session_seconds)
    except SignatureExpired:
        return None
    except BadSignature:
        append_event(db, kind="bad_request", subject=f"path:{request.url.path[:200]}",
                     details={"client": client_of(request), "what": "forged session cookie"})
        db.commit()
        return None


def current_user(request: Request, db: Session = Depends(db_session)) -> SignedInUser:
    """The signed-in user, or NotSignedIn (a cookie replayed after its session ended is audited)."""
    cached = getattr(request.state, "user", None)
    if cached is not None:
        return cached
    from tutela.services.accounts import session_account, session_ended

    token = session_token(request, db)
    account = session_account(db, token) if token else None
    if account is None:
        if token and session_ended(db, token):
            append_event(db, kind="bad_request", subject=f"path:{request.url.path[:200]}",
                         details={"client": client_of(request), "what": "session cookie replayed after it ended"})
            db.commit()
        raise NotSignedIn()
    role = Role(account.role)
    user = SignedInUser(id=account.id, name=account.name, role=role, team_id=account.team_id,
                        sees_all_teams=sees_all_teams(role, account.team_kind), team=account.team,
                        csrf_token=keys(request).csrf("session", token))
    db.rollback()  # end the read: the connection goes back to the pool while the page asks for its own
    request.state.user = user
    return user


def require_roles(*roles: Role) -> Callable[..., SignedInUser]:
    """A dependency: the signed-in user if their role is one of ``roles``, else 403."""
    allowed = frozenset(roles)

    def dependency(user: SignedInUser = Depends(current_user)) -> SignedInUser:
        if user.role not in allowed:
            raise HTTPException(status_code=403, detail="not allowed for your role")
        return user

    return dependency


async def csrf_guard(request: Request) -> None:
    """Run before every route: a state-changing request with a session cookie must carry its CSRF token."""
    if request.method in SAFE_METHODS or SESSION_COOKIE not in request.cookies or request.url.path == LOGIN_PATH:
        return
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    try:
        token = keys(request).sessions.loads(request.cookies[SESSION_COOKIE],
                                             max_age=keys(request).session_seconds)
    except BadSignature:
        token = None  # current_user refuses (and audits) the cookie itself
    if token is not None and not keys(request).csrf_matches("session", token, given):
        _audit_csrf(request, "missing CSRF token" if not given else "wrong CSRF token")
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token: reload the page")


def _audit_csrf(request: Request, what: str) -> None:
    with Session(request.app.state.engine) as db:
        append_event(db, kind="bad_request", subject=f"path:{request.url.path[:200]}",
                     details={"client": client_of(request), "what": what, "method": request.method})
        db.commit()
