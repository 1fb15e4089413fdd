"""Case, operation, referrals, unit and public reports: figures from tutela.domain rules, each stating its source.

Each function returns the report as a plain dict (the ``--json`` form) ending in ``computed_from``
(services/reports_provenance.py); tutela.reports.report_documents turns any of them into the HTML page and PDF.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import Engine

from tutela.domain.charging import CHARGED
from tutela.domain.disclosure import shown, suppressed_column
from tutela.domain.figures import Period, week_start
from tutela.domain.unit import check_period, format_when, local_day
from tutela.services.charging import Grades, charging_report
from tutela.services.reports_provenance import Clock, computed_from, now_utc
from tutela.services.unit_reports import operation_report, referrals_report, unit_report
from tutela.store.case_media import CaseMedia
from tutela.store.unit_queries import UnitQueries

HEADLINE = ("warrants_executed", "arrests", "children_safeguarded", "exhibits_seized")
DEFAULT_WEEKS = 12


def _rows(value: Any) -> Any:
    """Rows as JSON-able data for the input digest (dataclasses and datetimes included)."""
    if isinstance(value, dict):
        return {k: _rows(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rows(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return _rows(asdict(value))
    if isinstance(value, datetime):
        return format_when(value)
    return value


def operation_with_source(queries: UnitQueries, name_or_ref: str, zone: tzinfo, clock: Clock = now_utc) -> dict:
    figures = operation_report(queries, name_or_ref, zone)
    rows = queries.operation_rows(figures["operation"])
    return {**figures, "computed_from": computed_from(queries.engine, {"operation": name_or_ref}, _rows(rows), clock)}


def referrals_with_source(queries: UnitQueries, start: date, end: date, zone: tzinfo,
                          clock: Clock = now_utc) -> dict:
    figures = referrals_report(queries, start, end, zone)
    rows = queries.referral_rows(Period(start, end))
    filters = {"from": start.isoformat(), "to": end.isoformat()}
    return {**figures, "computed_from": computed_from(queries.engine, filters, _rows(rows), clock)}


def default_period(today: date, weeks: int = DEFAULT_WEEKS) -> tuple[date, date]:
    """The last ``weeks`` ISO weeks, the current one included."""
    return week_start(today) - timedelta(weeks=weeks - 1), today


Extras = Callable[[date, date], dict[str, list[dict]]]


def store_extras(engine: Engine, zone: tzinfo) -> Extras:
    """Examiner exposure (grading's ``exposure_by_day``) and platform partners' matches and takedowns per ISO week
    (the match service's ``takedown_figures``) over a period, for the unit report."""
    def extras(start: date, end: date) -> dict[str, list[dict]]:
        from sqlalchemy.orm import Session

        from tutela.store.grading import exposure_by_day
        from tutela.store.partners import takedown_figures

        since, until = (datetime.combine(day, time(), zone) for day in (start, end + timedelta(days=1)))
        with Session(engine) as session:
            exposure = [{"day": row.day.isoformat(), "examiner": row.user, "blurred": row.blurred,
                         "clear": row.clear} for row in exposure_by_day(session, start, end)]
            return {"exposure": exposure, "takedowns": takedown_figures(session, since, until, zone)}

    return extras


def unit_overview(queries: UnitQueries, zone: tzinfo, start: date | None = None, end: date | None = None, *,
                  extras: Extras | None = None, clock: Clock = now_utc) -> dict:
    """The unit's open work, its weekly referrals and its operations over a period (default: 12 weeks), with
    examiner exposure and platform takedowns when ``extras`` gives them."""
    now = clock()
    if start is None or end is None:
        start, end = default_period(local_day(now, zone))
    check_period(start, end, "period (--from, --to)")
    open_work = unit_report(queries, zone, now)
    weekly = referrals_report(queries, start, end, zone)
    operations = [operation_report(queries, ref, zone) for ref, _, _ in queries.operations_meeting(Period(start, end))]
    report = {**open_work, "from": start.isoformat(), "to": end.isoformat(), "weekly_referrals": weekly,
              "operations": [{k: op[k] for k in ("operation", "name", "start", "end", *HEADLINE)} for op in operations]}
    more = extras(start, end) if extras is not None else {}
    report.update(more)
    open_rows = {"cases": queries.open_cases(), "exhibits": queries.exhibits_awaiting(),
                 "referrals": queries.referrals_awaiting()}
    inputs = {"open": _rows(open_rows), "referrals": _rows(queries.referral_rows(Period(start, end))),
              "operations": [_rows(queries.operation_rows(op["operation"])) for op in operations],
              **more}
    filters = {"from": start.isoformat(), "to": end.isoformat()}
    return {**report, "computed_from": computed_from(queries.engine, filters, inputs, lambda: now)}


def _charged_summary(charging: dict) -> dict | None:
    total = charging["total"]
    if total is None:
        return None
    cells = total["cells"]

    def summed(rows, key):
        return sum(cells[row][kind][key] for row in rows for kind in ("still", "video"))

    return {"charged_images": summed(CHARGED, "images"), "charged_unique": summed(CHARGED, "unique"),
            "awaiting_verification": summed(CHARGED, "examiner_unverified"),
            "disputed": summed(("disputed",), "images"), "ungraded": summed(("ungraded",), "images"),
            **{f"category_{row}": summed((row,), "images") for row in CHARGED}}


def case_report(media: CaseMedia, case_ref: str, *, grades: Grades | None = None, clock: Clock = now_utc) -> dict:
    """The case on one page: its records, its exhibits and the charging summary (the full table beside it)."""
    case = media.case(case_ref)
    records = _rows(media.case_records(case["id"]))
    charging = charging_report(media, case_ref, grades=grades, clock=clock)
    children = sorted({s["child"] for s in records["safeguarding"]})
    report = {"report": "case", "case": case["ref"], "team": case["team"], "status": case["status"],
              "opened": format_when(case["opened"]), "outcome": case["outcome"], **records,
              "children_safeguarded": len(children),
              "exhibits": [{k: e[k] for k in ("exhibit", "type", "status", "seized", "ingested", "items", "note")}
                           for e in charging["exhibits"]],
              "charging": _charged_summary(charging), "charging_notes": charging["notes"]}
    inputs = {"records": records, "charging": charging["computed_from"]["input_sha256"]}
    return {**report, "computed_from": computed_from(media.engine, {"case": case_ref}, inputs, clock)}


def public_figures(queries: UnitQueries, start: date, end: date, zone: tzinfo, clock: Clock = now_utc) -> dict:
    """Aggregate figures for the public over a period, small counts suppressed (tutela.domain.disclosure)."""
    check_period(start, end, "period (--from, --to)")
    period = Period(start, end)
    referrals = referrals_report(queries, start, end, zone)
    meeting = queries.operations_meeting(period)
    operations = [operation_report(queries, ref, zone) for ref, _, _ in meeting]
    rows = [queries.operation_rows(ref) for ref, _, _ in meeting]
    children = {s.child for op, found in zip(meeting, rows, strict=True) for s in found["safeguarding"]
                if op[2].holds(s.at, zone)}
    totals = {name: sum(op[name] for op in operations) for name in HEADLINE} | {"children_safeguarded": len(children)}
    hidden = {name: suppressed_column([op[name] for op in operations]) for name in HEADLINE}
    empty = not operations and referrals["total"] == 0  # no records: say so rather than print zeros

    def figure(count: int) -> dict:
        return shown(None if empty else count)

    published = {"report": "public", "from": start.isoformat(), "to": end.isoformat(),
                 "referrals_received": figure(referrals["total"]), "operations": None if empty else len(operations),
                 **{name: figure(totals[name]) for name in HEADLINE},
                 "by_operation": [{"name": op["name"], "start": op["start"], "end": op["end"],
                                   **{name: shown(op[name], hidden[name][n]) for name in HEADLINE}}
                                  for n, op in enumerate(operations)]}
    if empty:
        published["note"] = f"no referrals and no operations from {start} to {end}: nothing to publish"
    inputs = {"referrals": _rows(queries.referral_rows(period)), "operations": [_rows(r) for r in rows]}
    filters = {"from": start.isoformat(), "to": end.isoformat()}
    return {**published, "computed_from": computed_from(queries.engine, filters, inputs, clock)}
