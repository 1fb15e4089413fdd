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
def _queries() -> Iterator[tuple[Any, Any]]:
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


@report.command("operation")
def operation_command(name: str = typer.Argument(..., help="the operation's ref or name"), json_out: bool = JSON,
                      csv_out: bool = CSV, chart: Path | None = CHART) -> None:
    """Warrants executed, arrests, children safeguarded, exhibits seized, suspects' ages; per team and type."""
    from tutela.reports import unit_tables
    from tutela.services.unit_reports import operation_report

    with _queries() as (queries, zone):
        figures = operation_report(queries, name, zone)
    if chart:
        from tutela.reports.unit_charts import operation_chart

        operation_chart(figures, chart)
    emit(unit_tables.operation_tables(figures), figures, json_out=json_out, csv_out=csv_out)


@report.command("referrals")
def referrals_command(start: str = typer.Option(..., "--from", help="first day, YYYY-MM-DD (inclusive)"),
                      end: str = typer.Option(..., "--to", help="last day (inclusive)"), json_out: bool = JSON,
                      csv_out: bool = CSV, chart: Path | None = CHART) -> None:
    """Referrals received in a period: total, per ISO week, per team, per risk band."""
    from tutela.domain.unit import parse_day
    from tutela.reports import unit_tables
    from tutela.services.unit_reports import referrals_report

    with _queries() as (queries, zone):
        figures = referrals_report(queries, parse_day(start, "--from"), parse_day(end, "--to"), zone)
    if chart:
        from tutela.reports.unit_charts import weekly_chart

        weekly_chart(figures, chart)
    emit(unit_tables.referral_tables(figures), figures, json_out=json_out, csv_out=csv_out)


@report.command("unit")
def unit_command(json_out: bool = JSON, csv_out: bool = CSV) -> None:
    """Open cases, exhibits awaiting examination (with their age), referrals awaiting assessment."""
    from tutela.reports import unit_tables
    from tutela.services.unit_reports import unit_report

    with _queries() as (queries, zone):
        figures = unit_report(queries, zone)
    emit(unit_tables.unit_tables(figures), figures, json_out=json_out, csv_out=csv_out)
