"""Exports from a case's graded media: VICS 2.0 (or CSV) for the national library and review tools, and the
examiner-verified new hashes a unit contributes back to the library.

The writers are the library's own (tutela.formats.library_io, VICS 2.0 by formats/vics.py): an exported file
imports into `tutela library import` as it is. One record per picture (SHA-256) and grade; where it was found
travels in ``Comments`` (exhibit and locator of every copy) and how the grade was reached in ``Tags``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tutela.domain.categories import Category, VicsProfile
from tutela.domain.charging import CHARGED
from tutela.errors import UsageError
from tutela.formats.entries import LibraryEntry
from tutela.services.charging import Grades, charging_report
from tutela.store.case_media import CaseMedia

GRADED_ROWS = (*CHARGED, "not_indecent")
FORMATS = ("vics", "csv")


def _entries(items: Sequence[dict], digests: dict[int, dict], *, keep: Callable[[dict], bool]) -> list[LibraryEntry]:
    """One entry per (SHA-256, grade) among the items kept, in item order, with every copy's locator."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for item in items:
        if item["row"] not in GRADED_ROWS or item["sha256"] is None or not keep(item):
            continue
        entry = found.setdefault((item["sha256"], item["row"]), {"item": item["item"], "where": [], "bases": set()})
        entry["where"].append(f"{item['exhibit']}: {item['locator']}")
        entry["bases"].add(item["basis"])
    out = []
    for (_sha, row), entry in found.items():
        hashes = digests[entry["item"]]
        out.append(LibraryEntry(md5=hashes["md5"], sha1=hashes["sha1"], sha256=hashes["sha256"], pdq=hashes["pdq"],
                                category=Category(row), comments="found at " + "; ".join(entry["where"]),
                                extra={"tags": "grade: " + ", ".join(sorted(entry["bases"]))}))
    return out


def _write(entries: list[LibraryEntry], path: Path, fmt: str, profile: VicsProfile) -> int:
    from tutela.formats.library_io import write_library

    if fmt not in FORMATS:
        raise UsageError(f"export format must be vics or csv, not {fmt!r}")
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("wb") as handle:
            count = write_library(fmt, entries, handle, profile=profile)
        partial.replace(path)  # never a half-written export under the real name
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror}") from None
    return count


def _digests(media: CaseMedia, exhibit_ids: list[int]) -> dict[int, dict]:
    return {r["id"]: r for r in media.media_items(exhibit_ids)}


def export_case_media(media: CaseMedia, case_ref: str, path: Path, *, fmt: str = "vics",
                      profile: VicsProfile, grades: Grades | None = None) -> dict:
    """The case's graded media (library, three-vote and single-examiner grades) with where each was found."""
    report = charging_report(media, case_ref, grades=grades, with_items=True)
    ids = [e["id"] for e in media.ingested_exhibits([case_ref])]
    entries = _entries(report["items"], _digests(media, ids), keep=lambda item: True)
    count = _write(entries, path, fmt, profile)
    return {"case": case_ref, "file": str(path), "format": fmt, "records": count,
            "items": sum(1 for i in report["items"] if i["row"] in GRADED_ROWS),
            "computed_from": report["computed_from"]}


def export_verified_hashes(media: CaseMedia, path: Path, *, fmt: str = "vics", profile: VicsProfile,
                           case_refs: Sequence[str] = (), grades: Grades | None = None) -> dict:
    """Pictures three examiners graded alike and no library knew: new hashes to contribute to the library."""
    exhibits = media.ingested_exhibits(list(case_refs) or None)
    items: list[dict] = []
    for case_ref in sorted({e["case"] for e in exhibits}):
        items += charging_report(media, case_ref, grades=grades, with_items=True)["items"]
    library_shas = {i["sha256"] for i in items if i["basis"] == "library"}
    entries = _entries(items, _digests(media, [e["id"] for e in exhibits]),
                       keep=lambda item: item["basis"] == "trusted_votes" and item["sha256"] not in library_shas)
    count = _write(entries, path, fmt, profile)
    return {"cases": sorted({e["case"] for e in exhibits}), "file": str(path), "format": fmt, "records": count}
