"""``tutela init``: create or upgrade the store."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    app.command("init")(init_command)


def init_command(json_out: bool = typer.Option(False, "--json", help="one JSON line on stdout")) -> None:
    """Create or upgrade the store (SQLite under TUTELA_HOME, or TUTELA_DATABASE_URL); safe to run twice."""
    from sqlalchemy.engine import make_url

    from tutela.cli.common import settings
    from tutela.cli.output import write_json_line
    from tutela.services.store import open_store
    from tutela.store.migrate import current_revision

    engine = open_store(settings(), create=True)
    shown = make_url(str(engine.url)).render_as_string(hide_password=True)
    revision = current_revision(engine)
    if json_out:
        write_json_line({"store": shown, "revision": revision})
    else:
        typer.echo(f"store ready: {shown} (schema revision {revision})")
