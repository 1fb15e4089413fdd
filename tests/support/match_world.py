"""Partners of a small match service for tests: 'platform-a' sees bank 'national', 'platform-b' sees
'partner-feed'; each has one key. The app is the standalone match service (`create_match_app`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tutela.services.partners import add_partner, new_key, share


@dataclass
class Partners:
    keys: dict[str, str]


def add_partners(engine: Engine, shares: dict[str, list[str]]) -> Partners:
    keys = {}
    with Session(engine) as session, session.begin():
        for name, banks in shares.items():
            add_partner(session, name, "os:test")
            for bank in banks:
                share(session, name, bank, "os:test")
            keys[name] = new_key(session, name, "test", "os:test").key
    return Partners(keys)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
