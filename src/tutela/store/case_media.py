"""Reading a case's exhibits and their media items for reports: plain rows for tutela.domain.charging."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from tutela.errors import NotFoundError
from tutela.store.ingest_tables import Ingest, MediaItem
from tutela.store.unit_tables import Case, Exhibit, Team


def _hex(value: bytes | None) -> str | None:
    return None if value is None else bytes(value).hex()


class CaseMedia:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def case(self, ref: str) -> dict:
        """The case (ref, team, status, opened, outcome); NotFoundError when there is none."""
        cases, teams = Case.__table__, Team.__table__
        query = (select(cases.c.id, cases.c.ref, teams.c.ref.label("team"), cases.c.status, cases.c.opened,
                        cases.c.outcome)
                 .join(teams, teams.c.id == cases.c.team_id, isouter=True).where(cases.c.ref == ref))
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        if row is None:
            raise NotFoundError(f"no case {ref!r}")
        return dict(row._mapping)

    def exhibits(self, case_id: int) -> list[dict]:
        """The case's exhibits in reference order, each with how many ingests it had and how many finished."""
        exhibits, ingests = Exhibit.__table__, Ingest.__table__
        runs = (select(ingests.c.exhibit_id, func.count().label("ingests"),
                       func.count(ingests.c.finished).label("finished"))
                .group_by(ingests.c.exhibit_id).subquery())
        query = (select(exhibits.c.id, exhibits.c.ref, exhibits.c.type, exhibits.c.status, exhibits.c.seized,
                        func.coalesce(runs.c.ingests, 0).label("ingests"),
                        func.coalesce(runs.c.finished, 0).label("finished"))
                 .join(runs, runs.c.exhibit_id == exhibits.c.id, isouter=True)
                 .where(exhibits.c.case_id == case_id).order_by(exhibits.c.ref))
        with self.engine.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(query)]

    def media_items(self, exhibit_ids: list[int]) -> list[dict]:
        """Every media item of the exhibits, in ingest order, digests as hex."""
        if not exhibit_ids:
            return []
        table = MediaItem.__table__
        query = (select(table.c.id, table.c.exhibit_id, table.c.locator, table.c.md5, table.c.sha1,
                        table.c.sha256, table.c.pdq, table.c.kind, table.c.outcome, table.c.bank,
                        table.c.category)
                 .where(table.c.exhibit_id.in_(exhibit_ids)).order_by(table.c.id))
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [{**r._mapping, **{k: _hex(getattr(r, k)) for k in ("md5", "sha1", "sha256", "pdq")}} for r in rows]

    def case_records(self, case_id: int) -> dict[str, list[dict]]:
        """The case's referrals, suspects, warrants, arrests and safeguarding records, each in reference order."""
        from tutela.store.unit_tables import (
            Arrest,
            Operation,
            Referral,
            SafeguardingRecord,
            Suspect,
            Warrant,
            case_referrals,
        )

        referrals, links, ops = Referral.__table__, case_referrals, Operation.__table__
        suspects, warrants, arrests = Suspect.__table__, Warrant.__table__, Arrest.__table__
        safeguarding = SafeguardingRecord.__table__
        queries = {
            "referrals": select(referrals.c.ref, referrals.c.received, referrals.c.risk_band, referrals.c.status)
            .join(links, links.c.referral_id == referrals.c.id).where(links.c.case_id == case_id)
            .order_by(referrals.c.ref),
            "suspects": select(suspects.c.ref, suspects.c.age).where(suspects.c.case_id == case_id)
            .order_by(suspects.c.ref),
            "warrants": select(warrants.c.ref, ops.c.ref.label("operation"), warrants.c.applied, warrants.c.granted,
                               warrants.c.executed, warrants.c.outcome)
            .join(ops, ops.c.id == warrants.c.operation_id, isouter=True).where(warrants.c.case_id == case_id)
            .order_by(warrants.c.ref),
            "arrests": select(arrests.c.ref, suspects.c.ref.label("suspect"), ops.c.ref.label("operation"),
                              arrests.c.at)
            .join(suspects, suspects.c.id == arrests.c.suspect_id)
            .join(ops, ops.c.id == arrests.c.operation_id, isouter=True).where(suspects.c.case_id == case_id)
            .order_by(arrests.c.ref),
            "safeguarding": select(safeguarding.c.ref, safeguarding.c.child_ref.label("child"),
                                   ops.c.ref.label("operation"), safeguarding.c.at)
            .join(ops, ops.c.id == safeguarding.c.operation_id, isouter=True)
            .where(safeguarding.c.case_id == case_id).order_by(safeguarding.c.ref),
        }
        with self.engine.connect() as connection:
            return {name: [dict(r._mapping) for r in connection.execute(query)] for name, query in queries.items()}

    def ingested_exhibits(self, case_refs: list[str] | None = None) -> list[dict]:
        """(id, ref, case) of every exhibit with at least one ingest, of some cases or all, in reference order."""
        exhibits, cases, ingests = Exhibit.__table__, Case.__table__, Ingest.__table__
        query = (select(exhibits.c.id, exhibits.c.ref, cases.c.ref.label("case"))
                 .join(cases, cases.c.id == exhibits.c.case_id)
                 .where(exhibits.c.id.in_(select(ingests.c.exhibit_id))).order_by(exhibits.c.ref))
        if case_refs:
            query = query.where(cases.c.ref.in_(case_refs))
        with self.engine.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(query)]
