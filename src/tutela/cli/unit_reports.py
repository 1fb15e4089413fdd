"""``tutela report operation|referrals|unit``: figures from records, as a table, JSON, CSV or a chart."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

report = typer.Typer(help="Figures computed from the unit's records.", no_args_is_help=True)

JSON = typer.Option(False, "--json", help="the report as one JSON line")
CSV = typer.Option(False, "--csv", help="the report's main table as CSV on stdout")
CHART = typer.Option(None, "--chart", help="also draw a chart to FILE (.png or .svg)")


def register(app: typer.Typer) -> None:
    from tutela.cli import reports

    reports.register()
    app.add_typer(report, name="report")


@contextmanager
def open_engine() -> Iterator[tuple[Any, Any]]:
    """(engine, the unit's time zone) for one command; the engine is closed after it."""
    from tutela.cli.common import settings
    from tutela.services.store import open_store

    config = settings()
    engine = open_store(config)
    try:
        yield engine, config.zone
    finally:
        engine.dispose()


@contextmanager
def unit_queries() -> Iterator[tuple[Any, Any]]:
    from tutela.store.unit_queries import UnitQueries

    with open_engine() as (engine, zone):
        yield UnitQueries(engine), zone


def emit(tables, figures: dict, *, json_out: bool, csv_out: bool, notes: list[str] = ()) -> None:
    """JSON: the whole report in one line; CSV: the main (first) table; else every table, titled, then notes."""
    import sys

    from tutela.cli.output import write_json_line
    from tutela.reports.unit_tables import to_csv

    if json_out:
        write_json_line(figures)
        return
    if csv_out:
        sys.stdout.write(to_csv(tables[0]))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for table in tables:
        console.print(table.title, style="bold", highlight=False)
        if not table.columns:
            console.print()
            continue
        out = Table(show_edge=False, pad_edge=False)
        for column in table.columns:
            out.add_column(column)
        for row in table.rows:
            out.add_row(*("" if v is None else str(v) for v in row))
        console.print(out)
        console.print()
    for note in notes:
        console.print(note, highlight=False)
    source = figures.get("computed_from")
    if source:
        console.print(f"computed from {source['store']} at {source['generated']}, input SHA-256 "
                      f"{source['input_sha256'][:16]}…", style="dim", highlight=False)


def write_documents(kind: str, figures: dict, html: Path | None, pdf: Path | None) -> None:
    """The report as an HTML page and/or a PDF (one template for both: web/templates/reports/)."""
    if not (html or pdf):
        return
    from tutela.reports.documents import write_document
    from tutela.reports.report_documents import DOCUMENTS

    document = DOCUMENTS[kind](figures)
    for path in (html, pdf):
        if path:
            write_document(document, path)


HTML = typer.Option(None, "--html", help="also write the report as an HTML page to FILE")
PDF = typer.Option(None, "--pdf", help="also write the report as a PDF to FILE")


def day_option(text: str | None, option: str):
    from tutela.domain.unit import parse_day

    return None if text is None else parse_day(text, option)


@report.command("operation")
def operation_command(name: str = typer.Argument(..., help="the operation's ref or name"), json_out: bool = JSON,
                      csv_out: bool = CSV, chart: Path | None = CHART, html: Path | None = HTML,
                      pdf: Path | None = PDF) -> None:
    """Warrants executed, arrests, children safeguarded, exhibits seized, suspects' ages; per team and type."""
    from tutela.reports import unit_tables
    from tutela.services.reports import operation_with_source

    with unit_queries() as (queries, zone):
        figures = operation_with_source(queries, name, zone)
    if chart:
        from tutela.reports.unit_charts import operation_chart

        operation_chart(figures, chart)
    write_documents("operation", figures, html, pdf)
    emit(unit_tables.operation_tables(figures), figures, json_out=json_out, csv_out=csv_out)


@report.command("referrals")
def referrals_command(start: str = typer.Option(..., "--from", help="first day, YYYY-MM-DD (inclusive)"),
                      end: str = typer.Option(..., "--to", help="last day (inclusive)"), json_out: bool = JSON,
                      csv_out: bool = CSV, chart: Path | None = CHART, html: Path | None = HTML,
                      pdf: Path | None = PDF) -> None:
    """Referrals received in a period: total, per ISO week (with a moving average), per team, per risk band."""
    from tutela.reports import unit_tables
    from tutela.services.reports import referrals_with_source

    with unit_queries() as (queries, zone):
        figures = referrals_with_source(queries, day_option(start, "--from"), day_option(end, "--to"), zone)
    if chart:
        from tutela.reports.unit_charts import weekly_chart

        weekly_chart(figures, chart)
    write_documents("referrals", figures, html, pdf)
    emit(unit_tables.referral_tables(figures), figures, json_out=json_out, csv_out=csv_out)


@report.command("unit")
def unit_command(start: str | None = typer.Option(None, "--from", help="first day of the period (default: "
                                                                       "12 weeks ago, on a Monday)"),
                 end: str | None = typer.Option(None, "--to", help="last day of the period (default: today)"),
                 json_out: bool = JSON, csv_out: bool = CSV, html: Path | None = HTML,
                 pdf: Path | None = PDF) -> None:
    """Open cases, exhibits awaiting examination (with their age), referrals awaiting assessment; the period's
    weekly referrals and operations."""
    from tutela.reports import unit_tables
    from tutela.services.reports import store_extras, unit_overview

    if (start is None) != (end is None):
        from tutela.errors import UsageError

        raise UsageError("give both --from and --to, or neither")
    with unit_queries() as (queries, zone):
        figures = unit_overview(queries, zone, day_option(start, "--from"), day_option(end, "--to"),
                                extras=store_extras(queries.engine, zone))
    write_documents("unit", figures, html, pdf)
    emit(unit_tables.unit_tables(figures), figures, json_out=json_out, csv_out=csv_out)
