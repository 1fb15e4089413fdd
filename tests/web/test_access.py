"""Every route of the application against every role: allowed or denied as designed.

The matrix walks ``app.routes``, so a route added without a rule here fails ``test_every_route_has_a_rule``.
A rule names the roles that may use a route (PUBLIC: anyone, signed in or not); sample path values come from
``SAMPLES``, and are records of the examiner's and investigator's own team (T-B01), so an allowed role that
is in scope gets an answer and a denied role gets 403 (role) or 404 (outside their team).
"""

from __future__ import annotations

import pytest
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount
from web_world import ACCOUNTS, make_world

from tutela.domain.roles import Role

PUBLIC = "public"
EVERYONE = frozenset(Role)
CASE_WORK = frozenset(Role) - {Role.PARTNER}

# (method, path) -> who may use it. Add a line for every route you add.
RULES: dict[tuple[str, str], frozenset[Role] | str] = {
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): EVERYONE,
    ("GET", "/"): EVERYONE,
    ("GET", "/api/v1/me"): EVERYONE,
    ("GET", "/api/v1/openapi.json"): EVERYONE,
    ("GET", "/referrals"): CASE_WORK,
    ("GET", "/cases"): CASE_WORK,
    ("GET", "/cases/{ref}"): CASE_WORK,
    ("GET", "/exhibits/{ref}"): CASE_WORK,
    ("GET", "/operations"): CASE_WORK,
    ("GET", "/operations/{ref}"): CASE_WORK,
    ("GET", "/charts/referrals-weekly.png"): CASE_WORK,
    ("GET", "/api/v1/referrals"): CASE_WORK,
    ("GET", "/api/v1/cases"): CASE_WORK,
    ("GET", "/api/v1/cases/{ref}"): CASE_WORK,
    ("GET", "/api/v1/exhibits/{ref}"): CASE_WORK,
    ("GET", "/api/v1/operations/{ref}"): CASE_WORK,
    ("GET", "/reports/report.css"): EVERYONE,
    ("GET", "/reports/cases/{ref}/charging.{fmt}"): CASE_WORK - {Role.REFERRAL_OFFICER},
    ("GET", "/reports/cases/{ref}.{fmt}"): CASE_WORK - {Role.REFERRAL_OFFICER},
    ("GET", "/reports/operations/{ref}.{fmt}"): frozenset({Role.ADMIN, Role.SUPERVISOR}),
    ("GET", "/reports/unit.{fmt}"): frozenset({Role.ADMIN, Role.SUPERVISOR}),
    ("GET", "/reports/public.{fmt}"): frozenset({Role.ADMIN, Role.SUPERVISOR}),
    # The match service takes partner API keys, never a browser session (tests/match_service).
    ("POST", "/api/v1/match/lookup"): frozenset(),
    ("GET", "/api/v1/match/lookup"): frozenset(),
    ("POST", "/api/v1/match/media"): frozenset(),
    ("POST", "/api/v1/match/feedback"): frozenset(),
    ("GET", "/api/v1/match/banks"): frozenset(),
    ("GET", "/api/v1/match/health"): PUBLIC,
    ("GET", "/grading"): frozenset({Role.EXAMINER}),
    ("GET", "/grading/exhibits/{exhibit_ref}"): frozenset({Role.EXAMINER}),
    ("POST", "/grading/groups/{group_id}/grade"): frozenset({Role.EXAMINER}),
    ("GET", "/grading/supervisor"): frozenset({Role.SUPERVISOR}),
    ("GET", "/grading/thumbnails/{item_ref}.jpg"): frozenset({Role.EXAMINER, Role.SUPERVISOR}),
    ("POST", "/grading/thumbnails/{item_ref}/clear"): frozenset({Role.EXAMINER, Role.SUPERVISOR}),
    ("GET", "/api/v1/grading/exhibits/{exhibit_ref}/states"): frozenset({Role.EXAMINER}),
    ("GET", "/api/v1/grading/exposure"): frozenset({Role.SUPERVISOR}),
}
MOUNTS = {"/static": PUBLIC}
# Path values per route: records of team T-B01 (the examiner's and investigator's own team).
SAMPLES: dict[str, dict[str, str]] = {
    "/cases/{ref}": {"ref": "CASE-001"},
    "/exhibits/{ref}": {"ref": "EX-01"},
    "/operations/{ref}": {"ref": "OP-WOA"},
    "/api/v1/cases/{ref}": {"ref": "CASE-001"},
    "/api/v1/exhibits/{ref}": {"ref": "EX-01"},
    "/api/v1/operations/{ref}": {"ref": "OP-WOA"},
    "/reports/cases/{ref}/charging.{fmt}": {"ref": "CASE-001", "fmt": "html"},
    "/reports/cases/{ref}.{fmt}": {"ref": "CASE-001", "fmt": "html"},
    "/reports/operations/{ref}.{fmt}": {"ref": "OP-WOA", "fmt": "html"},
    "/reports/unit.{fmt}": {"fmt": "html"},
    "/reports/public.{fmt}": {"fmt": "html"},
    # web_world's grading sample: exhibit EX-G1 of T-B01, its largest group 1, shown by item 1
    "/grading/exhibits/{exhibit_ref}": {"exhibit_ref": "EX-G1"},
    "/api/v1/grading/exhibits/{exhibit_ref}/states": {"exhibit_ref": "EX-G1"},
    "/grading/groups/{group_id}/grade": {"group_id": "1"},
    "/grading/thumbnails/{item_ref}.jpg": {"item_ref": "1"},
    "/grading/thumbnails/{item_ref}/clear": {"item_ref": "1"},
}
# Routes whose sample is T-B01's: a user of another borough team is refused (404, as if it did not exist).
OWN_TEAM_ONLY = {"/cases/{ref}", "/exhibits/{ref}", "/api/v1/cases/{ref}", "/api/v1/exhibits/{ref}",
                 "/reports/cases/{ref}/charging.{fmt}", "/reports/cases/{ref}.{fmt}"}


@pytest.fixture
def web(engine, tmp_path):
    """The world of tests/web with grading's sample exhibit too (every grading route needs a record to answer)."""
    world = make_world(engine, tmp_path, grading=True)
    yield world
    world.close()


def _routes(app) -> list[tuple[str, str]]:
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount):
            found.append(("MOUNT", route.path))
            continue
        for method in sorted((context.methods or set()) - {"HEAD"}):
            found.append((method, context.path))
    return found


def _url(path: str) -> str:
    url = path
    for name, value in SAMPLES.get(path, {}).items():
        url = url.replace("{" + name + "}", value)
    assert "{" not in url, f"no sample value for a parameter of {path} in SAMPLES"
    return url


def test_every_route_has_a_rule(web):
    missing = [r for r in _routes(web.app) if (r[0] == "MOUNT" and r[1] not in MOUNTS)
               or (r[0] != "MOUNT" and r not in RULES)]
    assert missing == [], f"routes without an access rule in tests/web/test_access.py: {missing}"


def test_without_signing_in_pages_redirect_and_the_api_answers_401(web):
    client = web.client()
    for method, path in _routes(web.app):
        if method == "MOUNT" or RULES[(method, path)] == PUBLIC:
            continue
        response = client.request(method, _url(path))
        expected = 401 if path.startswith("/api/") else 303
        assert response.status_code == expected, (method, path, response.status_code)


@pytest.mark.parametrize("account", sorted(ACCOUNTS))
def test_each_role_against_each_route(web, account):
    role = Role(ACCOUNTS[account][0])
    client = web.sign_in(account)
    token = web.csrf(client)
    for method, path in _routes(web.app):
        rule = "public" if method == "MOUNT" else RULES[(method, path)]
        if method == "MOUNT" or (method, path) in (("POST", "/logout"), ("POST", "/login")):
            continue  # signing out is checked last; /login is the sign-in tests' subject
        response = client.request(method, _url(path), headers={"X-CSRF-Token": token})
        allowed = rule == PUBLIC or role in rule
        if account == "other_investigator" and path in OWN_TEAM_ONLY:
            assert response.status_code == 404, (account, method, path, response.status_code)
        elif allowed:
            assert response.status_code not in (401, 403, 404) and response.status_code < 500, (
                account, method, path, response.status_code)
        else:
            assert response.status_code in (403, 404), (account, method, path, response.status_code)
    assert client.post("/logout", headers={"X-CSRF-Token": token}).status_code == 303
