"""Signing in and out, sessions in signed cookies, CSRF, rate limits and lock-out (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from web_world import PASSWORD, csrf_from

from tutela.services.accounts import MAX_FAILURES
from tutela.store.account_tables import AuditEvent
from tutela.store.audit import verify_chain
from tutela.web.auth import SESSION_COOKIE


def _events(engine, kind: str) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.id)))


def test_nothing_but_the_sign_in_page_and_static_assets_without_signing_in(web):
    client = web.client()
    page = client.get("/?x=1")
    assert page.status_code == 303 and page.headers["location"] == "/login?next=%2F%3Fx%3D1"
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/openapi.json").status_code == 401
    assert client.get("/login").status_code == 200
    assert client.get("/static/tutela.css").status_code == 200


def test_sign_in_sets_a_strict_http_only_cookie_and_audits_it(web):
    client = web.client()
    form = client.get("/login?next=/api/v1/me")
    response = client.post("/login", data={"name": "investigator", "password": PASSWORD,
                                           "csrf_token": csrf_from(form.text), "next": "/api/v1/me"})
    assert response.status_code == 303 and response.headers["location"] == "/api/v1/me"
    cookie = next(v for k, v in response.headers.multi_items()
                  if k == "set-cookie" and v.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Max-Age=" in cookie
    me = client.get("/api/v1/me").json()
    assert me["name"] == "investigator" and me["role"] == "investigator" and me["team"] == "T-B01"
    assert [e.actor for e in _events(web.engine, "sign_in")] == ["investigator"]
    assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "Tutela"


def test_sign_in_goes_only_to_a_path_on_this_site(web):
    client = web.client()
    for target in ("https://elsewhere.example/", "//elsewhere.example/x", "/\\elsewhere.example"):
        form = client.get("/login")
        response = client.post("/login", data={"name": "admin", "password": PASSWORD, "next": target,
                                               "csrf_token": csrf_from(form.text)})
        assert response.headers["location"] == "/"


def test_a_wrong_password_is_refused_the_same_way_as_an_unknown_name(web):
    client = web.client()
    answers = []
    for name, password in (("investigator", "wrong password here"), ("nobody", PASSWORD)):
        form = client.get("/login")
        answers.append(client.post("/login", data={"name": name, "password": password,
                                                   "csrf_token": csrf_from(form.text)}))
    assert [a.status_code for a in answers] == [401, 401]
    assert "Wrong name or password" in answers[0].text and "Wrong name or password" in answers[1].text
    reasons = [e.details["reason"] for e in _events(web.engine, "sign_in_failed")]
    assert reasons == ["wrong password", "no such account"]


def test_sign_in_without_the_forms_token_is_refused_and_audited(web):
    client = web.client()
    client.get("/login")
    response = client.post("/login", data={"name": "admin", "password": PASSWORD})
    assert response.status_code == 403
    assert SESSION_COOKIE not in response.cookies
    assert _events(web.engine, "bad_request")[-1].details["what"] == "sign-in without a valid form token"


def test_repeated_failures_lock_the_account_out_and_the_lock_out_is_audited(web):
    client = web.client()
    for _ in range(MAX_FAILURES):
        form = client.get("/login")
        client.post("/login", data={"name": "examiner", "password": "not the password",
                                    "csrf_token": csrf_from(form.text)})
    form = client.get("/login")
    refused = client.post("/login", data={"name": "examiner", "password": PASSWORD,
                                          "csrf_token": csrf_from(form.text)})
    assert refused.status_code == 401
    assert [e.subject for e in _events(web.engine, "lockout")] == ["user:examiner"]
    assert _events(web.engine, "sign_in_failed")[-1].details["reason"] == "account locked out after repeated failures"


def test_sign_in_attempts_are_rate_limited_per_client(web):
    client = web.client()
    statuses = []
    for n in range(25):
        form = client.get("/login")
        statuses.append(client.post("/login", data={"name": f"nobody{n}", "password": "x" * 12,
                                                    "csrf_token": csrf_from(form.text)}).status_code)
    assert statuses[:20] == [401] * 20 and statuses[20:] == [429] * 5
    assert len(_events(web.engine, "sign_in_throttled")) == 5


def test_sign_out_ends_the_session_and_a_replayed_cookie_is_refused_and_audited(web):
    client = web.sign_in("investigator")
    cookie = client.cookies[SESSION_COOKIE]
    response = client.post("/logout", headers={"X-CSRF-Token": web.csrf(client)})
    assert response.status_code == 303
    replay = web.client()
    replay.cookies.set(SESSION_COOKIE, cookie)
    assert replay.get("/api/v1/me").status_code == 401
    assert _events(web.engine, "bad_request")[-1].details["what"] == "session cookie replayed after it ended"
    assert [e.actor for e in _events(web.engine, "sign_out")] == ["investigator"]


def test_a_forged_cookie_is_refused_and_audited(web):
    client = web.sign_in("investigator")
    cookie = client.cookies[SESSION_COOKIE]
    token, rest = cookie.split(".", 1)
    forged = web.client()
    forged.cookies.set(SESSION_COOKIE, token[:-2] + ("AA" if not token.endswith("AA") else "BB") + "." + rest)
    assert forged.get("/api/v1/me").status_code == 401
    assert forged.get("/").status_code == 303
    assert _events(web.engine, "bad_request")[-1].details["what"] == "forged session cookie"


def test_a_state_changing_request_without_its_csrf_token_is_refused_and_audited(web):
    client = web.sign_in("investigator")
    assert client.post("/logout").status_code == 403
    assert client.post("/logout", headers={"X-CSRF-Token": "0" * 64}).status_code == 403
    whats = [e.details["what"] for e in _events(web.engine, "bad_request")]
    assert whats == ["missing CSRF token", "wrong CSRF token"]
    assert client.get("/api/v1/me").status_code == 200  # still signed in
    page = client.get("/")
    assert client.post("/logout", data={"csrf_token": csrf_from(page.text)}).status_code == 303


def test_a_locked_account_loses_its_sessions(web):
    from tutela.services.accounts import set_locked

    client = web.sign_in("investigator")
    with Session(web.engine) as session, session.begin():
        set_locked(session, "investigator", True, actor="admin")
    assert client.get("/api/v1/me").status_code == 401


def test_oversized_and_malformed_fields_are_refused_without_echoing_them(web):
    client = web.client()
    form = client.get("/login")
    token = csrf_from(form.text)
    long_password = "p" * 5000
    response = client.post("/login", data={"name": "admin", "password": long_password, "csrf_token": token})
    assert response.status_code == 422 and long_password not in response.text
    huge = client.post("/login", content=b"name=" + b"a" * (2 << 20),
                       headers={"content-type": "application/x-www-form-urlencoded"})
    assert huge.status_code == 413
    garbled = client.post("/login", content=b"\xff\xfe=\x00%%%", headers={"content-type":
                                                                         "application/x-www-form-urlencoded"})
    assert garbled.status_code in (400, 403, 422)


def test_every_sign_in_event_keeps_the_chain_whole(web):
    web.sign_in("admin")
    web.sign_in("supervisor")
    with Session(web.engine) as session:
        report = verify_chain(session)
    assert report.ok and report.events >= 9  # seven accounts added, two sign-ins


def test_a_burst_of_sign_ins_checks_at_most_a_few_passwords_at_once(web, monkeypatch):
    """Each argon2 check holds 64 MiB: a burst of sign-ins must queue, not take a gigabyte."""
    import threading
    import time

    from tutela.services import accounts

    real = accounts._hasher()
    running, most = [0], [0]
    lock = threading.Lock()

    class Counting:
        def verify(self, stored, password):
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(0.05)  # long enough for the others to pile up behind the gate
            try:
                return real.verify(stored, password)
            finally:
                with lock:
                    running[0] -= 1

    monkeypatch.setattr(accounts, "_hasher", lambda: Counting())

    def sign_in() -> None:
        with Session(web.engine) as session:
            accounts.authenticate(session, "admin", PASSWORD, client="burst")
            session.commit()

    threads = [threading.Thread(target=sign_in) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1 < most[0] <= accounts.CONCURRENT_HASHES
    assert len(_events(web.engine, "sign_in")) == 12
