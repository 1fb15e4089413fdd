"""The charging table: counts of indecent images a prosecutor charges on, as pure rules over item records.

The rules (docs/reports.md, "The charging table"):

- **Rows.** Every media item of the counted exhibits falls in exactly one row: a charged category (A, B, C,
  prohibited non-photographic), ``not_indecent``, ``disputed`` (examiners disagree; a supervisor decides),
  ``ungraded`` (nobody has graded it yet, or the library knows it without a grade), or ``not_counted`` with the
  reason (not a picture or a video, unreadable, or matched an ignorable bank). Nothing is dropped: the rows add
  up to the exhibit's items.
- **Still or moving** is the kind hashing found (``still``, ``video``).
- **Copies ingest recorded as duplicates** (same SHA-256 earlier on the device) count as the first copy: its
  outcome, and its grade when the copy has none of its own (a group vote reaches every copy).
- **Duplicates**, in the order the case rules take them. On one device (exhibit), the first item in ingest
  order with a SHA-256 is unique and every later item with the same SHA-256 is a duplicate on the device. In
  the case total, a device's unique item whose SHA-256 an earlier exhibit (exhibits in reference order) already
  holds is a duplicate across devices. So per exhibit ``images = unique + duplicates`` and in the total
  ``images = unique + duplicates_on_device + duplicates_across_devices``, where ``unique`` is the number of
  distinct pictures in the case.
- **How the grade was reached** is counted per cell: ``library`` (a trusted bank's grade), ``trusted_votes``
  (three concurring examiners), ``examiner_unverified`` (one or two examiners, awaiting verification).
- Copies of one SHA-256 graded differently are listed as ``conflicts`` (each copy still counts under its own
  grade); a prosecutor must see them, not an average.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

CHARGED = ("a", "b", "c", "non_photographic")
ROWS = (*CHARGED, "not_indecent", "disputed", "ungraded")
KINDS = ("still", "video")
BASES = ("library", "trusted_votes", "examiner_unverified")
NOT_COUNTED = ("not_media", "failed", "ignorable")
CELL_KEYS = ("images", "unique", "duplicates", *BASES)
TOTAL_CELL_KEYS = ("images", "unique", "duplicates_on_device", "duplicates_across_devices", *BASES)

UNIQUE, ON_DEVICE, ACROSS = "unique", "duplicate_on_device", "duplicate_across_devices"


@dataclass(frozen=True, slots=True)
class ChargingItem:
    """One media item as the rules see it: where it is, what it is, and its grade with how it was reached."""

    item_id: int
    exhibit: str
    locator: str
    sha256: str | None
    kind: str | None
    outcome: str
    category: str | None
    basis: str
    recorded_outcome: str | None = None  # what ingest recorded, when ``outcome`` is taken from the first copy


def as_first_copies(items: Iterable[ChargingItem]) -> list[ChargingItem]:
    """A copy ingest recorded as ``duplicate`` counts as what the first copy on its device was: its outcome
    (known, unknown, ignorable...) and, when the copy has no grade of its own, its grade. The recorded outcome
    is kept for the listing."""
    first: dict[tuple[str, str], ChargingItem] = {}
    out = []
    for item in sorted(items, key=lambda i: i.item_id):
        if item.sha256 is None:
            out.append(item)
            continue
        original = first.setdefault((item.exhibit, item.sha256), item)
        if item.outcome != "duplicate" or original is item:
            out.append(item)
            continue
        graded = item if item.basis != "ungraded" else original
        out.append(replace(item, outcome=original.outcome, recorded_outcome=item.outcome,
                           category=graded.category, basis=graded.basis))
    return out


def row_of(item: ChargingItem) -> str:
    """The one row of the table the item falls in (see the module's rules)."""
    if item.outcome in NOT_COUNTED or item.kind not in KINDS:
        return "not_counted"
    if item.basis == "disputed":
        return "disputed"
    if item.basis == "ungraded" or item.category not in (*CHARGED, "not_indecent"):
        return "ungraded"
    return item.category


def not_counted_reason(item: ChargingItem) -> str:
    return item.outcome if item.outcome in NOT_COUNTED else "not_media"


def duplicate_marks(items: Iterable[ChargingItem], exhibit_order: Sequence[str]) -> dict[int, str]:
    """Each counted item's mark: unique, duplicate on its device, or duplicate of an earlier exhibit's copy."""
    rank = {ref: n for n, ref in enumerate(exhibit_order)}
    ordered = sorted(items, key=lambda i: (rank[i.exhibit], i.item_id))
    on_device: set[tuple[str, str]] = set()
    in_case: set[str] = set()
    marks: dict[int, str] = {}
    for item in ordered:
        if row_of(item) == "not_counted":
            continue
        if item.sha256 is None:  # nothing to compare: it stands alone
            marks[item.item_id] = UNIQUE
            continue
        if (item.exhibit, item.sha256) in on_device:
            marks[item.item_id] = ON_DEVICE
        elif item.sha256 in in_case:
            marks[item.item_id] = ACROSS
        else:
            marks[item.item_id] = UNIQUE
        on_device.add((item.exhibit, item.sha256))
        in_case.add(item.sha256)
    return marks


def _empty_table(keys: Sequence[str]) -> dict:
    return {row: {kind: dict.fromkeys(keys, 0) for kind in KINDS} for row in ROWS}


def _count(cells: dict, item: ChargingItem, *, device_mark: str, case_mark: str | None) -> None:
    cell = cells[row_of(item)][item.kind]
    cell["images"] += 1
    if case_mark is None:
        cell["unique" if device_mark == UNIQUE else "duplicates"] += 1
    else:
        cell[{UNIQUE: "unique", ON_DEVICE: "duplicates_on_device", ACROSS: "duplicates_across_devices"}[
            case_mark]] += 1
    if item.basis in BASES and row_of(item) in (*CHARGED, "not_indecent"):
        cell[item.basis] += 1


def _device_mark(case_mark: str) -> str:
    return ON_DEVICE if case_mark == ON_DEVICE else UNIQUE


def charging_table(items: Sequence[ChargingItem], exhibit_order: Sequence[str]) -> dict:
    """Per exhibit (in ``exhibit_order``) and in total: the cells, the items not counted, the conflicts."""
    marks = duplicate_marks(items, exhibit_order)
    per_exhibit = {ref: {"cells": _empty_table(CELL_KEYS), "not_counted": dict.fromkeys(NOT_COUNTED, 0),
                         "items": 0} for ref in exhibit_order}
    total = {"cells": _empty_table(TOTAL_CELL_KEYS), "not_counted": dict.fromkeys(NOT_COUNTED, 0), "items": 0}
    for item in items:
        mine = per_exhibit[item.exhibit]
        for part in (mine, total):
            part["items"] += 1
        if row_of(item) == "not_counted":
            for part in (mine, total):
                part["not_counted"][not_counted_reason(item)] += 1
            continue
        mark = marks[item.item_id]
        _count(mine["cells"], item, device_mark=_device_mark(mark), case_mark=None)
        _count(total["cells"], item, device_mark=_device_mark(mark), case_mark=mark)
    return {"exhibits": per_exhibit, "total": total, "conflicts": grade_conflicts(items)}


def grade_conflicts(items: Iterable[ChargingItem]) -> list[dict]:
    """SHA-256s whose graded copies carry different grades, with the items behind each grade."""
    grades: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for item in items:
        row = row_of(item)
        if item.sha256 is not None and row in (*CHARGED, "not_indecent"):
            grades[item.sha256][row].append(item.item_id)
    return [{"sha256": sha, "grades": {row: sorted(ids) for row, ids in sorted(found.items())}}
            for sha, found in sorted(grades.items()) if len(found) > 1]


def mark_items(items: Sequence[ChargingItem], exhibit_order: Sequence[str]) -> list[dict]:
    """The item records behind the table, each with its row and its duplicate mark, in table order."""
    marks = duplicate_marks(items, exhibit_order)
    rank = {ref: n for n, ref in enumerate(exhibit_order)}
    out = []
    for item in sorted(items, key=lambda i: (rank[i.exhibit], i.item_id)):
        row = row_of(item)
        out.append({"item": item.item_id, "exhibit": item.exhibit, "locator": item.locator,
                    "sha256": item.sha256, "kind": item.kind, "outcome": item.recorded_outcome or item.outcome,
                    "row": row, "reason": not_counted_reason(item) if row == "not_counted" else None,
                    "category": item.category, "basis": item.basis,
                    "duplicate": None if row == "not_counted" else marks[item.item_id]})
    return out
