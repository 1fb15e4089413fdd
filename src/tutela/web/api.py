"""The JSON API under /api/v1 (its OpenAPI document at /api/v1/openapi.json, for signed-in users)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from tutela.web.auth import SignedInUser, current_user

router = APIRouter(tags=["tutela"])


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
