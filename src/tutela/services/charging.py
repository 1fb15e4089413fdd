"""The charging report of a case: the store gives item records and grades, tutela.domain.charging counts them.

Grades come from a ``grades(exhibit_ids) -> {item_id: ItemGrade}`` function (tutela.domain.grading: ``category``
and ``basis``, one of library, trusted_votes, examiner_unverified, disputed, ungraded); by default the grading
store's ``item_grades``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Engine

from tutela.domain.charging import ChargingItem, as_first_copies, charging_table, mark_items
from tutela.domain.locator import Locator
from tutela.domain.unit import format_when
from tutela.errors import NotFoundError, UsageError
from tutela.services.reports_provenance import Clock, computed_from, now_utc
from tutela.store.case_media import CaseMedia

Grades = Callable[[list[int]], dict[int, Any]]


def store_grades(engine: Engine) -> Grades:
    """The grading store's ``item_grades``: library grades, examiners' votes, or none, per item."""
    def grades(exhibit_ids: list[int]) -> dict[int, Any]:
        from sqlalchemy.orm import Session

        from tutela.store.grading import item_grades

        with Session(engine) as session:
            return item_grades(session, exhibit_ids)

    return grades


def _charging_items(rows: Sequence[dict], refs: dict[int, str], grades: dict[int, Any]) -> list[ChargingItem]:
    items = []
    for row in rows:
        grade = grades.get(row["id"])
        category = None if grade is None or grade.category is None else str(grade.category)
        items.append(ChargingItem(row["id"], refs[row["exhibit_id"]], str(Locator.from_json(row["locator"])),
                                  row["sha256"], row["kind"], row["outcome"], category,
                                  "ungraded" if grade is None else str(grade.basis)))
    return as_first_copies(items)


def _chosen_exhibits(media: CaseMedia, case: dict, wanted: Sequence[str]) -> list[dict]:
    exhibits = media.exhibits(case["id"])
    by_ref = {e["ref"]: e for e in exhibits}
    for ref in wanted:
        if ref not in by_ref:
            raise NotFoundError(f"case {case['ref']!r} has no exhibit {ref!r}")
    return [e for e in exhibits if not wanted or e["ref"] in wanted]


def _exhibit_entry(exhibit: dict, counted: dict | None) -> dict:
    entry = {"exhibit": exhibit["ref"], "type": exhibit["type"], "status": exhibit["status"],
             "seized": format_when(exhibit["seized"]), "ingested": exhibit["ingests"] > 0,
             "ingest_finished": exhibit["ingests"] > 0 and exhibit["finished"] == exhibit["ingests"]}
    if counted is None:
        return {**entry, "items": None, "cells": None, "not_counted": None,
                "note": "never ingested: no figures until it is"}
    note = None if entry["ingest_finished"] else "ingest not finished: figures are partial"
    return {**entry, **counted, "note": note}


def charging_report(media: CaseMedia, case_ref: str, exhibit_refs: Sequence[str] = (), *,
                    grades: Grades | None = None, with_items: bool = False, clock: Clock = now_utc) -> dict:
    """The charging table of a case (or of some of its exhibits), with what it was computed from."""
    if len(set(exhibit_refs)) != len(exhibit_refs):
        raise UsageError("an exhibit is named twice (--exhibit)")
    case = media.case(case_ref)
    exhibits = _chosen_exhibits(media, case, exhibit_refs)
    ingested = [e for e in exhibits if e["ingests"] > 0]
    refs = {e["id"]: e["ref"] for e in ingested}
    rows = media.media_items(list(refs))
    found = (grades or store_grades(media.engine))(list(refs))
    items = _charging_items(rows, refs, found)
    order = [e["ref"] for e in ingested]
    table = charging_table(items, order)
    notes = []
    if not exhibits:
        notes.append(f"case {case_ref} has no exhibits: there is nothing to count")
    elif not ingested:
        notes.append("no exhibit of this case has been ingested: there is nothing to count yet")
    listed = mark_items(items, order)
    report: dict[str, Any] = {
        "report": "charging", "case": case["ref"], "team": case["team"],
        "exhibits": [_exhibit_entry(e, table["exhibits"].get(e["ref"])) for e in exhibits],
        "total": table["total"] if ingested else None, "total_covers": order,
        "conflicts": table["conflicts"], "notes": notes,
    }
    if with_items:
        report["items"] = listed
    filters = {"case": case_ref, "exhibits": list(exhibit_refs) or "all"}
    report["computed_from"] = computed_from(media.engine, filters, listed, clock)
    return report
