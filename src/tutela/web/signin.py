"""Signing in and out: /login (the one page open to everyone) and /logout."""

from __future__ import annotations

import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from tutela.store.audit import append_event
from tutela.web.auth import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    SignedInUser,
    client_of,
    current_user,
    db_session,
    keys,
)
from tutela.web.limits import AttemptLimiter
from tutela.web.templating import render

router = APIRouter()
FIELD_MAX = 1024  # a longer name or password is refused before any work is done on it
LOGIN_FORM_SECONDS = 3600


def _limiters(request: Request) -> tuple[AttemptLimiter, AttemptLimiter]:
    state = request.app.state
    if not hasattr(state, "sign_in_limits"):
        # 20 tries in 5 minutes from one address, 10 at one account name: enough for typing mistakes.
        state.sign_in_limits = (AttemptLimiter(20, 300), AttemptLimiter(10, 300))
    return state.sign_in_limits


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (never another host)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    return "/" if parts.scheme or parts.netloc else target


def _cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict", path="/",
                        secure=request.url.scheme == "https")


def _login_page(request: Request, next_path: str, error: str | None = None, status_code: int = 200) -> Response:
    nonce = secrets.token_urlsafe(16)
    page = render(request, "login.html", None, status_code=status_code, next=safe_next(next_path), error=error,
                  csrf_token=keys(request).csrf("login", nonce))
    _cookie(page, request, LOGIN_COOKIE, keys(request).login.dumps(nonce), LOGIN_FORM_SECONDS)
    return page


@router.get("/login", include_in_schema=False)
def login_form(request: Request, next: str = "/") -> Response:
    return _login_page(request, next)


@router.post("/login", include_in_schema=False)
def login(request: Request, name: str = Form("", max_length=FIELD_MAX), password: str = Form("", max_length=FIELD_MAX),
          csrf_token: str = Form("", max_length=FIELD_MAX), next: str = Form("/", max_length=FIELD_MAX),
          db: Session = Depends(db_session)) -> Response:
    from tutela.services.accounts import SignInRefused, authenticate, start_session

    client = client_of(request)
    if not _login_token_ok(request, csrf_token):
        append_event(db, kind="bad_request", subject="path:/login",
                     details={"client": client, "what": "sign-in without a valid form token"})
        db.commit()
        return _login_page(request, next, "The form had expired. Please sign in again.", status_code=403)
    by_client, by_name = _limiters(request)
    if not by_client.allow(client) or not by_name.allow(name):
        append_event(db, kind="sign_in_throttled", subject=f"user:{name[:64]}", details={"client": client})
        db.commit()
        return _login_page(request, next, "Too many attempts. Wait a few minutes and try again.", status_code=429)
    try:
        account = authenticate(db, name, password, client=client)
    except SignInRefused:
        db.commit()  # the failed attempt (and any lock-out) is audited
        return _login_page(request, next, "Wrong name or password, or the account is locked.", status_code=401)
    seconds = keys(request).session_seconds
    token = start_session(db, account, timedelta(seconds=seconds))
    db.commit()
    response = RedirectResponse(safe_next(next), status_code=303)
    _cookie(response, request, SESSION_COOKIE, keys(request).sessions.dumps(token), seconds)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


def _login_token_ok(request: Request, given: str) -> bool:
    from itsdangerous import BadSignature

    raw = request.cookies.get(LOGIN_COOKIE)
    if not raw:
        return False
    try:
        nonce = keys(request).login.loads(raw, max_age=LOGIN_FORM_SECONDS)
    except BadSignature:
        return False
    return keys(request).csrf_matches("login", nonce, given)


@router.post("/logout", include_in_schema=False)
def logout(request: Request, user: SignedInUser = Depends(current_user),
           db: Session = Depends(db_session)) -> Response:
    from tutela.services.accounts import end_session

    token = keys(request).sessions.loads(request.cookies[SESSION_COOKIE])
    end_session(db, token, user.name)
    db.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
