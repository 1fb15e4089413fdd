"""The match API inside the whole web application (`tutela serve`): keys work, sessions are not keys."""

from __future__ import annotations

from fastapi.testclient import TestClient
from match_world import add_partners, bearer

from tutela.settings import Settings
from tutela.web.app import create_app

SECRET = "test-secret-key-of-at-least-32-characters"


def test_partners_call_the_match_api_of_the_web_application_with_their_keys(library):
    settings, engine, banks = library
    keys = add_partners(engine, {"platform-a": ["national"]}).keys
    app = create_app(Settings(home=settings.home, secret_key=SECRET), engine=engine)
    with TestClient(app) as client:
        assert client.get("/api/v1/match/health").json() == {"status": "ok", "loaded": False}
        response = client.post("/api/v1/match/lookup", json={"hashes": [f"md5:{banks['national'][0].md5}"]},
                               headers=bearer(keys["platform-a"]))
        assert response.status_code == 200
        assert response.json()["results"][0]["matches"][0]["bank"] == "national"
        assert client.get("/api/v1/match/health").json()["pdq_entries"] == 400
        assert client.post("/api/v1/match/lookup", json={"hashes": []}).status_code == 401
