"""Sign-in and a case page in a real browser (Debian's chromium driven by Playwright) against real uvicorn."""

from __future__ import annotations

import pytest
from live_server import live_server
from web_world import PASSWORD

pytestmark = pytest.mark.browser
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield browser.new_page()
        finally:
            browser.close()


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_sign_in_then_read_a_case_and_sign_out(web, browser_page):
    page = browser_page
    with live_server(web.app) as base:
        page.goto(f"{base}/cases/CASE-001")
        assert page.url.startswith(f"{base}/login?next=")
        page.get_by_label("Name").fill("investigator")
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Sign in").click()
        assert page.get_by_role("alert").inner_text().startswith("Wrong name or password")
        page.get_by_label("Name").fill("investigator")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base}/cases/CASE-001")
        assert page.get_by_role("heading", level=1).inner_text() == "Case CASE-001"
        assert page.get_by_role("link", name="EX-01").is_visible()
        assert "DC 101" in page.locator("main").inner_text()
        cookies = {c["name"]: c for c in page.context.cookies()}
        assert cookies["tutela_session"]["httpOnly"] and cookies["tutela_session"]["sameSite"] == "Strict"
        assert page.evaluate("document.cookie") == ""  # the session cookie is out of reach of scripts
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{base}/login")
        page.goto(f"{base}/cases/CASE-001")
        assert page.url.startswith(f"{base}/login?next=")
