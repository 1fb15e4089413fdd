"""The grading screen: an examiner's queue of near-duplicate groups, keyboard grades, a supervisor's view.

One card per group, largest group first, and only groups this examiner has not graded and that still take
votes: the fewest pictures, each seen once. The picture on a card is the blurred greyscale thumbnail; the clear
one comes only from a POST (grading_thumbnails.py). A grade is a POST naming the group's version the card was
drawn at: if another examiner's vote moved it meanwhile, the answer is 409 and the card says so.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from tutela.domain.categories import Category
from tutela.domain.grading import VOTE_CATEGORIES
from tutela.domain.roles import Role
from tutela.errors import ConflictError
from tutela.store import grading
from tutela.store.audit import append_event
from tutela.store.ingest_tables import MediaGroup
from tutela.store.unit_tables import Case, Exhibit
from tutela.web.auth import SignedInUser, db_session, require_roles
from tutela.web.scope import exhibit_in_scope, not_found, team_clause, visible_exhibits
from tutela.web.templating import render

# Keys the queue listens to (grading.js reads them from the page, so they are said once, here).
KEYS: dict[str, Category] = {"a": Category.A, "b": Category.B, "c": Category.C, "n": Category.NOT_INDECENT,
                             "p": Category.NON_PHOTOGRAPHIC}
SKIP_KEY, CLEAR_KEY = "s", "u"
LABELS = {Category.A: "A", Category.B: "B", Category.C: "C", Category.NOT_INDECENT: "not indecent",
          Category.NON_PHOTOGRAPHIC: "non-photographic"}
QUEUE_PAGE = 20
MAX_SKIPPED = 200
EXPOSURE_DAYS = 14
HOLD = timedelta(minutes=15)  # a page of cards is held this long for the examiner it was shown to

router = APIRouter(include_in_schema=False)
api_router = APIRouter(tags=["grading"])
examiners = require_roles(Role.EXAMINER)
supervisors = require_roles(Role.SUPERVISOR)


def unit_today(request: Request) -> date:
    return datetime.now(request.app.state.settings.zone).date()


def _visible_exhibit_ids(user: SignedInUser):
    return visible_exhibits(user).with_only_columns(Exhibit.id)


@router.get("/grading")
def exhibits_to_grade(request: Request, user: SignedInUser = Depends(examiners),
                      db: Session = Depends(db_session)) -> Response:
    """The exhibits in the examiner's scope with groups waiting for them, and how many."""
    waiting = grading.waiting_counts(db, user_id=user.id, exhibit_ids=_visible_exhibit_ids(user))
    query = (select(Exhibit.id, Exhibit.ref, Case.ref.label("case_ref")).join(Case, Case.id == Exhibit.case_id)
             .where(Exhibit.id.in_(list(waiting))).order_by(Exhibit.ref))
    exhibits = [{**row._mapping, "groups": waiting[row.id]} for row in db.execute(query)]
    return render(request, "grading_exhibits.html", user, exhibits=exhibits)


@router.get("/grading/exhibits/{exhibit_ref}")
def queue_page(request: Request, exhibit_ref: str, skip: list[int] = Query(default=[], max_length=MAX_SKIPPED),
               user: SignedInUser = Depends(examiners), db: Session = Depends(db_session)) -> Response:
    exhibit = exhibit_in_scope(db, user, exhibit_ref)
    cards = _held_page(db, exhibit.id, user.id, skip)
    return render(request, "grading_queue.html", user, exhibit=exhibit, cards=cards, skipped=skip,
                  keys={key: category.value for key, category in KEYS.items()}, skip_key=SKIP_KEY,
                  clear_key=CLEAR_KEY, labels={c.value: label for c, label in LABELS.items()},
                  states=grading.group_states(db, exhibit.id))


def _held_page(db: Session, exhibit_id: int, user_id: int, skip: list[int]) -> list[grading.QueueCard]:
    """A page of cards, held for this examiner. Examiners opening the exhibit at the same moment all see the same
    free groups; the holds settle who gets each (a hold waits for the other's to commit, then finds it taken), and
    the loser asks again, now seeing the winner's holds. A page that could not all be held is still shown; asking
    again stops as soon as it brings the same page (nothing free is left: the examiners share)."""
    shown: list[int] = []
    for _ in range(3):
        now = datetime.now(UTC)
        cards = grading.queue(db, exhibit_id=exhibit_id, user_id=user_id, limit=QUEUE_PAGE, after=skip, now=now)
        page = [card.group_id for card in cards]
        held = grading.hold(db, user_id=user_id, exhibit_id=exhibit_id, group_ids=page, until=now + HOLD, now=now)
        db.commit()
        if len(held) == len(cards) or page == shown:
            break
        shown = page
    return cards


@router.post("/grading/groups/{group_id}/grade")
def grade_group(request: Request, group_id: int, category: str = Form(max_length=20),
                version: int = Form(ge=0, le=2**31 - 1), user: SignedInUser = Depends(examiners),
                db: Session = Depends(db_session)) -> Response:
    """One vote on a whole group: JSON for the queue's script, a plain form post goes back to the queue."""
    chosen = _vote_category(category)
    exhibit_ref = _group_exhibit(db, user, group_id)
    wants_json = "application/json" in request.headers.get("accept", "")
    try:
        cast = grading.cast_vote(db, group_id=group_id, user_id=user.id, category=chosen, seen_version=version,
                                 at=datetime.now(UTC))
        append_event(db, kind="grade", actor=user.name, subject=f"group:{group_id}",
                     details={"category": chosen.value, "state": cast.grade.state.value, "votes": cast.grade.votes})
        db.commit()
    except ConflictError as conflict:
        db.rollback()
        grade, current = grading.group_standing(db, group_id)
        if not wants_json:
            return _back(exhibit_ref)
        return JSONResponse({"detail": str(conflict), "version": current, "takes_votes": grade.takes_votes},
                            status_code=409)
    if cast.became_trusted:
        from tutela.services.grading import export_trusted

        export_trusted(request.app.state.engine, actor=user.name)
    if not wants_json:
        return _back(exhibit_ref)
    return JSONResponse({"group": group_id, "state": cast.grade.state.value, "votes": cast.grade.votes,
                         "version": cast.version,
                         "category": cast.grade.category.value if cast.grade.category else None})


def _vote_category(text: str) -> Category:
    try:
        chosen = Category.parse(text)
    except ValueError:
        raise HTTPException(422, "not a category") from None
    if chosen not in VOTE_CATEGORIES:
        raise HTTPException(422, "not a grade an examiner can give")
    return chosen


def _group_exhibit(db: Session, user: SignedInUser, group_id: int) -> str:
    """The ref of the group's exhibit if it is in the user's scope; else the same 404 as no group at all."""
    query = (select(Exhibit.ref).join(MediaGroup, MediaGroup.exhibit_id == Exhibit.id)
             .join(Case, Case.id == Exhibit.case_id).where(MediaGroup.id == group_id, team_clause(user, Case.team_id)))
    found = db.execute(query).scalar()
    if found is None:
        if db.execute(select(MediaGroup.id).where(MediaGroup.id == group_id)).first() is not None:
            append_event(db, kind="access_denied", actor=user.name, subject=f"group:{group_id}",
                         details={"why": "out of scope"})
            db.commit()
        raise not_found()
    return found


def _back(exhibit_ref: str) -> RedirectResponse:
    from urllib.parse import quote

    return RedirectResponse(f"/grading/exhibits/{quote(exhibit_ref, safe='')}", status_code=303)


@router.get("/grading/supervisor")
def supervisor_page(request: Request, start: date | None = None, end: date | None = None,
                    user: SignedInUser = Depends(supervisors), db: Session = Depends(db_session)) -> Response:
    """Disputed groups with every vote, and the exposure figures per examiner per day."""
    start, end = _period(request, start, end)
    disputed = grading.disputed_groups(db, _visible_exhibit_ids(user))
    exposure = grading.exposure_by_day(db, start, end)
    totals = {"blurred": sum(r.blurred for r in exposure), "clear": sum(r.clear for r in exposure)}
    return render(request, "grading_supervisor.html", user, disputed=disputed, exposure=exposure, totals=totals,
                  start=start, end=end, labels=LABELS)


def _period(request: Request, start: date | None, end: date | None) -> tuple[date, date]:
    end = end or unit_today(request)
    start = start or end - timedelta(days=EXPOSURE_DAYS - 1)
    if start > end:
        raise HTTPException(422, "start is after end")
    return start, end


@api_router.get("/grading/exhibits/{exhibit_ref}/states")
def group_states_api(exhibit_ref: str, user: SignedInUser = Depends(examiners),
                     db: Session = Depends(db_session)) -> dict[str, int]:
    """How many of the exhibit's groups are ungraded, unverified, trusted and disputed."""
    return grading.group_states(db, exhibit_in_scope(db, user, exhibit_ref).id)


@api_router.get("/grading/exposure")
def exposure_api(request: Request, start: date | None = None, end: date | None = None,
                 user: SignedInUser = Depends(supervisors), db: Session = Depends(db_session)) -> list[dict]:
    """Thumbnails shown per examiner per day (the unit's day), blurred and clear."""
    start, end = _period(request, start, end)
    return [{"day": r.day.isoformat(), "user": r.user, "blurred": r.blurred, "clear": r.clear}
            for r in grading.exposure_by_day(db, start, end)]
