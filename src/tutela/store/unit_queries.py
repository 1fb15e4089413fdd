"""Reading the unit's records for reports: plain rows for the rules in tutela.domain.figures."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import Engine, or_, select

from tutela.domain.figures import ArrestRow, ExhibitRow, Period, ReferralRow, SafeguardingRow, WarrantRow
from tutela.errors import NotFoundError, UsageError
from tutela.store.unit_tables import (
    Arrest,
    Case,
    Exhibit,
    Operation,
    Referral,
    SafeguardingRecord,
    Suspect,
    Team,
    Warrant,
)


class UnitQueries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def operation(self, name_or_ref: str) -> tuple[str, str, Period]:
        """(ref, name, period) of the operation with this ref, else this name (which must be unambiguous)."""
        table = Operation.__table__
        with self.engine.connect() as connection:
            rows = connection.execute(select(table).where(or_(table.c.ref == name_or_ref,
                                                              table.c.name == name_or_ref))).all()
        by_ref = [r for r in rows if r.ref == name_or_ref]
        rows = by_ref or rows
        if not rows:
            raise NotFoundError(f"no operation with ref or name {name_or_ref!r}")
        if len(rows) > 1:
            raise UsageError(f"{len(rows)} operations are named {name_or_ref!r}: give the ref "
                             f"({', '.join(sorted(r.ref for r in rows))})")
        row = rows[0]
        return row.ref, row.name, Period(row.start, row.end)

    def operation_rows(self, ref: str, team: str | None = None) -> dict[str, list]:
        """Warrants, arrests, exhibits and safeguarding that name the operation, with their case's team (only
        those of one team's cases when ``team`` is given)."""
        op, teams, cases = Operation.__table__, Team.__table__, Case.__table__
        team_of = select(cases.c.id, teams.c.ref.label("team")).join(
            teams, teams.c.id == cases.c.team_id, isouter=True).subquery()
        with self.engine.connect() as connection:
            op_id = connection.execute(select(op.c.id).where(op.c.ref == ref)).scalar_one()

            def rows(table, *columns, via_suspect=False):
                query = select(table.c.ref, *columns, team_of.c.team)
                if via_suspect:
                    suspects = Suspect.__table__
                    query = query.join(suspects, suspects.c.id == table.c.suspect_id).join(
                        team_of, team_of.c.id == suspects.c.case_id)
                else:
                    query = query.join(team_of, team_of.c.id == table.c.case_id)
                if team is not None:
                    query = query.where(team_of.c.team == team)
                return connection.execute(query.where(table.c.operation_id == op_id).order_by(table.c.ref)).all()

            w, a, e, s = (Warrant.__table__, Arrest.__table__, Exhibit.__table__, SafeguardingRecord.__table__)
            suspects = Suspect.__table__
            return {
                "warrants": [WarrantRow(r.ref, ref, r.team, r.executed) for r in rows(w, w.c.executed)],
                "arrests": [ArrestRow(r.ref, ref, r.team, r.at, r.suspect, r.age) for r in rows(
                    a, a.c.at, suspects.c.ref.label("suspect"), suspects.c.age, via_suspect=True)],
                "exhibits": [ExhibitRow(r.ref, ref, r.team, r.seized, r.type) for r in rows(e, e.c.seized, e.c.type)],
                "safeguarding": [SafeguardingRow(r.ref, ref, r.team, r.at, r.child_ref)
                                 for r in rows(s, s.c.at, s.c.child_ref)],
            }

    def referral_rows(self, period: Period, team: str | None = None) -> list[ReferralRow]:
        """Referrals received around the period (a day either side: the rules pick by local day); only one
        team's when ``team`` is given."""
        table, teams = Referral.__table__, Team.__table__
        low = datetime.combine(period.start - timedelta(days=1), time(), UTC)
        high = datetime.combine(period.end + timedelta(days=2), time(), UTC)
        query = (select(table.c.ref, table.c.received, teams.c.ref.label("team"), table.c.risk_band)
                 .join(teams, teams.c.id == table.c.team_id, isouter=True)
                 .where(table.c.received >= low, table.c.received < high).order_by(table.c.received))
        if team is not None:
            query = query.where(teams.c.ref == team)
        with self.engine.connect() as connection:
            return [ReferralRow(r.ref, r.received, r.team, r.risk_band) for r in connection.execute(query)]

    def open_cases(self) -> list[dict]:
        cases, teams = Case.__table__, Team.__table__
        query = (select(cases.c.ref, teams.c.ref.label("team"), cases.c.opened)
                 .join(teams, teams.c.id == cases.c.team_id, isouter=True)
                 .where(cases.c.status == "open").order_by(cases.c.opened, cases.c.ref))
        with self.engine.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(query)]

    def exhibits_awaiting(self) -> list[dict]:
        exhibits, cases = Exhibit.__table__, Case.__table__
        query = (select(exhibits.c.ref, cases.c.ref.label("case"), exhibits.c.type, exhibits.c.seized)
                 .join(cases, cases.c.id == exhibits.c.case_id)
                 .where(exhibits.c.status == "awaiting_examination").order_by(exhibits.c.seized, exhibits.c.ref))
        with self.engine.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(query)]

    def referrals_awaiting(self, team: str | None = None) -> list[dict]:
        table, teams = Referral.__table__, Team.__table__
        query = (select(table.c.ref, table.c.received, table.c.risk_band, table.c.risk_reasons,
                        teams.c.ref.label("team"))
                 .join(teams, teams.c.id == table.c.team_id, isouter=True)
                 .where(table.c.status == "awaiting_assessment"))
        if team is not None:
            query = query.where(teams.c.ref == team)
        with self.engine.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(query)]


    def operations_meeting(self, period: Period) -> list[tuple[str, str, Period]]:
        """(ref, name, period) of the operations whose dates meet the period, earliest first."""
        table = Operation.__table__
        query = (select(table.c.ref, table.c.name, table.c.start, table.c.end)
                 .where(table.c.start <= period.end, table.c.end >= period.start)
                 .order_by(table.c.start, table.c.ref))
        with self.engine.connect() as connection:
            return [(r.ref, r.name, Period(r.start, r.end)) for r in connection.execute(query)]
