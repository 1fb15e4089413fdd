"""The weekly referral chart of the web pages: drawn once for the same figures, however many ask at once."""

from __future__ import annotations

import threading
import time

from tutela.services import unit_views


def test_many_requests_for_a_chart_not_yet_drawn_share_one_drawing(monkeypatch):
    import tutela.reports.unit_charts as charts

    drawn = []

    def slow_png(chart, figures):
        drawn.append(figures)
        time.sleep(0.05)  # long enough for every request to arrive while the first one draws
        return b"PNG"

    monkeypatch.setattr(charts, "png", slow_png)
    unit_views._chart.cache_clear()
    figures = {"weeks": [{"week": "2026-W40", "referrals": 3}]}
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(unit_views.weekly_chart_png(figures)))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    unit_views._chart.cache_clear()
    assert answers == [b"PNG"] * 8 and len(drawn) == 1
