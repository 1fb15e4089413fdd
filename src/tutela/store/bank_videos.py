"""Bank videos: an entry with the video's digests and grade, and its frame signatures beside it."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy import Engine, select

from tutela.domain.categories import Category
from tutela.domain.media import FrameSignature, digest_bytes
from tutela.errors import UsageError
from tutela.store.library import LibraryStore
from tutela.store.tables import BankEntry
from tutela.store.video_tables import BankEntryFrame


def add_bank_video(engine: Engine, bank_name: str, *, category: Category, frames: Sequence[FrameSignature],
                   md5: str | None = None, sha1: str | None = None, sha256: str | None = None,
                   series: str | None = None, comments: str | None = None) -> tuple[int, bool]:
    """(entry id, added): the same video with the same grade in the same bank is added once."""
    if not frames:
        raise UsageError("a bank video needs at least one frame signature")
    library = LibraryStore(engine)
    bank = library.bank(bank_name)
    key = _video_key(category, frames, md5, sha1, sha256)
    entries = BankEntry.__table__
    with engine.begin() as connection:
        found = connection.execute(select(entries.c.id).where(entries.c.bank_id == bank.id,
                                                              entries.c.entry_key == key)).scalar()
        if found is not None:
            return int(found), False
        entry_id = connection.execute(entries.insert().values(
            bank_id=bank.id, entry_key=key, md5=digest_bytes(md5), sha1=digest_bytes(sha1), sha256=digest_bytes(sha256),
            pdq=None,
            category=category.value, series=series, victim_identified=None, comments=comments,
            extra={"kind": "video", "frames": len(frames)})).inserted_primary_key[0]
        connection.execute(BankEntryFrame.__table__.insert(), [
            {"entry_id": entry_id, "frame": f.frame, "timestamp": f.timestamp, "pdq": bytes.fromhex(f.pdq),
             "quality": f.quality} for f in frames])
        LibraryStore._bump_generation(connection)
    return int(entry_id), True


def _video_key(category: Category, frames: Sequence[FrameSignature], *digests: str | None) -> bytes:
    key = hashlib.blake2b(digest_size=16)
    key.update(f"video|{'|'.join(d or '' for d in digests)}|{category.value}".encode())
    for frame in frames:
        key.update(bytes.fromhex(frame.pdq))
    return key.digest()

