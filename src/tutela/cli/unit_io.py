"""``tutela import unit FILE`` and ``tutela export unit FILE``: the whole unit as one JSON document."""

from __future__ import annotations

from pathlib import Path

import typer

import_group = typer.Typer(help="Import records from files.", no_args_is_help=True)
export_group = typer.Typer(help="Export records to files.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(import_group, name="import")
    app.add_typer(export_group, name="export")


@import_group.command("unit")
def import_unit_command(file: Path = typer.Argument(..., help="a unit document (docs/unit-schema.json)"),
                        json_out: bool = typer.Option(False, "--json", help="the summary as one JSON line")) -> None:
    """Import teams, operations, referrals, cases and their records: all or nothing; twice changes nothing."""
    from tutela.cli.common import say
    from tutela.cli.output import write_json_line
    from tutela.cli.unit import unit_store
    from tutela.services.console_audit import record_command
    from tutela.services.unit_import import UnitImportRejected, import_unit, read_document

    document = read_document(file)
    try:
        with unit_store() as (store, zone):
            try:
                result = import_unit(store, document, zone, source=str(file))
            except UnitImportRejected as exc:
                record_command(store.engine, kind="import", subject="unit",
                               details={"file": file.name, "rejected": True, "problems": len(exc.problems)})
                raise
            record_command(store.engine, kind="import", subject="unit",
                           details={"file": file.name, "rejected": False, "added": result.added})
    except UnitImportRejected as exc:
        if json_out:
            write_json_line({"file": str(file), "rejected": True, "problems": exc.problems})
        else:
            for problem in exc.problems:
                say(f"{file}: {problem}")
        raise
    if json_out:
        write_json_line({"file": str(file), "rejected": False, "added": result.added,
                         "already_present": result.already_present})
        return
    added = ", ".join(f"{n} {s}" for s, n in result.added.items()) or "nothing"
    present = sum(result.already_present.values())
    say(f"{file}: added {added}; {present} records already present")


@export_group.command("unit")
def export_unit_command(file: Path = typer.Argument(..., help="where to write the unit document")) -> None:
    """Write every record of the unit in the import format."""
    import json

    from tutela.cli.common import say
    from tutela.cli.unit import unit_store
    from tutela.services.console_audit import record_command

    with unit_store() as (store, _zone):
        document = store.export_document()
        partial = file.with_name(file.name + ".partial")
        partial.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        partial.replace(file)
        record_command(store.engine, kind="export", subject="unit",
                       details={"file": file.name, **{k: len(v) for k, v in document.items() if isinstance(v, list)}})
    counts = ", ".join(f"{len(v)} {k}" for k, v in document.items() if isinstance(v, list))
    say(f"{file}: {counts}")
