"""``tutela audit verify``: walk the audit chain and name the first event that does not verify."""

from __future__ import annotations

import typer

audit = typer.Typer(help="The audit chain.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(audit, name="audit")


@audit.command("verify")
def audit_verify(json_out: bool = typer.Option(False, "--json", help="the result as one JSON line")) -> None:
    """Check every event's digest and link; status 1 naming the first event that does not verify."""
    from tutela.cli.users import store_session
    from tutela.store.audit import verify_chain

    with store_session() as session:
        report = verify_chain(session)
    if json_out:
        from tutela.cli.output import write_json_line

        write_json_line({"ok": report.ok, "events": report.events, "head_digest": report.head_digest,
                         "broken_at": report.broken_at, "reason": report.reason})
    elif report.ok:
        typer.echo(f"audit chain verified: {report.events} events, head {report.head_digest}")
    else:
        typer.echo(f"tutela: audit chain broken at event {report.broken_at}: {report.reason}", err=True)
    if not report.ok:
        raise typer.Exit(1)
