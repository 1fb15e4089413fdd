"""What the web pages show of a case and an exhibit: plain rows, read in the request's session.

Scope is the caller's: it passes a WHERE clause on the case's team (tutela.web.scope) or an id it checked.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from tutela.store.ingest_tables import Ingest
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


def _rows(session: Session, query) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in session.execute(query)]


def cases(session: Session, in_scope: ColumnElement[bool], *, status: str | None, limit: int,
          offset: int) -> list[dict[str, Any]]:
    """Cases in scope, newest first, with their team and how many exhibits they hold."""
    exhibits = (select(Exhibit.case_id, func.count().label("exhibits")).group_by(Exhibit.case_id).subquery())
    query = (select(Case.id, Case.ref, Case.status, Case.opened, Case.outcome, Team.ref.label("team"),
                    func.coalesce(exhibits.c.exhibits, 0).label("exhibits"))
             .join(Team, Team.id == Case.team_id, isouter=True)
             .join(exhibits, exhibits.c.case_id == Case.id, isouter=True)
             .where(in_scope).order_by(Case.opened.desc(), Case.id.desc()).limit(limit).offset(offset))
    if status:
        query = query.where(Case.status == status)
    return _rows(session, query)


def case_detail(session: Session, case: Case) -> dict[str, Any]:
    """A case's referrals, suspects, warrants, arrests, exhibits (with continuity) and safeguarding."""
    operation = Operation.ref.label("operation")
    team = session.execute(select(Team.ref).where(Team.id == case.team_id)).scalar()
    exhibits = _rows(session, select(*Exhibit.__table__.c, operation)
                     .join(Operation, Operation.id == Exhibit.operation_id, isouter=True)
                     .where(Exhibit.case_id == case.id).order_by(Exhibit.ref))
    continuity = continuity_of(session, [e["id"] for e in exhibits])
    for exhibit in exhibits:
        exhibit["continuity"] = continuity.get(exhibit["id"], [])
    return {
        "team": team,
        "referrals": _rows(session, select(Referral.ref, Referral.received, Referral.risk_band, Referral.status)
                           .join(case_referrals, case_referrals.c.referral_id == Referral.id)
                           .where(case_referrals.c.case_id == case.id).order_by(Referral.received)),
        "suspects": _rows(session, select(Suspect.ref, Suspect.age).where(Suspect.case_id == case.id)
                          .order_by(Suspect.ref)),
        "warrants": _rows(session, select(Warrant.ref, Warrant.applied, Warrant.granted, Warrant.executed,
                                          Warrant.outcome, operation)
                          .join(Operation, Operation.id == Warrant.operation_id, isouter=True)
                          .where(Warrant.case_id == case.id).order_by(Warrant.ref)),
        "arrests": _rows(session, select(Arrest.ref, Arrest.at, Suspect.ref.label("suspect"), operation)
                         .join(Suspect, Suspect.id == Arrest.suspect_id)
                         .join(Operation, Operation.id == Arrest.operation_id, isouter=True)
                         .where(Suspect.case_id == case.id).order_by(Arrest.at, Arrest.ref)),
        "exhibits": exhibits,
        "safeguarding": _rows(session, select(SafeguardingRecord.ref, SafeguardingRecord.child_ref,
                                              SafeguardingRecord.at, SafeguardingRecord.age_band, operation)
                              .join(Operation, Operation.id == SafeguardingRecord.operation_id, isouter=True)
                              .where(SafeguardingRecord.case_id == case.id).order_by(SafeguardingRecord.at)),
    }


def continuity_of(session: Session, exhibit_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    if not exhibit_ids:
        return out
    query = (select(ContinuityEvent).where(ContinuityEvent.exhibit_id.in_(exhibit_ids))
             .order_by(ContinuityEvent.at, ContinuityEvent.id))
    for event in session.scalars(query):
        out.setdefault(event.exhibit_id, []).append(
            {"at": event.at, "from": event.from_who, "to": event.to_who, "reason": event.reason, "kind": event.kind})
    return out


def ingests_of(session: Session, exhibit_id: int) -> list[Ingest]:
    return list(session.scalars(select(Ingest).where(Ingest.exhibit_id == exhibit_id).order_by(Ingest.started)))


def case_ref_of(session: Session, case_id: int) -> str:
    return session.execute(select(Case.ref).where(Case.id == case_id)).scalar_one()
