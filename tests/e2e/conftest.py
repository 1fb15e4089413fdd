"""Browser tests: Debian's chromium driven by Playwright, against the app served by a real uvicorn."""

from __future__ import annotations

import pytest

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def cheap_password_hashes():
    """argon2id at its smallest cost, as in tests/web: the same code and format, not ~1 s a hash on a busy machine."""
    from argon2 import PasswordHasher

    from tutela.services import accounts

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "_hasher", lambda: cheap)
        patch.setattr(accounts, "_dummy_hash", lambda: cheap.hash("not anyone's password"))
        yield
