"""``tutela rematch``: exhibits' unknown media matched again against the library as it is now.

What can be matched again is what the store keeps of each item: its MD5, SHA-1, SHA-256 and the PDQ of the
picture as found. The turned, flipped and border-trimmed PDQs an ingest also tries are not stored, so a copy
known only through those is found by a new ingest, not here. Only a trusted or ignorable bank's match changes an
item: an unverified bank's grade is not one to stand on (docs/grading.md), so such items stay for examiners.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, select

from tutela.domain.banks import Trust
from tutela.domain.media import HashRecord, MediaKind
from tutela.matching.matcher import LibraryMatcher, standing_grade
from tutela.settings import Settings
from tutela.store import rematch
from tutela.store.unit import UnitStore
from tutela.store.unit_tables import Case, Exhibit


def exhibits_to_rematch(engine: Engine, cases: Sequence[str], exhibits: Sequence[str]) -> list[tuple[int, str]]:
    """(id, ref) of the exhibits named and of every exhibit of the cases named; all exhibits when none is named.
    A ref that does not exist is a NotFoundError naming it."""
    unit = UnitStore(engine)
    for ref in cases:
        unit.record("cases", ref)
    for ref in exhibits:
        unit.record("exhibits", ref)
    query = select(Exhibit.id, Exhibit.ref).join(Case, Case.id == Exhibit.case_id).order_by(Exhibit.ref)
    if cases or exhibits:
        query = query.where(Case.ref.in_(list(cases)) | Exhibit.ref.in_(list(exhibits)))
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query)]


def rematch_exhibit(engine: Engine, matcher: LibraryMatcher, exhibit: tuple[int, str], *, generation: int,
                    actor: str) -> dict[str, Any]:
    """Match one exhibit's unknown media again; the exhibit's continuity log says what changed."""
    from tutela.services.matching import match_records

    exhibit_id, ref = exhibit
    summary: dict[str, Any] = {"exhibit": ref, "unknown_before": 0, "known": {}, "ignorable": 0,
                               "groups_emptied": 0, "library_generation": generation}
    reason = f"known on re-match against library generation {generation}"
    with engine.begin() as connection:
        touched: list[int] = []
        for items in rematch.unknown_items(connection, exhibit_id):
            summary["unknown_before"] += len(items)
            for item, (_, result) in zip(items, match_records(matcher, [_record(i) for i in items]), strict=True):
                grade = standing_grade(result.matches)
                if grade is None:
                    continue
                outcome = "ignorable" if grade.trust is Trust.IGNORABLE else "known"
                rematch.now_known(connection, item, outcome, grade, reason)
                if outcome == "ignorable":
                    summary["ignorable"] += 1
                else:
                    summary["known"][grade.category.value] = summary["known"].get(grade.category.value, 0) + 1
                if item.group_id is not None:
                    touched.append(item.group_id)
        summary["groups_emptied"] = rematch.reshape_groups(connection, touched)
    changed = sum(summary["known"].values()) + summary["ignorable"]
    summary["now_known"] = changed
    if changed:
        UnitStore(engine).add_continuity(ref, to=actor, kind="examination",
                                         reason=f"re-matched against library generation {generation}: {changed} of "
                                                f"{summary['unknown_before']} unknown items now known or ignorable")
    return summary


def rematch_all(settings: Settings, engine: Engine, cases: Sequence[str], exhibits: Sequence[str], *,
                actor: str) -> list[dict[str, Any]]:
    from tutela.services.matching import load_matcher
    from tutela.store.library import LibraryStore

    chosen = exhibits_to_rematch(engine, cases, exhibits)
    library = LibraryStore(engine)
    matcher = load_matcher(settings, library)
    generation = library.generation()
    return [rematch_exhibit(engine, matcher, exhibit, generation=generation, actor=actor) for exhibit in chosen]


def _record(item: rematch.UnknownItem) -> HashRecord:
    pdq = item.pdq.hex() if item.pdq else None
    kind = MediaKind.VIDEO if item.kind == "video" else MediaKind.STILL
    return HashRecord(path=str(item.id), md5=_hex(item.md5), sha1=_hex(item.sha1), sha256=_hex(item.sha256),
                      kind=kind, pdq=pdq, quality=item.quality,
                      match_candidates=[("original", pdq)] if pdq and kind is MediaKind.STILL else None)


def _hex(value: bytes | None) -> str | None:
    return value.hex() if value else None
