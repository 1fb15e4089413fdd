"""Alembic environment: the engine comes from tutela.store.migrate, never from a URL in a file."""

from __future__ import annotations

from alembic import context

# Imported for their tables, which join Base.metadata.
from tutela.store import (  # noqa: F401
    account_tables,
    grading_tables,
    ingest_tables,
    partner_tables,
    unit_tables,
    video_tables,
)
from tutela.store.tables import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()
