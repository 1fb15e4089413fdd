"""PDQ through Meta's C++ (``pdqhash``), with hashes as 64 hex characters in the standard bit order.

The hex is MSB-first, as ThreatExchange's C++ ``Hash256::format()`` and python-threatexchange print it,
so hashes from Meta's reference tools compare with ours bit for bit.
"""

from __future__ import annotations

import numpy as np

PDQ_HEX_LENGTH = 64


def _bits_to_hex(bits: np.ndarray) -> str:
    return np.packbits(bits.astype(np.uint8)).tobytes().hex()


def pdq_from_rgb(rgb: np.ndarray) -> tuple[str, int]:
    """PDQ of an H×W×3 uint8 RGB array, bit-identical to the reference pipeline."""
    import pdqhash

    bits, quality = pdqhash.compute(np.ascontiguousarray(rgb, dtype=np.uint8))
    return _bits_to_hex(bits), int(quality)


def _as_three_channels(luma: np.ndarray) -> np.ndarray:
    # pdqhash only takes RGB; a zero-stride view gives it three identical channels without copying,
    # and 0.299 + 0.587 + 0.114 = 1 turns them back into the same luma.
    luma = np.ascontiguousarray(luma, dtype=np.uint8)
    return np.lib.stride_tricks.as_strided(luma, shape=(*luma.shape, 3), strides=(*luma.strides, 0))


def pdq_from_luma(luma: np.ndarray) -> tuple[str, int]:
    """PDQ of an H×W uint8 luma (grey) array, e.g. the Y plane a JPEG decoder gives directly."""
    import pdqhash

    bits, quality = pdqhash.compute(_as_three_channels(luma))
    return _bits_to_hex(bits), int(quality)


def pdq_dihedral_from_luma(luma: np.ndarray) -> tuple[list[str], int]:
    """The 8 dihedral PDQs (original, rot90, rot180, rot270, flipx, flipy, flip+1, flip-1) of a luma array."""
    import pdqhash

    hashes, quality = pdqhash.compute_dihedral(_as_three_channels(luma))
    return [_bits_to_hex(bits) for bits in hashes], int(quality)


def hamming(a: str, b: str) -> int:
    """Bits that differ between two PDQ hex strings."""
    return (int(a, 16) ^ int(b, 16)).bit_count()
