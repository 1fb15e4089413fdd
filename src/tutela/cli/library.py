"""``tutela library ...``: banks of graded hashes, their import, export, statistics and conflicts."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

library = typer.Typer(help="Hash libraries: banks, import, export, statistics, grade conflicts.",
                      no_args_is_help=True)


class TrustChoice(StrEnum):
    trusted = "trusted"
    unverified = "unverified"
    ignorable = "ignorable"


class ImportFormat(StrEnum):
    vics = "vics"
    csv = "csv"
    md5list = "md5list"


class ExportFormat(StrEnum):
    vics = "vics"
    csv = "csv"


def register(app: typer.Typer) -> None:
    app.add_typer(library, name="library")


@library.command("add-bank")
def add_bank(
    name: str = typer.Argument(..., help="the bank's name"),
    trust: TrustChoice = typer.Option(..., "--trust", help="trusted library, unverified, or ignorable known-good"),
    source: str = typer.Option("", "--source", help="where the list comes from"),
    precedence: int = typer.Option(0, "--precedence", help="higher wins when banks grade one hash differently"),
    threshold: int = typer.Option(31, "--threshold", min=0, max=64, help="PDQ distance for a near match"),
    disabled: bool = typer.Option(False, "--disabled", help="create it switched off for matching"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Create a bank (a named hash list with its trust, precedence and PDQ threshold)."""
    from tutela.cli.common import library_store
    from tutela.domain.banks import Trust

    bank = library_store().add_bank(name, trust=Trust(trust.value), source=source, precedence=precedence,
                                    pdq_threshold=threshold, enabled=not disabled)
    _print_banks([bank], json_out)


@library.command("banks")
def banks(json_out: bool = typer.Option(False, "--json")) -> None:
    """List the banks."""
    from tutela.cli.common import library_store

    _print_banks(library_store().banks(), json_out)


@library.command("set-bank")
def set_bank(
    name: str = typer.Argument(...),
    enabled: bool | None = typer.Option(None, "--enable/--disable", help="switch matching on or off"),
    trust: TrustChoice | None = typer.Option(None, "--trust"),
    precedence: int | None = typer.Option(None, "--precedence"),
    threshold: int | None = typer.Option(None, "--threshold", min=0, max=64),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Change a bank's trust, precedence, threshold or enabled flag."""
    from tutela.cli.common import library_store
    from tutela.domain.banks import Trust

    bank = library_store().set_bank(name, enabled=enabled, trust=Trust(trust.value) if trust else None,
                                    precedence=precedence, pdq_threshold=threshold)
    _print_banks([bank], json_out)


def _print_banks(rows, json_out: bool) -> None:
    from tutela.cli.common import table
    from tutela.cli.output import write_json_line

    if json_out:
        for b in rows:
            write_json_line({"bank": b.name, "trust": str(b.trust), "source": b.source, "enabled": b.enabled,
                             "precedence": b.precedence, "pdq_threshold": b.pdq_threshold})
        return
    table(["bank", "trust", "enabled", "precedence", "PDQ threshold", "source"],
          [[b.name, b.trust, b.enabled, b.precedence, b.pdq_threshold, b.source] for b in rows])


@library.command("import")
def import_command(
    file: Path = typer.Argument(..., help="the hash list"),
    bank: str = typer.Option(..., "--bank", help="the bank to add to (see `library add-bank`)"),
    fmt: ImportFormat | None = typer.Option(None, "--format", help="vics, csv or md5list (default: detected)"),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="skip bad rows (each reported) instead"),
    json_out: bool = typer.Option(False, "--json", help="the summary as one JSON line"),
) -> None:
    """Import a VICS JSON, CSV or MD5 list into a bank: all or nothing, and twice adds nothing."""
    from tutela.cli.common import counting_progress, library_store, say, settings
    from tutela.cli.output import write_json_line
    from tutela.services.console_audit import record_command
    from tutela.services.library import import_library, profile_from

    store = library_store()
    with counting_progress(f"importing {file.name}") as progress:
        result, warnings = import_library(store, file, bank=bank, fmt=fmt.value if fmt else None,
                                          skip_invalid=skip_invalid, profile=profile_from(settings()),
                                          progress=progress)
    for warning in warnings:
        say(f"{file}: warning: {warning}")
    for problem in result.problems:
        say(f"{file}: {problem}" + ("" if result.rejected else " (skipped)"))
    if result.problem_count > len(result.problems):
        say(f"{file}: ... and {result.problem_count - len(result.problems)} more problems")
    summary = {"bank": result.bank, "file": str(file), "rows": result.read, "added": result.added,
               "already_present": result.already_present, "invalid": result.problem_count,
               "rejected": result.rejected}
    record_command(store.engine, kind="import", subject=f"bank:{result.bank}",
                   details={**summary, "file": file.name, "file_sha256": result.file_sha256})
    if json_out:
        write_json_line(summary)
    elif result.rejected:
        say(f"{file}: rejected, nothing imported: {result.problem_count} invalid rows "
            "(fix them, or use --skip-invalid)")
    else:
        say(f"{file}: {result.read:,} rows read, {result.added:,} added to {result.bank}, "
            f"{result.already_present:,} already present, {result.problem_count:,} skipped")
    raise typer.Exit(1 if result.problem_count else 0)


@library.command("export")
def export_command(
    file: Path = typer.Argument(..., help="where to write"),
    bank: str = typer.Option(..., "--bank"),
    fmt: ExportFormat = typer.Option(..., "--format", help="vics (VICS 2.0 JSON) or csv"),
) -> None:
    """Write a bank's entries as VICS 2.0 JSON or CSV (re-importing it gives the same entries)."""
    from tutela.cli.common import library_store, say, settings
    from tutela.services.console_audit import record_command
    from tutela.services.library import export_library, profile_from

    store = library_store()
    count = export_library(store, file, bank=bank, fmt=fmt.value, profile=profile_from(settings()))
    record_command(store.engine, kind="export", subject=f"bank:{bank}",
                   details={"file": file.name, "format": fmt.value, "entries": count})
    say(f"{file}: {count:,} entries of {bank} written as {fmt.value}")


@library.command("stats")
def stats(json_out: bool = typer.Option(False, "--json", help="one JSON line per bank")) -> None:
    """Entries per bank, by hash type and by category."""
    from tutela.cli.common import library_store, table
    from tutela.cli.output import write_json_line

    rows = library_store().stats()
    if json_out:
        for row in rows:
            write_json_line(row)
        return
    table(["bank", "trust", "entries", "md5", "sha1", "sha256", "pdq", "categories"],
          [[r["bank"], r["trust"], r["entries"], *r["hashes"].values(),
            ", ".join(f"{k}:{v}" for k, v in r["categories"].items() if v)] for r in rows])


@library.command("conflicts")
def conflicts(json_out: bool = typer.Option(False, "--json", help="one JSON line per disputed hash")) -> None:
    """Hashes that banks grade differently, and the grade precedence resolves them to."""
    from tutela.cli.common import library_store, table
    from tutela.cli.output import write_json_line

    rows = library_store().conflicts()
    if json_out:
        for row in rows:
            write_json_line(row)
        return
    table(["hash", "grades (bank: category)", "resolved"],
          [[f"{r['hash_type']}:{r['hash']}", ", ".join(f"{g['bank']}: {g['category']}" for g in r["grades"]),
            f"{r['resolved']} ({r['resolved_by']})"] for r in rows])
