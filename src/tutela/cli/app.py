"""The ``tutela`` command: a thin Typer app; each command group lives in its own module.

Heavy libraries (numpy, Pillow, PyAV, SQLAlchemy) are imported inside commands, so that ``tutela --help``
starts quickly. Errors Tutela raises on purpose become one line on stderr and an exit status (docs/errors.md).
"""

from __future__ import annotations

import os
import sys

import typer

from tutela.errors import TutelaError

app = typer.Typer(
    name="tutela",
    help="Triage, grading and unit records for online child sexual abuse investigation units.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _register_commands() -> None:
    from tutela.cli import (
        audit,
        bank_videos,
        demo,
        hashing,
        ingest,
        init,
        library,
        matching,
        partner,
        rematch,
        remote,
        serve,
        unit,
        users,
    )

    init.register(app)
    demo.register(app)
    hashing.register(app)
    ingest.register(app)
    rematch.register(app)
    library.register(app)
    matching.register(app)
    unit.register(app)
    users.register(app)
    audit.register(app)
    serve.register(app)
    partner.register(app)
    bank_videos.register(app)
    remote.register(app)


_register_commands()


def _say(message: str) -> None:
    sys.stderr.write(f"tutela: {message}\n")
    sys.stderr.flush()


def _skip_collection_at_exit() -> None:
    """The interpreter's last garbage collections walk every object the command imported (SQLAlchemy, NumPy,
    pydantic...): 0.13-0.17 s of CPU after `tutela ingest` had printed its summary. Frozen objects are not walked;
    everything else at exit (the other atexit handlers, flushing stdout, closing files) happens as before."""
    import atexit
    import gc

    atexit.register(gc.freeze)


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the app and turns every outcome into an exit status (0, 1 or 2).

    Typer handles usage errors (status 2) and ``typer.Exit``; errors Tutela raises on purpose become one
    line on stderr; anything else is a bug, shown in one line unless --debug asks for the traceback.
    """
    if argv is None:  # the process's own command: it ends with it
        _skip_collection_at_exit()
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("TUTELA_DEBUG", "").lower() in ("1", "true", "yes")
    args = [a for a in args if a != "--debug"]
    try:
        app(args=args, prog_name="tutela")
    except TutelaError as exc:
        if debug:
            raise
        _say(f"error: {exc}")
        sys.exit(exc.exit_status)
    except KeyboardInterrupt:
        _say("interrupted")
        sys.exit(130)
    except SystemExit as exc:  # Typer turns Ctrl-C into a silent exit with status 130
        if exc.code == 130:
            _say("interrupted")
        raise
    except Exception as exc:
        if debug:
            raise
        _say(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)")
        sys.exit(1)
