"""The server-rendered pages: referrals queue, cases, an exhibit's ingest summary, operations and charts.

Every page needs a signed-in user; case pages also a case role (partners see none) and the record in scope
(tutela.web.scope: another team's record answers 404 like one that does not exist).
"""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from tutela.domain.roles import CASE_ROLES
from tutela.domain.unit import CASE_STATUSES, REF_MAX, local_day
from tutela.errors import NotFoundError, UsageError
from tutela.services import unit_views
from tutela.store import case_views
from tutela.store.unit_tables import Operation
from tutela.web.auth import SignedInUser, current_user, db_session, require_roles
from tutela.web.reads import queries, viewer, zone_of
from tutela.web.scope import case_in_scope, exhibit_in_scope, not_found, team_clause, well_formed_ref
from tutela.web.templating import render

router = APIRouter(include_in_schema=False)
case_worker = require_roles(*CASE_ROLES)
REF = Path(..., min_length=1, max_length=REF_MAX)
PAGE_SIZE = 50
SHOWN_PER_BAND = 100  # the rest of a band is counted: nobody assesses the 101st before the first
CHART_WEEKS = 12


@router.get("/")
def home(request: Request, user: SignedInUser = Depends(current_user)) -> Response:
    return render(request, "home.html", user)


@router.get("/referrals")
def referrals(request: Request, user: SignedInUser = Depends(case_worker)) -> Response:
    bands = unit_views.referral_queue(queries(request), zone_of(request), viewer(user))
    return render(request, "referrals.html", user, bands=bands, total=sum(len(rows) for _, rows in bands),
                  shown_per_band=SHOWN_PER_BAND)


@router.get("/cases")
def cases(request: Request, status: str | None = Query(None, max_length=16), page: int = Query(1, ge=1, le=100_000),
          user: SignedInUser = Depends(case_worker), db: Session = Depends(db_session)) -> Response:
    from tutela.store.unit_tables import Case

    if status is not None and status not in CASE_STATUSES:
        raise HTTPException(status_code=422, detail=f"status: one of {', '.join(CASE_STATUSES)}")
    rows = case_views.cases(db, team_clause(user, Case.team_id), status=status, limit=PAGE_SIZE + 1,
                            offset=(page - 1) * PAGE_SIZE)
    return render(request, "cases.html", user, cases=rows[:PAGE_SIZE], status=status, page=page,
                  more=len(rows) > PAGE_SIZE)


@router.get("/cases/{ref}")
def case_page(request: Request, ref: str = REF, user: SignedInUser = Depends(case_worker),
              db: Session = Depends(db_session)) -> Response:
    case = case_in_scope(db, user, ref)
    return render(request, "case.html", user, case=case, **case_views.case_detail(db, case))


@router.get("/exhibits/{ref}")
def exhibit_page(request: Request, ref: str = REF, user: SignedInUser = Depends(case_worker),
                 db: Session = Depends(db_session)) -> Response:
    exhibit = exhibit_in_scope(db, user, ref)
    return render(request, "exhibit.html", user,
                  **unit_views.exhibit_summary(request.app.state.engine, db, exhibit))


def _period(request: Request, start: date | None, end: date | None) -> tuple[date, date]:
    """The chart's period: the dates given, else the last CHART_WEEKS whole weeks up to today."""
    from datetime import UTC, datetime

    today = local_day(datetime.now(UTC), zone_of(request))
    end = end or today
    start = start or end - timedelta(days=7 * CHART_WEEKS - 1)
    if (end - start).days > 3 * 366:
        raise HTTPException(status_code=422, detail="period: at most three years")
    return start, end


@router.get("/operations")
def operations(request: Request, start: date | None = Query(None, alias="from"),
               end: date | None = Query(None, alias="to"), user: SignedInUser = Depends(case_worker),
               db: Session = Depends(db_session)) -> Response:
    start, end = _period(request, start, end)
    try:
        weeks = unit_views.referral_weeks(queries(request), start, end, zone_of(request), viewer(user))
    except UsageError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    listed = db.execute(select(Operation.ref, Operation.name, Operation.start, Operation.end)
                        .order_by(Operation.start.desc())).all()
    return render(request, "operations.html", user, operations=listed, weeks=weeks)


@router.get("/operations/{ref}")
def operation_page(request: Request, ref: str = REF, user: SignedInUser = Depends(case_worker),
                   db: Session = Depends(db_session)) -> Response:
    well_formed_ref(db, user, "operation", ref)
    try:
        figures = unit_views.operation_view(queries(request), ref, zone_of(request), viewer(user))
    except NotFoundError:
        raise not_found() from None
    return render(request, "operation.html", user, figures=figures)


@router.get("/charts/referrals-weekly.png")
def weekly_chart(request: Request, start: date | None = Query(None, alias="from"),
                 end: date | None = Query(None, alias="to"), user: SignedInUser = Depends(case_worker)) -> Response:
    start, end = _period(request, start, end)
    try:
        weeks = unit_views.referral_weeks(queries(request), start, end, zone_of(request), viewer(user))
    except UsageError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    return Response(unit_views.weekly_chart_png(weeks), media_type="image/png",
                    headers={"Cache-Control": "private, no-store"})
