"""Rows for grading tests: a team, a case, an exhibit, its media in near-duplicate groups, and examiners.

Written straight into the tables (the ingest and account code have their own tests); pictures are not needed
here, only the records a queue and a grade stand on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from tutela.store.account_tables import User
from tutela.store.ingest_tables import Ingest, MediaGroup, MediaItem, Thumbnail
from tutela.store.tables import Bank
from tutela.store.unit_tables import Case, Exhibit, Team
from tutela.store.users import insert_account

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"  # as web_world's accounts


@dataclass
class GradingData:
    exhibit_id: int
    groups: list[int] = field(default_factory=list)  # largest first
    members: dict[int, list[int]] = field(default_factory=dict)
    known_item: int = 0
    users: dict[str, int] = field(default_factory=dict)


def _digest(text: str, size: int) -> bytes:
    return hashlib.sha256(text.encode()).digest()[:size]


def make_exhibit(session, *, sizes=(3, 1, 2), examiners=("ann", "bob", "cat", "dan"), ref="EX-1",
                 team: int | None = None, thumbnail: bytes | None = None) -> GradingData:
    """An exhibit with one group per size, a known item matched in a trusted bank, and examiner accounts.

    ``thumbnail`` (a Fernet token) is stored for every group's representative and for the known item (which
    must be refused all the same).
    """
    if team is None:
        team = session.execute(insert(Team).values(ref=f"T-{ref}", name="borough", kind="borough")
                               .returning(Team.id)).scalar_one()
    case = session.execute(insert(Case).values(ref=f"C-{ref}", team_id=team, status="open", opened=NOW)
                           .returning(Case.id)).scalar_one()
    exhibit = session.execute(insert(Exhibit).values(ref=ref, case_id=case, type="phone",
                                                     status="awaiting_examination").returning(Exhibit.id)).scalar_one()
    ingest = session.execute(insert(Ingest).values(exhibit_id=exhibit, source_path=f"/seized/{ref}",
                                                   evidence_sha256_before="0" * 64, started=NOW)
                             .returning(Ingest.id)).scalar_one()
    data = GradingData(exhibit_id=exhibit)
    for number, size in enumerate(sorted(sizes, reverse=True)):
        items = [_item(session, exhibit, ingest, f"{ref}/g{number}/m{m}", "unknown_still") for m in range(size)]
        group = session.execute(insert(MediaGroup).values(exhibit_id=exhibit, representative_id=items[0], size=size,
                                                         kind="still")
                                .returning(MediaGroup.id)).scalar_one()
        session.execute(MediaItem.__table__.update().where(MediaItem.id.in_(items)).values(group_id=group))
        data.groups.append(group)
        data.members[group] = items
    if not session.execute(Bank.__table__.select().where(Bank.name == "national")).first():
        session.execute(insert(Bank).values(name="national", trust="trusted", source="", enabled=True,
                                            precedence=0, pdq_threshold=31, created_at=NOW))
    data.known_item = _item(session, exhibit, ingest, f"{ref}/known", "known", bank="national", category="a")
    if thumbnail is not None:
        for item in [data.known_item, *(data.members[g][0] for g in data.groups)]:
            session.execute(insert(Thumbnail).values(item_id=item, token=thumbnail, width=64, height=48))
    for name in examiners:
        insert_account(session, name=name, role="examiner", team_id=team, password_hash=None, created=NOW)
        data.users[name] = session.execute(select(User.id).where(User.name == name)).scalar_one()
    return data


def _item(session, exhibit: int, ingest: int, name: str, outcome: str, bank=None, category=None) -> int:
    return session.execute(insert(MediaItem).values(
        ingest_id=ingest, exhibit_id=exhibit, locator_key=_digest(name, 32), locator={"path": name},
        deleted=False, size=1000, md5=_digest("md5" + name, 16), sha1=_digest("sha1" + name, 20),
        sha256=_digest(name, 32), kind="still", mime="image/jpeg", pdq=_digest("pdq" + name, 32), quality=100,
        outcome=outcome, bank=bank, category=category).returning(MediaItem.id)).scalar_one()


# the web application over such an exhibit ------------------------------------------------------------------
GRADING_ACCOUNTS = {
    "ann": ("examiner", "T-B01"), "bob": ("examiner", "T-B01"), "cat": ("examiner", "T-B01"),
    "eve": ("examiner", "T-B02"), "sue": ("supervisor", None), "ian": ("investigator", "T-B01"),
}


@dataclass
class GradingWorld:
    web: object  # web_world.WebWorld
    data: GradingData
    other: GradingData  # an exhibit of team T-B02
    clear_jpeg: bytes
    media_key: str


def grading_world(engine, tmp_path) -> GradingWorld:
    """Teams T-B01 and T-B02, the accounts above (password web_world.PASSWORD), an exhibit of each team with
    groups of sizes 3, 2, 1 whose representatives have a real encrypted thumbnail, and an app that decrypts them."""
    from cryptography.fernet import Fernet
    from drawn import encoded, picture
    from web_world import SECRET, WebWorld

    from tutela.services.accounts import add_user
    from tutela.settings import Settings
    from tutela.store.unit import UnitStore
    from tutela.web.app import create_app

    key = Fernet.generate_key().decode()
    clear = encoded(picture(96, 72, seed=5), "JPEG", quality=90)
    token = Fernet(key).encrypt(clear)
    store = UnitStore(engine)
    for ref, name in (("T-B01", "Borough one"), ("T-B02", "Borough two")):
        store.add("teams", {"ref": ref, "name": name, "kind": "borough"})
    with Session(engine) as session, session.begin():
        teams = dict(session.execute(select(Team.ref, Team.id)).all())
        for name, (role, team) in GRADING_ACCOUNTS.items():
            add_user(session, name=name, role=role, team_ref=team, password=PASSWORD, actor="test")
        data = make_exhibit(session, examiners=(), ref="EX-1", team=teams["T-B01"], thumbnail=token)
        other = make_exhibit(session, examiners=(), ref="EX-2", team=teams["T-B02"], thumbnail=token)
        data.users = other.users = dict(session.execute(select(User.name, User.id)).all())
    settings = Settings(home=tmp_path / "home", secret_key=SECRET, media_key=key)
    return GradingWorld(WebWorld(create_app(settings, engine=engine), engine), data, other, clear, key)


def grading_sample(engine, team_ref: str = "T-B01") -> str:
    """For the access matrix: exhibit EX-G1 of ``team_ref`` with groups (the first is group 1, shown by item 1)
    whose thumbnails are encrypted under the key returned."""
    from cryptography.fernet import Fernet
    from drawn import encoded, picture

    key = Fernet.generate_key().decode()
    token = Fernet(key).encrypt(encoded(picture(64, 48, seed=7), "JPEG", quality=85))
    with Session(engine) as session, session.begin():
        team = session.execute(select(Team.id).where(Team.ref == team_ref)).scalar_one()
        make_exhibit(session, examiners=(), ref="EX-G1", team=team, thumbnail=token)
    return key
