"""Each report (a plain dict from tutela.services) as a Document: headline figures, tables, charts and notes."""

from __future__ import annotations

from tutela.reports import unit_charts, unit_tables
from tutela.reports.charging_tables import charging_tables, items_table
from tutela.reports.documents import Chart, Document
from tutela.reports.unit_tables import ReportTable


def _words(name: str) -> str:
    return name.replace("_", " ")


def charging_document(report: dict) -> Document:
    tables = charging_tables(report)
    if "items" in report:
        tables.append(items_table(report))
    notes = [*report["notes"], *(f"copies of SHA-256 {c['sha256']} are graded differently: "
                                 + "; ".join(f"{row} (items {', '.join(map(str, ids))})"
                                             for row, ids in c["grades"].items()) for c in report["conflicts"])]
    return Document("charging", f"Charging table: case {report['case']}", report["computed_from"], tables,
                    notes=notes, headline=_charged_headline(report))


def _charged_headline(report: dict) -> list[tuple[str, object]]:
    if report["total"] is None:
        return []
    cells = report["total"]["cells"]
    return [(f"category {row.upper()}" if len(row) == 1 else "prohibited",
             sum(cells[row][kind]["images"] for kind in ("still", "video"))) for row in ("a", "b", "c",
                                                                                      "non_photographic")]


def case_document(report: dict) -> Document:
    charging = report["charging"]
    headline = [("children safeguarded", report["children_safeguarded"]), ("exhibits", len(report["exhibits"]))]
    if charging:
        headline += [("indecent images", charging["charged_images"]), ("unique", charging["charged_unique"]),
                     ("awaiting verification", charging["awaiting_verification"]), ("ungraded", charging["ungraded"])]
    tables = [ReportTable("case", ["team", "status", "opened", "outcome"],
                          [[report["team"], report["status"], report["opened"], report["outcome"]]])]
    for name in ("referrals", "suspects", "warrants", "arrests", "safeguarding", "exhibits"):
        rows = report[name]
        columns = list(rows[0]) if rows else ["ref"]
        tables.append(ReportTable(f"{name}: {len(rows)}", columns, [list(r.values()) for r in rows]))
    if charging:
        tables.append(ReportTable("charging summary (the full table: tutela report charging)", ["figure", "count"],
                                  [[_words(k), v] for k, v in charging.items()]))
    return Document("case", f"Case {report['case']}", report["computed_from"], tables,
                    notes=report["charging_notes"], headline=headline)


def operation_document(figures: dict) -> Document:
    return Document("operation", f"Operation report: {figures['name']} ({figures['operation']})",
                    figures["computed_from"], unit_tables.operation_tables(figures),
                    charts=[Chart("the headline figures per team",
                                  unit_charts.png(unit_charts.operation_chart, figures))],
                    headline=[(_words(k), figures[k]) for k in unit_tables.FIGURES])


def referrals_document(figures: dict) -> Document:
    notes = [] if figures["total"] else [f"no referrals received from {figures['from']} to {figures['to']}"]
    return Document("referrals", f"Referrals {figures['from']} to {figures['to']}", figures["computed_from"],
                    unit_tables.referral_tables(figures), notes=notes,
                    charts=[] if notes else [Chart(_weekly_caption(), unit_charts.png(unit_charts.weekly_chart,
                                                                                        figures))],
                    headline=[("referrals", figures["total"]), ("a week", figures["weekly_average"])])


def _weekly_caption() -> str:
    return (f"referrals per ISO week, the period's weekly average (dashed) and a "
            f"{unit_charts.MOVING_AVERAGE_WEEKS}-week moving average")


def unit_document(report: dict) -> Document:
    weekly = report["weekly_referrals"]
    charts = [Chart("exhibits awaiting examination, by how long they have waited",
                    unit_charts.png(unit_charts.exhibits_age_chart, report))]
    notes = []
    if weekly["total"]:
        charts.append(Chart(_weekly_caption(), unit_charts.png(unit_charts.weekly_chart, weekly)))
    else:
        notes.append(f"no referrals received from {report['from']} to {report['to']}")
    if report["operations"]:
        charts.append(Chart("warrants executed, arrests and children safeguarded per operation",
                            unit_charts.png(unit_charts.operations_chart, report["operations"])))
    else:
        notes.append(f"no operation from {report['from']} to {report['to']}")
    tables = [*unit_tables.unit_tables(report), *unit_tables.referral_tables(weekly)[:1]]
    tables.append(ReportTable(f"operations from {report['from']} to {report['to']}",
                              ["operation", "name", "start", "end", *map(_words, unit_tables.FIGURES)],
                              [list(op.values()) for op in report["operations"]]))
    charts, tables, notes = _optional_parts(report, charts, tables, notes)
    headline = [("open cases", report["open_cases"]),
                ("exhibits awaiting examination", report["exhibits_awaiting_examination"]),
                ("oldest exhibit (days)", report["oldest_exhibit_days"]),
                ("referrals awaiting assessment", report["referrals_awaiting_assessment"])]
    return Document("unit", f"Unit report {report['from']} to {report['to']}", report["computed_from"], tables,
                    charts=charts, notes=notes, headline=headline)


def _optional_parts(report: dict, charts: list, tables: list, notes: list) -> tuple[list, list, list]:
    """Examiner exposure and takedown figures, when the store has them."""
    exposure = report.get("exposure")
    if exposure is not None:
        if exposure:
            charts.append(Chart("thumbnails shown to examiners per day (blurred and clear)",
                                unit_charts.png(unit_charts.exposure_chart, {"rows": exposure})))
            columns = ["day", "examiner", "blurred", "clear"]
            tables.append(ReportTable("examiner exposure: thumbnails shown per day", columns,
                                      [[row[c] for c in columns] for row in exposure]))
        else:
            notes.append("no thumbnails shown to examiners in the period")
    takedowns = report.get("takedowns")
    if takedowns is not None and not takedowns:
        notes.append("no matches or takedown reports from platform partners in the period")
    elif takedowns is not None:
        columns = ["partner", "week", "matches", "removed", "reported", "false_positive"]
        tables.append(ReportTable("platform partners: matches and takedowns per week", columns,
                                  [[row.get(c) for c in columns] for row in takedowns]))
    return charts, tables, notes


def public_document(report: dict) -> Document:
    names = ("referrals_received", "warrants_executed", "arrests", "children_safeguarded", "exhibits_seized")
    headline = [(_words(name), report[name]["shown"]) for name in names]
    tables = [ReportTable("per operation", ["operation", "from", "to", *map(_words, names[1:])],
                          [[op["name"], op["start"], op["end"], *(op[n]["shown"] for n in names[1:])]
                           for op in report["by_operation"]])]
    notes = [report["note"]] if "note" in report else []
    notes.append("Counts from 1 to 4 are shown as \u201cfewer than 5\u201d so that no child can be identified; "
                 "where one such count could be worked out from a total, another is withheld too.")
    return Document("public", f"Public figures {report['from']} to {report['to']}", report["computed_from"],
                    tables, notes=notes, headline=headline, marking="OFFICIAL \u2014 for publication")


DOCUMENTS = {"charging": charging_document, "case": case_document, "operation": operation_document,
             "referrals": referrals_document, "unit": unit_document, "public": public_document}
