"""The server-rendered pages (all need a signed-in user; case pages also a case role and scope)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from tutela.web.auth import SignedInUser, current_user
from tutela.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, user: SignedInUser = Depends(current_user)) -> Response:
    return render(request, "home.html", user)
