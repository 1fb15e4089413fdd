"""A small library for the match service tests: two banks of random PDQs and MD5s."""

from __future__ import annotations

import pytest
from match_entries import ENTRIES_PER_BANK, add_entries, random_pdqs

from tutela.domain.banks import Trust
from tutela.domain.categories import Category
from tutela.settings import Settings
from tutela.store.library import LibraryStore


@pytest.fixture
def library(engine, tmp_path):
    """(settings, engine, {bank name: entries}) with banks 'national' (A) and 'partner-feed' (B)."""
    store = LibraryStore(engine)
    store.add_bank("national", trust=Trust.TRUSTED)
    store.add_bank("partner-feed", trust=Trust.UNVERIFIED)
    banks = {"national": add_entries(store, "national", random_pdqs(ENTRIES_PER_BANK, 1), Category.A, 11),
             "partner-feed": add_entries(store, "partner-feed", random_pdqs(ENTRIES_PER_BANK, 2), Category.B, 12)}
    settings = Settings(home=tmp_path / "home", match_reload_seconds=0.05)
    return settings, engine, banks
