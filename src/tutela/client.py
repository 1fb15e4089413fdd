"""A partner's client of the Tutela match service (httpx).

    from tutela.client import MatchClient

    with MatchClient("https://match.example.org", key) as client:
        for result in client.lookup(["pdq:" + pdq_hex, "md5:" + md5_hex]):
            for match in result["matches"]:
                print(result["query"], match["bank"], match["category"], match["match_id"])
        client.feedback(match_id, "removed")

Batches larger than the service takes in one request are split; a 429 is retried after its Retry-After.
Every refusal raises ``RemoteError`` with the HTTP status and the service's one-line reason.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx

from tutela.errors import RemoteError

__all__ = ["DEFAULT_BATCH", "MatchClient", "RemoteError"]

API = "/api/v1/match"
DEFAULT_BATCH = 10_000


class MatchClient:
    """One connection pool to one match service; ``transport`` lets tests and proxies plug in (httpx)."""

    def __init__(self, url: str, key: str, *, timeout: float = 60.0, retries: int = 3, batch: int = DEFAULT_BATCH,
                 transport: httpx.BaseTransport | None = None) -> None:
        if not key:
            raise ValueError("a partner API key is needed")
        self.retries, self.batch = retries, batch
        self._http = httpx.Client(base_url=url.rstrip("/"), timeout=timeout, transport=transport,
                                  headers={"Authorization": f"Bearer {key}", "User-Agent": "tutela-client/1"})

    def __enter__(self) -> MatchClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def lookup(self, hashes: Sequence[str], *, banks: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """One result per hash (``md5:HEX``, ``sha1:HEX``, ``sha256:HEX``, ``pdq:HEX``), in order."""
        results: list[dict[str, Any]] = []
        for start in range(0, len(hashes), self.batch):
            body: dict[str, Any] = {"hashes": list(hashes[start:start + self.batch])}
            if banks is not None:
                body["banks"] = list(banks)
            results += self._call("POST", "/lookup", json=body)["results"]
        return results

    def lookup_videos(self, videos: Sequence[Sequence[dict[str, Any]]]) -> list[dict[str, Any]]:
        """Each video as its frame signatures (``{"pdq", "quality"}``, as `tutela hash` gives them)."""
        body = {"videos": [{"frames": [{"pdq": f["pdq"], "quality": f["quality"]} for f in frames]}
                           for frames in videos]}
        return self._call("POST", "/lookup", json=body)["videos"]

    def lookup_media(self, media: bytes | str | Path) -> dict[str, Any]:
        """Upload a file (bytes or a path) to be hashed in the service's memory and matched; it is not kept."""
        data = media if isinstance(media, bytes) else Path(media).read_bytes()
        return self._call("POST", "/media", content=data, headers={"Content-Type": "application/octet-stream"})

    def feedback(self, match_id: str, action: str, note: str | None = None) -> dict[str, Any]:
        """``removed``, ``reported`` or ``false_positive`` for one of your match ids."""
        return self._call("POST", "/feedback", json={"match_id": match_id, "action": action, "note": note})

    def banks(self) -> list[dict[str, Any]]:
        return self._call("GET", "/banks")

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/health")

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        for attempt in self._attempts():
            try:
                response = self._http.request(method, API + path, **kwargs)
            except httpx.HTTPError as exc:
                raise RemoteError(None, f"cannot reach the match service: {exc}") from None
            if response.status_code == 429 and attempt < self.retries:
                time.sleep(_retry_after(response))
                continue
            if response.is_success:
                return response.json()
            raise RemoteError(response.status_code, _reason(response), retry_after=_retry_after(response))
        raise AssertionError("unreachable")

    def _attempts(self) -> Iterator[int]:
        yield from range(self.retries + 1)


def _retry_after(response: httpx.Response) -> float:
    value = response.headers.get("Retry-After", "1")
    return float(value) if value.replace(".", "", 1).isdigit() else 1.0


def _reason(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = None
    if isinstance(detail, list):  # field problems: "field: problem"
        detail = "; ".join(f"{d.get('field')}: {d.get('problem')}" for d in detail if isinstance(d, dict))
    return str(detail or response.reason_phrase or "refused")
