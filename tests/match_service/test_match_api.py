"""The match API as a partner uses it: look-ups, uploads, feedback, and every refusal (FastAPI TestClient)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from drawn import encoded, picture
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from match_entries import flipped, random_pdqs
from match_world import add_partners, bearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from tutela.domain.categories import Category
from tutela.domain.media import FrameSignature
from tutela.formats.entries import LibraryEntry
from tutela.hashing.stills import hash_still, register_decoders
from tutela.services.partners import revoke
from tutela.store.account_tables import AuditEvent
from tutela.store.bank_videos import add_bank_video
from tutela.store.library import LibraryStore
from tutela.store.partner_tables import MatchRecord
from tutela.store.partners import review_queue, takedown_figures
from tutela.web.match_app import create_match_app


@pytest.fixture
def world(library):
    settings, engine, banks = library
    settings = settings.model_copy(update={"match_max_hashes": 50, "match_max_upload_bytes": 300_000})
    partners = add_partners(engine, {"platform-a": ["national"], "platform-b": ["partner-feed"]})
    app = create_match_app(settings, engine=engine)
    with TestClient(app) as client:
        yield client, partners.keys, banks, engine, settings


def _lookup(client, key, hashes, **extra):
    return client.post("/api/v1/match/lookup", json={"hashes": hashes, **extra}, headers=bearer(key))


def test_a_partner_gets_hash_only_answers_from_its_shared_banks(world):
    client, keys, banks, _, _ = world
    national, feed = banks["national"][3], banks["partner-feed"][3]
    response = _lookup(client, keys["platform-a"], [f"pdq:{flipped(national.pdq, 7)}", f"md5:{national.md5.upper()}",
                                                    f"md5:{feed.md5}", f"pdq:{random_pdqs(1, 77)[0]}"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["hashes"], body["matched"]) == (4, 2)
    first, second, other_bank, nothing = body["results"]
    assert [(m["bank"], m["category"], m["hash_type"], m["distance"]) for m in first["matches"]] == [
        ("national", "a", "pdq", 7)]
    assert set(first["matches"][0]) == {"match_id", "bank", "category", "hash_type", "distance"}
    assert second["matches"][0]["hash_type"] == "md5" and second["query"] == f"md5:{national.md5.upper()}"
    assert other_bank["matches"] == [] and nothing["matches"] == []  # platform-b's bank is not platform-a's
    assert "private series name" not in response.text and "entry_id" not in response.text


def test_every_call_is_audited_with_counts_never_hashes(world):
    client, keys, banks, engine, _ = world
    queries = [f"md5:{banks['national'][0].md5}", f"pdq:{banks['national'][1].pdq}"]
    assert _lookup(client, keys["platform-a"], queries).status_code == 200
    client.app.state.match_calls.recorder.flush()  # written in batches, within a fraction of a second
    with Session(engine) as session:
        events = session.execute(select(AuditEvent).where(AuditEvent.kind == "partner_call")).scalars().all()
    assert [(e.actor, e.details["hashes"], e.details["matches"]) for e in events] == [("platform-a", 2, 2)]
    stored = json.dumps([e.details for e in events]) + "".join(e.subject or "" for e in events)
    assert banks["national"][0].md5 not in stored and banks["national"][1].pdq not in stored


def test_a_single_hash_can_be_looked_up_with_get(world):
    client, keys, banks, _, _ = world
    response = client.get("/api/v1/match/lookup", params={"hash": f"md5:{banks['national'][2].md5}"},
                          headers=bearer(keys["platform-a"]))
    assert response.status_code == 200
    assert response.json()["results"][0]["matches"][0]["bank"] == "national"


def test_malformed_hashes_are_refused_by_position_and_nothing_is_matched(world):
    client, keys, banks, engine, _ = world
    response = _lookup(client, keys["platform-a"], [f"md5:{banks['national'][0].md5}", "pdq:abc", "crc:00"])
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "hashes[1]: pdq must be 64 hex digits, got 3" in detail and "hashes[2]: expected md5:HEX" in detail
    client.app.state.match_calls.recorder.flush()
    with Session(engine) as session:
        assert session.execute(select(MatchRecord)).first() is None
    assert _lookup(client, keys["platform-a"], "pdq:00").status_code == 422  # not a list
    bad_frame = {"videos": [{"frames": [{"pdq": "zz" * 32, "quality": 90}]}]}
    response = client.post("/api/v1/match/lookup", json=bad_frame, headers=bearer(keys["platform-a"]))
    assert response.status_code == 422 and "videos[0]: frame #0: PDQ is not hexadecimal" in response.json()["detail"]
    assert "zz" * 32 not in response.text


def test_oversized_batches_and_bodies_are_refused(world):
    client, keys, _, _, settings = world
    response = _lookup(client, keys["platform-a"], [f"md5:{'0' * 32}"] * (settings.match_max_hashes + 1))
    assert response.status_code == 413 and "at most 50" in response.json()["detail"]
    frames = [{"pdq": "0" * 64, "quality": 100}] * 30
    response = client.post("/api/v1/match/lookup", headers=bearer(keys["platform-a"]),
                           json={"hashes": [f"md5:{'0' * 32}"] * 30, "videos": [{"frames": frames}]})
    assert response.status_code == 413  # 30 hashes + 30 frames
    huge = b'{"hashes": [' + b'"md5:00",' * 200_000 + b'"md5:00"]}'
    response = client.post("/api/v1/match/lookup", content=huge, headers={
        **bearer(keys["platform-a"]), "Content-Type": "application/json"})
    assert response.status_code == 413 and "request body too large" in response.json()["detail"]


@pytest.mark.parametrize("headers, reason", [
    ({}, "an API key is needed"),
    ({"Authorization": "Bearer tpk_0123456789ab_wrong"}, "unknown API key"),
    ({"Authorization": "Bearer not-a-key"}, "malformed API key"),
    ({"Authorization": "Basic dXNlcjpwYXNz"}, "an API key is needed"),
])
def test_missing_wrong_and_malformed_keys_are_refused(world, headers, reason):
    client, _, banks, _, _ = world
    response = client.post("/api/v1/match/lookup", json={"hashes": [f"md5:{banks['national'][0].md5}"]},
                           headers=headers)
    assert response.status_code == 401 and reason in response.json()["detail"]
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "national" not in response.text


def test_a_revoked_key_is_refused_from_the_next_request(world):
    client, keys, banks, engine, _ = world
    query = [f"md5:{banks['national'][0].md5}"]
    assert _lookup(client, keys["platform-a"], query).status_code == 200
    with Session(engine) as session, session.begin():
        revoke(session, keys["platform-a"][:16], "os:test")
    response = _lookup(client, keys["platform-a"], query)
    assert response.status_code == 401 and response.json()["detail"] == "this API key was revoked"


def test_a_browser_session_is_not_a_key(world):
    client, _, _, _, _ = world
    client.cookies.set("tutela_session", "anything")
    response = client.get("/api/v1/match/banks")
    client.cookies.clear()
    assert response.status_code == 403 and "API key" in response.json()["detail"]


def test_asking_for_a_bank_not_shared_is_forbidden_whether_it_exists_or_not(world):
    client, keys, banks, _, _ = world
    query = [f"md5:{banks['partner-feed'][0].md5}"]
    for bank in ("partner-feed", "no-such-bank"):
        response = _lookup(client, keys["platform-a"], query, banks=[bank])
        assert response.status_code == 403
        assert response.json()["detail"] == f"bank '{bank}' is not shared with you"
    assert _lookup(client, keys["platform-a"], query, banks=["national"]).json()["results"][0]["matches"] == []
    assert client.get("/api/v1/match/banks", headers=bearer(keys["platform-a"])).json() == [
        {"bank": "national", "pdq_threshold": 31, "enabled": True}]


def test_takedown_feedback_only_on_own_match_ids_and_false_positives_reach_the_custodian(world):
    client, keys, banks, engine, _ = world
    mine = _lookup(client, keys["platform-a"], [f"md5:{banks['national'][4].md5}"]).json()
    theirs = _lookup(client, keys["platform-b"], [f"md5:{banks['partner-feed'][4].md5}"]).json()
    match_id = mine["results"][0]["matches"][0]["match_id"]
    other_id = theirs["results"][0]["matches"][0]["match_id"]

    def report(key, match, action, note=None):
        return client.post("/api/v1/match/feedback", json={"match_id": match, "action": action, "note": note},
                           headers=bearer(key))

    assert report(keys["platform-a"], match_id, "removed").json() == {
        "match_id": match_id, "action": "removed", "recorded": True}
    assert report(keys["platform-a"], match_id, "removed").json()["recorded"] is False
    assert report(keys["platform-a"], match_id, "false_positive", "a beach photo").status_code == 200
    for refused in (other_id, "0" * 32):
        response = report(keys["platform-a"], refused, "reported")
        assert response.status_code == 404 and response.json()["detail"] == "no such match id among your matches"
    assert report(keys["platform-a"], match_id, "deleted").status_code == 422

    with Session(engine) as session:
        (queued,) = review_queue(session)
        start = datetime.now(UTC) - timedelta(days=1)
        figures = takedown_figures(session, start, start + timedelta(days=2))
    assert (queued["partner"], queued["bank"], queued["note"], queued["entry_hashes"]["md5"]) == (
        "platform-a", "national", "a beach photo", banks["national"][4].md5)
    week = datetime.now(UTC).isocalendar()
    assert figures == [
        {"partner": "platform-a", "week": f"{week[0]}-W{week[1]:02d}", "matches": 1, "removed": 1, "reported": 0,
         "false_positive": 1},
        {"partner": "platform-b", "week": f"{week[0]}-W{week[1]:02d}", "matches": 1, "removed": 0, "reported": 0,
         "false_positive": 0}]


def test_an_upload_is_hashed_in_memory_and_matched(world):
    register_decoders()
    client, keys, _, engine, settings = world
    original = encoded(picture(seed=4), "PNG")
    LibraryStore(engine).import_rows("national", [LibraryEntry(pdq=hash_still(original).pdq, category=Category.B)],
                                     skip_invalid=False, file_name="x", file_sha256="0" * 64, fmt="csv")
    client.app.state.match_calls.watcher.poll()
    copy = encoded(picture(seed=4).transpose(0), "JPEG", quality=80)  # a mirrored, re-encoded copy
    response = client.post("/api/v1/match/media", content=copy, headers={
        **bearer(keys["platform-a"]), "Content-Type": "application/octet-stream"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["kind"] == "still" and body["size"] == len(copy)
    assert [(m["bank"], m["category"], m["hash_type"]) for m in body["matches"]] == [("national", "b", "pdq")]
    too_big = b"\0" * (settings.match_max_upload_bytes + 1)
    response = client.post("/api/v1/match/media", content=too_big, headers=bearer(keys["platform-a"]))
    assert response.status_code == 413
    response = client.post("/api/v1/match/media", content=b"not a picture", headers=bearer(keys["platform-a"]))
    assert response.status_code == 200 and response.json()["matches"] == []


def test_videos_match_bank_videos_by_their_frames(world):
    client, keys, _, engine, _ = world
    pdqs = random_pdqs(10, 31)
    add_bank_video(engine, "national", category=Category.A,
                   frames=[FrameSignature(i, float(i), p, 100) for i, p in enumerate(pdqs)])
    client.app.state.match_calls.watcher.poll()
    frames = [{"pdq": flipped(p, 3), "quality": 95, "frame": i} for i, p in enumerate(pdqs)]
    response = client.post("/api/v1/match/lookup", json={"videos": [{"frames": frames}]},
                           headers=bearer(keys["platform-a"]))
    (video,) = response.json()["videos"]
    assert [(m["bank"], m["hash_type"], m["query_percent"], m["bank_percent"]) for m in video["matches"]] == [
        ("national", "vpdq", 100.0, 100.0)]
    response = client.post("/api/v1/match/lookup", json={"videos": [{"frames": frames}]},
                           headers=bearer(keys["platform-b"]))
    assert response.json()["videos"][0]["matches"] == []  # not platform-b's bank


def test_health_needs_no_key_and_says_size_and_age(world):
    client, _, _, _, _ = world
    body = client.get("/api/v1/match/health").json()
    assert body["status"] == "ok" and body["pdq_entries"] == 400 and body["digest_entries"] == 400
    assert body["checked_seconds_ago"] >= 0 and body["index_built_seconds_ago"] >= 0


def test_the_match_only_app_has_no_case_routes_and_documents_its_api(world):
    client, _, _, _, _ = world
    paths = {context.path for context in iter_route_contexts(client.app.routes)}
    assert all(p.startswith("/api/v1/match") for p in paths), paths
    document = client.get("/api/v1/match/openapi.json").json()
    assert {"/api/v1/match/lookup", "/api/v1/match/media", "/api/v1/match/feedback", "/api/v1/match/health",
            "/api/v1/match/banks"} <= set(document["paths"])
    assert "429" in document["paths"]["/api/v1/match/lookup"]["post"]["responses"]


def test_over_the_rate_limit_a_partner_is_told_when_to_come_back(library):
    settings, engine, banks = library
    settings = settings.model_copy(update={"match_rate_limit": 2.0})
    keys = add_partners(engine, {"platform-a": ["national"]}).keys
    with TestClient(create_match_app(settings, engine=engine)) as client:
        statuses = [_lookup(client, keys["platform-a"], [f"md5:{banks['national'][0].md5}"]) for _ in range(4)]
    assert [r.status_code for r in statuses[:2]] == [200, 200]
    assert statuses[-1].status_code == 429 and int(statuses[-1].headers["Retry-After"]) >= 1


def test_match_records_are_written_in_the_background_within_moments(world):
    import time

    client, keys, banks, engine, _ = world
    body = _lookup(client, keys["platform-a"], [f"md5:{banks['national'][6].md5}"]).json()
    match_id = body["results"][0]["matches"][0]["match_id"]
    deadline = time.monotonic() + 30
    found = None
    while found is None and time.monotonic() < deadline:
        with Session(engine) as session:
            found = session.get(MatchRecord, match_id)
        time.sleep(0.05)
    assert (found.category, found.hash_type, found.distance) == ("a", "md5", 0)
