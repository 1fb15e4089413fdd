"""The ingest repository: ingests of an exhibit's evidence, their media items written in batches, and counts."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select, update

from tutela.errors import NotFoundError, UsageError
from tutela.store.ingest_tables import Ingest, MediaItem
from tutela.store.media_groups import write_aids
from tutela.store.unit_tables import Case, Exhibit


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class IngestRow:
    id: int
    exhibit_id: int
    source_path: str
    evidence_sha256_before: str
    evidence_sha256_after: str | None
    started: datetime
    finished: datetime | None
    counts: dict | None


class IngestStore:
    """Ingests and media items in the SQL store. One instance per engine; cheap to make."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = _now) -> None:
        self.engine = engine
        self.clock = clock

    def exhibit_in_case(self, exhibit_ref: str, case_ref: str) -> int:
        """The exhibit's id; it must exist and belong to that case."""
        query = (select(Exhibit.id, Case.ref).join(Case, Case.id == Exhibit.case_id)
                 .where(Exhibit.ref == exhibit_ref))
        with self.engine.connect() as connection:
            found = connection.execute(query).first()
        if found is None:
            raise NotFoundError(f"no exhibit {exhibit_ref!r}")
        if found.ref != case_ref:
            raise UsageError(f"exhibit {exhibit_ref!r} belongs to case {found.ref!r}, not {case_ref!r}")
        return found.id

    def find(self, exhibit_id: int, source_path: str) -> IngestRow | None:
        table = Ingest.__table__
        with self.engine.connect() as connection:
            row = connection.execute(select(table).where(table.c.exhibit_id == exhibit_id,
                                                         table.c.source_path == source_path)).first()
        return None if row is None else IngestRow(**row._mapping)

    def begin(self, exhibit_id: int, source_path: str, sha256_before: str) -> IngestRow:
        with self.engine.begin() as connection:
            connection.execute(insert(Ingest.__table__).values(
                exhibit_id=exhibit_id, source_path=source_path, evidence_sha256_before=sha256_before,
                started=self.clock()))
        found = self.find(exhibit_id, source_path)
        assert found is not None
        return found

    def recorded(self, exhibit_id: int) -> tuple[set[bytes], dict[bytes, str]]:
        """Locator keys already recorded for the exhibit, and each SHA-256 with the first file that had it."""
        table = MediaItem.__table__
        keys: set[bytes] = set()
        first: dict[bytes, str] = {}
        query = select(table.c.locator_key, table.c.sha256, table.c.locator).where(
            table.c.exhibit_id == exhibit_id).order_by(table.c.id)
        with self.engine.connect() as connection:
            for key, sha256, locator in connection.execute(query):
                keys.add(bytes(key))
                if sha256 is not None:
                    first.setdefault(bytes(sha256), _locator_text(locator))
        return keys, first

    def write(self, rows: Sequence[dict[str, Any]], thumbnails: Mapping[bytes, tuple[bytes, int, int]] | None = None,
              links: Mapping[bytes, Sequence[Any]] | None = None) -> None:
        """Media items, with the thumbnails (token, width, height) and cross-case links (``SeenBefore``) of some
        of them by locator key, all in one transaction."""
        if not rows:
            return
        thumbnails, links = thumbnails or {}, links or {}
        table = MediaItem.__table__
        with self.engine.begin() as connection:
            if not thumbnails and not links:
                connection.execute(insert(table), list(rows))
                return
            made = connection.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), list(rows))
            ids = {row["locator_key"]: item_id for row, item_id in zip(rows, made.scalars(), strict=True)}
            write_aids(connection,
                       [{"item_id": ids[key], "token": token, "width": width, "height": height}
                        for key, (token, width, height) in thumbnails.items()],
                       [{"item_id": ids[key], "other_item_id": seen.item_id, "hash_type": seen.hash_type,
                         "distance": seen.distance} for key, found in links.items() for seen in found])

    def counts(self, ingest_id: int) -> dict[str, Any]:
        """Files by outcome (known by category) and deleted files recovered, from what is recorded."""
        table = MediaItem.__table__
        query = (select(table.c.outcome, table.c.category, table.c.deleted, func.count())
                 .where(table.c.ingest_id == ingest_id).group_by(table.c.outcome, table.c.category, table.c.deleted))
        out: dict[str, Any] = {"files": 0, "known": {}, "deleted_recovered": 0}
        with self.engine.connect() as connection:
            for outcome, category, deleted, count in connection.execute(query):
                out["files"] += count
                out["deleted_recovered"] += count if deleted and outcome != "failed" else 0
                if outcome == "known":
                    out["known"][category] = out["known"].get(category, 0) + count
                else:
                    out[outcome] = out.get(outcome, 0) + count
        return out

    def items(self, ingest_id: int) -> list[dict[str, Any]]:
        table = MediaItem.__table__
        with self.engine.connect() as connection:
            rows = connection.execute(select(table).where(table.c.ingest_id == ingest_id).order_by(table.c.id))
            return [dict(row._mapping) for row in rows]

    def finish(self, ingest_id: int, sha256_after: str, counts: dict[str, Any]) -> None:
        table = Ingest.__table__
        with self.engine.begin() as connection:
            connection.execute(update(table).where(table.c.id == ingest_id).values(
                evidence_sha256_after=sha256_after, finished=self.clock(), counts=counts))


def _locator_text(locator: dict) -> str:
    from tutela.domain.locator import Locator

    return str(Locator.from_json(locator))
