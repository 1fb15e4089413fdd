"""``tutela serve``: the web application under uvicorn. Needs TUTELA_SECRET_KEY (no default secret)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)


def serve_command(host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
                  port: int = typer.Option(8000, "--port", min=0, max=65535, help="port (0: any free one)"),
                  match_only: bool = typer.Option(False, "--match-only", help="only the match service "
                                                  "(/api/v1/match), for a deployment that holds no case data"),
                  workers: int | None = typer.Option(None, "--workers", min=1, max=64, help="worker processes "
                                                     "(default 1; with --match-only TUTELA_MATCH_WORKERS, "
                                                     "sharing one mapped copy of the indexes)")) -> None:
    """Serve the web application and its JSON API (/api/v1) with uvicorn."""
    from tutela.cli.common import settings

    config = settings()
    if match_only:
        from tutela.web.match_app import serve_match_only

        serve_match_only(config, host=host, port=port, workers=workers or config.match_workers)
        return
    from tutela.web.app import serve_app

    serve_app(config, host=host, port=port, workers=workers or 1)
