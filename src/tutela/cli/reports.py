"""``tutela report charging|case|public`` and the case exports: the court's and the press office's reports."""

from __future__ import annotations

from pathlib import Path

import typer

from tutela.cli.unit_io import export_group
from tutela.cli.unit_reports import CSV, HTML, JSON, PDF, emit, report, write_documents


def register() -> None:
    """The commands are declared on ``report`` below; importing this module is what adds them."""


@report.command("charging")
def charging_command(case: str = typer.Option(..., "--case", help="the case's ref"),
                     exhibits: list[str] = typer.Option([], "--exhibit", help="only this exhibit (repeatable)"),
                     items: bool = typer.Option(False, "--items", help="also list every item behind the numbers"),
                     json_out: bool = JSON, csv_out: bool = CSV, html: Path | None = HTML,
                     pdf: Path | None = PDF) -> None:
    """Images per category, still or moving, unique and duplicate, per exhibit and in total, and how each
    grade was reached; ungraded items are counted as such (docs/reports.md)."""
    from tutela.cli.unit_reports import open_engine
    from tutela.reports.charging_tables import COLUMNS, charging_rows, charging_tables, items_table
    from tutela.reports.unit_tables import ReportTable
    from tutela.services.charging import charging_report
    from tutela.store.case_media import CaseMedia

    with open_engine() as (engine, _zone):
        figures = charging_report(CaseMedia(engine), case, exhibits, with_items=items)
    write_documents("charging", figures, html, pdf)
    tables = charging_tables(figures)
    main = ReportTable(f"charging table of {case}", COLUMNS, charging_rows(figures))
    if items:
        tables.append(items_table(figures))
        main = items_table(figures) if csv_out else main
    emit([main] if csv_out else tables, figures, json_out=json_out, csv_out=csv_out,
         notes=[*figures["notes"], *(_conflict_line(c) for c in figures["conflicts"])])


def _conflict_line(conflict: dict) -> str:
    grades = "; ".join(f"{row}: items {', '.join(map(str, ids))}" for row, ids in conflict["grades"].items())
    return f"copies of SHA-256 {conflict['sha256']} are graded differently ({grades})"


@report.command("case")
def case_command(case: str = typer.Argument(..., help="the case's ref"), json_out: bool = JSON,
                 html: Path | None = HTML, pdf: Path | None = PDF) -> None:
    """The case on one page: referrals, suspects, warrants, arrests, children safeguarded, exhibits and the
    charging summary."""
    from tutela.cli.unit_reports import open_engine
    from tutela.reports.report_documents import case_document
    from tutela.services.reports import case_report
    from tutela.store.case_media import CaseMedia

    with open_engine() as (engine, _zone):
        figures = case_report(CaseMedia(engine), case)
    write_documents("case", figures, html, pdf)
    emit(case_document(figures).tables, figures, json_out=json_out, csv_out=False, notes=figures["charging_notes"])


@report.command("public")
def public_command(start: str = typer.Option(..., "--from", help="first day, YYYY-MM-DD (inclusive)"),
                   end: str = typer.Option(..., "--to", help="last day (inclusive)"), json_out: bool = JSON,
                   csv_out: bool = CSV, html: Path | None = HTML, pdf: Path | None = PDF) -> None:
    """Aggregate figures for the press office, counts from 1 to 4 suppressed (docs/reports.md)."""
    from tutela.cli.unit_reports import day_option, unit_queries
    from tutela.reports.report_documents import public_document
    from tutela.reports.unit_tables import ReportTable
    from tutela.services.reports import public_figures

    with unit_queries() as (queries, zone):
        figures = public_figures(queries, day_option(start, "--from"), day_option(end, "--to"), zone)
    write_documents("public", figures, html, pdf)
    document = public_document(figures)
    headline = ReportTable("public figures", ["figure", "published"], [list(pair) for pair in document.headline])
    emit([headline, *document.tables], figures, json_out=json_out, csv_out=csv_out, notes=document.notes)


FORMAT = typer.Option("vics", "--format", help="vics (VICS 2.0 JSON) or csv")


@export_group.command("case-media")
def export_case_media_command(file: Path = typer.Argument(..., help="the file to write"),
                              case: str = typer.Option(..., "--case", help="the case's ref"),
                              fmt: str = FORMAT, json_out: bool = JSON) -> None:
    """The case's graded media as VICS 2.0 (or CSV), with the locator of every copy and how it was graded."""
    from tutela.cli.unit_reports import open_engine
    from tutela.services.console_audit import record_command
    from tutela.services.library import profile_from
    from tutela.services.reports_exports import export_case_media
    from tutela.settings import load_settings
    from tutela.store.case_media import CaseMedia

    with open_engine() as (engine, _zone):
        summary = export_case_media(CaseMedia(engine), case, file, fmt=fmt, profile=profile_from(load_settings()))
        record_command(engine, kind="export", subject=f"case:{case}",
                       details={"what": "case-media", "file": file.name, "format": fmt,
                                "records": summary["records"], "items": summary["items"]})
    _say_export(summary, json_out, f"{summary['records']} pictures ({summary['items']} graded items) of {case}")


@export_group.command("verified-hashes")
def export_verified_command(file: Path = typer.Argument(..., help="the file to write"),
                            cases: list[str] = typer.Option([], "--case", help="only this case (repeatable)"),
                            fmt: str = FORMAT, json_out: bool = JSON) -> None:
    """New hashes three examiners graded alike (no library knew them), for contribution to the library."""
    from tutela.cli.unit_reports import open_engine
    from tutela.services.console_audit import record_command
    from tutela.services.library import profile_from
    from tutela.services.reports_exports import export_verified_hashes
    from tutela.settings import load_settings
    from tutela.store.case_media import CaseMedia

    with open_engine() as (engine, _zone):
        summary = export_verified_hashes(CaseMedia(engine), file, fmt=fmt, profile=profile_from(load_settings()),
                                         case_refs=cases)
        record_command(engine, kind="export", subject="verified-hashes",
                       details={"file": file.name, "format": fmt, "cases": cases, "records": summary["records"]})
    _say_export(summary, json_out, f"{summary['records']} verified new hashes")


def _say_export(summary: dict, json_out: bool, text: str) -> None:
    from tutela.cli.output import write_json_line

    if json_out:
        write_json_line(summary)
    else:
        print(f"{summary['file']}: {text}")
