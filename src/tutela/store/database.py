"""Opening the store: one SQLAlchemy engine, SQLite (WAL) by default, PostgreSQL through psycopg 3."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tutela.errors import ConfigurationError

if TYPE_CHECKING:  # SQLAlchemy is imported when an engine is made: `tutela lookup` reads store_url without it
    from sqlalchemy import Engine


def store_url(database_url: str | None, home: Path) -> str:
    """The URL to open: TUTELA_DATABASE_URL, else the SQLite file under TUTELA_HOME."""
    if not database_url:
        return f"sqlite:///{home / 'tutela.sqlite3'}"
    if database_url.startswith(("postgres://", "postgresql://")):
        # psycopg 3 is the driver we install; plain postgresql:// would ask SQLAlchemy for psycopg2.
        return "postgresql+psycopg://" + database_url.split("://", 1)[1]
    return database_url


def open_engine(url: str) -> Engine:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigurationError(f"TUTELA_DATABASE_URL: not a database URL: {url!r}") from None
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database)
    if parsed.get_backend_name() != "postgresql":
        raise ConfigurationError(f"TUTELA_DATABASE_URL: SQLite or PostgreSQL only, not {parsed.get_backend_name()}")
    return create_engine(url, pool_pre_ping=True)


def _sqlite_engine(url: str, database: str | None) -> Engine:
    from sqlalchemy import create_engine, event

    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    # check_same_thread off: pooled connections may serve another thread than the one that opened them (one at a
    # time, which the pool guarantees), as a threaded server or a background writer needs.
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the one writer
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA cache_size=-262144")  # up to 256 MiB of pages: big imports stay off the disk
        cursor.close()

    return engine
