"""`tutela user add|lock|unlock|list`, `tutela audit verify` and `tutela serve` as a user runs them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx2

PASSWORD = "a long enough password"


def _team(cli) -> None:
    assert cli("team", "add", "T-B01", "--name", "Borough one", "--kind", "borough").status == 0


def test_user_add_reads_the_password_twice_and_lists_the_account(cli):
    _team(cli)
    added = cli("user", "add", "alice", "--role", "examiner", "--team", "T-B01", "--json",
                stdin=f"{PASSWORD}\n{PASSWORD}\n".encode())
    assert added.status == 0, added.stderr
    assert added.json_lines()[0] | {"created": None} == {
        "name": "alice", "role": "examiner", "team": "T-B01", "locked": False, "failed_attempts": 0,
        "locked_until": None, "created": None, "password": True}
    listed = cli("user", "list", "--json").json_lines()
    assert [u["name"] for u in listed] == ["alice"]


def test_user_add_refuses_bad_input_with_one_line_and_writes_nothing(cli):
    _team(cli)
    cases = [
        (("alice", "--role", "examiner", "--team", "T-B01"), f"{PASSWORD}\nsomething else\n", "differ"),
        (("alice", "--role", "examiner", "--team", "T-B01"), "short\nshort\n", "too short"),
        (("alice", "--role", "examiner", "--team", "T-B01"), f"{PASSWORD}\n", "twice"),
        (("alice", "--role", "wizard", "--team", "T-B01"), f"{PASSWORD}\n{PASSWORD}\n", "unknown role"),
        (("alice", "--role", "examiner"), f"{PASSWORD}\n{PASSWORD}\n", "give --team"),
        (("alice", "--role", "examiner", "--team", "T-NONE"), f"{PASSWORD}\n{PASSWORD}\n", "no team"),
        (("../alice", "--role", "admin"), f"{PASSWORD}\n{PASSWORD}\n", "bad user name"),
        (("alice", "--role", "examiner", "--team", "T-B01", "--no-password"), "", "partner accounts only"),
    ]
    for args, stdin, message in cases:
        result = cli("user", "add", *args, stdin=stdin.encode())
        assert result.status == 2, (args, result.stderr)
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert cli("user", "list", "--json").json_lines() == []


def test_an_account_is_locked_never_deleted_and_changes_are_audited(cli):
    _team(cli)
    cli("user", "add", "bob", "--role", "investigator", "--team", "T-B01", stdin=f"{PASSWORD}\n{PASSWORD}\n".encode())
    again = cli("user", "add", "bob", "--role", "investigator", "--team", "T-B01",
                stdin=f"{PASSWORD}\n{PASSWORD}\n".encode())
    assert again.status == 2 and "already exists" in again.stderr
    assert cli("user", "lock", "bob").status == 0
    assert cli("user", "list", "--json").json_lines()[0]["locked"] is True
    assert cli("user", "unlock", "bob", "--json").json_lines()[0]["locked"] is False
    assert cli("user", "lock", "nobody").status == 2
    cli("user", "add", "platform", "--role", "partner", "--no-password")
    verified = cli("audit", "verify", "--json")
    assert verified.status == 0
    assert verified.json_lines()[0] | {"head_digest": None} == {
        "ok": True, "events": 4, "head_digest": None, "broken_at": None, "reason": None}


def test_audit_verify_exits_non_zero_naming_the_first_bad_event(cli, tmp_path):
    from sqlalchemy import create_engine

    _team(cli)
    for name in ("carol", "dave", "erin"):
        cli("user", "add", name, "--role", "admin", stdin=f"{PASSWORD}\n{PASSWORD}\n".encode())
    engine = create_engine(f"sqlite:///{tmp_path / 'home' / 'tutela.sqlite3'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER audit_events_append_only_update")
        connection.exec_driver_sql("UPDATE audit_events SET actor = 'mallory' WHERE id = 2")
    engine.dispose()
    result = cli("audit", "verify")
    assert result.status == 1
    assert result.stderr.strip() == ("tutela: audit chain broken at event 2: its digest does not match its "
                                     "contents: the event was changed")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_needs_a_secret_key_and_then_serves_the_sign_in_page(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUTELA_")} | {"TUTELA_HOME": str(tmp_path)}
    refused = subprocess.run([sys.executable, "-m", "tutela", "serve"], env=env, capture_output=True,
                             text=True, timeout=60)
    assert refused.returncode == 2
    assert refused.stderr.strip().startswith("tutela: error: TUTELA_SECRET_KEY is not set")
    port = _free_port()
    env["TUTELA_SECRET_KEY"] = "k" * 40
    server = subprocess.Popen([sys.executable, "-m", "tutela", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                page = httpx2.get(f"http://127.0.0.1:{port}/login", timeout=5)
                break
            except httpx2.TransportError:
                assert time.monotonic() < deadline and server.poll() is None, "the server did not start"
                time.sleep(0.2)
        assert page.status_code == 200 and "Sign in" in page.text
        assert httpx2.get(f"http://127.0.0.1:{port}/api/v1/me", timeout=5).status_code == 401
    finally:
        server.terminate()
        server.wait(timeout=30)


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as listing:
            found.update(int(child) for child in listing.read().split())
    return found


def test_serve_with_workers_answers_from_several_processes_with_one_sign_in(cli, tmp_path):
    _team(cli)
    assert cli("user", "add", "alice", "--role", "examiner", "--team", "T-B01",
               stdin=f"{PASSWORD}\n{PASSWORD}\n".encode()).status == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUTELA_")} | {
        "TUTELA_HOME": str(tmp_path / "home"), "TUTELA_SECRET_KEY": "k" * 40}
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "tutela", "serve", "--port", str(port), "--workers", "2"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx2.get(f"{base}/login", timeout=5)
                break
            except httpx2.TransportError:
                assert time.monotonic() < deadline and server.poll() is None, "the server did not start"
                time.sleep(0.2)
        assert len(_children(server.pid)) >= 2  # the worker processes (uvicorn's supervisor is the parent)
        with httpx2.Client(base_url=base, timeout=10) as browser:
            form = browser.get("/login").text
            token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            signed = browser.post("/login", data={"name": "alice", "password": PASSWORD, "csrf_token": token,
                                                  "next": "/"})
            assert signed.status_code == 303, signed.text[:300]
            cookies = dict(browser.cookies.items())
        for _ in range(10):  # a new connection each time: either worker may answer, and both know the session
            with httpx2.Client(base_url=base, timeout=10, cookies=cookies) as again:
                assert again.get("/api/v1/me").json()["name"] == "alice"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_imports_and_exports_at_the_console_are_audited_with_who_ran_them(cli, tmp_path):
    import getpass
    import json as json_module

    from sqlalchemy import create_engine, select

    from tutela.store.account_tables import AuditEvent

    _team(cli)
    (tmp_path / "list.csv").write_text("md5,category\n" + "ab" * 16 + ",A\n")
    assert cli("library", "add-bank", "national", "--trust", "trusted").status == 0
    assert cli("library", "import", str(tmp_path / "list.csv"), "--bank", "national").status == 0
    assert cli("library", "export", str(tmp_path / "out.csv"), "--bank", "national", "--format", "csv").status == 0
    assert cli("export", "unit", str(tmp_path / "unit.json")).status == 0
    (tmp_path / "bad.json").write_text(json_module.dumps({"teams": [{"ref": "T-X"}]}))
    assert cli("import", "unit", str(tmp_path / "bad.json")).status != 0
    engine = create_engine(f"sqlite:///{tmp_path / 'home' / 'tutela.sqlite3'}")
    with engine.connect() as connection:
        rows = connection.execute(select(AuditEvent.kind, AuditEvent.actor, AuditEvent.subject, AuditEvent.details)
                                  .where(AuditEvent.kind.in_(["import", "export"])).order_by(AuditEvent.id)).all()
    engine.dispose()
    assert [(kind, subject) for kind, _, subject, _ in rows] == [
        ("import", "bank:national"), ("export", "bank:national"), ("export", "unit"), ("import", "unit")]
    assert {actor for _, actor, _, _ in rows} == {f"cli:{getpass.getuser()}"}
    assert rows[0].details["added"] == 1 and len(rows[0].details["file_sha256"]) == 64
    assert rows[1].details == {"file": "out.csv", "format": "csv", "entries": 1}
    assert rows[3].details["rejected"] is True
    assert cli("audit", "verify").status == 0  # in the chain like every other event
