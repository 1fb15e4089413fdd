"""The application factory: `create_app(settings, engine=...)` -> FastAPI (pages, /api/v1, static assets).

Other parts add their routers inside ``create_app`` with ``app.include_router``. Every route but /login and
/static needs a signed-in user (tests/web/test_access.py walks app.routes and fails on a route without a rule).
"""

from __future__ import annotations

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from tutela.errors import ConfigurationError
from tutela.settings import Settings
from tutela.web.auth import Keys, NotSignedIn, SignedInUser, csrf_guard, current_user
from tutela.web.match_api import PREFIX as MATCH_PREFIX
from tutela.web.templating import STATIC, render

API_PREFIX = "/api/v1"
SECRET_MIN = 32
MAX_BODY = 1 << 20  # 1 MiB: forms and API calls are small; a bigger body is refused before it is read
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def secret_of(settings: Settings) -> str:
    """TUTELA_SECRET_KEY, which serving requires: there is no default secret."""
    secret = settings.secret_key.get_secret_value() if settings.secret_key else ""
    if not secret:
        raise ConfigurationError("TUTELA_SECRET_KEY is not set: serving needs a secret key (e.g. from "
                                 "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`)")
    if len(secret) < SECRET_MIN:
        raise ConfigurationError(f"TUTELA_SECRET_KEY is too short: at least {SECRET_MIN} characters")
    return secret


def create_app(settings: Settings, *, engine: Engine | None = None) -> FastAPI:
    from tutela.web import api, grading, grading_thumbnails, pages, reports_pages, signin

    secret = secret_of(settings)
    if engine is None:
        from tutela.services.store import open_store

        engine = open_store(settings)
    app = FastAPI(title="Tutela", version="0.1.0", openapi_url=None, docs_url=None, redoc_url=None,
                  dependencies=[Depends(csrf_guard)])
    app.state.engine = engine
    app.state.settings = settings
    app.state.keys = Keys(secret, settings.session_minutes * 60)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    app.include_router(signin.router)
    app.include_router(pages.router)
    app.include_router(api.router, prefix=API_PREFIX)
    app.include_router(reports_pages.router)
    _add_match_service(app, settings, engine)
    app.include_router(grading.router)
    app.include_router(grading_thumbnails.router)
    app.include_router(grading.api_router, prefix=API_PREFIX)

    @app.get(f"{API_PREFIX}/openapi.json", include_in_schema=False)
    def openapi_document(user: SignedInUser = Depends(current_user)) -> dict:
        return app.openapi()

    _handle_errors(app)
    _add_middleware(app)
    return app


FACTORY = "tutela.web.app:app_from_environment"


def app_from_environment() -> FastAPI:
    """What each uvicorn worker process calls: settings from TUTELA_* as the parent had them."""
    from tutela.settings import load_settings

    return create_app(load_settings())


def serve_app(settings: Settings, *, host: str, port: int, workers: int) -> None:
    """Serve the whole application with uvicorn, in ``workers`` processes when more than one.

    Each process has its own connection pool; what must hold across them already lives in the store (the audit
    chain's head row, lock-outs, grading versions and holds). The quick per-address sign-in limit is per process.
    """
    import uvicorn

    secret_of(settings)  # refuse at once, before the store is opened, when the secret is missing
    options = {"host": host, "port": port, "log_level": "info", "proxy_headers": False, "server_header": False}
    if workers == 1:
        app = create_app(settings)
        try:
            uvicorn.run(app, **options)
        finally:
            app.state.engine.dispose()
        return
    from tutela.services.store import open_store

    open_store(settings).dispose()  # a store that needs upgrading is refused here, once, not by every worker
    uvicorn.run(FACTORY, factory=True, workers=workers, **options)


def _add_match_service(app: FastAPI, settings: Settings, engine: Engine) -> None:
    """/api/v1/match for partners' API keys (tutela.web.match_api); its library loads on the first call and
    its watcher stops with the app."""
    from tutela.web.match_app import include_match_api, match_calls

    include_match_api(app, match_calls(settings, engine))
    app.router.on_shutdown.append(app.state.match_calls.close)


def wants_json(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX + "/") or request.url.path == API_PREFIX


def _handle_errors(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, _exc: NotSignedIn) -> Response:
        if wants_json(request):
            return JSONResponse({"detail": "sign in first"}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        response = RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        response.headers["HX-Redirect"] = "/login"
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if wants_json(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return render(request, "error.html", getattr(request.state, "user", None), status_code=exc.status_code,
                      message=exc.detail)

    @app.exception_handler(RequestValidationError)
    async def bad_input(request: Request, exc: RequestValidationError) -> Response:
        # Say which field and why, never echo the value back (it may be a password).
        problems = [{"field": ".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]), "problem": e["msg"]}
                    for e in exc.errors()]
        if wants_json(request):
            return JSONResponse({"detail": problems}, status_code=422)
        message = "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
        return render(request, "error.html", getattr(request.state, "user", None), status_code=422, message=message)


def _add_middleware(app: FastAPI) -> None:
    @app.middleware("http")
    async def limits_and_headers(request: Request, call_next) -> Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY) and \
                not request.url.path.startswith(MATCH_PREFIX + "/"):  # the match API bounds its own bodies
            response: Response = JSONResponse({"detail": "request body too large"}, status_code=413)
        elif request.method not in ("GET", "HEAD", "OPTIONS") and length is None and \
                request.headers.get("transfer-encoding"):
            response = JSONResponse({"detail": "a request body needs a Content-Length"}, status_code=411)
        else:
            response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
