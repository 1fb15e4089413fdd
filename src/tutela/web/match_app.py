"""The match service on its own (`tutela serve --match-only`): the /api/v1/match routes and nothing else, for
a deployment that holds no case data. Several worker processes share the mapped indexes (uvicorn --workers).
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from tutela.services.match_library import LibraryWatcher, load_library, refreshed, rule_from
from tutela.services.partner_calls import PartnerCalls
from tutela.settings import Settings
from tutela.web.match_api import PREFIX, match_router

FACTORY = "tutela.web.match_app:app_from_environment"


def match_calls(settings: Settings, engine: Engine, *, workers: int = 1, near: Any = None) -> PartnerCalls:
    """The worker's partner calls; its library (mapped indexes) and watcher load on first use."""
    from tutela.hashing.stills import register_decoders

    register_decoders()  # uploads may be HEIC
    def watcher() -> LibraryWatcher:
        return LibraryWatcher(lambda: load_library(settings, engine, near),
                              lambda library: refreshed(library, engine, rule_from(settings)),
                              settings.match_reload_seconds)

    return PartnerCalls(settings, engine, watcher, workers=workers)


def include_match_api(app: FastAPI, calls: PartnerCalls) -> None:
    """Mount /api/v1/match on ``app`` (the full web application does this too); the caller closes ``calls``
    when the app stops."""
    app.state.match_calls = calls
    app.include_router(match_router())


def create_match_app(settings: Settings, *, engine: Engine | None = None, workers: int = 1,
                     near: Any = None) -> FastAPI:
    if engine is None:
        from tutela.services.store import open_store

        engine = open_store(settings)
    calls = match_calls(settings, engine, workers=workers, near=near)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        calls.watcher  # noqa: B018  (load the library before the first request, not during it)
        try:
            yield
        finally:
            calls.close()

    app = FastAPI(title="Tutela match service", version="1", lifespan=lifespan, docs_url=f"{PREFIX}/docs",
                  openapi_url=f"{PREFIX}/openapi.json", redoc_url=None, swagger_ui_oauth2_redirect_url=None,
                  description="Hash-only matching for platforms: look up hashes, video signatures or an upload "
                              "against the banks shared with you, and report what you did with each match.")
    app.state.settings, app.state.engine = settings, engine
    include_match_api(app, calls)

    @app.exception_handler(RequestValidationError)
    async def bad_input(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # Say where and why, never echo the value back (it may be a hash the partner holds).
        problems = [{"field": ".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]), "problem": e["msg"]}
                    for e in exc.errors()]
        return JSONResponse({"detail": problems}, status_code=422)

    return app


def app_from_environment() -> FastAPI:
    """What each uvicorn worker process calls: settings from TUTELA_* as the parent had them."""
    from tutela.settings import load_settings

    settings = load_settings()
    return create_match_app(settings, workers=settings.match_workers)


def serve_match_only(settings: Settings, *, host: str, port: int, workers: int) -> None:
    """Bring the indexes up to date once, then start ``workers`` processes that map them."""
    import os

    import uvicorn

    from tutela.matching.indexes import open_or_build
    from tutela.services.store import open_store
    from tutela.store.library import LibraryStore

    engine = open_store(settings)
    open_or_build(settings.index_folder, LibraryStore(engine))  # built here, not by every worker at once
    engine.dispose()
    os.environ["TUTELA_MATCH_WORKERS"] = str(workers)  # the workers read their settings from the environment
    uvicorn.run(FACTORY, factory=True, host=host, port=port, workers=workers, log_level="info",
                proxy_headers=False, server_header=False)
