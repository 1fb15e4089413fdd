"""The grading screen through the web application: queue, keyboard grades, thumbnails, exposure, refusals."""

from __future__ import annotations

import io
import re

import pytest
from grading_data import grading_world
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from tutela.store.account_tables import AuditEvent
from tutela.store.grading_tables import ExposureCount
from tutela.store.library import LibraryStore


@pytest.fixture
def world(tmp_path):
    """On SQLite: what these tests check is the web layer, the store's part runs on both below."""
    from stores import sqlite_engine

    with sqlite_engine(tmp_path) as engine:
        made = grading_world(engine, tmp_path)
        yield made
        made.web.close()


@pytest.fixture
def any_world(engine, tmp_path):
    """On SQLite and on PostgreSQL: votes, conflicts, exports and counts."""
    made = grading_world(engine, tmp_path)
    yield made
    made.web.close()


def events(engine, kind: str) -> list[tuple]:
    with Session(engine) as session:
        return [tuple(row) for row in session.execute(
            select(AuditEvent.actor, AuditEvent.subject, AuditEvent.details).where(AuditEvent.kind == kind)
            .order_by(AuditEvent.id))]


def signed_in(world, name: str):
    client = world.web.sign_in(name)
    return client, {"X-CSRF-Token": world.web.csrf(client)}


def grade(client, headers, group: int, category: str, version: int):
    return client.post(f"/grading/groups/{group}/grade", data={"category": category, "version": str(version)},
                       headers={**headers, "Accept": "application/json"})


def test_the_queue_has_one_card_per_group_largest_first_and_pictures_only_by_thumbnail_url(world):
    client, _ = signed_in(world, "ann")
    listing = client.get("/grading")
    assert listing.status_code == 200 and "EX-1" in listing.text and "EX-2" not in listing.text
    page = client.get("/grading/exhibits/EX-1")
    assert page.status_code == 200
    groups = [int(g) for g in re.findall(r'data-group="(\d+)"', page.text)]
    assert groups == world.data.groups  # sizes 3, 2, 1
    sources = re.findall(r'data-src="([^"]+)"', page.text)
    assert sources == [f"/grading/thumbnails/{world.data.members[g][0]}.jpg" for g in groups]
    assert f"/grading/thumbnails/{world.data.known_item}" not in page.text
    assert " src=" not in page.text.split("<main", 1)[1].replace("<script src=", "")  # nothing loads by itself


def test_another_teams_exhibit_is_not_found_and_the_attempt_is_audited(world):
    client, headers = signed_in(world, "eve")  # T-B02
    assert client.get("/grading/exhibits/EX-1").status_code == 404
    assert client.get("/grading/exhibits/NO-SUCH").status_code == 404
    assert grade(client, headers, world.data.groups[0], "a", 0).status_code == 404
    assert client.get(f"/grading/thumbnails/{world.data.members[world.data.groups[0]][0]}.jpg").status_code == 404
    denied = [subject for actor, subject, _ in events(world.web.engine, "access_denied") if actor == "eve"]
    assert denied == ["exhibit:EX-1", f"group:{world.data.groups[0]}",
                      f"thumbnail:{world.data.members[world.data.groups[0]][0]}"]


def test_a_thumbnail_is_blurred_greyscale_by_get_and_clear_only_by_a_post_with_its_token(world):
    client, headers = signed_in(world, "ann")
    item = world.data.members[world.data.groups[0]][0]
    blurred = client.get(f"/grading/thumbnails/{item}.jpg")
    assert blurred.status_code == 200 and blurred.headers["content-type"] == "image/jpeg"
    assert "no-store" in blurred.headers["cache-control"]
    with Image.open(io.BytesIO(blurred.content)) as shown:
        assert shown.mode == "L"
    assert blurred.content != world.clear_jpeg
    assert client.post(f"/grading/thumbnails/{item}/clear").status_code == 403  # no CSRF token
    clear = client.post(f"/grading/thumbnails/{item}/clear", headers=headers)
    assert clear.status_code == 200 and clear.content == world.clear_jpeg
    assert [(a, s, d) for a, s, d in events(world.web.engine, "view")] == [
        ("ann", f"item:{item}", {"variant": "blurred"}), ("ann", f"item:{item}", {"variant": "clear"})]
    assert events(world.web.engine, "unblur") == [("ann", f"item:{item}", None)]
    with Session(world.web.engine) as session:
        counted = session.execute(select(ExposureCount.blurred, ExposureCount.clear)).all()
    assert [tuple(c) for c in counted] == [(1, 1)]


@pytest.mark.parametrize("who", ["ann", "sue"])
def test_known_material_is_never_rendered_whoever_asks(world, who):
    client, headers = signed_in(world, who)
    known = world.data.known_item  # it even has a thumbnail: still refused
    assert client.get(f"/grading/thumbnails/{known}.jpg").status_code == 403
    assert client.post(f"/grading/thumbnails/{known}/clear", headers=headers).status_code == 403
    assert [d for a, s, d in events(world.web.engine, "access_denied")] == [
        {"why": "known material is never rendered"}] * 2
    assert events(world.web.engine, "view") == []


@pytest.mark.parametrize("trick", ["..%2F1", "1%2F..%2F2", "01", "abc", "-1", "1e3", "%2e%2e", "1" * 30])
def test_path_tricks_in_thumbnail_ids_are_refused(world, trick):
    client, _ = signed_in(world, "ann")
    response = client.get(f"/grading/thumbnails/{trick}.jpg")
    assert response.status_code == 404
    assert events(world.web.engine, "view") == []


def test_roles_that_do_not_grade_are_refused(world):
    client, headers = signed_in(world, "ian")  # investigator
    item = world.data.members[world.data.groups[0]][0]
    assert client.get("/grading/exhibits/EX-1").status_code == 403
    assert client.get(f"/grading/thumbnails/{item}.jpg").status_code == 403
    assert grade(client, headers, world.data.groups[0], "a", 0).status_code == 403
    supervisor, headers = signed_in(world, "sue")
    assert grade(supervisor, headers, world.data.groups[0], "a", 0).status_code == 403


def test_three_examiners_make_a_trusted_grade_that_goes_to_the_library_and_leaves_every_queue(any_world):
    group = any_world.data.groups[0]
    for version, name in enumerate(("ann", "bob", "cat")):
        client, headers = signed_in(any_world, name)
        answer = grade(client, headers, group, "b", version)
        assert answer.status_code == 200, answer.text
        assert client.get("/grading/exhibits/EX-1").text.count('data-group="') == 2  # graded: gone from my queue
    assert answer.json() == {"group": group, "state": "trusted", "votes": 3, "version": 3, "category": "b"}
    entries = list(LibraryStore(any_world.web.engine).entries("unit-verified"))
    assert len(entries) == 3 and {e.category.value for e in entries} == {"b"}
    assert events(any_world.web.engine, "export")[0][:2] == ("cat", f"group:{group}")
    assert [d["state"] for _, _, d in events(any_world.web.engine, "grade")] == ["unverified", "unverified", "trusted"]
    client, _ = signed_in(any_world, "ann")
    states = client.get("/api/v1/grading/exhibits/EX-1/states").json()
    assert states == {"ungraded": 2, "unverified": 0, "trusted": 1, "disputed": 0}
    # Now known: its picture is never shown again.
    assert client.get(f"/grading/thumbnails/{any_world.data.members[group][0]}.jpg").status_code == 403


def test_two_examiners_on_one_group_at_once_the_second_sees_a_conflict(any_world):
    group = any_world.data.groups[1]
    ann, ann_headers = signed_in(any_world, "ann")
    bob, bob_headers = signed_in(any_world, "bob")
    assert grade(ann, ann_headers, group, "c", 0).status_code == 200
    conflict = grade(bob, bob_headers, group, "c", 0)  # bob's card was drawn at version 0
    assert conflict.status_code == 409
    assert conflict.json() == {"detail": "another examiner graded this group while you were looking at it",
                               "version": 1, "takes_votes": True}
    assert grade(bob, bob_headers, group, "c", 1).json()["votes"] == 2
    again = grade(ann, ann_headers, group, "c", 2)
    assert again.status_code == 409 and "already graded" in again.json()["detail"]


def test_examiners_sharing_an_exhibit_start_on_different_groups(any_world, monkeypatch):
    monkeypatch.setattr("tutela.web.grading.QUEUE_PAGE", 1)  # a card a page: three groups, three examiners
    first_card = {}
    for name in ("ann", "bob", "cat"):
        client, headers = signed_in(any_world, name)
        first_card[name] = int(re.search(r'data-group="(\d+)"', client.get("/grading/exhibits/EX-1").text)[1])
    assert list(first_card.values()) == any_world.data.groups  # largest first, each held for who was shown it
    assert grade(client, headers, first_card["cat"], "b", 0).status_code == 200  # cat's vote gives hers back
    again = client.get("/grading/exhibits/EX-1").text
    assert int(re.search(r'data-group="(\d+)"', again)[1]) == any_world.data.groups[0]  # all held: she shares


def test_an_examiner_who_loses_a_race_for_a_page_is_given_other_groups(any_world, monkeypatch):
    from datetime import UTC, datetime, timedelta

    from tutela.store import grading as store

    monkeypatch.setattr("tutela.web.grading.QUEUE_PAGE", 1)
    real_queue, raced = store.queue, []

    def queue_then_bob_takes_the_first(session, **kw):
        cards = real_queue(session, **kw)
        if not raced:  # bob's page commits between ann's read and her hold
            raced.append(cards[0].group_id)
            with Session(any_world.web.engine) as other, other.begin():
                now = datetime.now(UTC)
                store.hold(other, user_id=any_world.data.users["bob"], exhibit_id=kw["exhibit_id"],
                           group_ids=[cards[0].group_id],
                           until=now + timedelta(minutes=15), now=now)
        return cards

    monkeypatch.setattr(store, "queue", queue_then_bob_takes_the_first)
    client, _ = signed_in(any_world, "ann")
    shown = int(re.search(r'data-group="(\d+)"', client.get("/grading/exhibits/EX-1").text)[1])
    assert raced == [any_world.data.groups[0]] and shown == any_world.data.groups[1]


def test_a_plain_form_post_grades_and_goes_back_to_the_queue(world):
    client = world.web.sign_in("ann")
    page = client.get("/grading/exhibits/EX-1")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = client.post(f"/grading/groups/{world.data.groups[2]}/grade",
                         data={"category": "not_indecent", "version": "0", "csrf_token": token})
    assert answer.status_code == 303 and answer.headers["location"] == "/grading/exhibits/EX-1"


@pytest.mark.parametrize(("category", "version"), [
    ("z", "0"), ("comparison", "0"), ("ungraded", "0"), ("a" * 500, "0"), ("a", "-1"), ("a", "x"), ("a", "9" * 30),
])
def test_malformed_grades_are_refused_and_record_nothing(world, category, version):
    client, headers = signed_in(world, "ann")
    answer = client.post(f"/grading/groups/{world.data.groups[0]}/grade",
                         data={"category": category, "version": version}, headers=headers)
    assert answer.status_code == 422
    assert events(world.web.engine, "grade") == []


def test_a_supervisor_sees_disputes_with_every_vote_and_the_exposure_figures(any_world):
    group = any_world.data.groups[2]
    for version, (name, category) in enumerate((("ann", "a"), ("bob", "c"))):
        client, headers = signed_in(any_world, name)
        assert grade(client, headers, group, category, version).status_code == 200
        client.get(f"/grading/thumbnails/{any_world.data.members[group][0]}.jpg")
    supervisor, _ = signed_in(any_world, "sue")
    page = supervisor.get("/grading/supervisor")
    assert page.status_code == 200
    assert f'data-group="{group}"' in page.text and "ann: A; bob: C" in page.text
    rows = supervisor.get("/api/v1/grading/exposure").json()
    assert [(r["user"], r["blurred"], r["clear"]) for r in rows] == [("ann", 1, 0), ("bob", 1, 0)]
    cat, _ = signed_in(any_world, "cat")
    assert f'data-group="{group}"' not in cat.get("/grading/exhibits/EX-1").text  # disputed: out of the queue
    assert supervisor.get("/api/v1/grading/exposure?start=2026-12-02&end=2026-12-01").status_code == 422
