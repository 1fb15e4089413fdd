"""Managing platform partners: accounts with role partner, their API keys and the banks shared with them.
Every change is audited (key_change, user_change); a key is shown once and only its SHA-256 is kept."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tutela.store import partners as store
from tutela.store.audit import append_event


def add_partner(session: Session, name: str, actor: str) -> dict[str, Any]:
    from tutela.services.accounts import add_user

    add_user(session, name=name, role="partner", team_ref=None, password=None, actor=actor)
    return {"partner": name, "added": True}


def new_key(session: Session, partner: str, label: str | None, actor: str) -> store.NewKey:
    made = store.create_key(session, partner, label, store.utc_now())
    append_event(session, kind="key_change", actor=actor, subject=f"user:{partner}",
                 details={"change": "key created", "prefix": made.prefix, "label": label})
    return made


def revoke(session: Session, prefix: str, actor: str) -> dict[str, Any]:
    partner = store.revoke_key(session, prefix, store.utc_now())
    shown = prefix.strip()[:store.PREFIX_LENGTH]
    append_event(session, kind="key_change", actor=actor, subject=f"user:{partner}",
                 details={"change": "key revoked", "prefix": shown})
    return {"partner": partner, "prefix": shown, "revoked": True}


def share(session: Session, partner: str, bank: str, actor: str, *, shared: bool = True) -> dict[str, Any]:
    store.share_bank(session, partner, bank, store.utc_now(), shared=shared)
    append_event(session, kind="user_change", actor=actor, subject=f"user:{partner}",
                 details={"change": "bank shared" if shared else "bank unshared", "bank": bank})
    return {"partner": partner, "bank": bank, "shared": shared}
