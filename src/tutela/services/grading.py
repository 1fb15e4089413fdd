"""Grading use cases: a vote that may make a trusted grade, its export to the library, and thumbnails to show.

A trusted grade goes to the library bank ``unit-verified`` (trusted: three examiners agreed), so that copies seized
later are graded at ingest and never shown to anyone again. The export runs after the vote's transaction has
committed, through the library's own import (which is idempotent: a hash already in the bank is not added twice);
a group is marked exported only once its hashes are in, so an export cut short is finished by the next one.

Thumbnails are stored clear and encrypted (Fernet, TUTELA_MEDIA_KEY); what leaves the server by default is a
blurred greyscale version made here in memory. The clear picture is only ever the answer to an explicit request.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tutela.domain.banks import Trust
from tutela.domain.categories import Category
from tutela.errors import ConfigurationError, NotFoundError
from tutela.store import grading
from tutela.store.audit import append_event

VERIFIED_BANK = "unit-verified"
BLUR_SIDE = 12  # the blurred picture is rebuilt from at most 12 px on its long side: shapes, no detail
JPEG_QUALITY = 80


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ExportedGroup:
    group_id: int
    category: Category
    entries: int
    added: int


def export_trusted(engine: Engine, *, actor: str | None, bank: str = VERIFIED_BANK,
                   clock: Callable[[], datetime] = _now) -> list[ExportedGroup]:
    """Every trusted group not yet in the library goes into ``bank`` (made on first use), each audited."""
    from tutela.formats.entries import LibraryEntry
    from tutela.store.library import LibraryStore

    with Session(engine) as session:
        pending = grading.trusted_unexported(session)
    if not pending:
        return []
    library = LibraryStore(engine)
    _ensure_bank(library, bank)
    done = []
    for group_id in pending:
        with Session(engine) as session:
            grade, _ = grading.group_standing(session, group_id)
            hashes = grading.member_hashes(session, group_id)
        entries = [LibraryEntry(md5=_hex(md5), sha1=_hex(sha1), sha256=_hex(sha256), pdq=_hex(pdq),
                                category=grade.category, comments=f"three concurring examiners, group {group_id}")
                   for md5, sha1, sha256, pdq in hashes if md5 or sha1 or sha256 or pdq]
        content = "\n".join(f"{e.md5}|{e.sha1}|{e.sha256}|{e.pdq}|{e.category}" for e in entries)
        result = library.import_rows(bank, iter(entries), skip_invalid=False, file_name=f"grading group {group_id}",
                                     file_sha256=hashlib.sha256(content.encode()).hexdigest(), fmt="grading")
        with Session(engine) as session, session.begin():
            grading.mark_exported(session, group_id, clock())
            append_event(session, kind="export", actor=actor, subject=f"group:{group_id}",
                         details={"bank": bank, "category": grade.category.value, "entries": len(entries),
                                  "added": result.added})
        done.append(ExportedGroup(group_id, grade.category, len(entries), result.added))
    return done


def _ensure_bank(library, bank: str) -> None:
    from tutela.errors import UsageError

    try:
        library.bank(bank)
    except NotFoundError:
        try:
            library.add_bank(bank, trust=Trust.TRUSTED, source="grades from three concurring examiners of this unit")
        except UsageError:
            library.bank(bank)  # made meanwhile by another export


def _hex(value: bytes | None) -> str | None:
    return bytes(value).hex() if value else None


# thumbnails ---------------------------------------------------------------------------------------------------
def thumbnail_jpeg(token: bytes, media_key: str | None, *, clear: bool) -> bytes:
    """The thumbnail decrypted in memory: blurred and greyscale unless ``clear``."""
    from cryptography.fernet import Fernet, InvalidToken

    if not media_key:
        raise ConfigurationError("TUTELA_MEDIA_KEY is not set: thumbnails cannot be decrypted")
    try:
        picture = Fernet(media_key).decrypt(token)
    except (InvalidToken, ValueError):
        raise ConfigurationError("TUTELA_MEDIA_KEY does not decrypt this store's thumbnails") from None
    return picture if clear else blurred(picture)


def blurred(jpeg: bytes) -> bytes:
    """A greyscale picture rebuilt from a few pixels and smoothed: where things are, never what they are."""
    from PIL import Image, ImageFilter, ImageOps

    with Image.open(io.BytesIO(jpeg)) as image:
        grey = ImageOps.grayscale(image)
    width, height = grey.size
    scale = BLUR_SIDE / max(width, height, 1)
    tiny = grey.resize((max(1, round(width * scale)), max(1, round(height * scale))), Image.Resampling.BOX)
    out = tiny.resize((width, height), Image.Resampling.BILINEAR).filter(
        ImageFilter.GaussianBlur(radius=max(width, height) / (2 * BLUR_SIDE)))
    buffer = io.BytesIO()
    out.save(buffer, "JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()
