"""``tutela report charging|case|public`` and the case exports: the court's and the press office's reports."""

from __future__ import annotations

import typer

from tutela.cli.unit_reports import CSV, JSON, emit, report


def register() -> None:
    """The commands are declared on ``report`` below; importing this module is what adds them."""


@report.command("charging")
def charging_command(case: str = typer.Option(..., "--case", help="the case's ref"),
                     exhibits: list[str] = typer.Option([], "--exhibit", help="only this exhibit (repeatable)"),
                     items: bool = typer.Option(False, "--items", help="also list every item behind the numbers"),
                     json_out: bool = JSON, csv_out: bool = CSV) -> None:
    """Images per category, still or moving, unique and duplicate, per exhibit and in total, and how each
    grade was reached; ungraded items are counted as such (docs/reports.md)."""
    from tutela.cli.unit_reports import open_engine
    from tutela.reports.charging_tables import COLUMNS, charging_rows, charging_tables, items_table
    from tutela.reports.unit_tables import ReportTable
    from tutela.services.charging import charging_report
    from tutela.store.case_media import CaseMedia

    with open_engine() as (engine, _zone):
        figures = charging_report(CaseMedia(engine), case, exhibits, with_items=items)
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
