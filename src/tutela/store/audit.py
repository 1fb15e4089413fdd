"""The audit chain: append-only events, each carrying the digest of the one before.

digest(event) = SHA-256 of the canonical JSON of {id, at, kind, actor, subject, details, prev_digest}: keys
sorted, no spaces, UTF-8, ``at`` as UTC ISO 8601 with microseconds (docs/audit.md). The first event's
prev_digest is 64 zeros. Ids run 1, 2, 3... with no gaps, and the ``audit_head`` row names the last event, so
a changed, deleted or inserted row - in the middle or at either end - breaks the chain where it happened.

Appends are serialised by locking the head row inside the caller's transaction (UPDATE first: SQLite takes its
writer lock, PostgreSQL a row lock that the next appender waits on), so the chain never forks.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from tutela.store.account_tables import AuditEvent, AuditHead

GENESIS = "0" * 64
# What the web application, the CLI and the other parts record; docs/audit.md says what each means.
KINDS = frozenset({
    "sign_in", "sign_in_failed", "sign_in_throttled", "lockout", "sign_out", "view", "unblur", "grade", "export",
    "import", "user_change", "access_denied", "bad_request", "partner_call", "takedown_feedback", "key_change",
})


@dataclass(frozen=True)
class ChainReport:
    """What verify_chain found: how many events verified, the head, and the first event that did not."""

    events: int
    head_digest: str
    broken_at: int | None = None  # id of the first event that does not verify (or where the chain ends early)
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def canonical(event: dict[str, Any]) -> bytes:
    """The bytes the digest covers; ``event`` has the seven chained fields, ``at`` an aware datetime."""
    fields = {k: event[k] for k in ("id", "kind", "actor", "subject", "details", "prev_digest")}
    fields["at"] = event["at"].astimezone(UTC).isoformat(timespec="microseconds")
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest_of(event: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


def append_event(session: Session, *, kind: str, actor: str | None = None, subject: str | None = None,
                 details: dict[str, Any] | None = None, at: datetime | None = None) -> int:
    """Append one event inside the caller's transaction (committed with it); returns its id."""
    if kind not in KINDS:
        raise ValueError(f"unknown audit event kind {kind!r}")
    head = AuditHead.__table__
    # Lock the head and read it in one statement: a second appender waits here until this transaction ends,
    # then reads the head this one left.
    last_id, last_digest = session.execute(update(head).where(head.c.id == 1).values(last_id=head.c.last_id)
                                           .returning(head.c.last_id, head.c.last_digest)).one()
    event = {"id": last_id + 1, "at": (at or datetime.now(UTC)).astimezone(UTC), "kind": kind, "actor": actor,
             "subject": subject, "details": _plain(details), "prev_digest": last_digest}
    event["digest"] = digest_of(event)
    session.execute(insert(AuditEvent.__table__).values(**event))
    session.execute(update(head).where(head.c.id == 1).values(last_id=event["id"], last_digest=event["digest"]))
    return event["id"]


def _plain(details: dict[str, Any] | None) -> dict[str, Any] | None:
    """Details as they will read back from a JSON column (so the digest covers what is stored)."""
    return None if details is None else json.loads(json.dumps(details, sort_keys=True, default=str))


def verify_chain(session: Session, batch: int = 10_000) -> ChainReport:
    """Walk the chain from the first event; the report names the first event that does not verify."""
    table = AuditEvent.__table__
    expected_id, prev, count = 1, GENESIS, 0
    after = 0
    while True:
        rows = session.execute(select(table).where(table.c.id > after).order_by(table.c.id).limit(batch)).mappings()
        rows = list(rows)
        if not rows:
            break
        for row in rows:
            problem = _check(dict(row), expected_id, prev)
            if problem:
                return ChainReport(count, prev, broken_at=row["id"], reason=problem)
            prev, expected_id, count = row["digest"], row["id"] + 1, count + 1
        after = rows[-1]["id"]
    head = AuditHead.__table__
    last_id, last_digest = session.execute(select(head.c.last_id, head.c.last_digest).where(head.c.id == 1)).one()
    return _check_head(count, prev, last_id, last_digest)


def _check_head(count: int, prev: str, last_id: int, last_digest: str) -> ChainReport:
    """The walk must end exactly where the head says the chain ends."""
    if count > last_id:
        return ChainReport(last_id, prev, broken_at=last_id + 1,
                           reason=f"the head ends the chain at event {last_id}: event {last_id + 1} and later "
                                  "were inserted without going through the chain")
    if count < last_id:
        return ChainReport(count, prev, broken_at=count + 1,
                           reason=f"the chain ends at event {count} but its head names event {last_id}: "
                                  "events were deleted from the end")
    if last_digest != prev:
        return ChainReport(count, prev, broken_at=count,
                           reason="the head's digest is not the last event's: the event or the head was changed")
    return ChainReport(count, prev)


def _check(row: dict[str, Any], expected_id: int, prev: str) -> str | None:
    if row["id"] != expected_id:
        return f"event {expected_id} is missing (the next is {row['id']}): deleted"
    if row["prev_digest"] != prev:
        return "its prev_digest is not the digest of the event before: an event was deleted or inserted before it"
    if digest_of(row) != row["digest"]:
        return "its digest does not match its contents: the event was changed"
    return None
