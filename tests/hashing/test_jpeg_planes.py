"""The plane decoder ingest uses must give the hash exactly what `tutela hash`'s grey decode gives it.

Ingest takes luma and thumbnail from libjpeg's raw planes (hashing/jpeg_planes.py); `tutela hash` from Pillow's grey
decode. A file must get the same PDQ from both, so the Y plane is compared pixel for pixel with Pillow's at every
reduced scale, subsampling, odd size and EXIF orientation; files libjpeg warns about go to Pillow as before.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from drawn import encoded, picture
from PIL import Image
from tutela.hashing._jpeg_planes import decode

from tutela.errors import DecodeError
from tutela.hashing.jpeg_planes import luma_and_thumbnail
from tutela.hashing.stills import _draft, _fast_jpeg, hash_still_and_signals


def _jpeg(width, height, *, subsampling=2, progressive=False, orientation=1, seed=3):
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encoded(picture(width, height, seed=seed), "JPEG", quality=88, subsampling=subsampling,
                   progressive=progressive, exif=exif)


def _planes(data: bytes, fix=None):
    with Image.open(io.BytesIO(data)) as image:
        assert _draft(image, "YCbCr")
        return luma_and_thumbnail(data, image.decoderconfig[0], fix, 256)


def _grey(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(_fast_jpeg(image, "L"))


@pytest.mark.parametrize(("width", "height"), [(1600, 1200), (1203, 1601), (2931, 769), (777, 1459), (3000, 4000)])
@pytest.mark.parametrize("subsampling", [0, 1, 2], ids=["4:4:4", "4:2:2", "4:2:0"])
def test_y_plane_is_the_grey_decode_at_every_reduced_scale(width, height, subsampling):
    data = _jpeg(width, height, subsampling=subsampling)
    luma, thumbnail = _planes(data)
    assert np.array_equal(luma, _grey(data))
    assert min(luma.shape) < min(width, height)  # reduced, odd sides too
    assert max(thumbnail.width, thumbnail.height) == 256


def test_progressive_jpeg_gives_the_same_y_plane():
    data = _jpeg(1600, 1200, progressive=True)
    luma, _ = _planes(data)
    assert np.array_equal(luma, _grey(data))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_hashes_and_shows_upright_as_the_grey_path(orientation):
    data = _jpeg(1600, 1200, orientation=orientation)
    still, signals, _ = hash_still_and_signals(data)
    with_thumb, with_signals, thumbnail = hash_still_and_signals(data, thumbnail=256)
    assert (with_thumb, with_signals) == (still, signals)
    with Image.open(io.BytesIO(data)) as image:
        upright = _fast_jpeg(image, "RGB")
    shown = Image.open(io.BytesIO(thumbnail.jpeg)).convert("RGB")
    assert shown.size == (thumbnail.width, thumbnail.height) and max(shown.size) == 256
    coarse = (shown.width // 16, shown.height // 16)  # the drawn shapes, not the noise blended over them
    seen = np.asarray(shown.resize(coarse, Image.Resampling.BOX), dtype=np.int16)
    expected = np.asarray(upright.resize(coarse, Image.Resampling.BOX), dtype=np.int16)
    assert np.abs(seen - expected).mean() < 4  # the same picture, the same way up


def test_thumbnail_keeps_the_colours():
    base = Image.new("RGB", (1600, 1200), (200, 40, 30))
    base.paste((20, 60, 210), (800, 0, 1600, 1200))  # red left half, blue right half
    data = encoded(base, "JPEG", quality=90)
    _, _, thumbnail = hash_still_and_signals(data, thumbnail=256)
    shown = np.asarray(Image.open(io.BytesIO(thumbnail.jpeg)).convert("RGB"), dtype=np.int16)
    assert np.abs(shown[:, :100] - (200, 40, 30)).max() < 12
    assert np.abs(shown[:, -100:] - (20, 60, 210)).max() < 12


def test_grey_and_cmyk_jpegs_are_left_to_pillow():
    for mode in ("L", "CMYK"):
        data = encoded(picture(1600, 1200, seed=4).convert(mode), "JPEG", quality=85)
        assert decode(data, 2) is None
        still, signals, _ = hash_still_and_signals(data)
        assert hash_still_and_signals(data, thumbnail=256)[:2] == (still, signals)


def test_a_truncated_jpeg_fails_as_it_did_before():
    data = _jpeg(1600, 1200)[:40_000]
    assert decode(data, 2) is None  # libjpeg warns (premature end): not ours to judge
    with pytest.raises(DecodeError, match="cannot decode image"):
        hash_still_and_signals(data, thumbnail=256)
    with pytest.raises(DecodeError, match="cannot decode image"):
        hash_still_and_signals(data)


def _outcome(data: bytes, **kwargs):
    try:
        still, signals, _ = hash_still_and_signals(data, **kwargs)
        return still, signals
    except DecodeError as error:
        return str(error)


@pytest.mark.parametrize("offset", [700, 2000, 30_000])
def test_a_damaged_jpeg_gets_the_outcome_tutela_hash_gives_it(offset):
    data = bytearray(_jpeg(1600, 1200))
    data[offset:offset + 400] = bytes(400)  # zeros over the header or the entropy-coded data
    assert _outcome(bytes(data), thumbnail=256) == _outcome(bytes(data))


def test_only_dct_scales_are_asked_for():
    with pytest.raises(ValueError, match="scale"):
        decode(_jpeg(1600, 1200), 3)
