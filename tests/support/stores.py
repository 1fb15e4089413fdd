"""Engines for store tests: a fresh SQLite file, or a fresh database on the real PostgreSQL server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, text

from tutela.store.database import open_engine
from tutela.store.migrate import upgrade

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def sqlite_engine(folder: Path) -> Iterator[Engine]:
    engine = open_engine(f"sqlite:///{folder / 'store.sqlite3'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty database for one test; dropped afterwards."""
    name = f"tutela_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def postgres_engine() -> Iterator[Engine]:
    with postgres_database() as url:
        engine = open_engine(url)
        upgrade(engine)
        try:
            yield engine
        finally:
            engine.dispose()
