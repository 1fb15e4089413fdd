"""The grading screen in a real browser, on media that went through the real ingest.

A seized folder of drawn pictures (one picture in three copies, one of them re-encoded; a second picture; a
picture the library knows) is ingested with TUTELA_MEDIA_KEY set, so groups and encrypted thumbnails are the
ingest's own. Three examiners then grade in chromium with the keyboard.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys

import pytest
from drawn import encoded, picture
from live_server import live_server
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery staple"
EXAMINERS = ("ann", "bob", "cat")


def _photo(seed: int, quality: int = 90) -> bytes:
    return encoded(picture(640, 480, seed=seed), "JPEG", quality=quality)


def tutela(*args: str, stdin: str = "") -> str:
    """Run the real command line in this process; its standard output."""
    from tutela.cli.app import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "stdin", io.StringIO(stdin))
        with pytest.raises(SystemExit) as status:
            main(list(args))
    assert status.value.code in (0, None), (args, out.getvalue()[-500:])
    return out.getvalue()


@pytest.fixture(scope="module")
def site(tmp_path_factory, cheap_password_hashes):
    """A unit after `tutela ingest`: exhibit EX-1 with two groups of unknown media and one known item; the
    examiners ann, bob and cat and the supervisor sue; the app served by uvicorn. Shared by this module's tests,
    which run in order."""
    from cryptography.fernet import Fernet

    folder = tmp_path_factory.mktemp("grading-site")
    seized = folder / "seized"
    seized.mkdir()
    (seized / "IMG_1.jpg").write_bytes(_photo(1))
    (seized / "IMG_1 copy.jpg").write_bytes(_photo(1))
    (seized / "IMG_1 small.jpg").write_bytes(_photo(1, quality=60))
    (seized / "IMG_2.jpg").write_bytes(_photo(2))
    (seized / "IMG_3.jpg").write_bytes(_photo(3))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TUTELA_HOME", str(folder / "home"))
        patch.setenv("TUTELA_MEDIA_KEY", Fernet.generate_key().decode())
        patch.setenv("TUTELA_SECRET_KEY", "browser-test-secret-key-of-at-least-32-chars")
        known = json.loads(tutela("hash", str(seized / "IMG_3.jpg"), "--json"))
        (folder / "national.csv").write_text(f"md5,category\n{known['md5']},A\n")
        tutela("team", "add", "T-B01", "--name", "Borough one", "--kind", "borough")
        tutela("case", "create", "CASE-1", "--team", "T-B01")
        tutela("exhibit", "add", "EX-1", "--case", "CASE-1", "--type", "phone")
        tutela("library", "add-bank", "national", "--trust", "trusted")
        tutela("library", "import", str(folder / "national.csv"), "--bank", "national")
        tutela("ingest", str(seized), "--case", "CASE-1", "--exhibit", "EX-1", "--workers", "1")
        for name in EXAMINERS:
            tutela("user", "add", name, "--role", "examiner", "--team", "T-B01", stdin=f"{PASSWORD}\n{PASSWORD}\n")
        tutela("user", "add", "sue", "--role", "supervisor", stdin=f"{PASSWORD}\n{PASSWORD}\n")
        yield from _served()


def _served():
    from tutela.services.store import open_store
    from tutela.settings import load_settings
    from tutela.store.ingest_tables import MediaItem
    from tutela.web.app import create_app

    settings = load_settings()
    engine = open_store(settings)
    with Session(engine) as session:
        known_id = session.execute(select(MediaItem.id).where(MediaItem.outcome == "known")).scalar_one()
    try:
        with live_server(create_app(settings, engine=engine)) as base:
            yield base, known_id
    finally:
        engine.dispose()


def sign_in(browser, base: str, name: str):
    page = browser.new_context().new_page()
    page.goto(f"{base}/login")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")
    return page


def open_queue(page, base: str):
    """The exhibit's queue from the grading list; every request and every picture answer is kept."""
    requests, pictures = [], []
    page.on("request", lambda request: requests.append((request.method, request.url)))
    page.on("response", lambda response: pictures.append(response) if response.url.endswith(".jpg") else None)
    page.goto(f"{base}/grading")
    with page.expect_response(lambda r: r.url.endswith(".jpg")):
        page.get_by_role("link", name="EX-1").click()
    return requests, pictures


def test_three_examiners_grade_a_blurred_group_with_the_keyboard_and_it_becomes_trusted(browser, site):
    base, _ = site
    for number, name in enumerate(EXAMINERS, start=1):
        page = sign_in(browser, base, name)
        requests, pictures = open_queue(page, base)
        card = page.locator("article.card.current")
        assert card.get_attribute("data-size") == "3"  # the largest group first: one picture for three files
        image = card.locator("img.thumb")
        assert "blurred" in image.get_attribute("class")
        assert page.evaluate("img => img.complete && img.naturalWidth > 0", image.element_handle())
        (shown,) = pictures  # one picture fetched: the current card's, not the next one's
        with Image.open(io.BytesIO(shown.body())) as served:
            assert served.mode == "L"  # the greyscale blurred variant left the server, nothing else
        assert not [url for method, url in requests if "/clear" in url]
        page.keyboard.press("b")
        expected = "trusted" if number == 3 else "unverified"
        page.get_by_role("status").filter(has_text=f"graded B: {expected}").wait_for()
        expect(page.locator("#grading-states")).to_contain_text(f"{int(number == 3)} trusted")
        page.context.close()
    page = sign_in(browser, base, "ann")
    page.goto(f"{base}/grading/exhibits/EX-1")
    assert page.locator("article.card").count() == 1  # ann graded the big group: only the other is left
    expect(page.locator("#grading-states")).to_contain_text("1 trusted")


def test_the_clear_picture_comes_only_from_an_explicit_action_and_known_material_is_refused(browser, site):
    base, known_id = site
    page = sign_in(browser, base, "ann")
    open_queue(page, base)
    with page.expect_response(lambda r: r.url.endswith("/clear")) as answer:
        page.keyboard.press("u")
    assert answer.value.status == 200 and answer.value.request.method == "POST"
    assert "clear" in page.locator("article.card.current img.thumb").get_attribute("class")
    assert page.goto(f"{base}/grading/thumbnails/{known_id}.jpg").status == 403
    supervisor = sign_in(browser, base, "sue")
    assert supervisor.goto(f"{base}/grading/thumbnails/{known_id}.jpg").status == 403
    supervisor.goto(f"{base}/grading/supervisor")
    rows = {cells[1]: cells[2:] for cells in (row.split("\t") for row in
            supervisor.locator("table.grading-exposure tbody tr").all_inner_texts())}
    # Every picture shown was counted: each examiner's first card and the card after it (shown once the first
    # was graded); ann's second card twice more as she came back to the queue, then clear once.
    assert rows == {"ann": ["4", "1"], "bob": ["2", "0"], "cat": ["2", "0"]}
