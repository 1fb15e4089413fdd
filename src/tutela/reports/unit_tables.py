"""The unit reports as titled tables (for the terminal and CSV); the JSON form is the figures themselves."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

FIGURES = ("warrants_executed", "arrests", "children_safeguarded", "exhibits_seized")


@dataclass(frozen=True)
class ReportTable:
    title: str
    columns: list[str]
    rows: list[list[Any]]


def operation_tables(figures: dict) -> list[ReportTable]:
    headline = [[name.replace("_", " "), figures[name]] for name in
                (*FIGURES, "safeguarding_records", "suspects", "suspect_age_min", "suspect_age_max")]
    title = f"{figures['operation']} {figures['name']}, {figures['start']} to {figures['end']}"
    teams = [[team, *(counts[name] for name in FIGURES)] for team, counts in figures["by_team"].items()]
    kinds = [[kind, count] for kind, count in figures["by_exhibit_type"].items()]
    return [ReportTable(title, ["figure", "count"], headline),
            ReportTable("per team", ["team", *(n.replace("_", " ") for n in FIGURES)], teams),
            ReportTable("exhibits per type", ["type", "seized"], kinds)]


def referral_tables(figures: dict) -> list[ReportTable]:
    title = (f"referrals {figures['from']} to {figures['to']}: {figures['total']} "
             f"({figures['weekly_average']} a week)")
    return [ReportTable(title, ["week_start", "iso_week", "count"],
                        [[w["week_start"], w["iso_week"], w["count"]] for w in figures["weeks"]]),
            ReportTable("per team", ["team", "count"], [[k, v] for k, v in figures["by_team"].items()]),
            ReportTable("per risk band", ["risk band", "count"], [[k, v] for k, v in figures["by_risk_band"].items()])]


def unit_tables(figures: dict) -> list[ReportTable]:
    return [ReportTable(f"exhibits awaiting examination: {figures['exhibits_awaiting_examination']}",
                        ["exhibit", "case", "type", "seized", "age_days"],
                        [[e["exhibit"], e["case"], e["type"], e["seized"], e["age_days"]]
                         for e in figures["exhibits"]]),
            ReportTable(f"referrals awaiting assessment: {figures['referrals_awaiting_assessment']}",
                        ["referral", "risk_band", "received", "age_days", "team", "reasons"],
                        [[r["referral"], r["risk_band"], r["received"], r["age_days"], r["team"],
                          "; ".join(r["reasons"])] for r in figures["referrals"]]),
            ReportTable(f"open cases: {figures['open_cases']}", ["case", "team", "opened", "age_days"],
                        [[c["case"], c["team"], c["opened"], c["age_days"]] for c in figures["cases"]])]


def to_csv(table: ReportTable) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.columns)
    writer.writerows([["" if v is None else v for v in row] for row in table.rows])
    return out.getvalue()
