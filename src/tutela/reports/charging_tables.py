"""The charging report as titled tables: for the terminal, CSV, and the HTML page and PDF."""

from __future__ import annotations

from tutela.domain.charging import BASES, KINDS, NOT_COUNTED, ROWS
from tutela.reports.unit_tables import ReportTable

ROW_NAMES = {"a": "A", "b": "B", "c": "C", "non_photographic": "prohibited", "not_indecent": "not indecent",
             "disputed": "disputed", "ungraded": "ungraded"}
KIND_NAMES = {"still": "still", "video": "moving"}
COLUMNS = ["exhibit", "category", "kind", "images", "unique", "duplicates_on_device", "duplicates_across_devices",
           "library", "trusted_votes", "examiner_unverified"]


def _cell_rows(label: str, cells: dict, *, total: bool) -> list[list]:
    rows = []
    for row in ROWS:
        for kind in KINDS:
            cell = cells[row][kind]
            duplicates = [cell["duplicates_on_device"], cell["duplicates_across_devices"]] if total \
                else [cell["duplicates"], None]
            rows.append([label, row, kind, cell["images"], cell["unique"], *duplicates,
                         *(cell[basis] for basis in BASES)])
    return rows


def _not_counted_rows(label: str, counts: dict) -> list[list]:
    return [[label, f"not_counted:{reason}", None, counts[reason], *([None] * 6)] for reason in NOT_COUNTED]


def charging_rows(report: dict) -> list[list]:
    """Every cell of every exhibit, then the total; a never-ingested exhibit is one row that says so."""
    rows: list[list] = []
    for exhibit in report["exhibits"]:
        if exhibit["cells"] is None:
            rows.append([exhibit["exhibit"], "never_ingested", *([None] * 8)])
            continue
        rows += _cell_rows(exhibit["exhibit"], exhibit["cells"], total=False)
        rows += _not_counted_rows(exhibit["exhibit"], exhibit["not_counted"])
    if report["total"] is not None:
        rows += _cell_rows("total", report["total"]["cells"], total=True)
        rows += _not_counted_rows("total", report["total"]["not_counted"])
    return rows


def charging_tables(report: dict) -> list[ReportTable]:
    """One table per exhibit and one for the total, a row per category with still and moving side by side
    (terminal and pages); CSV takes ``charging_rows`` whole."""
    tables = []
    for exhibit in report["exhibits"]:
        title = f"{exhibit['exhibit']} ({exhibit['type']}): "
        if exhibit["cells"] is None:
            tables.append(ReportTable(title + exhibit["note"], [], []))
            continue
        title += f"{exhibit['items']} items, {_not_counted_text(exhibit['not_counted'])}"
        tables.append(ReportTable(title + (f"; {exhibit['note']}" if exhibit["note"] else ""),
                                  SIDE_BY_SIDE, _side_by_side(exhibit["cells"])))
    if report["total"] is not None:
        total = report["total"]
        title = (f"total over {', '.join(report['total_covers'])}: {total['items']} items, "
                 f"{_not_counted_text(total['not_counted'])}")
        tables.append(ReportTable(title, SIDE_BY_SIDE, _side_by_side(total["cells"])))
        tables.append(ReportTable("duplicates in the total", ["category", "kind", "on the device", "across devices"],
                                  [[ROW_NAMES[row], KIND_NAMES[kind], cell["duplicates_on_device"],
                                    cell["duplicates_across_devices"]]
                                   for row in ROWS for kind, cell in total["cells"][row].items()
                                   if cell["images"]]))
    return tables


SIDE_BY_SIDE = ["category", "still", "unique", "moving", "unique", "library", "3 votes", "1-2 votes"]


def _side_by_side(cells: dict) -> list[list]:
    return [[ROW_NAMES[row], cells[row]["still"]["images"], cells[row]["still"]["unique"],
             cells[row]["video"]["images"], cells[row]["video"]["unique"],
             *(cells[row]["still"][basis] + cells[row]["video"][basis] for basis in BASES)] for row in ROWS]


def _not_counted_text(counts: dict) -> str:
    return "not counted: " + ", ".join(f"{n} {reason.replace('_', ' ')}" for reason, n in counts.items())


def items_table(report: dict) -> ReportTable:
    """The item records behind every number, with their locators."""
    columns = ["item", "exhibit", "category", "kind", "basis", "duplicate", "outcome", "sha256", "locator"]
    rows = [[i["item"], i["exhibit"], f"not_counted:{i['reason']}" if i["reason"] else i["row"], i["kind"],
             i["basis"], i["duplicate"], i["outcome"], i["sha256"], i["locator"]] for i in report.get("items", [])]
    return ReportTable(f"items of {report['case']}: {len(rows)}", columns, rows)
