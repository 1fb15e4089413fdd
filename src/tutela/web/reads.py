"""What pages and the API share to read the unit: its time zone, its report queries, the viewer's scope."""

from __future__ import annotations

from fastapi import Request

from tutela.services.unit_views import Viewer
from tutela.store.unit_queries import UnitQueries
from tutela.web.auth import SignedInUser


def viewer(user: SignedInUser) -> Viewer:
    return Viewer(all_teams=user.sees_all_teams, team=user.team)


def zone_of(request: Request):
    return request.app.state.settings.zone


def queries(request: Request) -> UnitQueries:
    return UnitQueries(request.app.state.engine)
