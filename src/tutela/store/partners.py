"""Partners of the match service (repository): keys, bank shares, match records, takedown feedback, figures.

Each function works inside the caller's transaction (a SQLAlchemy ``Session``), as tutela.store.users does.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import insert, literal, select, update
from sqlalchemy.orm import Session

from tutela.errors import NotFoundError, UsageError
from tutela.store.account_tables import User
from tutela.store.partner_tables import BankShare, MatchRecord, PartnerKey, TakedownReport
from tutela.store.tables import Bank, BankEntry

KEY_MARK = "tpk_"  # every partner key starts so: secret scanners and people can tell one when they see it
PREFIX_LENGTH = len(KEY_MARK) + 12  # the mark and 48 random bits: what `partner list` shows and revoke takes
ACTIONS = ("removed", "reported", "false_positive")


class KeyRefused(Exception):
    """The key is unknown, malformed, revoked, or its partner is locked; ``str`` says which, to its holder."""


@dataclass(frozen=True)
class Partner:
    """A partner as the match service sees it on one request: who, and which banks it may see."""

    id: int
    name: str
    banks: frozenset[int]


@dataclass(frozen=True)
class NewKey:
    key: str  # shown once, never stored
    prefix: str


def key_hash(key: str) -> bytes:
    # The key carries 256 random bits: a plain SHA-256 is enough (no password-style stretching needed).
    return hashlib.sha256(key.encode()).digest()


def partner_id(session: Session, name: str) -> int:
    users = User.__table__
    row = session.execute(select(users.c.id, users.c.role).where(users.c.name == name)).one_or_none()
    if row is None:
        raise NotFoundError(f"no partner {name!r} (see `tutela partner list`)")
    if row.role != "partner":
        raise UsageError(f"{name!r} is a {row.role} account, not a partner")
    return int(row.id)


def create_key(session: Session, partner: str, label: str | None, now: datetime) -> NewKey:
    user_id = partner_id(session, partner)
    prefix = KEY_MARK + secrets.token_hex(6)
    key = f"{prefix}_{secrets.token_urlsafe(32)}"
    session.execute(insert(PartnerKey.__table__).values(user_id=user_id, prefix=prefix, key_hash=key_hash(key),
                                                        label=label, created=now, revoked=None))
    return NewKey(key, prefix)


def revoke_key(session: Session, prefix: str, now: datetime) -> str:
    """Revoke the key with this prefix (a whole key is accepted too); returns its partner's name."""
    prefix = prefix.strip()[:PREFIX_LENGTH]
    keys, users = PartnerKey.__table__, User.__table__
    row = session.execute(select(keys.c.id, keys.c.revoked, users.c.name).join(users, users.c.id == keys.c.user_id)
                          .where(keys.c.prefix == prefix)).one_or_none()
    if row is None:
        raise NotFoundError(f"no partner key {prefix!r} (see `tutela partner list`)")
    if row.revoked is None:
        session.execute(update(keys).where(keys.c.id == row.id).values(revoked=now))
    return row.name


def share_bank(session: Session, partner: str, bank: str, now: datetime, *, shared: bool = True) -> None:
    user_id = partner_id(session, partner)
    bank_id = session.execute(select(Bank.id).where(Bank.name == bank)).scalar()
    if bank_id is None:
        raise NotFoundError(f"no bank named {bank!r} (see `tutela library banks`)")
    shares = BankShare.__table__
    exists = session.execute(select(shares.c.bank_id).where(shares.c.bank_id == bank_id,
                                                            shares.c.user_id == user_id)).first()
    if shared and exists is None:
        session.execute(insert(shares).values(bank_id=bank_id, user_id=user_id, created=now))
    elif not shared and exists is not None:
        session.execute(shares.delete().where(shares.c.bank_id == bank_id, shares.c.user_id == user_id))


def partners(session: Session) -> list[dict[str, Any]]:
    """Every partner with its keys (prefix, label, created, revoked) and the banks shared with it."""
    users, keys, shares = User.__table__, PartnerKey.__table__, BankShare.__table__
    out = []
    for user in session.execute(select(users).where(users.c.role == "partner").order_by(users.c.name)):
        key_rows = session.execute(select(keys).where(keys.c.user_id == user.id).order_by(keys.c.id))
        banks = session.execute(select(Bank.name).join(shares, shares.c.bank_id == Bank.id)
                                .where(shares.c.user_id == user.id).order_by(Bank.name)).scalars()
        out.append({"partner": user.name, "locked": user.locked, "banks": list(banks),
                    "keys": [{"prefix": k.prefix, "label": k.label, "created": k.created.isoformat(),
                              "revoked": k.revoked.isoformat() if k.revoked else None} for k in key_rows]})
    return out


def authenticate(session: Session, key: str) -> Partner:
    """The partner a key belongs to, or KeyRefused. Comparison in constant time; nothing about other keys leaks."""
    prefix, separator, secret = key[:PREFIX_LENGTH], key[PREFIX_LENGTH:PREFIX_LENGTH + 1], key[PREFIX_LENGTH + 1:]
    if not key.startswith(KEY_MARK) or separator != "_" or not secret or len(key) > 200:
        raise KeyRefused("malformed API key")
    keys, users = PartnerKey.__table__, User.__table__
    row = session.execute(select(keys.c.key_hash, keys.c.revoked, users.c.id, users.c.name, users.c.locked,
                                 users.c.role).join(users, users.c.id == keys.c.user_id)
                          .where(keys.c.prefix == prefix)).one_or_none()
    if row is None or not hmac.compare_digest(row.key_hash, key_hash(key)):
        raise KeyRefused("unknown API key")
    if row.revoked is not None:
        raise KeyRefused("this API key was revoked")
    if row.locked or row.role != "partner":
        raise KeyRefused("this partner account is locked")
    shares = BankShare.__table__
    banks = frozenset(session.execute(select(shares.c.bank_id).where(shares.c.user_id == row.id)).scalars())
    return Partner(int(row.id), row.name, banks)


def new_match_ids(count: int) -> list[str]:
    """Unguessable match ids (128 random bits): a partner cannot name another partner's matches."""
    return [secrets.token_hex(16) for _ in range(count)]


def record_matches(session: Session, user_id: int, found: list[Any], now: datetime,
                   ids: list[str] | None = None) -> list[str]:
    """Record each match given to the partner (objects with bank_id, entry_id, category...) under its id."""
    ids = new_match_ids(len(found)) if ids is None else ids
    if found:
        session.execute(insert(MatchRecord.__table__), [
            {"id": match_id, "user_id": user_id, "bank_id": f.bank_id, "entry_id": f.entry_id,
             "category": f.category, "hash_type": f.hash_type, "distance": f.distance, "at": now}
            for match_id, f in zip(ids, found, strict=True)])
    return ids


def report_takedown(session: Session, user_id: int, match_id: str, action: str, note: str | None,
                    now: datetime) -> bool:
    """Record what the partner did with its own match; NotFoundError for any other id (its own or not, the
    answer is the same, so ids cannot be probed). True when new, False when already reported so."""
    if action not in ACTIONS:
        raise UsageError(f"action must be one of {', '.join(ACTIONS)}, not {action!r}")
    records, reports = MatchRecord.__table__, TakedownReport.__table__
    owner = session.execute(select(records.c.user_id).where(records.c.id == match_id)).scalar()
    if owner != user_id:
        raise NotFoundError("no such match id among your matches")
    if session.execute(select(reports.c.id).where(reports.c.match_id == match_id,
                                                  reports.c.action == action)).first() is not None:
        return False
    session.execute(insert(reports).values(match_id=match_id, user_id=user_id, action=action, note=note, at=now))
    return True


def review_queue(session: Session, *, include_reviewed: bool = False) -> list[dict[str, Any]]:
    """False positives reported by partners, for the library custodian: which bank entry, by whom, when."""
    reports, records, users = TakedownReport.__table__, MatchRecord.__table__, User.__table__
    entries = BankEntry.__table__
    query = (select(reports.c.id, reports.c.at, reports.c.note, reports.c.reviewed, reports.c.reviewed_by,
                    reports.c.review_note, records.c.entry_id, records.c.hash_type, records.c.distance,
                    records.c.category, Bank.name.label("bank"), users.c.name.label("partner"),
                    entries.c.md5, entries.c.sha1, entries.c.sha256, entries.c.pdq)
             .join(records, records.c.id == reports.c.match_id).join(Bank, Bank.id == records.c.bank_id)
             .join(users, users.c.id == reports.c.user_id)
             .join(entries, entries.c.id == records.c.entry_id, isouter=True)
             .where(reports.c.action == "false_positive").order_by(reports.c.at, reports.c.id))
    if not include_reviewed:
        query = query.where(reports.c.reviewed.is_(None))
    out = []
    for row in session.execute(query):
        hashes = {name: getattr(row, name).hex() for name in ("md5", "sha1", "sha256", "pdq") if getattr(row, name)}
        out.append({"report": row.id, "reported": row.at.isoformat(), "partner": row.partner, "bank": row.bank,
                    "entry_id": row.entry_id, "category": row.category, "hash_type": row.hash_type,
                    "distance": row.distance, "note": row.note, "entry_hashes": hashes,
                    "reviewed": row.reviewed.isoformat() if row.reviewed else None,
                    "reviewed_by": row.reviewed_by, "review_note": row.review_note})
    return out


def close_review(session: Session, report_id: int, custodian: str, note: str | None, now: datetime) -> None:
    reports = TakedownReport.__table__
    row = session.execute(select(reports.c.action, reports.c.reviewed).where(reports.c.id == report_id)).first()
    if row is None or row.action != "false_positive":
        raise NotFoundError(f"no false-positive report {report_id} (see `tutela library review`)")
    session.execute(update(reports).where(reports.c.id == report_id)
                    .values(reviewed=now, reviewed_by=custodian, review_note=note))


def takedown_figures(session: Session, start: datetime, end: datetime, zone: tzinfo = UTC) -> list[dict[str, Any]]:
    """Per partner per ISO week (in ``zone``, the unit's time zone) of times in [start, end): matches given,
    and removed, reported and false_positive reports made. Rows ``{partner, week: "2026-W48", matches,
    removed, reported, false_positive}`` sorted by partner and week; a week with nothing is left out."""
    records, reports, users = MatchRecord.__table__, TakedownReport.__table__, User.__table__
    counts: dict[tuple[str, str], dict[str, int]] = {}
    matches = (select(users.c.name, records.c.at, literal("matches"))
               .join(users, users.c.id == records.c.user_id).where(records.c.at >= start, records.c.at < end))
    actions = (select(users.c.name, reports.c.at, reports.c.action)
               .join(users, users.c.id == reports.c.user_id).where(reports.c.at >= start, reports.c.at < end))
    for query in (matches, actions):
        for name, at, column in session.execute(query.execution_options(yield_per=10_000)):
            year, week, _ = at.astimezone(zone).isocalendar()
            row = counts.setdefault((name, f"{year}-W{week:02d}"), dict.fromkeys(("matches", *ACTIONS), 0))
            row[column] += 1
    return [{"partner": name, "week": week, **values} for (name, week), values in sorted(counts.items())]


def utc_now() -> datetime:
    return datetime.now(UTC)

