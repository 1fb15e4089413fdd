"""Report pages: the charging table and case report of a case in the viewer's scope, and the unit, operation and
public reports for those who see every team; each as a page and as the PDF made from the same template.

A page includes web/templates/reports/_report.html, the fragment the PDF is rendered from (tutela.reports), so the
screen and the paper show the same figures. Every PDF handed out is an audit event (kind ``export``).
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from tutela.domain.roles import ALL_TEAMS_ROLES, CASE_ROLES, Role
from tutela.domain.unit import REF_MAX
from tutela.errors import NotFoundError, UsageError
from tutela.reports.documents import TEMPLATES, Document, render_pdf
from tutela.reports.report_documents import DOCUMENTS
from tutela.store.audit import append_event
from tutela.web.auth import SignedInUser, db_session, require_roles
from tutela.web.reads import queries, zone_of
from tutela.web.scope import case_in_scope
from tutela.web.templating import render

router = APIRouter(prefix="/reports", include_in_schema=False)
case_worker = require_roles(*(CASE_ROLES - {Role.REFERRAL_OFFICER}))
unit_wide = require_roles(*ALL_TEAMS_ROLES)
REF = Path(..., min_length=1, max_length=REF_MAX)
FORMAT = Path(..., pattern="^(html|pdf)$")


def _answer(request: Request, db: Session, user: SignedInUser, kind: str, figures: dict, fmt: str) -> Response:
    document: Document = DOCUMENTS[kind](figures)
    if fmt == "html":
        return render(request, "reports/page.html", user, document=document)
    append_event(db, kind="export", actor=user.name, subject=f"report:{kind}",
                 details={"filters": figures["computed_from"]["filters"],
                          "input_sha256": figures["computed_from"]["input_sha256"]})
    db.commit()
    name = "-".join(str(v) for v in figures["computed_from"]["filters"].values() if isinstance(v, str))
    return Response(render_pdf(document), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{kind}-{name or "report"}.pdf"'})


def _figures(build):
    """Figures from a report service; a missing record is a 404, a bad period a 422, as on every page."""
    try:
        return build()
    except NotFoundError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except UsageError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None


@router.get("/report.css")
def report_css(user: SignedInUser = Depends(require_roles(*Role))) -> Response:
    return Response((TEMPLATES / "reports" / "report.css").read_text(), media_type="text/css")


@router.get("/cases/{ref}/charging.{fmt}")
def charging_page(request: Request, ref: str = REF, fmt: str = FORMAT, user: SignedInUser = Depends(case_worker),
                  db: Session = Depends(db_session)) -> Response:
    from tutela.services.charging import charging_report
    from tutela.store.case_media import CaseMedia

    case_in_scope(db, user, ref)
    figures = _figures(lambda: charging_report(CaseMedia(request.app.state.engine), ref, with_items=True))
    return _answer(request, db, user, "charging", figures, fmt)


@router.get("/cases/{ref}.{fmt}")
def case_report_page(request: Request, ref: str = REF, fmt: str = FORMAT, user: SignedInUser = Depends(case_worker),
                     db: Session = Depends(db_session)) -> Response:
    from tutela.services.reports import case_report
    from tutela.store.case_media import CaseMedia

    case_in_scope(db, user, ref)
    figures = _figures(lambda: case_report(CaseMedia(request.app.state.engine), ref))
    return _answer(request, db, user, "case", figures, fmt)


@router.get("/operations/{ref}.{fmt}")
def operation_page(request: Request, ref: str = REF, fmt: str = FORMAT, user: SignedInUser = Depends(unit_wide),
                   db: Session = Depends(db_session)) -> Response:
    from tutela.services.reports import operation_with_source

    figures = _figures(lambda: operation_with_source(queries(request), ref, zone_of(request)))
    return _answer(request, db, user, "operation", figures, fmt)


@router.get("/unit.{fmt}")
def unit_page(request: Request, fmt: str = FORMAT, start: date | None = Query(None, alias="from"),
              end: date | None = Query(None, alias="to"), user: SignedInUser = Depends(unit_wide),
              db: Session = Depends(db_session)) -> Response:
    from tutela.services.reports import store_extras, unit_overview

    zone = zone_of(request)
    figures = _figures(lambda: unit_overview(queries(request), zone, start, end,
                                             extras=store_extras(request.app.state.engine, zone)))
    return _answer(request, db, user, "unit", figures, fmt)


@router.get("/public.{fmt}")
def public_page(request: Request, fmt: str = FORMAT, start: date = Query(..., alias="from"),
                end: date = Query(..., alias="to"), user: SignedInUser = Depends(unit_wide),
                db: Session = Depends(db_session)) -> Response:
    from tutela.services.reports import public_figures

    figures = _figures(lambda: public_figures(queries(request), start, end, zone_of(request)))
    return _answer(request, db, user, "public", figures, fmt)
