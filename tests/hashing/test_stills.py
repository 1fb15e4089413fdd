"""Stills in every supported format, EXIF orientation, and the fast/exact modes."""

from __future__ import annotations

import pytest
from drawn import encoded, picture
from PIL import Image

from tutela.domain.media import MediaKind
from tutela.hashing.hasher import HashOptions, hash_file
from tutela.hashing.pdq import hamming, pdq_dihedral_from_luma
from tutela.hashing.stills import hash_still, reduction_for, register_decoders


@pytest.fixture(scope="module", autouse=True)
def _decoders():
    register_decoders()


FORMATS = [
    ("JPEG", "image/jpeg", {"quality": 92}),
    ("PNG", "image/png", {}),
    ("GIF", "image/gif", {}),
    ("WEBP", "image/webp", {"quality": 90}),
    ("BMP", "image/bmp", {}),
    ("TIFF", "image/tiff", {}),
    ("HEIF", "image/heic", {"quality": 90}),
]


@pytest.mark.parametrize(("fmt", "mime", "params"), FORMATS, ids=[f[0] for f in FORMATS])
def test_each_still_format_is_sniffed_sized_and_hashed(tmp_path, fmt, mime, params):
    image = picture(640, 480, seed=3)
    reference = hash_still(encoded(image, "PNG"), exact=True)
    path = tmp_path / "picture.bin"  # the name says nothing: content decides
    path.write_bytes(encoded(image.convert("P") if fmt == "GIF" else image, fmt, **params))
    record = hash_file(str(path))
    assert (record.kind, record.mime, record.error) == (MediaKind.STILL, mime, None)
    assert (record.width, record.height) == (640, 480)
    assert len(record.pdq) == 64 and 0 <= record.quality <= 100
    assert hamming(record.pdq, reference.pdq) <= 24  # lossy and palette encodings move a few bits


def test_gif_is_hashed_on_its_first_frame(tmp_path):
    first, second = picture(320, 240, seed=1), picture(320, 240, seed=2)
    path = tmp_path / "anim.gif"
    first.save(path, "GIF", save_all=True, append_images=[second], duration=100)
    record = hash_file(str(path))
    alone = hash_still(encoded(first, "GIF"), exact=True)
    other = hash_still(encoded(second, "GIF"), exact=True)
    assert hamming(record.pdq, alone.pdq) < hamming(record.pdq, other.pdq)
    assert hamming(record.pdq, alone.pdq) <= 8


@pytest.mark.parametrize("exact", [True, False], ids=["exact", "fast"])
@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_exif_orientation_is_applied_before_hashing(orientation, exact):
    upright = picture(1600, 1200, seed=4)
    stored = upright.transpose({3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90,
                                8: Image.Transpose.ROTATE_270}[orientation])
    exif = Image.Exif()
    exif[0x0112] = orientation
    still = hash_still(encoded(stored, "JPEG", quality=95, exif=exif), exact=exact)
    expected = hash_still(encoded(upright, "JPEG", quality=95), exact=True)
    assert (still.width, still.height) == (1600, 1200)
    assert hamming(still.pdq, expected.pdq) <= (4 if exact else 16)


def test_fast_mode_decodes_large_jpegs_at_reduced_scale_only_down_to_360_px():
    assert reduction_for((4032, 3024)) == 8
    assert reduction_for((1600, 1200)) == 2
    assert reduction_for((640, 480)) == 1
    assert min(4032, 3024) // reduction_for((4032, 3024)) >= 360


def test_exact_option_is_bit_identical_to_reference_and_marked(tmp_path):
    import numpy as np

    from tutela.hashing.pdq import pdq_from_rgb

    image = picture(1200, 900, seed=8)
    path = tmp_path / "p.jpg"
    path.write_bytes(encoded(image, "JPEG", quality=90))
    record = hash_file(str(path), HashOptions(exact=True))
    with Image.open(path) as reopened:
        reference, _ = pdq_from_rgb(np.asarray(reopened.convert("RGB")))
    assert (record.pdq, record.pdq_mode) == (reference, "exact")


def test_dihedral_hashes_find_each_turned_and_flipped_bridge(vectors):
    import numpy as np

    folder = vectors / "pdq" / "images" / "te" / "dih"
    with Image.open(folder / "bridge-1-original.jpg") as original:
        hashes, _ = pdq_dihedral_from_luma(np.asarray(original.convert("L")))
    files = sorted(folder.glob("bridge-*.jpg"))  # same order as the dihedral hashes
    assert len(files) == 8
    for expected, path in zip(hashes, files, strict=True):
        turned = hash_still(path.read_bytes(), exact=True)
        assert hamming(expected, turned.pdq) <= 10, path.name  # 0-8 bits seen: JPEG re-encoding of each


@pytest.mark.parametrize(("fmt", "orientation"), [("JPEG", 1), ("JPEG", 6), ("PNG", 1)])
def test_one_decode_for_hash_and_match_signals_gives_the_same_hash(fmt, orientation):
    from tutela.hashing.stills import hash_still_and_signals, match_signals

    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encoded(picture(1600, 1200, seed=12), fmt, **({"exif": exif} if fmt == "JPEG" else {}))
    still, signals, _ = hash_still_and_signals(data)
    assert still == hash_still(data)
    assert signals.candidates[1:] == match_signals(data).candidates[1:]
