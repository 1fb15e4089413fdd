"""A unit behind the web application, for tests: the week of action of unit_scenario, one account per role.

Teams: T-CEN (central), T-B01 and T-B02 (boroughs); CASE-001 and CASE-004 are T-B01's, CASE-002 T-B02's,
CASE-003 the central team's. Accounts (password PASSWORD): admin, supervisor (no team), examiner (T-B01),
investigator (T-B01), other_investigator (T-B02), referral_officer (T-CEN), partner.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tutela.services.accounts import add_user
from tutela.settings import Settings
from tutela.store.unit import UnitStore
from tutela.web.app import create_app

PASSWORD = "correct horse battery staple"
SECRET = "test-secret-key-of-at-least-32-characters"
ACCOUNTS = {
    "admin": ("admin", None), "supervisor": ("supervisor", None), "examiner": ("examiner", "T-B01"),
    "investigator": ("investigator", "T-B01"), "other_investigator": ("investigator", "T-B02"),
    "referral_officer": ("referral_officer", "T-CEN"), "partner": ("partner", None),
}
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    found = CSRF_INPUT.search(html)
    assert found, "no CSRF field in the page"
    return found.group(1)


@dataclass
class WebWorld:
    app: FastAPI
    engine: Engine
    clients: list[TestClient] = field(default_factory=list)

    def client(self) -> TestClient:
        made = TestClient(self.app, follow_redirects=False)
        self.clients.append(made)
        return made

    def sign_in(self, name: str, password: str = PASSWORD, client: TestClient | None = None) -> TestClient:
        client = client or self.client()
        form = client.get("/login")
        response = client.post("/login", data={"name": name, "password": password,
                                               "csrf_token": csrf_from(form.text), "next": "/"})
        assert response.status_code == 303, (name, response.status_code, response.text[:300])
        return client

    def csrf(self, client: TestClient) -> str:
        return client.get("/api/v1/me").json()["csrf_token"]

    def close(self) -> None:
        for client in self.clients:
            client.close()


def make_world(engine: Engine, tmp_path, *, accounts: dict | None = None, grading: bool = False) -> WebWorld:
    """``grading``: also exhibit EX-G1 of T-B01 with near-duplicate groups (group 1, shown by item 1, has an
    encrypted thumbnail) and the media key that opens it (grading_data.grading_sample)."""
    from zoneinfo import ZoneInfo

    from unit_scenario import week_of_action

    from tutela.services.unit_import import import_unit

    assert not import_unit(UnitStore(engine), week_of_action(), ZoneInfo("Europe/London"), source="test").rejected
    with Session(engine) as session, session.begin():
        for name, (role, team) in (ACCOUNTS if accounts is None else accounts).items():
            add_user(session, name=name, role=role, team_ref=team, password=PASSWORD, actor="test")
    from grading_data import grading_sample

    media_key = grading_sample(engine) if grading else None
    settings = Settings(home=tmp_path / "home", secret_key=SECRET, media_key=media_key)
    return WebWorld(create_app(settings, engine=engine), engine)
