"""Fixtures for the web application: a migrated store (SQLite and PostgreSQL) with teams and accounts."""

from __future__ import annotations

import pytest
from web_world import make_world

from tutela.services import accounts


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch):
    """argon2id with the smallest cost: the same code and hash format, without ~1 s a hash on a busy machine.

    The cost sits in each hash's own parameters, so verification follows whichever hasher made it.
    """
    from argon2 import PasswordHasher

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(accounts, "_hasher", lambda: cheap)
    monkeypatch.setattr(accounts, "_dummy_hash", lambda: cheap.hash("not anyone's password"))


@pytest.fixture
def web(engine, tmp_path):
    world = make_world(engine, tmp_path)
    yield world
    world.close()
