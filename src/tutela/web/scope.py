"""Which records a signed-in user may see: a borough team its own, the central team and supervisors all,
partners none. A record outside the user's scope answers exactly as one that does not exist (404), and the
attempt is audited.
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException
from sqlalchemy import ColumnElement, Select, false, select, true
from sqlalchemy.orm import Session

from tutela.domain.roles import Role
from tutela.store.audit import append_event
from tutela.store.ingest_tables import MediaItem
from tutela.store.unit_tables import Case, Exhibit, Referral
from tutela.web.auth import SignedInUser

NOT_FOUND = "not found"


def team_clause(user: SignedInUser, team_column) -> ColumnElement[bool]:
    """A WHERE clause on a team_id column: every row, the user's team's rows, or none."""
    if user.role == Role.PARTNER:
        return false()
    if user.sees_all_teams:
        return true()
    if user.team_id is None:
        return false()
    return team_column == user.team_id


def visible_cases(user: SignedInUser) -> Select:
    return select(Case).where(team_clause(user, Case.team_id))


def visible_referrals(user: SignedInUser) -> Select:
    return select(Referral).where(team_clause(user, Referral.team_id))


def visible_exhibits(user: SignedInUser) -> Select:
    return select(Exhibit).join(Case, Case.id == Exhibit.case_id).where(team_clause(user, Case.team_id))


def not_found() -> HTTPException:
    return HTTPException(status_code=404, detail=NOT_FOUND)


def well_formed_ref(db: Session, user: SignedInUser, kind: str, ref: str) -> str:
    """A reference as the unit writes them (printable, no NUL, no control or direction characters, no spaces at
    the ends); anything else cannot name a record: 404, and the attempt is audited."""
    from tutela.domain.unit import check_ref
    from tutela.errors import UsageError

    try:
        return check_ref(ref, kind)
    except UsageError:
        append_event(db, kind="bad_request", actor=user.name, subject=f"{kind}:{ref!r}"[:200],
                     details={"what": "malformed reference in the URL"})
        db.commit()
        raise not_found() from None


def _scoped(db: Session, user: SignedInUser, query: Select, exists: Select, subject: str) -> Any:
    kind, _, ref = subject.partition(":")
    if kind != "media":
        well_formed_ref(db, user, kind, ref)
    found = db.execute(query).scalar_one_or_none()
    if found is not None:
        return found
    if db.execute(exists).first() is not None:
        # It exists but is another team's: the answer is the same 404, the attempt is audited.
        append_event(db, kind="access_denied", actor=user.name, subject=subject, details={"why": "out of scope"})
        db.commit()
    raise not_found()


def case_in_scope(db: Session, user: SignedInUser, ref: str) -> Case:
    return _scoped(db, user, visible_cases(user).where(Case.ref == ref), select(Case.id).where(Case.ref == ref),
                   f"case:{ref}")


def exhibit_in_scope(db: Session, user: SignedInUser, ref: str) -> Exhibit:
    return _scoped(db, user, visible_exhibits(user).where(Exhibit.ref == ref),
                   select(Exhibit.id).where(Exhibit.ref == ref), f"exhibit:{ref}")


def referral_in_scope(db: Session, user: SignedInUser, ref: str) -> Referral:
    return _scoped(db, user, visible_referrals(user).where(Referral.ref == ref),
                   select(Referral.id).where(Referral.ref == ref), f"referral:{ref}")


def media_in_scope(db: Session, user: SignedInUser, item_id: int) -> MediaItem:
    query = (select(MediaItem).join(Exhibit, Exhibit.id == MediaItem.exhibit_id)
             .join(Case, Case.id == Exhibit.case_id).where(MediaItem.id == item_id, team_clause(user, Case.team_id)))
    return _scoped(db, user, query, select(MediaItem.id).where(MediaItem.id == item_id), f"media:{item_id}")
