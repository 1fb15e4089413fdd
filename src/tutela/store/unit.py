"""The unit's repository: records by section, read and written in the unit document's canonical form.

Records come in and go out as the dictionaries of docs/unit-schema.json (references by ``ref``, times as UTC
ISO strings), so a command, an import and an export all take one path. Each call is one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from tutela.domain import unit_format
from tutela.domain.unit import format_when, parse_day, parse_when
from tutela.errors import NotFoundError, UsageError
from tutela.store.unit_tables import (
    Arrest,
    Case,
    ContinuityEvent,
    Exhibit,
    Operation,
    Referral,
    SafeguardingRecord,
    Suspect,
    Team,
    Warrant,
    case_referrals,
)

TABLES = {"teams": Team, "operations": Operation, "referrals": Referral, "cases": Case, "suspects": Suspect,
          "warrants": Warrant, "arrests": Arrest, "exhibits": Exhibit, "safeguarding": SafeguardingRecord}
RENAMED = {"child": "child_ref"}
DEFAULTS: dict[str, dict[str, Any]] = {
    "referrals": {"source": "", "status": "awaiting_assessment"},
    "cases": {"status": "open"}, "exhibits": {"status": "awaiting_examination"},
}
Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def column_name(field: str, kind: str) -> str:
    return f"{field}_id" if unit_format.target(kind) and not kind.startswith("->>") else RENAMED.get(field, field)


def _written(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_when(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


class RefIndex:
    """ref <-> id of every record in a section, loaded once per transaction (a unit holds thousands, not more)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._ids: dict[str, dict[str, int]] = {}

    def ids(self, section: str) -> dict[str, int]:
        if section not in self._ids:
            table = TABLES[section].__table__
            self._ids[section] = dict(self.connection.execute(select(table.c.ref, table.c.id)).all())
        return self._ids[section]

    def refs(self, section: str) -> dict[int, str]:
        return {v: k for k, v in self.ids(section).items()}

    def id_of(self, section: str, ref: str) -> int:
        found = self.ids(section).get(ref)
        if found is None:
            raise NotFoundError(f"no {unit_format.SINGULAR[section]} {ref!r}")
        return found


class UnitStore:
    """Teams, operations, referrals, cases and what they hold. One instance per engine; cheap to make."""

    def __init__(self, engine: Engine, clock: Clock = _now) -> None:
        self.engine = engine
        self.clock = clock

    # one record ------------------------------------------------------------------------------------
    def add(self, section: str, record: dict[str, Any]) -> dict[str, Any]:
        """Insert a checked, canonical record; every record it names must exist and its ref be free."""
        with self.engine.begin() as connection:
            index = RefIndex(connection)
            if record["ref"] in index.ids(section):
                raise UsageError(f"{unit_format.SINGULAR[section]} {record['ref']!r} already exists")
            for _field, goes_to, ref in unit_format.references(section, record):
                index.id_of(goes_to, ref)
            self.insert(connection, index, section, record)
        return self.record(section, record["ref"])

    def record(self, section: str, ref: str) -> dict[str, Any]:
        with self.engine.connect() as connection:
            found = self.exported(connection, RefIndex(connection), section, refs=[ref])
        if not found:
            raise NotFoundError(f"no {unit_format.SINGULAR[section]} {ref!r}")
        return found[ref]

    def change(self, section: str, ref: str, **values: Any) -> dict[str, Any]:
        """Set plain columns of one record (status, outcome, times already checked by the caller)."""
        table = TABLES[section].__table__
        with self.engine.begin() as connection:
            record_id = RefIndex(connection).id_of(section, ref)
            connection.execute(update(table).where(table.c.id == record_id).values(**values))
        return self.record(section, ref)

    def add_continuity(self, ref: str, *, to: str, reason: str, kind: str, at: datetime | None = None,
                       status: str | None = None) -> dict[str, Any]:
        """Append one movement or examination to an exhibit's log (and set its status, when given)."""
        with self.engine.begin() as connection:
            exhibit_id = RefIndex(connection).id_of("exhibits", ref)
            events = ContinuityEvent.__table__
            last = connection.execute(select(events.c.to_who).where(events.c.exhibit_id == exhibit_id)
                                      .order_by(events.c.at.desc(), events.c.id.desc()).limit(1)).scalar()
            connection.execute(insert(events).values(exhibit_id=exhibit_id, at=at or self.clock(),
                                                     from_who=last or "", to_who=to, reason=reason, kind=kind))
            if status:
                table = Exhibit.__table__
                connection.execute(update(table).where(table.c.id == exhibit_id).values(status=status))
        return self.record("exhibits", ref)

    # many records ----------------------------------------------------------------------------------
    def insert(self, connection: Connection, index: RefIndex, section: str, record: dict[str, Any]) -> int:
        fields = unit_format.SECTIONS[section]
        values: dict[str, Any] = dict(DEFAULTS.get(section, {}))
        for name, value in record.items():
            kind = fields[name]
            if kind in ("->>referrals", "continuity"):
                continue
            goes_to = unit_format.target(kind)
            values[column_name(name, kind)] = (index.id_of(goes_to, value) if goes_to else _stored(kind, value))
        if section == "cases":
            values.setdefault("opened", self.clock())
        table = TABLES[section].__table__
        new_id = connection.execute(insert(table).values(**values)).inserted_primary_key[0]
        index.ids(section)[record["ref"]] = new_id
        if section == "cases" and record.get("referrals"):
            connection.execute(insert(case_referrals), [
                {"case_id": new_id, "referral_id": index.id_of("referrals", r)} for r in record["referrals"]])
        if section == "exhibits":
            self._insert_continuity(connection, new_id, record)
        return new_id

    def _insert_continuity(self, connection: Connection, exhibit_id: int, record: dict[str, Any]) -> None:
        events = record.get("continuity") or []
        if events:
            connection.execute(insert(ContinuityEvent.__table__), [
                {"exhibit_id": exhibit_id, "at": parse_when(e["at"], UTC), "from_who": e["from"], "to_who": e["to"],
                 "reason": e["reason"], "kind": e["kind"]} for e in events])

    def exported(self, connection: Connection, index: RefIndex, section: str,
                 refs: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
        """Records of a section in canonical form, by ref (all of them, or those named)."""
        table = TABLES[section].__table__
        query = select(table).order_by(table.c.id)
        if refs is not None:
            query = query.where(table.c.ref.in_(list(refs)))
        fields = unit_format.SECTIONS[section]
        out: dict[str, dict[str, Any]] = {}
        ids: list[int] = []
        for row in connection.execute(query).mappings():
            ids.append(row["id"])
            item: dict[str, Any] = {}
            for name, kind in fields.items():
                goes_to = unit_format.target(kind)
                if kind.startswith("->>") or kind == "continuity":
                    continue
                value = row[column_name(name, kind)]
                if value is not None:
                    item[name] = index.refs(goes_to)[value] if goes_to else _written(value)
            out[item["ref"]] = item
        # Records asked for by name take only their own links and events: a unit's continuity log runs to many
        # thousands of events, and one exhibit's record is asked for at every movement and every ingest.
        named = None if refs is None else ids
        if section == "cases" and out:
            self._export_case_referrals(connection, index, out, named)
        if section == "exhibits" and out:
            self._export_continuity(connection, index, out, named)
        return out

    def _export_case_referrals(self, connection: Connection, index: RefIndex, cases: dict, ids: list[int] | None
                               ) -> None:
        case_refs, referral_refs = index.refs("cases"), index.refs("referrals")
        for item in cases.values():
            item["referrals"] = []
        query = select(case_referrals)
        if ids is not None:
            query = query.where(case_referrals.c.case_id.in_(ids))
        for case_id, referral_id in connection.execute(query):
            if case_refs[case_id] in cases:
                cases[case_refs[case_id]]["referrals"].append(referral_refs[referral_id])
        for item in cases.values():
            item["referrals"].sort()

    def _export_continuity(self, connection: Connection, index: RefIndex, exhibits: dict, ids: list[int] | None
                           ) -> None:
        events = ContinuityEvent.__table__
        exhibit_refs = index.refs("exhibits")
        for item in exhibits.values():
            item["continuity"] = []
        query = select(events).order_by(events.c.exhibit_id, events.c.at, events.c.id)
        if ids is not None:
            query = query.where(events.c.exhibit_id.in_(ids))
        rows = connection.execute(query).mappings()
        for row in rows:
            ref = exhibit_refs[row["exhibit_id"]]
            if ref in exhibits:
                exhibits[ref]["continuity"].append({"at": format_when(row["at"]), "from": row["from_who"],
                                                    "to": row["to_who"], "reason": row["reason"],
                                                    "kind": row["kind"]})

    def existing(self, wanted: dict[str, set[str]]) -> dict[str, dict[str, dict[str, Any]]]:
        """Which of the named refs the store holds, per section, in canonical form."""
        with self.engine.connect() as connection:
            index = RefIndex(connection)
            return {section: self.exported(connection, index, section, refs=sorted(refs))
                    for section, refs in wanted.items() if refs}

    def apply(self, records: dict[str, list[dict[str, Any]]]) -> None:
        """Insert checked records, sections in order, all in one transaction (any failure: none at all)."""
        with self.engine.begin() as connection:
            index = RefIndex(connection)
            for section in unit_format.SECTIONS:
                for record in records.get(section, []):
                    self.insert(connection, index, section, record)

    def set_details(self, ref: str, details: dict[str, Any]) -> None:
        """What intake read from a referral (identifiers, hashes, triage facts); not part of the unit document."""
        table = Referral.__table__
        with self.engine.begin() as connection:
            connection.execute(update(table).where(table.c.ref == ref).values(details=details))

    def set_triage(self, ref: str, band: str, reasons: list[str], details: dict[str, Any]) -> None:
        """A referral's band and reasons recomputed (intake details updated with the facts used)."""
        table = Referral.__table__
        with self.engine.begin() as connection:
            connection.execute(update(table).where(table.c.ref == ref).values(
                risk_band=band, risk_reasons=reasons, details=details))

    def referral_details(self) -> list[tuple[str, dict | None, list[str]]]:
        """(ref, details, case refs) of every referral that has details."""
        table, cases = Referral.__table__, Case.__table__
        with self.engine.connect() as connection:
            linked: dict[int, list[str]] = {}
            query = (select(case_referrals.c.referral_id, cases.c.ref)
                     .join(cases, cases.c.id == case_referrals.c.case_id))
            for referral_id, case_ref in connection.execute(query):
                linked.setdefault(referral_id, []).append(case_ref)
            rows = connection.execute(select(table.c.id, table.c.ref, table.c.details)
                                      .where(table.c.details.is_not(None))).all()
        return [(row.ref, row.details, sorted(linked.get(row.id, []))) for row in rows]

    def export_document(self) -> dict[str, Any]:
        with self.engine.connect() as connection:
            index = RefIndex(connection)
            return {"format": "tutela-unit/1", **{
                section: list(self.exported(connection, index, section).values())
                for section in unit_format.SECTIONS}}


def _stored(kind: str, value: Any) -> Any:
    if kind == "time":
        return parse_when(value, UTC)
    if kind == "day":
        return parse_day(value)
    return value
