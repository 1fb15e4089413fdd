"""Reports on the unit's records: the store gives rows, tutela.domain.figures says what counts."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo

from tutela.domain.figures import Period, awaiting_order, operation_figures, referral_figures
from tutela.domain.unit import check_period, format_when, local_day
from tutela.store.unit_queries import UnitQueries


def operation_report(queries: UnitQueries, name_or_ref: str, zone: tzinfo) -> dict:
    ref, name, period = queries.operation(name_or_ref)
    figures = operation_figures(ref, period, zone, **queries.operation_rows(ref))
    return {"operation": ref, "name": name, "start": period.start.isoformat(), "end": period.end.isoformat(),
            **figures}


def referrals_report(queries: UnitQueries, start: date, end: date, zone: tzinfo) -> dict:
    check_period(start, end, "period (--from, --to)")
    period = Period(start, end)
    return referral_figures(queries.referral_rows(period), period, zone)


def _ages(now: datetime, zone: tzinfo):
    today = local_day(now, zone)

    def age_days(moment: datetime | None) -> int | None:
        return None if moment is None else (today - local_day(moment, zone)).days

    return age_days


def assessment_queue(queries: UnitQueries, zone: tzinfo, now: datetime | None = None,
                     team: str | None = None) -> list[dict]:
    """Referrals awaiting assessment: highest band first (unassessed last), then oldest, with their age in days
    (one team's only, when ``team`` is given)."""
    age_days = _ages(now or datetime.now(UTC), zone)
    queue = sorted(queries.referrals_awaiting(team), key=lambda r: awaiting_order(r["risk_band"], r["received"]))
    return [{"referral": r["ref"], "received": format_when(r["received"]), "age_days": age_days(r["received"]),
             "risk_band": r["risk_band"], "reasons": r["risk_reasons"] or [], "team": r["team"]} for r in queue]


def unit_report(queries: UnitQueries, zone: tzinfo, now: datetime | None = None) -> dict:
    """Open cases, exhibits awaiting examination (oldest first, with their age), the assessment queue."""
    now = now or datetime.now(UTC)
    age_days = _ages(now, zone)
    exhibits = [{"exhibit": e["ref"], "case": e["case"], "type": e["type"], "seized": format_when(e["seized"]),
                 "age_days": age_days(e["seized"])} for e in queries.exhibits_awaiting()]
    referrals = assessment_queue(queries, zone, now)
    cases = [{"case": c["ref"], "team": c["team"], "opened": format_when(c["opened"]),
              "age_days": age_days(c["opened"])} for c in queries.open_cases()]
    known_ages = [e["age_days"] for e in exhibits if e["age_days"] is not None]
    return {"as_of": format_when(now), "open_cases": len(cases), "exhibits_awaiting_examination": len(exhibits),
            "oldest_exhibit_days": max(known_ages, default=None), "referrals_awaiting_assessment": len(referrals),
            "cases": cases, "exhibits": exhibits, "referrals": referrals}
