"""Opening the store for a command: the engine from settings, at the schema this code expects."""

from __future__ import annotations

from sqlalchemy import Engine

from tutela.errors import StoreError
from tutela.settings import Settings


def open_store(settings: Settings, *, create: bool = False) -> Engine:
    """The store's engine. The embedded SQLite store is created or upgraded on use; PostgreSQL needs `tutela init`."""
    from sqlalchemy.exc import SQLAlchemyError

    from tutela.store.database import open_engine, store_url
    from tutela.store.migrate import current_revision, head_revision, upgrade

    engine = open_engine(store_url(settings.database_url, settings.home))
    try:
        current = current_revision(engine)
        # The embedded SQLite store is one user's file: create and upgrade it in place. A shared PostgreSQL
        # store changes schema only when an administrator runs `tutela init`.
        if current != head_revision() and (create or engine.dialect.name == "sqlite"):
            upgrade(engine)
        elif current != head_revision():
            raise StoreError(f"the store is at revision {current or 'none'}, this tutela needs "
                             f"{head_revision()}: run `tutela init`")
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot open the store: {str(exc).splitlines()[0]}") from None
    return engine
