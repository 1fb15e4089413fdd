"""Random and deliberately skewed PDQ sets, for the index tests and bench/match.py.

Only random bits: no image is involved. The skewed shapes are the ones that hurt a multi-index: clusters
of near-duplicates (one picture re-encoded many times) and near-blank hashes (flat pictures), which pile
thousands of entries into a few buckets of every part.
"""

from __future__ import annotations

import numpy as np

_CHUNK = 65_536


def uniform(count: int, rng: np.random.Generator) -> np.ndarray:
    return rng.integers(0, 256, size=(count, 32), dtype=np.uint8)


def flip_bits(rows: np.ndarray, flips: np.ndarray, rng: np.random.Generator, *, exact: bool = False) -> np.ndarray:
    """Copy of ``rows`` with up to ``flips[i]`` bits of row i flipped (exactly that many when ``exact``).

    Without ``exact`` positions are drawn with replacement, which is cheaper and still keeps every row
    within ``flips[i]`` bits of its original.
    """
    out = np.empty_like(rows)
    for start in range(0, rows.shape[0], _CHUNK):
        bits = np.unpackbits(rows[start : start + _CHUNK], axis=1)
        _toggle(bits, flips[start : start + _CHUNK], rng, exact)
        out[start : start + _CHUNK] = np.packbits(bits, axis=1)
    return out


def clustered(count: int, rng: np.random.Generator, *, centres: int = 50, max_flips: int = 24) -> np.ndarray:
    """Near-duplicates: each row is a random centre with 0..max_flips bits flipped."""
    seeds = uniform(centres, rng)[rng.integers(0, centres, count)]
    return flip_bits(seeds, rng.integers(0, max_flips + 1, count), rng)


def near_blank(count: int, rng: np.random.Generator, *, max_ones: int = 40) -> np.ndarray:
    """Mostly-zero rows, skewed towards very few one bits (about one in six rows all zero)."""
    ones = (max_ones * rng.random(count) ** 3).astype(np.int64)
    return flip_bits(np.zeros((count, 32), np.uint8), ones, rng)


def skewed(count: int, rng: np.random.Generator) -> np.ndarray:
    """80 % uniform, 15 % clustered around 1000 centres, 5 % near-blank, shuffled."""
    parts = [uniform(count - count // 5, rng), clustered(count * 3 // 20, rng, centres=1000)]
    rows = np.concatenate([*parts, near_blank(count - sum(len(p) for p in parts), rng)])
    return rows[rng.permutation(count)]


def mixed_queries(rows: np.ndarray, count: int, rng: np.random.Generator, *, max_flips: int = 31) -> np.ndarray:
    """Half near a stored row (0..max_flips distinct bits flipped), half uniform random."""
    near = count // 2
    picked = rows[rng.integers(0, rows.shape[0], near)] if rows.shape[0] else uniform(near, rng)
    moved = flip_bits(picked, rng.integers(0, max_flips + 1, near), rng, exact=True)
    return np.concatenate([moved, uniform(count - near, rng)])


def _toggle(bits: np.ndarray, flips: np.ndarray, rng: np.random.Generator, exact: bool) -> None:
    most = int(flips.max(initial=0))
    if most == 0:
        return
    if exact:
        positions = np.argsort(rng.random((bits.shape[0], 256)), axis=1)[:, :most]
    else:
        positions = rng.integers(0, 256, size=(bits.shape[0], most))
    rows, columns = np.nonzero(np.arange(most) < flips[:, None])
    bits[rows, positions[rows, columns]] ^= 1
