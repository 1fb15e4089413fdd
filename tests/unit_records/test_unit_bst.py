"""Dates are the unit's: British Summer Time moves the day a UTC time falls on."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from tutela.domain.figures import Period, ReferralRow, WarrantRow, operation_figures, referral_figures, week_start

LONDON = ZoneInfo("Europe/London")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_late_utc_time_in_summer_is_the_next_london_day():
    rows = [ReferralRow("R-1", _at("2025-06-01T23:30"), None, None),   # 00:30 BST on 2 June: in
            ReferralRow("R-2", _at("2025-06-08T23:30"), None, "High")]  # 00:30 BST on 9 June: out
    figures = referral_figures(rows, Period(date(2025, 6, 2), date(2025, 6, 8)), LONDON)
    assert figures["total"] == 1 and figures["weeks"] == [
        {"week_start": "2025-06-02", "iso_week": "2025-W23", "count": 1}]


def test_weeks_cover_partial_weeks_at_both_ends():
    figures = referral_figures([], Period(date(2024, 12, 31), date(2025, 1, 6)), LONDON)
    assert [(w["week_start"], w["iso_week"]) for w in figures["weeks"]] == [
        ("2024-12-30", "2025-W01"), ("2025-01-06", "2025-W02")]
    assert week_start(date(2025, 3, 16)) == date(2025, 3, 10)


def test_a_warrant_counts_only_when_executed_within_its_own_operation():
    period = Period(date(2025, 6, 2), date(2025, 6, 8))
    warrants = [WarrantRow("W-1", "OP", "T", _at("2025-06-08T22:59")),   # 23:59 BST on 8 June: in
                WarrantRow("W-2", "OP", "T", _at("2025-06-08T23:00")),   # 00:00 BST on 9 June: out
                WarrantRow("W-3", "OP", "T", None),                      # never executed
                WarrantRow("W-4", "OTHER", "T", _at("2025-06-03T10:00"))]
    figures = operation_figures("OP", period, LONDON, warrants=warrants, arrests=[], exhibits=[], safeguarding=[])
    assert figures["warrants_executed"] == 1 and figures["by_team"] == {"T": {
        "warrants_executed": 1, "arrests": 0, "children_safeguarded": 0, "exhibits_seized": 0}}
    assert (figures["suspect_age_min"], figures["suspect_age_max"]) == (None, None)
