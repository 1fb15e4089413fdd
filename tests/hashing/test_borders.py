"""content_box: the picture inside uniform borders, whatever their width (the scan reads from each edge in blocks)."""

from __future__ import annotations

import numpy as np
import pytest

from tutela.hashing.borders import content_box


def _noise(height: int, width: int, seed: int = 7) -> np.ndarray:
    return np.random.default_rng(seed).integers(60, 200, size=(height, width), dtype=np.uint8)


@pytest.mark.parametrize("top,bottom,left,right", [(8, 0, 0, 0), (5, 5, 0, 0), (0, 0, 17, 2), (40, 5, 64, 33),
                                                    (100, 0, 0, 0), (0, 127, 0, 0)])
def test_a_border_of_any_width_is_trimmed_exactly(top, bottom, left, right):
    inner = _noise(240, 320)
    padded = np.pad(inner, ((top, bottom), (left, right)), constant_values=12)
    height, width = padded.shape
    assert content_box(padded) == (top, height - bottom, left, width - right)


def test_a_picture_without_borders_has_nothing_to_trim():
    assert content_box(_noise(300, 200)) is None


def test_a_flat_picture_is_not_taken_for_padding():
    assert content_box(np.full((200, 200), 128, dtype=np.uint8)) is None


def test_jpeg_like_noise_within_the_tolerance_is_still_border():
    inner = _noise(200, 200)
    padded = np.pad(inner, ((30, 30), (0, 0)), constant_values=250).astype(np.int16)
    padded[:30] -= np.random.default_rng(1).integers(0, 8, size=(30, 200)).astype(np.int16)
    assert content_box(padded.clip(0, 255).astype(np.uint8)) == (30, 230, 0, 200)
