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


def _rule(lines: np.ndarray) -> int:
    """The rule in plain numpy, a line at a time: leading lines within the tolerance of the edge line's median."""
    from tutela.hashing.borders import SHARE_WITHIN, TOLERANCE

    colour = float(np.median(lines[0]))
    for k, line in enumerate(lines):
        if (np.abs(line.astype(np.int16) - colour) <= TOLERANCE).mean() < SHARE_WITHIN:
            return k
    return len(lines)


def test_the_lines_counted_in_c_are_the_rule_s_on_noisy_padded_pictures():
    from tutela.hashing._borders import border_lines

    rng = np.random.default_rng(3)
    for _ in range(300):
        height, width = rng.integers(16, 120, 2)
        pads = rng.integers(0, 30, 4) * (rng.random(4) < 0.6)
        padded = np.pad(_noise(height, width, int(rng.integers(1000))),
                        ((pads[0], pads[1]), (pads[2], pads[3])), constant_values=int(rng.integers(256)))
        noisy = padded.astype(np.int16) + rng.integers(-15, 16, padded.shape) * (rng.random(padded.shape) < 0.03)
        plane = np.ascontiguousarray(noisy.clip(0, 255).astype(np.uint8))
        expected = (_rule(plane), _rule(plane[::-1]), _rule(plane.T), _rule(plane.T[::-1]))
        assert border_lines(plane, plane.shape[1], plane.shape[0], 12, 0.98) == expected


def test_a_plane_of_the_wrong_size_or_an_absurd_rule_is_refused():
    from tutela.hashing._borders import border_lines

    with pytest.raises(ValueError, match="width x height"):
        border_lines(bytes(10), 4, 4, 12, 0.98)
    with pytest.raises(ValueError, match="tolerance"):
        border_lines(bytes(16), 4, 4, 2 ** 40, 0.98)
    with pytest.raises(ValueError, match="share"):
        border_lines(bytes(16), 4, 4, 12, float("nan"))


def test_only_an_8_bit_plane_is_taken():
    with pytest.raises(TypeError, match="8-bit"):
        content_box(_noise(40, 40).astype(np.int16))
