"""The JSON API under /api/v1 (its OpenAPI document at /api/v1/openapi.json, for signed-in users).

The same reads as the pages (tutela.store.case_views, tutela.services.unit_views), the same roles and scope.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from tutela.domain.roles import CASE_ROLES
from tutela.domain.unit import CASE_STATUSES, REF_MAX
from tutela.errors import NotFoundError
from tutela.services import unit_views
from tutela.store import case_views
from tutela.store.unit_tables import Case
from tutela.web.auth import SignedInUser, current_user, db_session, require_roles
from tutela.web.reads import queries, viewer, zone_of
from tutela.web.scope import case_in_scope, exhibit_in_scope, not_found, team_clause, well_formed_ref

router = APIRouter(tags=["tutela"])
case_worker = require_roles(*CASE_ROLES)
REF = Path(..., min_length=1, max_length=REF_MAX)


class Me(BaseModel):
    name: str
    role: str
    team: str | None
    sees_all_teams: bool
    csrf_token: str


@router.get("/me", response_model=Me)
def me(user: SignedInUser = Depends(current_user)) -> Me:
    """The signed-in user, and the CSRF token their state-changing calls must send as X-CSRF-Token."""
    return Me(name=user.name, role=user.role.value, team=user.team, sees_all_teams=user.sees_all_teams,
              csrf_token=user.csrf_token)


@router.get("/referrals")
def referrals(request: Request, user: SignedInUser = Depends(case_worker)) -> dict[str, Any]:
    """Referrals awaiting assessment in the user's scope, by risk band (highest first), oldest first."""
    bands = unit_views.referral_queue(queries(request), zone_of(request), viewer(user))
    return {"bands": [{"band": band, "referrals": rows} for band, rows in bands]}


@router.get("/cases")
def cases(status: str | None = Query(None, pattern="^(" + "|".join(CASE_STATUSES) + ")$"),
          limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0),
          user: SignedInUser = Depends(case_worker), db: Session = Depends(db_session)) -> dict[str, Any]:
    """Cases in the user's scope, newest first."""
    rows = case_views.cases(db, team_clause(user, Case.team_id), status=status, limit=limit, offset=offset)
    return {"cases": [{k: v for k, v in row.items() if k != "id"} for row in rows]}


@router.get("/cases/{ref}")
def case(ref: str = REF, user: SignedInUser = Depends(case_worker), db: Session = Depends(db_session)) -> dict:
    """A case with its referrals, suspects, warrants, arrests, exhibits (with continuity) and safeguarding."""
    found = case_in_scope(db, user, ref)
    detail = case_views.case_detail(db, found)
    for exhibit in detail["exhibits"]:
        exhibit.pop("id"), exhibit.pop("case_id"), exhibit.pop("operation_id")
    return {"ref": found.ref, "status": found.status, "opened": found.opened, "outcome": found.outcome, **detail}


@router.get("/exhibits/{ref}")
def exhibit(request: Request, ref: str = REF, user: SignedInUser = Depends(case_worker),
            db: Session = Depends(db_session)) -> dict:
    """An exhibit's ingest summary: known media by category, every outcome, each ingest, and its continuity."""
    found = exhibit_in_scope(db, user, ref)
    summary = unit_views.exhibit_summary(request.app.state.engine, db, found)
    return {"ref": found.ref, "type": found.type, "status": found.status, "case": summary["case"],
            "seized": found.seized, "known": dict(summary["known"]), "totals": summary["totals"],
            "ingests": summary["ingests"], "continuity": summary["continuity"]}


@router.get("/operations/{ref}")
def operation(request: Request, ref: str = REF, user: SignedInUser = Depends(case_worker),
              db: Session = Depends(db_session)) -> dict:
    """An operation's figures (the unit report's rules) over the teams the user sees."""
    well_formed_ref(db, user, "operation", ref)
    try:
        return unit_views.operation_view(queries(request), ref, zone_of(request), viewer(user))
    except NotFoundError:
        raise not_found() from None
