"""A week of action gives exactly the figures a supervisor would count, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from unit_scenario import OPERATION_FIGURES, REFERRAL_FIGURES, week_of_action

from tutela.errors import NotFoundError, UsageError
from tutela.services.unit_import import import_unit
from tutela.services.unit_reports import operation_report, referrals_report, unit_report
from tutela.store.unit import UnitStore
from tutela.store.unit_queries import UnitQueries

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def queries(engine):
    import_unit(UnitStore(engine), week_of_action(), LONDON, source="scenario")
    return UnitQueries(engine)


def test_operation_figures_follow_the_supervisors_rules(queries):
    assert operation_report(queries, "OP-WOA", LONDON) == OPERATION_FIGURES


def test_an_operation_is_found_by_name_too(queries):
    assert operation_report(queries, "Operation Lantern", LONDON)["warrants_executed"] == 3
    harbour = operation_report(queries, "Operation Harbour", LONDON)
    assert (harbour["warrants_executed"], harbour["arrests"], harbour["children_safeguarded"],
            harbour["exhibits_seized"], harbour["suspect_age_min"]) == (0, 1, 1, 1, 70)  # W-07: after Harbour ended
    with pytest.raises(NotFoundError, match="no operation with ref or name 'Operation Nothing'"):
        operation_report(queries, "Operation Nothing", LONDON)


def test_referral_weeks_add_up_and_the_edges_are_inclusive(queries):
    figures = referrals_report(queries, date(2025, 3, 10), date(2025, 3, 23), LONDON)
    assert figures == REFERRAL_FIGURES
    assert sum(w["count"] for w in figures["weeks"]) == figures["total"]
    assert sum(figures["by_team"].values()) == sum(figures["by_risk_band"].values()) == figures["total"]


def test_referral_days_are_the_units_days(queries):
    # R-01 (23:59 on 9 March in London, GMT) is 08:59 on 10 March in Tokyo.
    tokyo = referrals_report(queries, date(2025, 3, 10), date(2025, 3, 10), ZoneInfo("Asia/Tokyo"))
    london = referrals_report(queries, date(2025, 3, 10), date(2025, 3, 10), LONDON)
    assert (london["total"], tokyo["total"]) == (1, 2)
    assert referrals_report(queries, date(2025, 3, 9), date(2025, 3, 9), LONDON)["total"] == 1
    with pytest.raises(UsageError, match="before it starts"):
        referrals_report(queries, date(2025, 3, 23), date(2025, 3, 10), LONDON)


def test_unit_view_lists_open_work_oldest_first_and_the_queue_by_band(queries):
    now = datetime(2025, 3, 20, 12, tzinfo=UTC)
    view = unit_report(queries, LONDON, now=now)
    assert view["open_cases"] == 4
    assert view["exhibits_awaiting_examination"] == 7  # EX-05 is examined
    assert [e["exhibit"] for e in view["exhibits"]][:2] == ["EX-07", "EX-01"]
    assert view["exhibits"][0]["age_days"] == 15 and view["oldest_exhibit_days"] == 15
    queue = [r["referral"] for r in view["referrals"]]
    assert queue == ["R-04", "R-01", "R-05", "R-06", "R-07"]  # Very High first, then the unassessed by age
