"""hashing/_pdq.c must give the PDQ Meta's C++ gives, bit for bit: pdqhash (the wheel wrapping that C++) is the
reference here, on drawn pictures of many shapes, noise, flat planes and the sizes where the reference takes
another road (64 x 64 taken as it is, below 5 pixels no hash)."""

from __future__ import annotations

import numpy as np
import pdqhash
import pytest
from drawn import picture

from tutela.hashing.pdq import pdq_dihedral_from_luma, pdq_from_luma


def _reference(luma: np.ndarray) -> tuple[list[str], int]:
    three = np.ascontiguousarray(np.repeat(luma[:, :, None], 3, axis=2))
    hashes, quality = pdqhash.compute_dihedral(three)
    single, single_quality = pdqhash.compute(three)
    as_hex = [np.packbits(bits.astype(np.uint8)).tobytes().hex() for bits in (single, *hashes)]
    return as_hex, int(single_quality), int(quality)


def _lumas():
    rng = np.random.default_rng(11)
    shapes = [(600, 800), (800, 600), (375, 500), (480, 640), (1201, 97), (64, 64), (65, 63), (128, 128),
              (5, 5), (4, 9), (9, 4), (7, 1000), (333, 257)]
    for n, (rows, cols) in enumerate(shapes):
        yield f"drawn-{rows}x{cols}", np.asarray(picture(max(cols, 16), max(rows, 16), seed=n).convert("L")
                                                 .resize((cols, rows)))
        yield f"noise-{rows}x{cols}", rng.integers(0, 256, (rows, cols), dtype=np.uint8)
    yield "black", np.zeros((300, 200), np.uint8)
    yield "white", np.full((300, 200), 255, np.uint8)
    yield "grey-64", np.full((64, 64), 128, np.uint8)


@pytest.mark.parametrize(("name", "luma"), list(_lumas()), ids=lambda v: v if isinstance(v, str) else "")
def test_luma_pdqs_are_pdqhashs_bit_for_bit(name, luma):
    (single, *dihedral), single_quality, dihedral_quality = _reference(luma)
    assert pdq_from_luma(luma) == (single, single_quality)
    assert pdq_dihedral_from_luma(luma) == (dihedral, dihedral_quality)


def test_a_view_of_a_plane_is_hashed_as_the_plane_it_shows():
    luma = np.asarray(picture(900, 700, seed=3).convert("L"))
    inner = luma[50:600, 100:800]  # not contiguous: the content inside borders is hashed this way
    assert pdq_dihedral_from_luma(inner) == pdq_dihedral_from_luma(np.ascontiguousarray(inner))
    assert pdq_dihedral_from_luma(inner)[0][0] == _reference(np.ascontiguousarray(inner))[0][1]
