"""Thumbnails for grading: blurred by GET, clear only by an explicit POST, known material never.

Every picture that leaves the server, blurred or clear, is counted for the viewer and the unit's day and
audited as ``view`` (a clear one also as ``unblur``). Refusals are audited as ``access_denied``:

* an id that is not a plain item number (path tricks), an item that does not exist or is out of the user's
  scope: 404, the same answer for all three, so nothing is learnt about other teams' media;
* an item that is known or ignorable (matched in the library at ingest, or in a group whose grade has since become
  trusted): 403 whoever asks. Such a thumbnail should not exist, and if it does it is not shown.

The app answers ``Cache-Control: no-store``: a browser cache would be a copy of the picture outside the store,
and a view that is not counted.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from tutela.domain.grading import GroupState
from tutela.domain.roles import Role
from tutela.services.grading import thumbnail_jpeg
from tutela.store import grading
from tutela.store.audit import append_event
from tutela.store.grading_tables import GroupStanding
from tutela.store.ingest_tables import MediaItem, Thumbnail
from tutela.store.unit_tables import Case, Exhibit
from tutela.web.auth import SignedInUser, db_session, require_roles
from tutela.web.grading import unit_today
from tutela.web.scope import team_clause

ITEM_ID = re.compile(r"[1-9][0-9]{0,17}")

router = APIRouter(include_in_schema=False)
viewers = require_roles(Role.EXAMINER, Role.SUPERVISOR)


@router.get("/grading/thumbnails/{item_ref}.jpg")
def blurred_thumbnail(request: Request, item_ref: str, user: SignedInUser = Depends(viewers),
                      db: Session = Depends(db_session)) -> Response:
    return _shown(request, db, user, item_ref, clear=False)


@router.post("/grading/thumbnails/{item_ref}/clear")
def clear_thumbnail(request: Request, item_ref: str, user: SignedInUser = Depends(viewers),
                    db: Session = Depends(db_session)) -> Response:
    """The clear picture: only by this POST, which the app's CSRF guard has checked."""
    return _shown(request, db, user, item_ref, clear=True)


def _shown(request: Request, db: Session, user: SignedInUser, item_ref: str, *, clear: bool) -> Response:
    token = _token_or_refuse(db, user, item_ref)
    picture = thumbnail_jpeg(token, request.app.state.settings.media_key, clear=clear)
    subject = f"item:{int(item_ref)}"
    grading.count_view(db, user_id=user.id, day=unit_today(request), clear=clear)
    if clear:
        append_event(db, kind="unblur", actor=user.name, subject=subject)
    append_event(db, kind="view", actor=user.name, subject=subject,
                 details={"variant": "clear" if clear else "blurred"})
    db.commit()
    return Response(picture, media_type="image/jpeg")


def _token_or_refuse(db: Session, user: SignedInUser, item_ref: str) -> bytes:
    if not ITEM_ID.fullmatch(item_ref):
        _refuse(db, user, item_ref[:40], 404, "not an item id")
    query = (select(MediaItem.outcome, MediaItem.bank, GroupStanding.state, Thumbnail.token,
                    team_clause(user, Case.team_id).label("in_scope"))
             .join(Exhibit, Exhibit.id == MediaItem.exhibit_id).join(Case, Case.id == Exhibit.case_id)
             .outerjoin(GroupStanding, GroupStanding.group_id == MediaItem.group_id)
             .outerjoin(Thumbnail, Thumbnail.item_id == MediaItem.id)
             .where(MediaItem.id == int(item_ref)))
    found = db.execute(query).first()
    if found is None or not found.in_scope:
        _refuse(db, user, item_ref, 404, "no such item" if found is None else "out of scope")
    if found.outcome not in grading.GRADABLE_OUTCOMES or found.bank is not None \
            or found.state == GroupState.TRUSTED.value:
        _refuse(db, user, item_ref, 403, "known material is never rendered")
    if found.token is None:
        raise HTTPException(404, "not found")
    return bytes(found.token)


def _refuse(db: Session, user: SignedInUser, subject: str, status: int, why: str):
    append_event(db, kind="access_denied", actor=user.name, subject=f"thumbnail:{subject}", details={"why": why})
    db.commit()
    raise HTTPException(status, "known material is never shown" if status == 403 else "not found")
