"""The match service's HTTP API under /api/v1/match: partners look up hashes, video signatures or an upload
and report what they did with a match. Partners authenticate with an API key (``Authorization: Bearer KEY``);
a browser session is not a key. Answers are hash-only: bank, category, hash type, distance and a match id.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from tutela.errors import NotFoundError, UsageError
from tutela.services.partner_calls import BankNotShared, KeyRefused, Partner, PartnerCalls, TooMany, VideoQuery

PREFIX = "/api/v1/match"
SESSION_COOKIE = "tutela_session"  # tutela.web.auth's: a signed-in browser has credentials, but not a key
_SMALL_BODY = 64 * 1024
_BYTES_PER_QUERY = 256  # a JSON hash or frame with its quoting, quality and separators, generously


class Frame(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pdq: str = Field(description="the frame's PDQ, 64 hex digits")
    quality: int = Field(ge=0, le=100, description="PDQ quality 0-100; frames below 50 are not compared")
    frame: int | None = Field(default=None, ge=0, description="frame number (optional, not used to match)")
    timestamp: float | None = Field(default=None, ge=0, description="seconds (optional, not used to match)")


class Video(BaseModel):
    model_config = ConfigDict(extra="forbid")
    frames: list[Frame] = Field(description="frame signatures in the vPDQ convention (`tutela hash` gives them)")


class LookupRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hashes: list[str] = Field(default=[], description="`md5:HEX`, `sha1:HEX`, `sha256:HEX` or `pdq:HEX`")
    videos: list[Video] = Field(default=[], description="videos as frame signatures, matched by the vPDQ rule")
    banks: list[str] | None = Field(default=None, description="only these of the banks shared with you")


class Feedback(BaseModel):
    model_config = ConfigDict(extra="forbid")
    match_id: str = Field(max_length=64)
    action: Literal["removed", "reported", "false_positive"]
    note: str | None = Field(default=None, max_length=2000, description="free text for the library custodian")


class MatchOut(BaseModel):
    match_id: str
    bank: str
    category: str
    hash_type: str
    distance: int | None = None
    query_percent: float | None = None
    bank_percent: float | None = None


class QueryOut(BaseModel):
    query: str
    matches: list[MatchOut]
    note: str | None = None


class VideoOut(BaseModel):
    video: int
    matches: list[MatchOut]


class LookupOut(BaseModel):
    results: list[QueryOut]
    videos: list[VideoOut]
    hashes: int
    matched: int


class UploadOut(QueryOut):
    kind: str | None
    size: int | None


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "no API key, or an unknown, malformed or revoked one"},
    403: {"description": "a browser session instead of a key, or a bank not shared with you"},
    413: {"description": "too many hashes, or a body or upload too large"},
    422: {"description": "malformed hashes or body; `detail` names each by position"},
    429: {"description": "over your rate limit: wait `Retry-After` seconds"},
}


def calls(request: Request) -> PartnerCalls:
    """The worker's PartnerCalls, kept on the app's state (tutela.web.match_app.include_match_api)."""
    return request.app.state.match_calls


def current_partner(request: Request) -> Partner:
    """The partner whose API key the request carries, within its rate limit; else 401, 403 or 429."""
    given = request.headers.get("authorization", "")
    scheme, _, key = given.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        if SESSION_COOKIE in request.cookies:
            raise HTTPException(403, "the match API takes a partner API key, not a browser session")
        raise HTTPException(401, "an API key is needed: Authorization: Bearer KEY",
                            headers={"WWW-Authenticate": "Bearer"})
    service = calls(request)
    try:
        found = service.partner(key.strip())
    except KeyRefused as exc:
        raise HTTPException(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from None
    wait = service.admit(found)
    if wait is not None:
        raise HTTPException(429, "rate limit exceeded: slow down", headers={"Retry-After": str(max(1, round(wait)))})
    return found


Caller = Annotated[Partner, Depends(current_partner)]


def match_router() -> APIRouter:
    """The routes under /api/v1/match; the app keeps its PartnerCalls in ``app.state.match_calls``."""
    router = APIRouter(prefix=PREFIX, tags=["match"], route_class=_BoundedRoute, responses=ERRORS)

    @router.post("/lookup", response_model=LookupOut, response_model_exclude_none=True,
                 summary="Look up hashes and video signatures")
    def lookup(body: LookupRequest, who: Caller, request: Request) -> Any:
        """Up to TUTELA_MATCH_MAX_HASHES hashes and video frames in one call; each hash gets its matches among
        the banks shared with you, best first, each with a match id for takedown feedback."""
        videos = [VideoQuery([(f.pdq, f.quality) for f in v.frames]) for v in body.videos]
        with _refusals():
            return calls(request).lookup(who, body.hashes, videos, body.banks)

    @router.get("/lookup", response_model=LookupOut, response_model_exclude_none=True,
                summary="Look up one hash")
    def lookup_one(hash: str, who: Caller, request: Request) -> Any:
        """One hash in the query string, e.g. `?hash=pdq:HEX` (the POST form takes many)."""
        with _refusals():
            return calls(request).lookup(who, [hash], [])

    @router.post("/media", response_model=UploadOut, response_model_exclude_none=True,
                 summary="Hash an upload and match it", openapi_extra={"requestBody": {
                     "required": True, "content": {"application/octet-stream": {"schema": {"type": "string",
                                                                                           "format": "binary"}}}}})
    async def media(request: Request, who: Caller) -> Any:
        """The file as the request body (at most TUTELA_MATCH_MAX_UPLOAD_BYTES). It is hashed in memory as
        `tutela match` hashes a file and matched in the same call; it is never written anywhere."""
        data = await request.body()
        if not data:
            raise HTTPException(422, "the request body is empty: send the file's bytes")
        return await run_in_threadpool(calls(request).upload, who, data)

    @router.post("/feedback", summary="Report what you did with a match")
    def feedback(body: Feedback, who: Caller, request: Request) -> dict[str, Any]:
        """`removed`, `reported` or `false_positive` against one of your match ids; a false positive goes to
        the library custodian's review queue. Another partner's match id is not found (404)."""
        with _refusals():
            return calls(request).feedback(who, body.match_id, body.action, body.note)

    @router.get("/banks", summary="The banks shared with you")
    def banks(who: Caller, request: Request) -> list[dict[str, Any]]:
        return calls(request).shared_banks(who)

    @router.get("/health", summary="Index size and age (no key needed)")
    def health(request: Request) -> dict[str, Any]:
        return calls(request).health()

    return router


class _refusals:
    """Errors of the service as HTTP answers: one clear sentence, nothing about other partners or banks."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, exc, _trace) -> bool:
        if exc is None:
            return False
        if isinstance(exc, TooMany):
            raise HTTPException(413, str(exc)) from None
        if isinstance(exc, BankNotShared):
            raise HTTPException(403, str(exc)) from None
        if isinstance(exc, NotFoundError):
            raise HTTPException(404, str(exc)) from None
        if isinstance(exc, UsageError):
            raise HTTPException(422, str(exc)) from None
        return False


def body_limit(request: Request) -> int:
    settings = request.app.state.settings
    if request.url.path == f"{PREFIX}/media":
        return settings.match_max_upload_bytes
    if request.url.path == f"{PREFIX}/lookup":
        return settings.match_max_hashes * _BYTES_PER_QUERY + _SMALL_BODY
    return _SMALL_BODY


class _BoundedRoute(APIRoute):
    """Refuses a body larger than its route allows before reading it (413), and one without a length (411)."""

    def get_route_handler(self):
        handler = super().get_route_handler()

        async def bounded(request: Request):
            if request.method not in ("GET", "HEAD", "OPTIONS"):
                length = request.headers.get("content-length")
                if length is None or not length.isdigit():
                    raise HTTPException(411, "a request body needs a Content-Length")
                limit = body_limit(request)
                if int(length) > limit:
                    raise HTTPException(413, f"request body too large: {int(length)} bytes, at most {limit}")
            return await handler(request)

        return bounded
