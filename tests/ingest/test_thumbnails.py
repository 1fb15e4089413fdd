"""Thumbnails for grading come from the decode the PDQ came from, and change nothing about the hash."""

from __future__ import annotations

import io

import pytest
from drawn import encoded, picture
from PIL import Image

from tutela.hashing.stills import hash_still_and_signals


def _jpeg(width, height, *, orientation=1, mode="RGB"):
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encoded(picture(width, height, seed=5).convert(mode), "JPEG", quality=90, exif=exif)


@pytest.mark.parametrize("data", [
    _jpeg(1600, 1200), _jpeg(1600, 1200, orientation=6), _jpeg(640, 480), _jpeg(1600, 1200, mode="L"),
    _jpeg(1600, 1200, mode="CMYK"), encoded(picture(900, 700, seed=5), "PNG"),
], ids=["reduced", "turned", "full-scale", "grey", "cmyk", "png"])
def test_thumbnail_leaves_the_hash_as_it_was(data):
    still, signals, none = hash_still_and_signals(data)
    with_thumb, with_signals, thumbnail = hash_still_and_signals(data, thumbnail=256)
    assert none is None and (with_thumb, with_signals) == (still, signals)
    shown = Image.open(io.BytesIO(thumbnail.jpeg))
    assert shown.format == "JPEG" and shown.mode == "RGB" and max(shown.size) == 256
    assert shown.size == (thumbnail.width, thumbnail.height)
    assert (shown.width > shown.height) == (still.width > still.height)  # upright, as the picture is shown
