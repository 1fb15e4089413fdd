"""What every report states it was computed from: the store, the time, the filters, and a digest of its input.

Two reports from the same store with the same filters are the same bytes except ``generated``: nothing else
in a report may depend on the clock, the order rows come back in, or the machine.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from tutela import __version__
from tutela.domain.unit import format_when


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


Clock = Callable[[], datetime]


def store_name(engine: Engine) -> str:
    """The store as a URL without its password."""
    return engine.url.render_as_string(hide_password=True)


def input_digest(rows: Any) -> str:
    """SHA-256 of the canonical JSON of the rows a report was computed from (anyone can recompute it)."""
    text = json.dumps(rows, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def computed_from(engine: Engine, filters: dict[str, Any], rows: Any, clock: Clock = now_utc) -> dict[str, Any]:
    return {"store": store_name(engine), "generated": format_when(clock()), "tutela": __version__,
            "filters": filters, "input_sha256": input_digest(rows)}
