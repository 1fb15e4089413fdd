"""The unit's figures as a signed-in user may see them: the same queries and counting rules as the reports
(tutela.store.unit_queries, tutela.domain.figures, tutela.services.unit_reports), with the rows narrowed to
the user's team when they do not see every team.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import date, tzinfo
from functools import lru_cache
from typing import Any

from tutela.domain.figures import UNASSESSED, Period, operation_figures, referral_figures
from tutela.domain.unit import RISK_BANDS, check_period
from tutela.services.unit_reports import assessment_queue
from tutela.store.unit_queries import UnitQueries


@dataclass(frozen=True)
class Viewer:
    """Whose figures: every team's (all_teams), or one team's by ref (a user of no team sees none)."""

    all_teams: bool
    team: str | None

    @property
    def only_team(self) -> str | None:
        """The team to narrow the store's queries to; None when every team's rows are wanted."""
        return None if self.all_teams else (self.team or NO_TEAM_SEEN)


# A team ref no record can carry (refs never start with a space): a user of no team who does not see every
# team sees nothing.
NO_TEAM_SEEN = " no team"


def referral_queue(queries: UnitQueries, zone: tzinfo, viewer: Viewer) -> list[tuple[str, list[dict]]]:
    """Referrals awaiting assessment, by band (Very High first, unassessed last), oldest first in each."""
    referrals = assessment_queue(queries, zone, team=viewer.only_team)
    bands = [(band, [r for r in referrals if r["risk_band"] == band]) for band in RISK_BANDS]
    bands.append((UNASSESSED, [r for r in referrals if r["risk_band"] not in RISK_BANDS]))
    return bands


def operation_view(queries: UnitQueries, ref: str, zone: tzinfo, viewer: Viewer) -> dict[str, Any]:
    """An operation's figures (the report's rules) over the rows of the teams the viewer sees."""
    ref, name, period = queries.operation(ref)
    rows = queries.operation_rows(ref, team=viewer.only_team)
    return {"operation": ref, "name": name, "start": period.start.isoformat(), "end": period.end.isoformat(),
            **operation_figures(ref, period, zone, **rows)}


def referral_weeks(queries: UnitQueries, start: date, end: date, zone: tzinfo, viewer: Viewer) -> dict[str, Any]:
    """Referrals per ISO week over a period (the report's rules), of the teams the viewer sees."""
    check_period(start, end, "period")
    period = Period(start, end)
    return referral_figures(queries.referral_rows(period, team=viewer.only_team), period, zone)


def weekly_chart_png(figures: dict[str, Any]) -> bytes:
    """The report's weekly referral chart (tutela.reports.unit_charts), as PNG bytes; the same figures give the
    same picture, so recent ones are kept rather than drawn again."""
    # The lock is taken before the cache is asked: twenty requests for a chart not yet drawn then wait for one
    # drawing and share it, instead of each drawing it again in turn (seconds for the last, with a cold cache).
    with _pyplot:
        return _chart(json.dumps(figures, sort_keys=True))


_pyplot = threading.Lock()  # pyplot keeps global state: one chart at a time in a threaded server


@lru_cache(maxsize=64)
def _chart(figures_json: str) -> bytes:
    from tutela.reports.unit_charts import png, weekly_chart

    return png(weekly_chart, json.loads(figures_json))


def exhibit_summary(engine, session, exhibit) -> dict[str, Any]:
    """An exhibit, its continuity and each ingest's counts (known by category, the other outcomes), with totals.

    A finished ingest's counts were stored when it finished; a running or interrupted one is counted now
    (tutela.store.ingest.IngestStore.counts, the same rule)."""
    from tutela.store import case_views
    from tutela.store.ingest import IngestStore

    store = IngestStore(engine)
    ingests = []
    total_known: dict[str, int] = {}
    totals: dict[str, int] = {}
    for ingest in case_views.ingests_of(session, exhibit.id):
        counts = ingest.counts if ingest.finished and ingest.counts else store.counts(ingest.id)
        ingests.append({"source": ingest.source_path, "started": ingest.started, "finished": ingest.finished,
                        "sha256_before": ingest.evidence_sha256_before, "sha256_after": ingest.evidence_sha256_after,
                        "counts": counts})
        for category, count in counts.get("known", {}).items():
            total_known[category] = total_known.get(category, 0) + count
        for key, value in counts.items():
            if key != "known":
                totals[key] = totals.get(key, 0) + value
    return {"exhibit": exhibit, "case": case_views.case_ref_of(session, exhibit.case_id),
            "continuity": case_views.continuity_of(session, [exhibit.id]).get(exhibit.id, []),
            "ingests": ingests, "known": _by_category(total_known), "totals": totals}


def _by_category(known: dict[str, int]) -> list[tuple[str, int]]:
    """Known items per category in the categories' own order (A, B, C, ...), every category shown."""
    from tutela.domain.categories import Category

    return [(category.value, known.get(category.value, 0)) for category in Category]
