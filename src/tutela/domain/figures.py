"""What counts for a figure: the rules a supervisor applies, as pure functions over plain rows (docs/unit.md).

- A record counts for an operation when it names that operation and its date (warrant: executed; arrest: at;
  exhibit: seized, when known; safeguarding: at) falls within the operation's dates, inclusive, in the unit's
  time zone. A warrant that was never executed never counts. Another operation's records never count.
- A child safeguarded twice is one child.
- Suspects are the distinct suspects arrested; their ages give the range (unknown ages are left out).
- Referral weeks are ISO weeks (Monday to Sunday) that meet the period; every week appears, empty or not,
  and the weeks add up to the total.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from tutela.domain.unit import EXHIBIT_TYPES, RISK_BANDS, local_day

NO_TEAM = "(no team)"
UNASSESSED = "unassessed"


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def holds(self, moment: datetime | None, zone: tzinfo) -> bool:
        return moment is not None and self.start <= local_day(moment, zone) <= self.end


@dataclass(frozen=True)
class WarrantRow:
    ref: str
    operation: str | None
    team: str | None
    executed: datetime | None


@dataclass(frozen=True)
class ArrestRow:
    ref: str
    operation: str | None
    team: str | None
    at: datetime
    suspect: str
    age: int | None


@dataclass(frozen=True)
class ExhibitRow:
    ref: str
    operation: str | None
    team: str | None
    seized: datetime | None
    type: str


@dataclass(frozen=True)
class SafeguardingRow:
    ref: str
    operation: str | None
    team: str | None
    at: datetime
    child: str


@dataclass(frozen=True)
class ReferralRow:
    ref: str
    received: datetime
    team: str | None
    risk_band: str | None


def operation_figures(operation: str, period: Period, zone: tzinfo, *, warrants: list[WarrantRow],
                      arrests: list[ArrestRow], exhibits: list[ExhibitRow],
                      safeguarding: list[SafeguardingRow]) -> dict:
    """The operation's figures, overall and per team (children are distinct within each team)."""
    warrants = [w for w in warrants if w.operation == operation and period.holds(w.executed, zone)]
    arrests = [a for a in arrests if a.operation == operation and period.holds(a.at, zone)]
    exhibits = [e for e in exhibits if e.operation == operation
                and (e.seized is None or period.holds(e.seized, zone))]
    safeguarding = [s for s in safeguarding if s.operation == operation and period.holds(s.at, zone)]
    figures = _counts(warrants, arrests, exhibits, safeguarding)
    ages = [age for age in {a.suspect: a.age for a in arrests}.values() if age is not None]
    figures.update(suspects=len({a.suspect for a in arrests}), suspect_age_min=min(ages, default=None),
                   suspect_age_max=max(ages, default=None), safeguarding_records=len(safeguarding),
                   by_exhibit_type={kind: sum(e.type == kind for e in exhibits) for kind in EXHIBIT_TYPES})
    teams = sorted({r.team or NO_TEAM for r in (*warrants, *arrests, *exhibits, *safeguarding)})
    figures["by_team"] = {team: _counts(*(_of_team(rows, team) for rows in (warrants, arrests, exhibits,
                                                                               safeguarding))) for team in teams}
    return figures


def _of_team(rows: list, team: str) -> list:
    return [r for r in rows if (r.team or NO_TEAM) == team]


def _counts(warrants: list, arrests: list, exhibits: list, safeguarding: list[SafeguardingRow]) -> dict:
    return {"warrants_executed": len(warrants), "arrests": len(arrests),
            "children_safeguarded": len({s.child for s in safeguarding}), "exhibits_seized": len(exhibits)}


def week_start(day: date) -> date:
    """The Monday of the ISO week holding ``day``."""
    return day - timedelta(days=day.weekday())


def referral_figures(referrals: list[ReferralRow], period: Period, zone: tzinfo) -> dict:
    """Referrals received within the period (both days inclusive, in the unit's zone): total, weeks, teams, bands."""
    counted = [r for r in referrals if period.holds(r.received, zone)]
    per_week = Counter(week_start(local_day(r.received, zone)) for r in counted)
    weeks = []
    monday = week_start(period.start)
    while monday <= period.end:
        iso = monday.isocalendar()
        weeks.append({"week_start": monday.isoformat(), "iso_week": f"{iso.year}-W{iso.week:02d}",
                      "count": per_week.get(monday, 0)})
        monday += timedelta(days=7)
    days = (period.end - period.start).days + 1
    bands = Counter(r.risk_band or UNASSESSED for r in counted)
    return {"from": period.start.isoformat(), "to": period.end.isoformat(), "total": len(counted),
            "weekly_average": round(len(counted) * 7 / days, 1), "weeks": weeks,
            "by_team": dict(sorted(Counter(r.team or NO_TEAM for r in counted).items())),
            "by_risk_band": {band: bands.get(band, 0) for band in (*RISK_BANDS, UNASSESSED)}}


def awaiting_order(band: str | None, received: datetime) -> tuple[int, datetime]:
    """The assessment queue: highest band first (unassessed last), then oldest first."""
    rank = RISK_BANDS.index(band) if band in RISK_BANDS else len(RISK_BANDS)
    return rank, received
