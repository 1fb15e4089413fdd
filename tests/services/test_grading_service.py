"""Trusted grades go to the library; thumbnails leave the server blurred and greyscale unless asked for clear."""

from __future__ import annotations

import io

import numpy as np
import pytest
from cryptography.fernet import Fernet
from drawn import encoded, picture
from grading_data import NOW, make_exhibit
from PIL import Image
from sqlalchemy.orm import Session

from tutela.domain.banks import Trust
from tutela.domain.categories import Category
from tutela.errors import ConfigurationError
from tutela.services.grading import VERIFIED_BANK, export_trusted, thumbnail_jpeg
from tutela.store import grading
from tutela.store.library import LibraryStore


def _detail(image: Image.Image) -> float:
    """Mean difference between neighbouring pixels: edges and texture, which a blurred picture has lost."""
    pixels = np.asarray(image.convert("L"), dtype=np.float64)
    return float(np.abs(np.diff(pixels, axis=0)).mean() + np.abs(np.diff(pixels, axis=1)).mean())


def checkerboard(width: int, height: int, square: int = 8) -> Image.Image:
    y, x = np.mgrid[0:height, 0:width]
    board = (((x // square) + (y // square)) % 2 * 255).astype(np.uint8)
    return Image.blend(picture(width, height, seed=3), Image.fromarray(board).convert("RGB"), 0.6)


def test_a_thumbnail_is_blurred_and_greyscale_unless_asked_for_clear():
    key = Fernet.generate_key().decode()
    clear_jpeg = encoded(checkerboard(256, 192), "JPEG", quality=90)
    token = Fernet(key).encrypt(clear_jpeg)
    assert thumbnail_jpeg(token, key, clear=True) == clear_jpeg
    with Image.open(io.BytesIO(thumbnail_jpeg(token, key, clear=False))) as shown:
        assert (shown.format, shown.mode, shown.size) == ("JPEG", "L", (256, 192))
        with Image.open(io.BytesIO(clear_jpeg)) as clear:
            assert _detail(shown) < _detail(clear) / 20  # the squares are gone


def test_a_missing_or_wrong_media_key_is_one_clear_configuration_error():
    token = Fernet(Fernet.generate_key()).encrypt(b"jpeg")
    with pytest.raises(ConfigurationError, match="TUTELA_MEDIA_KEY is not set"):
        thumbnail_jpeg(token, None, clear=False)
    with pytest.raises(ConfigurationError, match="does not decrypt"):
        thumbnail_jpeg(token, Fernet.generate_key().decode(), clear=False)


def test_a_trusted_grade_puts_every_members_hashes_in_the_verified_bank_once(engine):
    with Session(engine) as session, session.begin():
        data = make_exhibit(session)
    group = data.groups[0]
    for version, name in enumerate(("ann", "bob", "cat")):
        with Session(engine) as session, session.begin():
            grading.cast_vote(session, group_id=group, user_id=data.users[name], category=Category.C,
                              seen_version=version, at=NOW)
    (exported,) = export_trusted(engine, actor="cat")
    assert (exported.group_id, exported.category, exported.entries, exported.added) == (group, Category.C, 3, 3)
    library = LibraryStore(engine)
    assert library.bank(VERIFIED_BANK).trust is Trust.TRUSTED
    with Session(engine) as session:
        hashes = grading.member_hashes(session, group)
    entries = list(library.entries(VERIFIED_BANK))
    assert sorted(e.sha256 for e in entries) == sorted(sha256.hex() for _, _, sha256, _ in hashes)
    assert {e.category for e in entries} == {Category.C}
    assert export_trusted(engine, actor="cat") == []  # done once
