"""Create or upgrade the store with Alembic; safe to run any number of times."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # SQLAlchemy is imported where it is used: `tutela lookup` reads SCHEMA_REVISION without it
    from sqlalchemy import Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def _config(engine: Engine):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> str:
    """Bring the schema to the newest revision; returns that revision."""
    from alembic import command
    from alembic.script import ScriptDirectory

    config = _config(engine)
    command.upgrade(config, "head")
    return ScriptDirectory.from_config(config).get_current_head() or ""


# The newest migration, written here so that opening the store does not import Alembic (0.2 s at every
# command start); tests/store checks it against the migrations folder.
SCHEMA_REVISION = "0011"


def head_revision() -> str:
    return SCHEMA_REVISION


def migrations_head() -> str:
    from alembic.script import ScriptDirectory

    config = _config(None)  # type: ignore[arg-type]
    return ScriptDirectory.from_config(config).get_current_head() or ""


def current_revision(engine: Engine) -> str | None:
    from sqlalchemy import inspect

    if "alembic_version" not in inspect(engine).get_table_names():
        return None
    with engine.connect() as connection:
        return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
