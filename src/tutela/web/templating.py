"""Rendering pages: one Jinja2 environment from the package's templates, autoescaped."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from starlette.responses import HTMLResponse

from tutela.web.auth import CSRF_FIELD, SignedInUser

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")

templates = Jinja2Templates(directory=str(TEMPLATES))


@pass_context
def when(context, moment: datetime | None) -> str:
    """A time in the unit's time zone (TUTELA_TIMEZONE), to the minute: how officers read and write them."""
    if moment is None:
        return "-"
    zone = context["request"].app.state.settings.zone
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


templates.env.filters["when"] = when


def render(request: Request, name: str, user: SignedInUser | None, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    """A page for ``user`` (None on the sign-in page); base.html adds the navigation and the sign-out form."""
    context.update(user=user, csrf_field=CSRF_FIELD, csrf_token=user.csrf_token if user else context.get("csrf_token"))
    return templates.TemplateResponse(request, name, context, status_code=status_code)
